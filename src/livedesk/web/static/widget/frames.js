// The frames of the visitor socket and what each changes in the panel's state P (panel.js):
// the conversation and its status line, messages and their acks, typing, read receipts, the
// queue line, the contract's overflow, the connection banner.
import { INACTIVE } from "./connection.js";
import { endedView, forget, overflowView, wait } from "./views.js";

export const OPEN_STATES = new Set(["queued", "offered", "active"]);

export function banner(P, state) {
  if (state === "down" || state === "refused" || state === "offline" || state === "stopped") P.ready = false;
  const text = state === "offline" ? P.t("offline") : state === "down" || state === "refused" ? P.t("reconnecting") : "";
  P.conn.hidden = !text;
  P.conn.textContent = text;
}

// Who answers the visitor: the operator, or an expert of the business who joined the chat.
const ANSWERING = new Set(["operator", "expert"]);

export function onFrame(P, f) {
  const mine = !f.conversation_id || f.conversation_id === P.S.cid;
  switch (f.type) {
    case "welcome": return onWelcome(P, f);
    case "conversation": return applyConversation(P, f);
    case "message": return addMessage(P, f);
    case "ack": P.log.ack(f); return P.acked(f.client_msg_id);
    case "typing": return onTyping(P, f);
    case "read": if (ANSWERING.has(f.who) && mine) P.log.read(f.seq); return;
    case "queue": if (mine) queueStatus(P, f); return;
    case "overflow": if (mine) onOverflow(P, f); return;
    case "bot_choices": if (mine) import("./choices.js").then((m) => m.showChoices(P, f)); return;
    case "resync":
      if (mine) { P.log.maxSeq = Math.max(P.log.maxSeq, f.last_seq); P.log.note(P.t("gap")); }
      return;
    case "error": return onError(P, f);
    default: return;
  }
}

function onWelcome(P, f) {
  const { S } = P;
  P.ready = true;
  if (Array.isArray(f.accepts)) P.known = new Set(f.accepts);
  banner(P, "");
  const list = f.conversations || [];
  const found = list.find((c) => c.conversation_id === S.cid) || list.find((c) => OPEN_STATES.has(c.state));
  if (found) applyConversation(P, found);
  else if (S.cid) forget(P);
  if (S.startPending && !(P.conv && OPEN_STATES.has(P.conv.state))) P.sendStart();
  P.flush(true);
}

function onError(P, f) {
  if (INACTIVE.has(f.code)) return P.refuse(null);
  if (f.code === "conversation_closed") {
    P.S.out = P.S.out.filter((m) => m.cid !== f.data?.conversation_id);
    P.save();
  } else if (f.code === "message_too_long") P.say(P.t("tooLong"));
}

function applyConversation(P, c) {
  const { S } = P;
  if (S.cid && c.conversation_id !== S.cid && P.conv && OPEN_STATES.has(P.conv.state)) return;
  const before = P.conv?.conversation_id === c.conversation_id ? P.conv : null;
  const conv = (P.conv = { ...c });
  // Welcome payloads carry the operator's id only: keep the name we know.
  if (conv.operator && !conv.operator.name) {
    conv.operator = { ...conv.operator, name: before?.operator?.name || P.operatorName || null };
  }
  S.cid = c.conversation_id;
  S.startPending = null;
  for (const m of S.out) if (!m.cid) m.cid = S.cid;
  P.save();
  if (!OPEN_STATES.has(c.state)) {
    return S.overflow === S.cid ? overflowView(P, { reason: S.overflowReason }) : endedView(P);
  }
  P.composer.enable(true);
  if (c.state === "active") Object.assign(P, { queueText: "", bot: false });
  refreshStatus(P);
  P.flush(false);
}

function refreshStatus(P) {
  const { conv, t } = P;
  if (!conv || !OPEN_STATES.has(conv.state)) return;
  if (conv.state === "active") P.say(t("chattingWith", { name: conv.operator?.name || t("operator") }));
  else P.say([P.bot ? t("botHelps") : "", P.queueText].filter(Boolean).join(" ") || t("waiting"));
}

// Where the visitor is in line and how long it will take; with nobody online to answer there
// is no estimate, and the visitor is told so instead of "busy".
function queueStatus(P, f) {
  const { t } = P;
  const parts = f.position ? [t("queue", { position: f.position })] : [];
  parts.push(f.eta_seconds === null || f.eta_seconds === undefined ? t("nobody") : t("eta", { wait: wait(t, f.eta_seconds) }));
  P.queueText = parts.join(" ");
  refreshStatus(P);
}

// The contract's overflow, in the chat: the bot answers while the chat waits, or the chat ends
// and the offline form takes over (its end comes as the next conversation frame).
function onOverflow(P, f) {
  if (f.action !== "offline_form") { P.bot = true; refreshStatus(P); return; }
  Object.assign(P.S, { overflow: P.S.cid, overflowReason: f.reason });
  P.save();
  overflowView(P, f);
}

function addMessage(P, m) {
  const { S, log } = P;
  if (m.internal || m.conversation_id !== S.cid) return;
  if (m.seq > log.maxSeq + 1 && P.ready && Date.now() - P.resumeAt > 2000) {
    // A gap: ask the server for what we missed (dedupe by seq absorbs any overlap).
    P.resumeAt = Date.now();
    P.session.send({ type: "hello", resume: { [S.cid]: log.maxSeq } });
  }
  if (m.client_msg_id) P.acked(m.client_msg_id);
  if (!log.add(m) || m.author?.kind === "visitor") return;
  P.typing.textContent = "";
  if (m.author?.kind === "operator" && m.author.name) {
    P.operatorName = m.author.name;
    if (P.conv?.operator && !P.conv.operator.name) { P.conv.operator.name = P.operatorName; refreshStatus(P); }
  }
  if (P.isOpen && !document.hidden) P.markSeen();
  else P.ctx.setBadge(log.theirs().filter((s) => s > S.seen).length);
}

function onTyping(P, f) {
  if (!ANSWERING.has(f.who) || f.conversation_id !== P.S.cid) return;
  clearTimeout(P.typingOff);
  P.typing.textContent = f.state === "on" ? P.t("typing", { name: f.name || P.t("operator") }) : "";
  if (f.state === "on") P.typingOff = setTimeout(() => { P.typing.textContent = ""; }, 8000);
}
