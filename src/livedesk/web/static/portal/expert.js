// The expert's view of one live chat (/portal/chat/{id}): a business user reads a conversation of
// their own business live, joins it as the business's expert (when the provider allows that),
// answers beside the operator, and hands it back. What a user may see and send is decided by the
// API and by the staff socket's permission table; this page offers only what can work. Until the
// user joins, it sends nothing the visitor would notice: no typing, no read receipts.
import { el, linkify, hhmm, uid } from "/static/widget/dom.js";
import { AgentSocket, api } from "/static/console/socket.js";

const TEXTS = {
  nl: {
    title: "Gesprek met een bezoeker", business: "Klant", visitor: "Bezoeker", you: "U", operator: "medewerker",
    expertOf: "expert van {business}", experts: "Doet mee: {names}", nobodyJoined: "Er doet nog geen expert mee.",
    queued: "wacht op een medewerker", offered: "aangeboden aan een medewerker", active: "in gesprek", closed: "afgesloten",
    abandoned: "verlaten door de bezoeker", missed: "gemist", with: "met {name}",
    join: "Meedoen aan het gesprek", handBack: "Teruggeven aan de operator",
    reading: "U leest mee. De bezoeker merkt niets van u tot u meedoet.",
    joined: "U doet mee als expert van {business}: de bezoeker ziet uw naam bij uw berichten.",
    ended: "Dit gesprek is beëindigd.", placeholder: "Uw antwoord aan de bezoeker (Enter verstuurt, Shift+Enter nieuwe regel)",
    send: "Versturen", sending: "Wordt verzonden…", typing: "De bezoeker typt…",
    loginFirst: "Log eerst in via het klantportaal.", toPortal: "Naar het klantportaal", notFound: "Dit gesprek bestaat niet of hoort niet bij uw bedrijf.",
    failed: "Dat lukte niet.", reconnecting: "Verbinding verbroken, opnieuw verbinden…", log: "Het gesprek",
    not_joined: "Doe eerst mee aan het gesprek.", conversation_closed: "Dit gesprek is al beëindigd.",
  },
  en: {
    title: "Conversation with a visitor", business: "Client", visitor: "Visitor", you: "You", operator: "agent",
    expertOf: "expert at {business}", experts: "Taking part: {names}", nobodyJoined: "No expert has joined yet.",
    queued: "waiting for an agent", offered: "offered to an agent", active: "in conversation", closed: "closed",
    abandoned: "left by the visitor", missed: "missed", with: "with {name}",
    join: "Join the conversation", handBack: "Hand back to the operator",
    reading: "You are reading along. The visitor notices nothing of you until you join.",
    joined: "You take part as the expert at {business}: the visitor sees your name with your messages.",
    ended: "This conversation has ended.", placeholder: "Your answer to the visitor (Enter sends, Shift+Enter new line)",
    send: "Send", sending: "Sending…", typing: "The visitor is typing…",
    loginFirst: "Please log in through the client portal first.", toPortal: "To the client portal", notFound: "This conversation does not exist or is not your business's.",
    failed: "That did not work.", reconnecting: "Connection lost, reconnecting…", log: "The conversation",
    not_joined: "Join the conversation first.", conversation_closed: "This conversation has already ended.",
  },
};
const OPEN = new Set(["queued", "offered", "active"]);
const TYPING_EVERY_MS = 3000;
const app = document.getElementById("app");
const cid = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const msgs = new Map(); // seq -> message
const outbox = new Map(); // client_msg_id -> {body, after}: sent until acknowledged
let lang = "nl";
let me = null;
let conv = null;
let businessName = "";
let sock = null;
let typingSent = 0;
let readSent = 0;
let visitorTypingUntil = 0;
const ui = {};

function t(key, vars) {
  let text = TEXTS[lang][key] ?? TEXTS.nl[key] ?? key;
  for (const [k, v] of Object.entries(vars || {})) text = text.split(`{${k}}`).join(String(v));
  return text;
}

const call = (path, opts = {}) => api(path, { ...opts, headers: { "accept-language": lang, ...(opts.headers || {}) } });
const isOpen = () => !!conv && OPEN.has(conv.state);
const joined = () => !!conv && (conv.experts || []).some((x) => x.id === me.id);
const lastSeq = () => Math.max(0, ...msgs.keys());

