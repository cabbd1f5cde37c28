// The composer under the open chat: the answer, or an internal note; canned responses (`/` and
// a few letters, or the list); emoji; sending with an outbox that resends until acked. It is
// open only to whoever may answer: for a chat not yet accepted it stays readable but locked
// (focusable, so Alt+number still lands here), for a closed chat only a note can be added.
import { el, uid } from "/widget/dom.js";
import { SlashMenu, fill } from "./canned.js";
import { EmojiPicker } from "./emoji.js";
import { replySent } from "./faq.js";
import { OPEN, lastSeq } from "./state.js";
import { attachButton } from "./attach.js";

const RESEND_MS = 5000;
const TYPING_EVERY_MS = 3000;
const TYPING_OFF_MS = 4000;

export class Composer {
  constructor(app) {
    this.app = app;
    const { t } = app.state;
    this.typingSent = 0;
    this.typingFor = null; // the chat told "typing on"
    this.typingTimer = 0;
    this.input = el("textarea", { id: "composer-input", rows: 3, maxLength: 4000, placeholder: t("placeholder"), "aria-label": t("placeholder"),
      "aria-describedby": "composer-hint", oninput: () => this.onTyping() });
    this.note = el("input", { type: "checkbox", id: "note-mode", onchange: () => this.update() });
    this.canned = el("select", { id: "canned", "aria-label": t("canned"), onchange: () => this.insertCanned() });
    this.error = el("p", { class: "err", role: "alert" });
    this.hint = el("p", { class: "composer-hint", id: "composer-hint" });
    this.sendButton = el("button", { type: "submit", class: "primary", id: "send" }, t("send"));
    this.slash = new SlashMenu(this.input, { items: () => this.cannedItems(), values: () => this.placeholderValues(), t });
    this.emoji = new EmojiPicker(t, (char) => this.insert(char));
    this.node = el("form", { class: "composer", onsubmit: (e) => { e.preventDefault(); this.send(); } },
      this.slash.node, this.input, this.hint,
      el("div", { class: "composer-row" }, el("label", { class: "inline" }, this.note, " ", t("noteMode")), this.canned, this.emoji.node,
        this.attach = attachButton(this),
        this.error, this.sendButton));
    this.input.addEventListener("keydown", (e) => {
      if (e.defaultPrevented) return; // the `/` list took it
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.node.requestSubmit(); }
    });
  }

  // Another chat is open: a note is never carried over by accident, nor a message.
  setChat() {
    this.note.checked = false;
    this.error.textContent = "";
    this.stopTyping();
    this.update();
  }

  update() {
    const { state } = this.app;
    const { t } = state;
    const chat = state.open;
    const noting = this.note.checked;
    const may = state.mayAnswer(chat);
    const closed = !!chat && !OPEN.has(chat.c.state);
    const locked = !!chat && !may && !noting;
    this.node.classList.toggle("noting", noting);
    this.node.classList.toggle("locked", locked);
    this.input.placeholder = noting ? t("notePlaceholder") : t("placeholder");
    this.input.setAttribute("aria-label", this.input.placeholder);
    // Closed: nothing but a note can be written. Not yet accepted: locked but focusable.
    this.input.disabled = locked && closed;
    this.input.readOnly = locked && !closed;
    if (locked) this.input.setAttribute("aria-disabled", "true"); else this.input.removeAttribute("aria-disabled");
    this.sendButton.disabled = locked;
    this.attach.disabled = locked || noting || closed; // a file goes to the visitor, never in a note
    this.hint.textContent = !locked ? "" : closed ? t("lockedClosed") : t("lockedNotAccepted");
    this.fillCanned(chat?.c.business_id);
  }

  focus() {
    if (!this.input.disabled) this.input.focus();
  }

  // ---- canned responses and inserting ----
  cannedItems() {
    return this.app.canned.for(this.app.state.open?.c.business_id);
  }

  placeholderValues() {
    const { state } = this.app;
    const chat = state.open;
    return { operator: state.me.name, business: state.businessName(chat?.c.business_id), visitor: chat?.c.prechat?.name };
  }

  fillCanned(businessId) {
    const { t } = this.app.state;
    const list = this.app.canned.for(businessId);
    this.canned.replaceChildren(el("option", { value: "" }, t("cannedPick")),
      ...list.map((item, i) => el("option", { value: String(i) }, `${item.title} (/${item.shortcut})`)));
    this.canned.items = list;
    this.canned.hidden = !list.length;
  }

  cannedLoaded(businessId) {
    if (this.app.state.open?.c.business_id !== businessId) return;
    this.fillCanned(businessId);
    if (document.activeElement === this.input) this.slash.update(); // a `/word` typed while loading
  }

  insertCanned() {
    const item = this.canned.items?.[Number(this.canned.value)];
    this.canned.value = "";
    if (item) this.insert(fill(item, this.placeholderValues()));
  }

  insert(text) {
    const input = this.input;
    if (input.disabled || input.readOnly) return;
    const start = input.selectionStart ?? input.value.length;
    input.value = input.value.slice(0, start) + text + input.value.slice(input.selectionEnd ?? start);
    input.focus();
    input.selectionStart = input.selectionEnd = start + text.length;
  }

  // ---- sending ----
  send() {
    const { state, view } = this.app;
    const body = this.input.value;
    const chat = state.open;
    if (!chat || !body.trim() || this.input.disabled || this.input.readOnly) return;
    this.error.textContent = "";
    const cmid = uid();
    const internal = this.note.checked;
    // after: what we held when it first went out; retries repeat it (the server's retry check).
    state.outbox.set(cmid, { cid: chat.id, body, internal, sentAt: 0, after: lastSeq(chat) });
    view.appendPending({ author: { kind: "operator", name: state.me.name }, body, internal, conversation_id: chat.id }, cmid);
    if (!internal) replySent(this.app, chat, body);
    this.input.value = "";
    this.stopTyping();
    this.flush(false);
  }

  flush(all) {
    const { state, sock } = this.app;
    if (!sock?.ready) return;
    const now = Date.now();
    for (const [cmid, item] of state.outbox) {
      if (!all && item.sentAt && now - item.sentAt < RESEND_MS) continue;
      const frame = { type: "send", conversation_id: item.cid, client_msg_id: cmid, body: item.body, internal: item.internal || undefined, after_seq: item.after, attachment_id: item.att };
      if (sock.send(frame)) item.sentAt = now;
    }
  }

  // ---- typing, only from whoever answers ----
  onTyping() {
    const { state, sock } = this.app;
    const chat = state.open;
    if (!state.answering(chat) || this.note.checked) return;
    const now = Date.now();
    if (now - this.typingSent > TYPING_EVERY_MS) {
      this.typingSent = now;
      this.typingFor = chat.id;
      sock.send({ type: "typing", conversation_id: chat.id, state: "on" });
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_OFF_MS);
  }

  stopTyping() {
    clearTimeout(this.typingTimer);
    if (this.typingSent && this.typingFor) this.app.sock?.send({ type: "typing", conversation_id: this.typingFor, state: "off" });
    this.typingSent = 0;
    this.typingFor = null;
  }

  unmount() {
    clearTimeout(this.typingTimer);
  }
}
