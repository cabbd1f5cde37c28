// What the console knows: who is logged in, the businesses they serve, every chat they see and
// the messages still waiting for their ack. One object, made at login and handed to each part of
// the console; nothing lives in module-level variables.
export const OPEN = new Set(["queued", "offered", "active"]);
export const MANAGERS = new Set(["supervisor", "provider_admin"]);

// Pre-chat answers by field name (the widget's fields are name, email, phone and question).
const NAME_FIELDS = ["name", "naam"];

export class ConsoleState {
  constructor({ me, t, api, businesses, caps }) {
    this.me = me;
    this.t = t;
    this.api = api;
    this.businesses = new Map((businesses || []).map((b) => [b.id, b]));
    this.caps = caps || {};
    this.chats = new Map(); // conversation id -> chat (see newChat)
    this.outbox = new Map(); // client_msg_id -> { cid, body, internal, sentAt, after }
    this.current = null; // the open chat's id
  }

  get isManager() {
    return MANAGERS.has(this.me.role);
  }

  chat(id) {
    return id ? this.chats.get(id) || null : null;
  }

  get open() {
    return this.chat(this.current);
  }

  // The chat for this id, made from what a frame says about it when it is new.
  ensure(id, seed) {
    let chat = this.chats.get(id);
    if (!chat) {
      chat = newChat({ conversation_id: id, ...seed });
      this.chats.set(id, chat);
    }
    return chat;
  }

  // By start, oldest first: a chat keeps its place (and its Alt+number) while it lives.
  ordered() {
    return [...this.chats.values()].sort((a, b) =>
      String(a.c.queued_at || "").localeCompare(String(b.c.queued_at || "")) || a.id.localeCompare(b.id));
  }

  businessName(businessId) {
    return this.businesses.get(businessId)?.name || "";
  }

  visitorName(chat) {
    return chat ? visitorName(this.t, chat.c) : this.t("visitor");
  }

  // Whoever answers the visitor: typing and read receipts go out only from them (the server
  // refuses them from anyone else: docs/protocol.md, the permission table).
  answering(chat) {
    return !!chat && chat.c.state === "active" && chat.c.operator?.id === this.me.id;
  }

  // May this user write to the visitor in this chat now? Operators their own active chats;
  // supervisors and admins any open chat.
  mayAnswer(chat) {
    if (!chat || !OPEN.has(chat.c.state)) return false;
    return this.isManager || this.answering(chat);
  }
}

// The visitor's own name from the pre-chat form, else "Bezoeker 482": a number from the
// visitor's id, the same in every colleague's console (and on the floor) and after a reload.
export function visitorName(t, c) {
  const prechat = c.prechat || {};
  for (const field of NAME_FIELDS) if (typeof prechat[field] === "string" && prechat[field].trim()) return prechat[field].trim();
  const id = String(c.visitor_id || c.conversation_id || "");
  return t("visitorN", { n: 1 + (parseInt(id.slice(-6), 16) || 0) % 999 });
}

export function newChat(c) {
  return {
    id: c.conversation_id,
    c,
    msgs: new Map(), // seq -> message
    loaded: false, // the whole history is in msgs
    unread: 0,
    offer: null, // { until, note, via } while offered to this user
    suggestions: [],
    suggestionsSeq: 0,
    visitorRead: 0,
    readSent: 0,
    typingUntil: 0,
    waitingSince: 0, // the visitor's oldest unanswered message
    last: null, // the newest public message, for the list
  };
}

export function lastSeq(chat) {
  let max = 0;
  for (const seq of chat.msgs.keys()) max = Math.max(max, seq);
  return max;
}

// Keeps what the list shows up to date: the newest public message, and since when the visitor
// has been waiting for an answer (their first message after the last answer).
export function noteMessage(chat, m) {
  if (m.internal || m.author?.kind === "system") return;
  if (!chat.last || m.seq > chat.last.seq) chat.last = m;
  let since = 0;
  for (const seq of [...chat.msgs.keys()].sort((a, b) => a - b)) {
    const msg = chat.msgs.get(seq);
    if (msg.internal || msg.author?.kind === "system") continue;
    if (msg.author?.kind === "visitor") since = since || Date.parse(msg.created_at) || Date.now();
    else since = 0;
  }
  chat.waitingSince = since;
}