async function boot() {
  lang = (navigator.language || "nl").startsWith("en") ? "en" : "nl";
  const who = await call("/api/v1/auth/me");
  if (!who.ok) return notice(t("loginFirst"), el("a", { href: "/portal" }, t("toPortal")));
  me = who.data;
  lang = (me.language || lang).startsWith("en") ? "en" : "nl";
  document.documentElement.lang = lang;
  const [c, m, list] = await Promise.all([
    call(`/api/v1/conversations/${encodeURIComponent(cid)}`),
    call(`/api/v1/conversations/${encodeURIComponent(cid)}/messages?after=0`),
    call("/api/v1/businesses"),
  ]);
  if (!c.ok) return notice(c.status === 404 ? t("notFound") : t("failed"), el("a", { href: "/portal" }, t("toPortal")));
  conv = c.data;
  businessName = (list.data || []).find((b) => b.id === conv.business_id)?.name || "";
  for (const x of (m.ok && m.data.items) || []) msgs.set(x.seq, x);
  shell();
  sock = new AgentSocket({ onFrame, onState, resume: () => ({ [cid]: lastSeq() }) });
  sock.connect();
  setInterval(showTyping, 1000);
}

function notice(text, ...more) {
  app.replaceChildren(el("main", { class: "expert-chat" }, el("h1", null, t("title")), el("p", { role: "alert" }, text), ...more));
  app.removeAttribute("aria-busy");
}

// ---- layout ------------------------------------------------------------------------------------
function shell() {
  ui.state = el("p", { class: "expert-state" });
  ui.experts = el("p", { class: "expert-state" });
  ui.conn = el("p", { class: "status error", role: "status", hidden: true });
  ui.status = el("p", { class: "status", role: "alert" });
  ui.join = el("button", { type: "button", class: "primary", id: "join", onclick: join }, t("join"));
  ui.handBack = el("button", { type: "button", class: "ghost", id: "hand-back", onclick: handBack }, t("handBack"));
  ui.role = el("p", { class: "expert-role" });
  ui.log = el("ol", { class: "expert-log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0", "aria-label": t("log") });
  ui.typing = el("p", { class: "expert-typing", "aria-live": "polite" });
  ui.input = el("textarea", { id: "expert-input", rows: 3, maxLength: 4000, "aria-label": t("placeholder"), placeholder: t("placeholder") });
  ui.composer = el("form", { class: "expert-composer", onsubmit: onSend }, ui.input, el("button", { type: "submit", class: "primary" }, t("send")));
  ui.input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); ui.composer.requestSubmit(); }
  });
  ui.input.addEventListener("input", onTypingInput);
  document.addEventListener("visibilitychange", markRead);
  app.replaceChildren(el("main", { class: "expert-chat" },
    el("h1", null, t("title")), el("p", { class: "expert-business" }, `${t("business")}: ${businessName}`),
    ui.state, ui.experts, ui.conn, ui.status,
    el("div", { class: "expert-actions" }, ui.join, ui.handBack), ui.role,
    ui.log, ui.typing, ui.composer));
  app.removeAttribute("aria-busy");
  for (const seq of [...msgs.keys()].sort((a, b) => a - b)) place(line(msgs.get(seq)), seq);
  render();
}

function render() {
  const who = conv.operator?.name ? ` · ${t("with", { name: conv.operator.name })}` : "";
  ui.state.textContent = `${t(conv.state)}${who}`;
  const names = (conv.experts || []).map((x) => (x.id === me.id ? t("you") : x.name));
  ui.experts.textContent = names.length ? t("experts", { names: names.join(", ") }) : t("nobodyJoined");
  ui.join.hidden = !isOpen() || joined();
  ui.handBack.hidden = !joined();
  ui.role.textContent = !isOpen() ? t("ended") : joined() ? t("joined", { business: businessName }) : t("reading");
  ui.composer.hidden = !joined() || !isOpen();
  ui.input.disabled = ui.composer.hidden;
}

function onState(state) {
  ui.conn.hidden = state === "up";
  ui.conn.textContent = state === "up" ? "" : t("reconnecting");
}

// ---- messages ----------------------------------------------------------------------------------
function author(m) {
  const kind = m.author?.kind;
  if (kind === "visitor") return t("visitor");
  if (kind === "operator") return `${m.author.name || ""} (${t("operator")})`;
  if (kind === "expert") return `${m.author.name === me.name ? t("you") : m.author.name} (${t("expertOf", { business: businessName })})`;
  return m.author?.name || kind || "";
}

// Visitor text, like every text here, goes in as text nodes only (dom.js).
function line(m, cmid) {
  if (m.author?.kind === "system") {
    return el("li", { class: "msg system", "data-seq": String(m.seq) }, el("div", { class: "text" }, m.body),
      el("time", { datetime: m.created_at || "" }, hhmm(m.created_at, lang)));
  }
  const mine = m.author?.kind === "expert" || m.author?.kind === "operator";
  return el("li", { class: `msg ${mine ? "answer" : "visitor"} ${m.author?.kind || ""}${cmid ? " pending" : ""}`, "data-seq": m.seq ? String(m.seq) : null, "data-cmid": cmid || m.client_msg_id || null },
    el("div", { class: "meta" }, el("span", { class: "who" }, author(m)), " ",
      el("time", { datetime: m.created_at || "" }, cmid ? t("sending") : hhmm(m.created_at, lang))),
    el("div", { class: "text" }, linkify(m.body)));
}

