// The open chat: its head (who, which business, the state, and only the actions that apply
// now), the messages as a list inside a live region, the visitor's typing and read marks.
import { el, hhmm, linkify } from "/widget/dom.js";
import { fileLink } from "/widget/file.js";
import { OPEN } from "./state.js";

const DISPOSITIONS = ["answered", "lead", "not_answerable", "spam", "test", "no_intent"];
const TYPING_SHOWN_MS = 8000;

export class ChatView {
  constructor(app) {
    this.app = app;
    const { t } = app.state;
    this.head = el("div", { class: "chat-head" });
    // A live region around the list: role=log on the <ol> itself would hide from assistive
    // technology that its items are a list's.
    this.log = el("ol", { class: "log" });
    this.scroller = el("div", { class: "log-wrap", role: "log", "aria-label": t("messages"), tabindex: "0" }, this.log);
    this.typing = el("p", { class: "typing", "aria-live": "polite" });
    this.empty = el("li", { class: "empty" }, t("pick"));
  }

  clear() {
    this.head.replaceChildren();
    this.log.replaceChildren(this.empty);
    this.typing.textContent = "";
  }

  // The whole history of the open chat, then what is still waiting for its ack.
  render(chat) {
    const { state } = this.app;
    this.renderHead(chat);
    this.log.replaceChildren();
    for (const seq of [...chat.msgs.keys()].sort((a, b) => a - b)) this.log.append(this.bubble(chat.msgs.get(seq)));
    for (const [cmid, item] of state.outbox) {
      if (item.cid === chat.id) this.log.append(this.bubble({ author: { kind: "operator", name: state.me.name }, body: item.body, internal: item.internal, conversation_id: chat.id }, cmid));
    }
    this.scrollDown();
    this.renderMarks();
    this.showTyping();
  }

  scrollDown() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  // ---- the head ----
  renderHead(chat) {
    const { state, offers } = this.app;
    const { t } = state;
    const c = chat.c;
    const business = state.businessName(c.business_id);
    const actions = [];
    const mine = c.operator?.id === state.me.id;
    if ((c.state === "queued" || c.state === "offered") && !(c.state === "offered" && c.operator && !mine)) {
      actions.push(el("button", { type: "button", class: "primary", id: "accept", onclick: () => offers.accept(chat.id) }, t("accept"),
        el("span", { class: "keyhint" }, " (Alt+A)")));
      if (chat.offer && this.app.sock?.supports("decline")) actions.push(el("button", { type: "button", class: "ghost", id: "decline", onclick: () => offers.decline(chat.id) }, t("decline")));
    }
    // Closing is for a chat someone answers; its outcome is chosen now, never preset.
    if (c.state === "active" && (mine || state.isManager)) actions.push(this.closeGroup(chat));
    const experts = (c.experts || []).map((x) => `${x.name} (${t("expertOf", { business })})`);
    const status = `${t(c.state)}${c.operator?.name ? " · " + c.operator.name : ""}`;
    this.head.replaceChildren(
      el("div", { class: "who-box" }, el("h2", { id: "chat-title" }, state.visitorName(chat)),
        el("p", { class: "sub" }, status),
        el("p", { class: "sub biz-line" }, business),
        experts.length ? el("p", { class: "sub experts" }, t("experts", { names: experts.join(", ") })) : null),
      el("div", { class: "actions" }, actions));
  }

  closeGroup(chat) {
    const { t } = this.app.state;
    const disposition = el("select", { id: "disposition", "aria-label": t("disposition"), "aria-describedby": "close-err" },
      el("option", { value: "" }, t("dispositionPick")), DISPOSITIONS.map((d) => el("option", { value: d }, t(d))));
    const err = el("span", { class: "err", id: "close-err", role: "alert" });
    const close = () => {
      if (!disposition.value) { err.textContent = t("dispositionFirst"); disposition.focus(); return; }
      this.app.sock.send({ type: "close", conversation_id: chat.id, disposition: disposition.value });
    };
    disposition.addEventListener("change", () => { err.textContent = ""; });
    return el("span", { class: "close-group" }, disposition, el("button", { type: "button", class: "ghost", id: "close-chat", onclick: close }, t("close")), err);
  }

