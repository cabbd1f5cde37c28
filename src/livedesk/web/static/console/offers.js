// Offers: a chat routing offers this operator. It is announced (beep, desktop notification, the
// tab's title) and shown above the chats with its business, its page and the note a colleague
// or supervisor gave it; one click or Alt+A accepts it and opens it with the composer focused.
import { el } from "/widget/dom.js";

export class Offers {
  constructor(app) {
    this.app = app;
    this.focusWhenMine = null; // the chat to open with the composer focused once it is ours
    this.bar = el("section", { class: "offer-bar", id: "offer-bar", "aria-label": app.state.t("offers"), hidden: true });
  }

  // Offered chats, the oldest offer first.
  pending() {
    return [...this.app.state.chats.values()].filter((chat) => chat.offer).sort((a, b) => a.offer.at - b.offer.at);
  }

  onOffer(f) {
    const { state, alerts } = this.app;
    const { t } = state;
    const chat = state.ensure(f.conversation_id, { business_id: f.business_id, state: "offered", queued_at: new Date().toISOString() });
    const seconds = typeof f.expires_in === "number" ? f.expires_in : 20;
    chat.offer = { at: Date.now(), until: Date.now() + seconds * 1000, note: f.note || "", via: f.via || "dispatch" };
    alerts.beep();
    const business = state.businessName(chat.c.business_id);
    const body = t("offerBody", { business, page: chat.c.page_title || chat.c.page_url || "" });
    alerts.notify(t("offer"), f.note ? `${body}\n${f.note}` : body, `offer-${chat.id}`, () => this.app.select(chat.id, true));
    document.title = `● ${t("offer")} · Livedesk`;
    this.app.changed(chat.id);
  }

  // The offer went elsewhere (expired, withdrawn, taken by a supervisor's choice).
  onGone(f) {
    const chat = this.app.state.chat(f.conversation_id);
    if (!chat?.offer) return;
    chat.offer = null;
    this.app.changed(chat.id);
  }

  accept(cid) {
    const { state, sock, alerts } = this.app;
    const chat = state.chat(cid);
    if (!chat) return;
    alerts.unlock();
    sock.send({ type: "accept", conversation_id: cid });
    chat.offer = null;
    this.focusWhenMine = cid;
    this.app.select(cid, false);
    this.render();
  }

  acceptOldest() {
    const [first] = this.pending();
    if (first) this.accept(first.id);
    return !!first;
  }

  decline(cid) {
    const chat = this.app.state.chat(cid);
    this.app.sock.send({ type: "decline", conversation_id: cid });
    if (chat) chat.offer = null;
    this.app.changed(cid);
  }

  // A `conversation` frame: the accepted chat is ours now, so its composer takes the focus.
  onConversation(chat) {
    if (this.focusWhenMine !== chat.id) return;
    if (chat.c.state === "active" && chat.c.operator?.id === this.app.state.me.id) {
      this.focusWhenMine = null;
      if (this.app.state.current === chat.id) this.app.composer.focus();
    } else if (chat.c.state !== "offered" && chat.c.state !== "queued") this.focusWhenMine = null;
  }

  expire(now) {
    let changed = false;
    for (const chat of this.pending()) if (chat.offer.until <= now) { chat.offer = null; changed = true; }
    return changed;
  }

  render() {
    const { state } = this.app;
    const { t } = state;
    const offers = this.pending();
    this.bar.hidden = !offers.length;
    this.bar.replaceChildren(...offers.map((chat, i) => el("div", { class: "offer", "data-cid": chat.id },
      el("p", { class: "offer-what" }, el("strong", null, t("offerFrom", { business: state.businessName(chat.c.business_id) })), " ",
        state.visitorName(chat), chat.c.page_title ? ` · ${chat.c.page_title}` : "", " ",
        el("span", { class: "offer-left", "data-offer": chat.id })),
      chat.offer.note ? el("p", { class: "offer-note" }, el("span", { class: "tag" }, t(chat.offer.via === "supervisor" ? "noteFromSupervisor" : "noteFromColleague")), " ", chat.offer.note) : null,
      el("div", { class: "row" },
        el("button", { type: "button", class: "primary accept-offer", onclick: () => this.accept(chat.id) }, t("accept"), i === 0 ? el("span", { class: "keyhint" }, " (Alt+A)") : null),
        this.app.sock?.supports("decline") ? el("button", { type: "button", class: "ghost", onclick: () => this.decline(chat.id) }, t("decline")) : null))));
    this.tick(Date.now());
  }

  tick(now) {
    const { t } = this.app.state;
    for (const span of this.bar.querySelectorAll("[data-offer]")) {
      const chat = this.app.state.chat(span.dataset.offer);
      if (chat?.offer) span.textContent = t("expiresIn", { s: Math.max(0, Math.ceil((chat.offer.until - now) / 1000)) });
    }
  }
}
