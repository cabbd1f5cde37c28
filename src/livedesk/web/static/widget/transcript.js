// The message list. A <div role=log> (a polite live region) around an <ol>, so the list keeps
// its list semantics; messages in seq order, the visitor's own with their delivery mark
// (sending, sent, read), those still waiting for their ack at the end.
import { el, linkify, hhmm } from "./dom.js";

// `businessName()` names the business an expert of it speaks for; `file("show", node, m)` shows
// the file a message carries in its text node (attach.js).
export function makeTranscript(t, lang, businessName = () => "", file = () => {}) {
  const list = el("ol", { class: "msgs" });
  const log = el("div", { class: "log", role: "log", tabindex: "0" }, list);
  const rendered = new Map(); // seq -> li
  const pending = new Map(); // client_msg_id -> li
  let readUpTo = 0;
  const api = { log, list, rendered, pending, maxSeq: 0 };

  function bubble(mine, author, text, at) {
    let who = mine ? t("you") : author?.name || t(author?.kind === "bot" ? "assistant" : "operator");
    // The business's own expert, who joined the chat: named, with the business they speak for.
    const expert = author?.kind === "expert";
    if (expert && businessName()) who = `${who} · ${businessName()}`;
    return el("li", { class: `msg ${mine ? "me" : "them"}${expert ? " expert" : ""}` },
      el("div", { class: "meta" }, el("span", { class: "who" }, who), " ",
        el("time", { datetime: at || new Date().toISOString() }, hhmm(at, lang))),
      el("div", { class: "text" }, linkify(text)),
      mine ? el("div", { class: "mark" }) : null);
  }

  // A line from Livedesk itself (an expert of the business joined or left): nobody's bubble.
  function notice(text, at) {
    return el("li", { class: "msg system" },
      el("div", { class: "text" }, text),
      el("time", { datetime: at || new Date().toISOString() }, hhmm(at, lang)));
  }

  function mark(li, state) {
    const node = li.querySelector(".mark");
    if (!node) return;
    li.dataset.state = state;
    node.textContent = state === "read" ? `✓✓ ${t("read")}` : state === "sent" ? `✓ ${t("sent")}` : t("sending");
  }

  // Keep the list in seq order; messages still waiting for their ack stay at the end.
  function place(li, seq) {
    const later = [...list.children].find((n) => n !== li
      && (n.dataset.seq ? Number(n.dataset.seq) > seq : n.classList.contains("pending")));
    if (later) list.insertBefore(li, later);
    else list.append(li);
    log.scrollTop = log.scrollHeight;
  }

  function settle(li, seq) {
    li.dataset.seq = String(seq);
    li.classList.remove("pending");
    rendered.set(seq, li);
    api.maxSeq = Math.max(api.maxSeq, seq);
    if (li.classList.contains("me")) mark(li, seq <= readUpTo ? "read" : "sent");
    place(li, seq);
  }

  // A message of the visitor's not yet acknowledged (typed now, or on an earlier page).
  api.addPending = (id, text, at) => {
    const li = bubble(true, null, text, new Date(at).toISOString());
    li.classList.add("pending");
    mark(li, "sending");
    pending.set(id, li);
    list.append(li);
    log.scrollTop = log.scrollHeight;
  };

  // A `message` frame: false when it was already shown.
  api.add = (m) => {
    if (rendered.has(m.seq)) return false;
    let li = m.client_msg_id ? pending.get(m.client_msg_id) : null;
    if (li) pending.delete(m.client_msg_id);
    else if (m.author?.kind === "system") li = notice(m.body, m.created_at);
    else li = bubble(m.author?.kind === "visitor", m.author, m.body, m.created_at);
    settle(li, m.seq);
    if (m.attachment) file("show", li.querySelector(".text"), m);
    return true;
  };

  api.ack = (f) => {
    const li = pending.get(f.client_msg_id);
    if (!li) return;
    pending.delete(f.client_msg_id);
    if (rendered.has(f.seq)) li.remove(); // the message frame came first
    else settle(li, f.seq);
  };

  // The operator has read up to `seq`.
  api.read = (seq) => {
    readUpTo = Math.max(readUpTo, seq);
    for (const [s, li] of rendered) if (s <= readUpTo && li.classList.contains("me")) mark(li, "read");
  };

  api.note = (text) => list.append(el("li", { class: "note" }, text));
  api.theirs = () => [...rendered].filter(([, li]) => li.classList.contains("them")).map(([s]) => s);
  // What the visitor wrote, for the offline form's question.
  api.visitorText = () => [...list.querySelectorAll("li.me .text")].map((n) => n.textContent).join("\n");
  api.show = (...items) => list.replaceChildren(...items);
  api.bubble = bubble;
  api.locale = (nextT, nextLang) => { t = nextT; lang = nextLang; };
  api.clear = () => {
    rendered.clear();
    pending.clear();
    list.replaceChildren();
    api.maxSeq = 0;
    readUpTo = 0;
  };
  return api;
}
