// The visitor chat panel, imported by widget.js on first open: one conversation at a time. This
// module holds its state (P) and frame, opening and closing, and sending; around it views.js
// (what it shows), frames.js (what the socket's frames change), connection.js (token, socket,
// unacknowledged sends), transcript.js (the messages), composer.js (typing) and widget.css; the
// forms, the offline form and the end of a chat load (with their texts) only when shown. The
// look, forms, language and form of address come from the widget's configuration. In the back
// office's preview (ctx.preview) it opens no session and no socket: placeholder content only.
import { loadT } from "./i18n.js";
import { el, uid } from "./dom.js";
import { makeSession } from "./connection.js";
import { makeTranscript } from "./transcript.js";
import { makeComposer, MAX_CHARS } from "./composer.js";
import { CSS } from "./widget.css.js"; // made by the server from widget.css
import { banner, onFrame, OPEN_STATES } from "./frames.js";
import { chatView, entryView, refusedView } from "./views.js";

export async function mount(ctx) {
  const { root, panel, base } = ctx;
  const preview = ctx.preview !== undefined && ctx.preview !== null;
  let S = {};
  if (!preview) try { S = JSON.parse(localStorage.getItem(ctx.storeKey) || "{}") || {}; } catch { S = {}; }
  S.out = Array.isArray(S.out) ? S.out : [];
  S.seen = S.seen || 0;
  // The panel's state, shared with views.js and frames.js.
  const P = {
    ctx, base, key: ctx.key, preview, S, config: ctx.config || null, lang: ctx.lang || "nl",
    refusal: null, // what to tell the visitor once the business or widget is deactivated
    known: null, // frame types the visitor socket accepts (the welcome frame lists them)
    ready: false, // welcomed on the current socket
    conv: null, bot: false, queueText: "", endShown: null, isOpen: false, operatorName: null,
    resumeAt: 0, typingOff: 0,
    save() { if (!preview) try { localStorage.setItem(ctx.storeKey, JSON.stringify(S)); } catch { /* private mode */ } },
  };
  const form = () => P.config?.business?.form_of_address;
  P.t = await loadT(P.lang, form());
  let ft = null; // t with the texts of the forms and the end too, loaded with the first of them
  P.formsT = async () => (ft ||= await loadT(P.lang, form(), true));
  P.session = makeSession({ base, key: ctx.key, S, save: P.save, lang: () => P.lang, maxSeq: () => P.log.maxSeq,
    onFrame: (f) => onFrame(P, f), onState: (state) => banner(P, state), onRefused: refuse });
  // Files are rare: their code (attach.js) loads with the first one sent or shown.
  const attach = (fn, ...a) => import("./attach.js").then((m) => m[fn](P, ...a));
  P.log = makeTranscript(P.t, P.lang, () => P.config?.business?.name || "", attach);
  P.composer = makeComposer({ onSend: sendText, onFile: attach,
    onTyping: (state) => S.cid && P.ready && P.session.send({ type: "typing", conversation_id: S.cid, state }) });

  // ---- the frame ------------------------------------------------------------------------------
  const title = el("h2", { id: "ld-title", class: "title" });
  const logo = el("img", { class: "logo", hidden: true, width: 32, height: 32, referrerPolicy: "no-referrer",
    onerror: () => { logo.hidden = true; } });
  const greeting = el("p", { class: "greeting", hidden: true });
  const status = el("p", { class: "status", role: "status" });
  const closeBtn = el("button", { type: "button", class: "x", onclick: () => close() }, "×");
  Object.assign(P, {
    conn: el("p", { class: "conn", role: "alert", hidden: true }),
    body: el("div", { class: "body" }),
    typing: el("p", { class: "typing", "aria-live": "polite" }),
    after: el("div", { class: "after", hidden: true }),
    show: (...nodes) => P.body.replaceChildren(...nodes),
    say: (text) => { status.textContent = text; },
    refuse, focusFirst, startConversation, sendStart, flush, markSeen, acked,
  });
  let built = false;
  const onKey = (e) => { if (e.key === "Escape") { e.stopPropagation(); close(); } };
  const resend = setInterval(() => { if (S.out.length && P.ready) flush(false); }, 6000);
  document.addEventListener("visibilitychange", markSeen);

  function build() {
    if (built) return;
    built = true;
    // A constructed sheet, like the loader's: allowed under a strict style-src, and no request.
    if (root.adoptedStyleSheets && CSSStyleSheet.prototype.replaceSync) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    } else {
      root.prepend(el("style", null, CSS));
    }
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-labelledby", "ld-title");
    // A div, not a <header>: inside a dialog the banner landmark would be the page's second.
    panel.append(el("div", { class: "head" }, logo, el("div", null, title, status), closeBtn), greeting, P.conn, P.body);
    panel.addEventListener("keydown", onKey);
    texts();
  }

  function texts() {
    const { t, config } = P;
    const name = config?.business?.name || "";
    title.textContent = t("title", { name });
    closeBtn.setAttribute("aria-label", t("close"));
    P.log.log.setAttribute("aria-label", t("title", { name }));
    P.composer.texts(t);
    // The business's own look: a logo only from an https URL, the greeting as plain text.
    const look = config?.settings?.look || {};
    let url = null;
    try { url = new URL(String(look.logo_url || "").trim()); } catch { url = null; }
    if (url && url.protocol === "https:") {
      if (logo.src !== url.href) { logo.hidden = false; logo.src = url.href; }
      logo.alt = name;
    } else {
      logo.hidden = true;
      logo.removeAttribute("src");
    }
    greeting.textContent = typeof look.greeting === "string" ? look.greeting.trim() : "";
    greeting.hidden = !greeting.textContent;
  }

  // ---- opening and closing ---------------------------------------------------------------------
  async function open(opts = {}) {
    build();
    panel.hidden = false;
    P.isOpen = true;
    S.open = true;
    P.save();
    ctx.setOpen(true);
    if (preview) { ctx.showPreview(P); return; } // preview.js; focus stays in the back office's form
    if (!P.refusal && P.config?.active === false) P.refusal = P.config.message || P.t("inactive");
    if (!P.refusal && !P.session.started) await start().catch(() => null);
    if (P.refusal) refusedView(P);
    else if (P.conv || S.cid) { chatView(P); P.session.socket.start(); }
    else if (!P.body.firstChild) await entryView(P);
    markSeen();
    if (!opts.restore) focusFirst();
  }

  function close() {
    panel.hidden = true;
    P.isOpen = false;
    S.open = false;
    P.save();
    ctx.setOpen(false);
    ctx.launcher.focus();
  }

  // Unmounted (window.Livedesk.destroy): nothing of the panel stays on the page.
  function destroy() {
    P.session.socket.stop();
    clearInterval(resend);
    clearTimeout(P.typingOff);
    document.removeEventListener("visibilitychange", markSeen);
    panel.removeEventListener("keydown", onKey);
  }

  function focusFirst() {
    const input = P.composer.input;
    const target = P.body.contains(P.log.log) && !input.disabled ? input : P.body.querySelector("input, textarea, button");
    (target || closeBtn).focus();
  }

  async function start() {
    await P.session.start();
    if (P.session.config) P.config = P.session.config;
    S.lang = P.lang;
    P.save();
    if (built) texts();
  }

  // A deactivated business or widget: its message instead of the chat, and no more socket.
  function refuse(message) {
    P.refusal = (typeof message === "string" && message.trim()) || P.t("inactive");
    P.session.socket.stop();
    if (built) refusedView(P);
  }

  // ---- sending ---------------------------------------------------------------------------------
  function sendText(text) {
    if (preview || P.refusal) return false;
    if (text.trim().length > MAX_CHARS) { P.say(P.t("tooLong")); return false; }
    const item = { id: uid(), cid: S.cid || null, body: text, at: Date.now() };
    S.out.push(item);
    P.save();
    P.log.addPending(item.id, text, item.at);
    if (!S.cid) startConversation({});
    else flush(false);
    return true;
  }

  function startConversation(prechat) {
    Object.assign(S, { startPending: { prechat }, prechat });
    P.save();
    if (P.ready) sendStart();
    else P.session.socket.start();
  }

  function sendStart() {
    P.session.send({ type: "start", language: P.lang, prechat: S.startPending?.prechat || {},
      page: { url: location.href, title: document.title, referrer: document.referrer } });
  }

  function flush(all) {
    if (P.ready && P.conv && OPEN_STATES.has(P.conv.state)) P.session.flush(all);
  }

  function acked(cmid) {
    const count = S.out.length;
    S.out = S.out.filter((m) => m.id !== cmid);
    if (S.out.length !== count) P.save();
  }

  // Read receipts for what the visitor has seen, and the launcher's unread badge cleared.
  function markSeen() {
    if (!P.isOpen || document.hidden || !S.cid) return;
    if (P.log.maxSeq > S.seen) {
      S.seen = P.log.maxSeq;
      P.save();
      P.session.send({ type: "read", conversation_id: S.cid, seq: P.log.maxSeq });
    }
    ctx.setBadge(0);
  }

  // Resume at once when this visitor already has a conversation (page navigation).
  if (S.cid && !preview) {
    start().then(() => { build(); chatView(P); P.session.socket.start(); }).catch(() => {
      if (!P.refusal) P.session.socket.start();
    });
  }

  // New texts after a change of language or settings (the back office's preview, preview.js).
  P.retexts = () => { ft = null; P.log.locale(P.t, P.lang); if (built) texts(); };
  return { open, close, destroy, P };
}
