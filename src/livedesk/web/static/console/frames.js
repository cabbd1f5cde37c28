// What the staff socket's frames do to the console: each frame type has one method here that
// updates the state and asks the parts that show it to follow.
import { OPEN, noteMessage } from "./state.js";

const SIGNED_OUT = new Set(["account_deactivated", "signed_out"]);

export class FrameHandlers {
  constructor(app) {
    this.app = app;
  }

  handle(f) {
    const method = this[`on_${f.type}`];
    if (method) method.call(this, f);
  }

  on__known() {
    const { app } = this;
    app.presence.onKnown();
    const chat = app.state.open;
    if (chat) { app.view.renderHead(chat); app.side.showInfo(); }
  }

  on_welcome(f) {
    const { app } = this;
    const { state } = app;
    const here = new Set();
    for (const c of f.conversations || []) { this.upsert(c); here.add(c.conversation_id); }
    // Chats that ended while the socket was down, unless their history is open here.
    for (const [id, chat] of state.chats) if (!here.has(id) && OPEN.has(chat.c.state) && !chat.loaded) state.chats.delete(id);
    app.composer.flush(true);
    app.list.render();
    app.offers.render();
    app.preload();
  }

  on_conversation(f) {
    const { app } = this;
    const before = app.state.chat(f.conversation_id)?.c;
    const chat = this.upsert(f);
    app.list.render();
    app.offers.render();
    app.offers.onConversation(chat);
    if (chat.id === app.state.current) {
      app.view.renderHead(chat);
      app.composer.update();
      app.side.refresh(chat, before && { ...before });
      app.markRead();
    } else app.retire(chat);
  }

  upsert(c) {
    const { state } = this.app;
    const chat = state.ensure(c.conversation_id, c);
    const before = chat.c;
    chat.c = { ...before, ...c };
    // Welcome payloads carry the operator's id only: keep a name already known.
    if (chat.c.operator && !chat.c.operator.name) {
      const known = chat.c.operator.id === state.me.id ? state.me.name : before.operator?.id === chat.c.operator.id ? before.operator.name : null;
      chat.c.operator = { ...chat.c.operator, name: known };
    }
    if (c.state !== "offered") chat.offer = null;
    return chat;
  }

  on_message(m) {
    const { app } = this;
    const { state } = app;
    const chat = state.ensure(m.conversation_id, { business_id: m.business_id, state: "active" });
    if (chat.msgs.has(m.seq)) return;
    chat.msgs.set(m.seq, m);
    noteMessage(chat, m);
    if (m.client_msg_id) state.outbox.delete(m.client_msg_id);
    const open = chat.id === state.current;
    if (m.author?.kind === "visitor") {
      chat.typingUntil = 0;
      if (!open || document.hidden) chat.unread += 1;
    }
    if (open) { app.view.add(m); app.markRead(); app.view.showTyping(); }
    app.list.render();
  }

  on_ack(f) {
    const { app } = this;
    const item = app.state.outbox.get(f.client_msg_id);
    app.state.outbox.delete(f.client_msg_id);
    const chat = app.state.chat(f.conversation_id);
    if (item && chat && chat.id === app.state.current) app.view.acked(f, chat);
  }

  on_typing(f) {
    const chat = this.app.state.chat(f.conversation_id);
    if (f.who !== "visitor" || !chat) return;
    this.app.view.typingFrom(chat, f.state === "on");
  }

  on_read(f) {
    const chat = this.app.state.chat(f.conversation_id);
    if (f.who !== "visitor" || !chat) return;
    chat.visitorRead = Math.max(chat.visitorRead, f.seq);
    if (chat.id === this.app.state.current) this.app.view.renderMarks();
  }

  on_offer(f) { this.app.offers.onOffer(f); }

  on_offer_revoked(f) { this.app.offers.onGone(f); }

  on_offer_withdrawn(f) { this.app.offers.onGone(f); }

  on_offer_expired(f) { this.app.offers.onGone(f); }

  on_suggestions(f) {
    const chat = this.app.state.chat(f.conversation_id);
    if (!chat) return;
    chat.suggestions = f.items || [];
    chat.suggestionsSeq = f.seq;
    this.app.side.updateSuggestions(chat);
  }

  on_presence(f) { this.app.presence.onPresence(f); }

  on_heartbeat(f) { this.app.presence.onHeartbeat(f); }

  on_error(f) {
    const { app } = this;
    // This login ended (deactivated, or a new password was set): back to the login form.
    if (SIGNED_OUT.has(f.code)) { app.unmount(); app.onSignedOut(app.state.t(`err_${f.code}`)); return; }
    if (f.code === "access_changed") return; // the socket closes and reconnects with the new rights
    app.showError(f);
  }
}
