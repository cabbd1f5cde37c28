// The console once logged in: puts the parts together (chat list, open chat, composer, offers,
// presence, the column beside the chat), turns the socket's frames into changes of the state,
// and owns the keyboard shortcuts. mount() starts the socket and the clocks; unmount() stops
// them and removes every listener it put on the document, so a new login starts clean.
import { el } from "/widget/dom.js";
import { errorText } from "./api.js";
import { CannedResponses } from "./canned.js";
import { ChatList } from "./chatlist.js";
import { ChatView } from "./chatview.js";
import { Composer } from "./composer.js";
import { PastSearch } from "./search.js";
import { Offers } from "./offers.js";
import { Presence } from "./presence.js";
import { SidePanel } from "./side.js";
import { AgentSocket } from "./socket.js";
import { OPEN, lastSeq, noteMessage } from "./state.js";
import { SUGGESTIONS_SHOWN, useSuggestion } from "./faq.js";
import { FrameHandlers } from "./frames.js";

const FLUSH_MS = 5000;
const CLOSED_SHOWN_MS = 4000; // a chat that ended stays in the list this long
const PRELOAD_CHATS = 30; // chats whose last messages are fetched for the list after a welcome

export class Console {
  constructor(root, state, { alerts, onSignedOut }) {
    this.root = root;
    this.state = state;
    this.onSignedOut = onSignedOut;
    this.alerts = alerts;
    this.sock = new AgentSocket({
      onFrame: (f) => this.frames.handle(f),
      onState: (s) => this.connection(s),
      resume: () => Object.fromEntries([...state.chats.values()].filter((c) => c.loaded).map((c) => [c.id, lastSeq(c)])),
    });
    this.canned = new CannedResponses(state.api, (businessId) => this.composer.cannedLoaded(businessId));
    this.composer = new Composer(this);
    this.view = new ChatView(this);
    this.list = new ChatList(this);
    this.offers = new Offers(this);
    this.presence = new Presence(this);
    this.search = new PastSearch(this);
    this.side = new SidePanel(this);
    this.frames = new FrameHandlers(this);
    this.cleanup = []; // what unmount() undoes
    this.errorSink = null; // { cid, node }: where the next error about this chat is shown
  }

  // ---- mounting ----
  mount() {
    const { state } = this;
    const { t, me } = state;
    this.conn = el("p", { class: "conn", role: "status", hidden: true });
    // On a phone the top bar's buttons say less (a short label; the long one is the same action).
    const label = (long, short) => [el("span", { class: "long" }, long), el("span", { class: "short" }, short)];
    const notifyLabel = (on) => label(on ? t("notifyDone") : t("notifyOn"), t("notifyShort"));
    const notify = el("button", { type: "button", class: "ghost", onclick: async () => notify.replaceChildren(...notifyLabel(await this.alerts.ask())) },
      notifyLabel(this.alerts.permitted));
    const logout = el("button", { type: "button", class: "ghost", onclick: () => this.logout() }, t("logout"));
    const header = el("header", { class: "top" }, el("h1", { class: "brand" }, "Livedesk"), el("span", { class: "me" }, me.name),
      this.presence.select, el("button", { type: "button", class: "ghost", id: "search-open", onclick: () => this.side.showSearch({}) }, label(t("pastSearch"), t("search"))),
      notify, me.role === "operator" ? null : el("a", { href: "/console/floor" }, t("floor")), logout);
    const switchBar = el("div", { class: "switch-bar" }, this.list.switcher,
      el("button", { type: "button", class: "ghost", id: "show-side", onclick: () => this.showSide() }, t("info")));
    this.main = el("main", { class: "chat none", id: "main", tabindex: "-1", "aria-label": t("chat") },
      switchBar, this.view.head, this.view.scroller, this.view.typing, this.composer.node);
    const sideColumn = el("div", { class: "side-col" },
      el("button", { type: "button", class: "ghost back-to-chat", onclick: () => this.setView("chat") }, t("backToChat")), this.side.node);
    this.layout = el("div", { class: "layout", "data-view": "list" },
      el("nav", { class: "list", "aria-label": t("chats") }, el("h2", null, t("chats")), this.list.list), this.main, sideColumn);
    this.root.replaceChildren(header, this.conn, this.presence.banner, this.offers.bar, this.layout);
    this.root.removeAttribute("aria-busy");
    this.listen(document, "keydown", (e) => this.onKey(e));
    this.listen(document, "visibilitychange", () => { if (!document.hidden) this.markRead(); });
    this.every(1000, () => this.tick());
    this.every(FLUSH_MS, () => this.composer.flush(false));
    this.select(null);
    this.sock.start();
  }

  unmount() {
    this.sock.stop();
    this.presence.unmount();
    this.composer.unmount();
    for (const undo of this.cleanup.splice(0)) undo();
  }

  listen(target, type, fn) {
    target.addEventListener(type, fn);
    this.cleanup.push(() => target.removeEventListener(type, fn));
  }

  every(ms, fn) {
    const id = setInterval(fn, ms);
    this.cleanup.push(() => clearInterval(id));
  }

  later(ms, fn) {
    const undo = () => clearTimeout(id);
    const id = setTimeout(() => { this.cleanup = this.cleanup.filter((u) => u !== undo); fn(); }, ms);
    this.cleanup.push(undo);
  }

