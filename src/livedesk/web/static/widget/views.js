// What the panel shows, each view a function of the panel's state P (panel.js): the chat, what a
// new visitor sees first, the offline form (instead of the chat, or inside it when the contract's
// overflow hands the visitor to it), the end of a chat and a switched-off business's message (the
// back office's preview is in preview.js). The forms and the end of a chat load, with their texts
// (P.formsT), only when they are shown.
import { el } from "./dom.js";

// Whether a new visitor sees a form before the chat: pre-chat fields or a privacy notice.
export function wantsPrechat(s) {
  const given = (v) => typeof v === "string" && v.trim();
  return !!(s?.prechat?.fields?.length || given(s?.privacy?.text) || given(s?.privacy?.url) || given(s?.prechat?.gdpr_notice));
}

export const wait = (t, s) => (s < 60 ? t("seconds") : t("minutes", { n: Math.round(s / 60) }));

export function chatView(P) {
  const { body, log, typing, after, composer, S } = P;
  if (body.contains(log.log)) return;
  body.classList.remove("ended");
  P.show(log.log, typing, after, composer.form);
  // Messages typed on an earlier page and not acknowledged yet: shown until the server has them.
  for (const m of S.out) {
    if (log.pending.has(m.id) || (m.cid && S.cid && m.cid !== S.cid)) continue;
    log.addPending(m.id, m.body, m.at);
  }
}

// A new visitor: the chat (or the pre-chat form first), unless nobody can answer; then the bot
// tries first where the contract says so for that reason, else the offline form.
export async function entryView(P) {
  const { t, config, lang } = P;
  let avail = null;
  if (P.session.caps.availability) {
    try {
      const r = await fetch(`${P.base}/api/v1/widget/${encodeURIComponent(P.key)}/availability?language=${lang}`);
      if (r.ok) avail = await r.json();
    } catch { avail = null; }
  }
  if (avail && !avail.open) {
    if (avail.reason === "inactive" || !/^bot/.test(avail.overflow_action)) return offlineEntry(P, avail);
    P.bot = true;
  }
  const hint = P.bot ? t("botHelps") : avail?.eta_seconds ? t("eta", { wait: wait(t, avail.eta_seconds) }) : "";
  if (!wantsPrechat(config?.settings)) {
    chatView(P);
    P.say(hint);
    P.session.socket.start();
    return;
  }
  const [{ prechatForm }, ft] = await Promise.all([import("./forms.js"), P.formsT()]);
  P.show(prechatForm({ settings: config?.settings, lang, t: ft, hint, onStart: (values) => {
    chatView(P);
    P.startConversation(values);
    P.composer.input.focus();
  } }));
  P.session.socket.start();
}

export async function offlineEntry(P, avail) {
  const [{ offlineView }, ft] = await Promise.all([import("./offline.js"), P.formsT()]);
  P.show(offlineView({ reason: avail.reason, nextOpen: avail.next_open, settings: P.config?.settings,
    lang: P.lang, t: ft, send: (data) => sendOffline(P, data), withForm: !!P.session.caps.offline || P.preview }));
}

async function sendOffline(P, data) {
  if (P.preview) return;
  const r = await P.session.post("offline", { ...data, page_url: location.href, token: P.S.token, language: P.lang });
  if (!r.ok) throw new Error(String(r.status));
}

export function refusedView(P) {
  P.say("");
  P.show(el("p", { class: "lead refused", role: "status" }, P.refusal));
}

// The chat is over: the composer goes, and below the whole transcript comes `parts`.
function below(P, parts) {
  P.composer.enable(false);
  P.composer.form.hidden = true;
  P.typing.textContent = "";
  P.say("");
  P.after.replaceChildren(...parts.filter(Boolean));
  P.after.hidden = false;
  P.body.classList.add("ended");
  chatView(P);
}

// The contract's overflow ended the chat: the offline form, filled in with what the visitor
// already said (the pre-chat answers, their messages).
export async function overflowView(P, f) {
  const { S } = P;
  if (P.endShown === S.cid) return;
  P.endShown = S.cid;
  const [{ offlineView }, ft] = await Promise.all([import("./offline.js"), P.formsT()]);
  const values = { ...(S.prechat || {}), question: P.log.visitorText() };
  const onSent = () => { S.overflow = null; P.save(); };
  below(P, [offlineView({ reason: f.reason, settings: P.config?.settings, lang: P.lang, t: ft,
    send: (data) => sendOffline(P, data), withForm: !!P.session.caps.offline, values, onSent }),
  el("button", { type: "button", class: "secondary", onclick: () => newChat(P) }, P.t("newChat"))]);
  P.after.scrollIntoView?.({ block: "start" });
}

// "Ended" once, then the rating (when the socket takes one and it was not given yet), the
// transcript by e-mail and a new conversation.
export async function endedView(P) {
  const { S, session } = P;
  if (P.endShown === S.cid) return;
  P.endShown = S.cid;
  const [{ endView }, ft] = await Promise.all([import("./ending.js"), P.formsT()]);
  const cid = S.cid;
  below(P, endView({ t: ft,
    rating: P.known?.has("rating") && !S.rated?.[cid], transcript: !!session.caps.transcript,
    onRate: (score, comment) => {
      session.send({ type: "rating", conversation_id: cid, score, comment });
      S.rated = { ...(S.rated || {}), [cid]: true };
      P.save();
    },
    request: (email) => session.post("transcript", { token: S.token, conversation_id: cid, email }),
    onNew: () => newChat(P) }));
}

export function forget(P) {
  Object.assign(P.S, { cid: null, out: [], overflow: null, prechat: null });
  Object.assign(P, { conv: null, bot: false, queueText: "", endShown: null });
  P.log.clear();
  P.save();
}

async function newChat(P) {
  forget(P);
  P.say("");
  P.after.hidden = true;
  P.after.replaceChildren();
  P.composer.form.hidden = false;
  P.composer.enable(true);
  P.body.replaceChildren();
  await entryView(P);
  P.focusFirst();
}