function place(li, seq) {
  const later = seq ? [...ui.log.children].find((n) => (n.dataset.seq ? Number(n.dataset.seq) > seq : n.classList.contains("pending"))) : null;
  if (later) ui.log.insertBefore(li, later);
  else ui.log.append(li);
  ui.log.scrollTop = ui.log.scrollHeight;
}

function onMessage(m) {
  if (m.conversation_id !== cid || m.internal || msgs.has(m.seq)) return;
  msgs.set(m.seq, m);
  const pending = m.client_msg_id && ui.log.querySelector(`li.pending[data-cmid="${CSS.escape(m.client_msg_id)}"]`);
  if (pending) { outbox.delete(m.client_msg_id); pending.remove(); }
  place(line(m), m.seq);
  if (m.author?.kind === "visitor") { visitorTypingUntil = 0; showTyping(); markRead(); }
}

function onSend(e) {
  e.preventDefault();
  const body = ui.input.value;
  if (!body.trim() || !joined()) return;
  const cmid = uid();
  outbox.set(cmid, { body, after: lastSeq() });
  place(line({ author: { kind: "expert", name: me.name }, body }, cmid), 0);
  ui.input.value = "";
  if (typingSent) sock.send({ type: "typing", conversation_id: cid, state: "off" });
  typingSent = 0;
  flush();
}

// Unacknowledged messages go (again) with the same client_msg_id: the server stores each once.
function flush() {
  if (!sock?.ready) return;
  for (const [cmid, item] of outbox) {
    sock.send({ type: "send", conversation_id: cid, client_msg_id: cmid, body: item.body, after_seq: item.after });
  }
}

// Typing and read receipts reach the visitor, so only a joined expert sends them.
function onTypingInput() {
  if (!joined()) return;
  const now = Date.now();
  if (now - typingSent > TYPING_EVERY_MS) { typingSent = now; sock.send({ type: "typing", conversation_id: cid, state: "on" }); }
}

function markRead() {
  if (!joined() || document.hidden) return;
  let seq = 0;
  for (const [s, m] of msgs) if (m.author?.kind === "visitor") seq = Math.max(seq, s);
  if (seq > readSent) { readSent = seq; sock.send({ type: "read", conversation_id: cid, seq }); }
}

function showTyping() {
  ui.typing.textContent = visitorTypingUntil > Date.now() ? t("typing") : "";
}

// ---- joining and handing back -------------------------------------------------------------------
async function join() {
  ui.status.textContent = "";
  const r = await call(`/api/v1/conversations/${encodeURIComponent(cid)}/join`, { method: "POST" });
  if (!r.ok) { ui.status.textContent = r.data?.message || t("failed"); return; }
  // The conversation frame follows; until then, this answer says enough.
  if (!joined()) conv.experts = [...(conv.experts || []), { id: me.id, name: me.name, role: "expert", joined_at: r.data.joined_at }];
  render();
  markRead();
  ui.input.focus();
}

async function handBack() {
  ui.status.textContent = "";
  const r = await call(`/api/v1/conversations/${encodeURIComponent(cid)}/leave`, { method: "POST" });
  if (!r.ok) { ui.status.textContent = r.data?.message || t("failed"); return; }
  conv.experts = (conv.experts || []).filter((x) => x.id !== me.id);
  render();
}

async function refresh() {
  const r = await call(`/api/v1/conversations/${encodeURIComponent(cid)}`);
  if (r.ok) { conv = r.data; render(); }
}

// ---- frames -------------------------------------------------------------------------------------
function onFrame(f) {
  switch (f.type) {
    case "welcome": {
      const mine = (f.conversations || []).find((c) => c.conversation_id === cid);
      if (mine) conv = { ...conv, ...mine };
      else refresh(); // welcome lists open chats only: this one may have ended meanwhile
      render();
      flush();
      return;
    }
    case "conversation":
      if (f.conversation_id === cid) { conv = { ...conv, ...f }; render(); }
      return;
    case "message": return onMessage(f);
    case "ack": {
      const li = ui.log.querySelector(`li.pending[data-cmid="${CSS.escape(f.client_msg_id || "")}"]`);
      outbox.delete(f.client_msg_id);
      if (li) li.querySelector("time").textContent = hhmm(f.created_at, lang);
      return;
    }
    case "typing":
      if (f.conversation_id === cid && f.who === "visitor") { visitorTypingUntil = f.state === "on" ? Date.now() + 8000 : 0; showTyping(); }
      return;
    case "error":
      if (f.data?.conversation_id && f.data.conversation_id !== cid) return;
      ui.status.textContent = TEXTS[lang][f.code] || f.message || t("failed");
      return;
    default:
  }
}

boot();
