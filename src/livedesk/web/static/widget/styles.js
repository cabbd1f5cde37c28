// The chat panel's stylesheet, inside the widget's Shadow DOM: nothing here reaches the host
// page. It ships with the panel's script (a constructed stylesheet; one response less for a
// visitor's phone). The business's accent comes from the loader as custom properties on the
// host: --ld-accent, --ld-on-accent (text on it, readable at 4.5:1) and --ld-accent-ink (the
// accent on white, or near-black when the accent is too light for that).
// An ended chat (.ended) shows the transcript at its full height and the end view below it, in
// one scroll; at 480 px and less the panel is full screen and the header's × closes it.
export const CSS = `
.panel {
position: fixed; right: 16px; bottom: 88px; width: 370px; max-width: calc(100vw - 32px);
height: 560px; max-height: calc(100vh - 110px); display: flex; flex-direction: column;
background: #fff; color: #1a1a1a; border-radius: 12px; overflow: hidden;
box-shadow: 0 8px 30px rgba(0, 0, 0, .25); font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
:host([data-position=left]) .panel { right: auto; left: 16px; }
.head { display: flex; align-items: flex-start; gap: 10px; padding: 12px 14px; background: var(--ld-accent, #0b5cad); color: var(--ld-on-accent, #fff); }
.logo { flex: none; width: 32px; height: 32px; object-fit: contain; border-radius: 6px; background: #fff; overflow: hidden; }
.head > div { flex: 1; min-width: 0; }
.title { margin: 0; font-size: 17px; font-weight: 650; }
.status { margin: 2px 0 0; font-size: 13px; color: inherit; min-height: 1.2em; }
.greeting { margin: 0; padding: 10px 14px; border-bottom: 1px solid #dde2e8; background: #f6f8fa; white-space: pre-wrap; }
.x { border: 0; background: transparent; color: inherit; font-size: 26px; line-height: 1; cursor: pointer; padding: 2px 8px; border-radius: 6px; }
button:focus-visible, input:focus-visible, textarea:focus-visible, .log:focus-visible, a:focus-visible {
outline: 3px solid #ffbf47; outline-offset: 2px;
}
.conn { margin: 0; padding: 6px 12px; background: #fff4ce; color: #4a3b00; font-size: 13px; }
.body { flex: 1; display: flex; flex-direction: column; min-height: 0; overflow-y: auto; }
.log { padding: 12px; flex: 1; overflow-y: auto; }
.msgs { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 8px; }

.ended .log { flex: none; overflow: visible; }
.msg { max-width: 82%; padding: 8px 10px; border-radius: 10px; word-wrap: break-word; overflow-wrap: anywhere; white-space: pre-wrap; }
.them { align-self: flex-start; background: #eef1f5; }
.me { align-self: flex-end; background: var(--ld-accent, #0b5cad); color: var(--ld-on-accent, #fff); }
.me a { color: inherit; }
.them a { color: #0b4d91; }
.meta { font-size: 12px; opacity: .9; margin-bottom: 2px; white-space: normal; }
.who { font-weight: 650; }
.mark { font-size: 11.5px; text-align: right; margin-top: 2px; white-space: normal; }
.pending { opacity: .8; }
.note { align-self: center; font-size: 12px; color: #555; }
.msg.system { align-self: center; max-width: 90%; text-align: center; font-size: 13px; color: #4d4d4d; background: transparent; padding: 2px 8px; }
.msg.system time { display: block; font-size: 11px; }
.typing { margin: 0 12px; min-height: 1.3em; font-size: 13px; color: #4d4d4d; font-style: italic; }
.composer { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #dde2e8; }
.composer textarea { flex: 1; resize: none; }
textarea, input { font: inherit; color: inherit; padding: 8px; border: 1px solid #767676; border-radius: 8px; box-sizing: border-box; }
.primary, .secondary { font: inherit; font-weight: 600; border-radius: 8px; padding: 8px 14px; cursor: pointer; }
.primary { background: var(--ld-accent, #0b5cad); color: var(--ld-on-accent, #fff); border: 0; }
.secondary { background: #fff; color: var(--ld-accent-ink, #0b5cad); border: 1px solid var(--ld-accent-ink, #0b5cad); }
button[disabled], textarea[disabled] { opacity: .55; cursor: not-allowed; }
form.prechat, .offline-view, .after { display: flex; flex-direction: column; gap: 8px; padding: 14px; }
.offline-view form, .after form { display: flex; flex-direction: column; gap: 8px; }
.after { border-top: 1px solid #dde2e8; }
.after .offline-view { padding: 0; }
label { font-weight: 600; font-size: 14px; }
.check { display: flex; gap: 8px; align-items: flex-start; font-weight: 400; }
.check input { margin-top: 3px; }
.req { font-weight: 400; color: #555; }
.gdpr, .hint { font-size: 13px; color: #444; margin: 0; }
.err { color: #b00020; margin: 0; min-height: 1em; }
.ok { color: #0a6b2d; font-weight: 600; }
.lead { font-weight: 600; margin: 0; }
.refused { padding: 14px; }
fieldset { border: 0; margin: 0; padding: 0; }
legend { font-weight: 600; margin-bottom: 4px; }
.stars { display: flex; gap: 4px; }
.star { position: relative; font-size: 28px; color: #8a8a8a; cursor: pointer; }
.star input { position: absolute; opacity: 0; width: 100%; height: 100%; margin: 0; cursor: pointer; }
.star:has(input:checked), .star:has(~ .star input:checked) { color: #c77700; }
.star:has(input:focus-visible) { outline: 3px solid #ffbf47; border-radius: 4px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 480px) {
.panel, :host([data-position=left]) .panel { right: 0; left: 0; bottom: 0; width: 100vw; max-width: 100vw; height: 100%; max-height: 100%; border-radius: 0; }
.panel:not([hidden]) ~ .launcher { display: none; }
}
`;