  // ---- messages ----
  bubble(m, cmid) {
    const { state } = this.app;
    const { t } = state;
    const kind = m.author?.kind || "system";
    if (kind === "system" && !cmid) {
      // A line from Livedesk itself (an expert of the business joined or handed back).
      return el("li", { class: "msg system", "data-seq": m.seq ? String(m.seq) : null },
        el("div", { class: "text" }, m.body), el("time", { datetime: m.created_at || "" }, hhmm(m.created_at, t.lang)));
    }
    const chat = state.chat(m.conversation_id);
    const mine = kind === "operator" || kind === "bot";
    const who = kind === "visitor" ? state.visitorName(chat) : m.author?.name || t(kind);
    // The business's own expert, named, with the business they speak for.
    const expert = kind === "expert" ? el("span", { class: "tag expert" }, t("expertOf", { business: state.businessName(chat?.c.business_id) })) : null;
    const classes = ["msg", mine ? "me" : "them", kind === "expert" ? "expert" : "", m.internal ? "internal" : "", cmid ? "pending" : ""];
    return el("li", { class: classes.filter(Boolean).join(" "), "data-seq": m.seq ? String(m.seq) : null, "data-cmid": cmid || m.client_msg_id || null },
      el("div", { class: "meta" }, el("span", { class: "who" }, who), expert, m.internal ? el("span", { class: "tag" }, t("note")) : null, " ",
        el("time", { datetime: m.created_at || "" }, hhmm(m.created_at, t.lang))),
      el("div", { class: "text" }, m.attachment ? fileLink(m, (path) => path) : linkify(m.body)),
      mine && !m.internal ? el("div", { class: "mark" }, cmid ? t("sending") : "") : null);
  }

  appendPending(m, cmid) {
    this.log.querySelector("li.empty")?.remove();
    this.log.append(this.bubble(m, cmid));
    this.scrollDown();
  }

  // A stored message, in seq order; it replaces its own pending bubble.
  add(m) {
    if (this.log.querySelector(`li[data-seq="${m.seq}"]`)) return;
    const pending = m.client_msg_id && this.log.querySelector(`li.pending[data-cmid="${CSS.escape(m.client_msg_id)}"]`);
    const li = this.bubble(m);
    if (pending) pending.replaceWith(li);
    else {
      const later = [...this.log.querySelectorAll("li[data-seq]")].find((n) => Number(n.dataset.seq) > m.seq) || this.log.querySelector("li.pending");
      if (later) this.log.insertBefore(li, later); else this.log.append(li);
    }
    this.scrollDown();
    this.renderMarks();
  }

  acked(f, chat) {
    const li = this.log.querySelector(`li[data-cmid="${CSS.escape(f.client_msg_id)}"]`);
    if (!li) return;
    if (chat.msgs.has(f.seq)) { li.remove(); return; }
    li.dataset.seq = String(f.seq);
    li.classList.remove("pending");
    this.mark(li, "sent");
  }

  mark(li, stateName) {
    const { t } = this.app.state;
    const m = li.querySelector(".mark");
    if (!m) return;
    m.textContent = stateName === "read" ? `✓✓ ${t("read")}` : stateName === "sent" ? `✓ ${t("sent")}` : t("sending");
    li.dataset.state = stateName;
  }

  renderMarks() {
    const chat = this.app.state.open;
    if (!chat) return;
    for (const li of this.log.querySelectorAll("li.me:not(.internal)[data-seq]")) this.mark(li, Number(li.dataset.seq) <= (chat.visitorRead || 0) ? "read" : "sent");
  }

  typingFrom(chat, on) {
    chat.typingUntil = on ? Date.now() + TYPING_SHOWN_MS : 0;
    this.showTyping();
  }

  showTyping() {
    const chat = this.app.state.open;
    this.typing.textContent = chat && OPEN.has(chat.c.state) && chat.typingUntil > Date.now() ? this.app.state.t("typing") : "";
  }
}
