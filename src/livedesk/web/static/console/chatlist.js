// The chat list: one row per chat in a stable order (by start), so Alt+1…9 keeps pointing at
// the same chat while others come and go. Each row says who (the visitor's name, or "Bezoeker
// 482"), for which business, the last message and its age, the state, how long the visitor has
// been waiting, and the unread count. On a phone the list is a screen of its own and a select
// above the chat switches between chats.
import { el } from "/widget/dom.js";
import { OPEN } from "./state.js";
import { mmss } from "./time.js";

const PREVIEW_CHARS = 80;

export class ChatList {
  constructor(app) {
    this.app = app;
    const { t } = app.state;
    this.list = el("ul", { class: "chatlist", id: "chatlist" });
    this.switcher = el("select", { id: "chat-switcher", "aria-label": t("switchChat"), onchange: () => this.app.select(this.switcher.value || null, true) });
  }

  render() {
    const { state } = this.app;
    const { t } = state;
    const order = state.ordered();
    this.list.replaceChildren(...order.map((chat, i) => this.row(chat, i)));
    if (!order.length) this.list.append(el("li", { class: "empty" }, t("noChats")));
    this.switcher.replaceChildren(el("option", { value: "" }, t("allChats", { n: order.length })),
      ...order.map((chat, i) => el("option", { value: chat.id }, `${i + 1}. ${state.visitorName(chat)} · ${state.businessName(chat.c.business_id)} (${this.chipText(chat)})`)));
    this.switcher.value = state.current || "";
    const unread = order.reduce((n, chat) => n + chat.unread, 0);
    if (!order.some((chat) => chat.offer)) document.title = unread ? `(${unread}) ${t("consoleTitle")}` : t("consoleTitle");
    this.tick(Date.now());
  }

  chipText(chat) {
    const { state } = this.app;
    const { t } = state;
    if (chat.offer) return t("offered");
    if (chat.c.state !== "active") return t(chat.c.state);
    return chat.c.operator?.id === state.me.id ? t("mine") : t("colleague", { name: chat.c.operator?.name || "?" });
  }

  row(chat, i) {
    const { state } = this.app;
    const { t } = state;
    const c = chat.c;
    const chip = chat.offer ? "offer" : c.state === "active" && c.operator?.id === state.me.id ? "active mine" : c.state;
    return el("li", null, el("button", { type: "button", class: "item", "data-cid": chat.id, "aria-current": chat.id === state.current ? "true" : null,
      onclick: () => this.app.select(chat.id, true) },
    el("span", { class: "key", "aria-hidden": "true" }, i < 9 ? String(i + 1) : ""),
    el("span", { class: "name" }, el("strong", null, state.visitorName(chat)), el("span", { class: "biz" }, state.businessName(c.business_id))),
    el("span", { class: "age", "data-age": chat.id }),
    el("span", { class: "last" }, this.preview(chat)),
    chat.unread ? el("span", { class: "unread" }, el("span", { "aria-hidden": "true" }, String(chat.unread)),
      el("span", { class: "visually-hidden" }, t("unread", { n: chat.unread }))) : null,
    el("span", { class: `chip ${chip}` }, this.chipText(chat)),
    el("span", { class: "wait", "data-wait": chat.id })));
  }

  // The newest public message ("Jij: …" for one's own), else the page the visitor is on.
  preview(chat) {
    const { state } = this.app;
    const { t } = state;
    const m = chat.last;
    if (!m) return chat.c.page_title || chat.c.page_url || "";
    const kind = m.author?.kind;
    const mine = kind === "operator" && m.author?.name === state.me.name;
    const who = kind === "visitor" ? "" : mine ? `${t("you")}: ` : `${m.author?.name || t(kind)}: `;
    const body = m.body.length > PREVIEW_CHARS ? `${m.body.slice(0, PREVIEW_CHARS)}…` : m.body;
    return who + body;
  }

  // Every second: offer countdowns, waits and ages. A chat that is over has no clock.
  tick(now) {
    const { state } = this.app;
    const { t } = state;
    for (const span of this.list.querySelectorAll("[data-wait]")) {
      const chat = state.chat(span.dataset.wait);
      if (!chat) continue;
      const c = chat.c;
      if (chat.offer) span.textContent = t("expiresIn", { s: Math.max(0, Math.ceil((chat.offer.until - now) / 1000)) });
      else if (c.state === "queued" || c.state === "offered") span.textContent = t("waiting", { t: mmss(now - (Date.parse(c.queued_at) || now)) });
      else if (OPEN.has(c.state) && chat.waitingSince) span.textContent = t("waiting", { t: mmss(now - chat.waitingSince) });
      else span.textContent = "";
    }
    for (const span of this.list.querySelectorAll("[data-age]")) {
      const at = Date.parse(state.chat(span.dataset.age)?.last?.created_at || "");
      span.textContent = at ? age(t, now - at) : "";
    }
  }
}

function age(t, ms) {
  const minutes = Math.floor(ms / 60000);
  if (minutes < 1) return t("justNow");
  if (minutes < 60) return t("minutesAgo", { n: minutes });
  return t("hoursAgo", { n: Math.floor(minutes / 60) });
}