  async logout() {
    await this.state.api("/api/v1/auth/logout", { method: "POST" });
    this.unmount();
    location.href = "/console/login";
  }

  connection(s) {
    if (!this.conn) return;
    this.conn.hidden = s === "up";
    this.conn.textContent = s === "up" ? "" : this.state.t(s === "offline" ? "offlineNet" : "reconnecting");
  }

  // ---- what changed ----
  changed(cid) {
    this.list.render();
    this.offers.render();
    const chat = this.state.open;
    if (chat && chat.id === cid) { this.view.renderHead(chat); this.composer.update(); }
  }

  // A chat that ended leaves the list a little later, unless it is the one open.
  retire(chat) {
    if (OPEN.has(chat.c.state)) return;
    this.later(CLOSED_SHOWN_MS, () => {
      const now = this.state.chat(chat.id);
      if (now && this.state.current !== chat.id && !OPEN.has(now.c.state)) { this.state.chats.delete(chat.id); this.list.render(); }
    });
  }

  tick() {
    const now = Date.now();
    if (this.offers.expire(now)) this.changed(this.state.current);
    this.list.tick(now);
    this.offers.tick(now);
    this.view.showTyping();
  }

  // ---- the open chat ----
  async select(id, focus = false) {
    const { state } = this;
    const previous = state.current;
    state.current = id || null;
    const chat = state.open;
    if (previous !== state.current) this.composer.setChat();
    this.main.classList.toggle("none", !chat);
    const before = previous !== state.current && state.chat(previous);
    if (before) this.retire(before);
    if (!chat) {
      this.view.clear();
      this.side.showInfo();
      this.list.render();
      this.setView("list");
      return;
    }
    chat.unread = 0;
    this.list.render();
    this.view.render(chat);
    this.composer.update();
    this.side.showInfo();
    this.setView("chat");
    if (focus) this.composer.focus();
    if (!chat.loaded) {
      const r = await state.api(`/api/v1/conversations/${encodeURIComponent(chat.id)}/messages?after=0`);
      if (r.ok) for (const m of r.data.items || []) if (!chat.msgs.has(m.seq)) { chat.msgs.set(m.seq, m); noteMessage(chat, m); }
      chat.loaded = r.ok;
      if (state.current !== chat.id) return;
      this.view.render(chat);
    }
    this.markRead();
  }

  markRead() {
    const { state } = this;
    const chat = state.open;
    if (!state.answering(chat) || document.hidden) return;
    let seq = 0;
    for (const [s, m] of chat.msgs) if (m.author?.kind === "visitor") seq = Math.max(seq, s);
    if (seq > chat.readSent) { chat.readSent = seq; this.sock.send({ type: "read", conversation_id: chat.id, seq }); }
  }

  // The last few messages of each chat, so the list can show them before a chat is opened.
  async preload() {
    const { state } = this;
    const todo = state.ordered().filter((chat) => !chat.msgs.size && chat.c.last_seq).slice(0, PRELOAD_CHATS);
    await Promise.all(todo.map(async (chat) => {
      const r = await state.api(`/api/v1/conversations/${encodeURIComponent(chat.id)}/messages?after=${Math.max(0, chat.c.last_seq - 3)}`);
      if (!r.ok) return;
      for (const m of r.data.items || []) if (!chat.msgs.has(m.seq)) { chat.msgs.set(m.seq, m); noteMessage(chat, m); }
    }));
    if (todo.length) this.list.render();
  }

  // ---- narrow screens: one column at a time ----
  setView(name) {
    this.layout.dataset.view = name;
  }

  showSide() {
    this.setView("side");
  }

  // ---- errors ----
  httpError(r) {
    return errorText(this.state.t, r.data, { http: true });
  }

  expectError(cid, node) {
    this.errorSink = { cid, node };
  }

  showError(f) {
    const text = errorText(this.state.t, f);
    const cid = f.data?.conversation_id || f.conversation_id;
    const sink = this.errorSink;
    if (sink && (!cid || cid === sink.cid) && sink.node.isConnected) { sink.node.textContent = text; this.errorSink = null; return; }
    this.composer.error.textContent = text;
  }

  // ---- keyboard ----
  onKey(e) {
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    const order = this.state.ordered();
    const digit = /^Digit([1-9])$/.exec(e.code);
    if (digit && e.shiftKey) {
      const chat = this.state.open;
      const item = chat?.suggestions?.[Number(digit[1]) - 1];
      if (item && Number(digit[1]) <= SUGGESTIONS_SHOWN) { e.preventDefault(); useSuggestion(this, chat, item, chat.suggestionsSeq); }
    } else if (digit) {
      const chat = order[Number(digit[1]) - 1];
      if (chat) { e.preventDefault(); this.select(chat.id, true); }
    } else if (e.code === "KeyA" && !e.shiftKey) {
      if (this.offers.acceptOldest()) e.preventDefault();
    } else if ((e.key === "ArrowDown" || e.key === "ArrowUp") && order.length) {
      e.preventDefault();
      const i = order.findIndex((chat) => chat.id === this.state.current);
      const next = e.key === "ArrowDown" ? (i + 1) % order.length : i <= 0 ? order.length - 1 : i - 1;
      this.select(order[next].id, true);
    }
  }
}
