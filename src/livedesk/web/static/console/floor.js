// The floor: every business's queue, longest wait against its contract, the operators serving
// it and its open chats, from GET /api/v1/floor (every 3 s) and the staff socket. Supervisors
// and provider admins give a chat to a named operator or set an operator away from here.
import { el } from "/widget/dom.js";
import { makeApi } from "./api.js";
import { businessCard, summaryTable } from "./floor_view.js";
import { makeT } from "./i18n.js";
import { AgentSocket } from "./socket.js";
import { MANAGERS, OPEN, visitorName } from "./state.js";

const POLL_MS = 3000;

class Floor {
  constructor(root, { me, t, api, businesses, caps }) {
    Object.assign(this, { root, me, t, api, caps });
    this.businesses = new Map(businesses.map((b) => [b.id, b]));
    this.manager = MANAGERS.has(me.role);
    this.chats = new Map(); // open conversations from the staff socket
    this.data = null;
    this.timer = 0;
    this.round = 0;
    this.sock = new AgentSocket({ onFrame: (f) => this.frame(f), onState: () => {}, resume: () => ({}) });
  }

  mount() {
    const { t } = this;
    this.updated = el("p", { class: "muted", id: "floor-updated" });
    // Outside what is redrawn every few seconds, so a result is said once and stays.
    this.notice = el("p", { id: "floor-msg", role: "status" });
    this.body = el("div", { class: "floor-body" });
    this.root.replaceChildren(
      el("header", { class: "top" }, el("h1", { class: "brand" }, t("floorTitle")), el("span", { class: "me" }, this.me.name),
        el("a", { href: "/console" }, t("console"))),
      el("main", { class: "floor", id: "main", tabindex: "-1" }, this.updated, this.notice, this.body));
    this.root.removeAttribute("aria-busy");
    document.title = t("floorTitle");
    if (!this.caps.floor) { this.body.replaceChildren(el("p", null, t("noFloor"))); return; }
    this.sock.start();
    this.poll();
  }

  unmount() {
    clearTimeout(this.timer);
    this.sock.stop();
  }

  frame(f) {
    if (f.type === "welcome") {
      this.chats.clear();
      for (const c of f.conversations || []) this.chats.set(c.conversation_id, c);
    } else if (f.type === "conversation") {
      if (OPEN.has(f.state)) this.chats.set(f.conversation_id, { ...(this.chats.get(f.conversation_id) || {}), ...f });
      else this.chats.delete(f.conversation_id);
    } else return;
    if (this.data) this.render();
  }

  async poll() {
    const round = ++this.round; // a refresh starts a new round; an older one stops here
    const r = await this.api("/api/v1/floor");
    if (round !== this.round) return;
    if (r.ok) {
      this.data = r.data;
      this.updated.textContent = this.t("updatedAt", { time: new Date().toLocaleTimeString(this.t.lang === "en" ? "en-GB" : "nl-NL") });
      this.render();
    }
    this.timer = setTimeout(() => this.poll(), POLL_MS);
  }

  visitorName(c) {
    return visitorName(this.t, c);
  }

  // Redrawn every few seconds: what a supervisor was filling in or had focused stays.
  render() {
    const kept = [...this.body.querySelectorAll("form.give")].map((form) => [form.dataset.cid, form.elements.operator_id.value, form.elements.note.value]);
    const active = document.activeElement;
    const focus = active && this.body.contains(active) ? focusKey(active) : null;
    const chats = [...this.chats.values()].sort((a, b) => String(a.queued_at).localeCompare(String(b.queued_at)));
    this.body.replaceChildren(summaryTable(this, this.data), ...(this.data.businesses || []).map((b) => businessCard(this, b, this.data, chats)));
    for (const [cid, operatorId, note] of kept) {
      const form = this.body.querySelector(`form.give[data-cid="${CSS.escape(cid)}"]`);
      if (!form) continue;
      if ([...form.elements.operator_id.options].some((o) => o.value === operatorId)) form.elements.operator_id.value = operatorId;
      form.elements.note.value = note;
    }
    if (focus) this.body.querySelector(focus)?.focus();
  }

  message(text) {
    this.notice.textContent = text;
  }

  async give(chat, operatorId, note, form) {
    if (!operatorId) return;
    const r = await this.api(`/api/v1/floor/conversations/${encodeURIComponent(chat.conversation_id)}/assign`,
      { json: { operator_id: operatorId, note: note.trim() || null } });
    if (r.ok && form.isConnected) form.elements.note.value = "";
    this.message(r.ok ? this.t("given") : r.data?.message || this.t("failed"));
    this.refresh();
  }

  refresh() {
    clearTimeout(this.timer);
    this.poll();
  }

  async setAway(operator) {
    const r = await this.api(`/api/v1/floor/operators/${encodeURIComponent(operator.operator_id)}/presence`, { json: { state: "away" } });
    this.message(r.ok ? this.t("setAwayDone", { name: operator.name }) : r.data?.message || this.t("failed"));
    this.refresh();
  }
}

// A selector that finds the same control after a redraw.
function focusKey(node) {
  const form = node.closest("form.give");
  if (form && node.name) return `form.give[data-cid="${CSS.escape(form.dataset.cid)}"] [name="${node.name}"]`;
  const row = node.closest("tr[data-operator]");
  if (row && node.classList.contains("set-away")) return `tr[data-operator="${CSS.escape(row.dataset.operator)}"] .set-away[data-business="${CSS.escape(node.dataset.business)}"]`;
  return null;
}

async function boot(root) {
  const api0 = makeApi(makeT(navigator.language).lang);
  const who = await api0("/api/v1/auth/me");
  if (!who.ok) { location.href = "/console/login?next=/console/floor"; return; }
  if (who.data.role === "business_user") { location.replace("/portal"); return; }
  const t = makeT(who.data.language || "nl");
  document.documentElement.lang = t.lang;
  const skip = document.querySelector(".skip");
  if (skip) skip.textContent = t("skip");
  const api = makeApi(t.lang);
  const [businesses, caps] = await Promise.all([api("/api/v1/businesses"), api("/ui/capabilities")]);
  new Floor(root, { me: who.data, t, api, businesses: businesses.data || [], caps: caps.data || {} }).mount();
}

boot(document.getElementById("floor"));
