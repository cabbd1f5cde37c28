// The operator console: log in, presence, offers (sound + desktop notification), several chats
// at once with keyboard switching, full history, guidelines/visitor info/FAQ beside each chat,
// canned responses (`/` in the composer, or the list), internal notes, transfer, close with
// disposition and a lead form.
import { el, linkify, hhmm, uid, safeUrl } from "/widget/dom.js";
import { SlashMenu, fill } from "./canned.js";
import { makeT } from "./i18n.js";
import { AgentSocket, api, mmss } from "./socket.js";

const OPEN = new Set(["queued", "offered", "active"]);
const DISPOSITIONS = ["answered", "lead", "not_answerable", "spam", "test", "no_intent"];
const app = document.getElementById("app");
let t = makeT(navigator.language);
let me = null;
let caps = {};
const canned = new Map(); // business_id -> {items, at}: its own and the shared responses
const CANNED_FRESH_MS = 60000;
const businesses = new Map();
const convs = new Map(); // id -> {c, msgs: Map(seq -> m), loaded, unread, offer, suggestions, visitorRead, typingUntil}
const outbox = new Map(); // client_msg_id -> {cid, body, internal, sentAt}
let current = null;
let sock = null;
let audio = null;
let ui = {};

// ---- boot & login ------------------------------------------------------------------------------
async function boot() {
  const who = await api("/api/v1/auth/me");
  if (!who.ok) return loginView();
  me = who.data;
  // A client business's users have their own pages: the console's buttons are not theirs.
  if (me.role === "business_user") { location.replace("/portal"); return; }
  t = makeT(me.language || "nl");
  document.documentElement.lang = t.lang;
  if (location.pathname.endsWith("/login")) history.replaceState(null, "", "/console");
  const [biz, cap] = await Promise.all([api("/api/v1/businesses"), api("/ui/capabilities")]);
  for (const b of biz.data || []) businesses.set(b.id, b);
  caps = cap.data || {};
  shell();
  sock = new AgentSocket({
    onFrame, onState: (s) => { ui.conn.hidden = s === "up"; ui.conn.textContent = s === "up" ? "" : t("reconnecting"); },
    resume: () => Object.fromEntries([...convs].filter(([, v]) => v.loaded).map(([id, v]) => [id, lastSeq(v)])),
  });
  sock.connect();
  setInterval(tick, 1000);
  setInterval(() => { if (sock.supports("heartbeat")) sock.send({ type: "heartbeat" }); }, 15000);
  setInterval(flush, 5000);
}

function loginView(error) {
  sock?.stop();
  const user = el("input", { id: "login-user", name: "username", autocomplete: "username", required: true });
  const pass = el("input", { id: "login-pass", name: "password", type: "password", autocomplete: "current-password", required: true });
  const err = el("p", { class: "err", role: "alert" }, error || "");
  const form = el("form", { class: "login card", onsubmit: async (e) => {
    e.preventDefault();
    unlockAudio();
    const r = await api("/api/v1/auth/login", { json: { username: user.value.trim(), password: pass.value } });
    if (!r.ok) { err.textContent = t("loginFailed"); pass.select(); return; }
    sessionStorage.setItem("livedesk:go-online", "1");
    const next = new URLSearchParams(location.search).get("next");
    if (next && next.startsWith("/console")) { location.href = next; return; }
    app.replaceChildren();
    boot();
  } }, el("h1", null, "Livedesk"), el("label", { for: "login-user" }, t("username")), user,
  el("label", { for: "login-pass" }, t("password")), pass, err, el("button", { type: "submit", class: "primary" }, t("login")));
  app.replaceChildren(el("main", { class: "login-wrap" }, form));
  app.removeAttribute("aria-busy");
  user.focus();
}

// ---- layout ------------------------------------------------------------------------------------
function shell() {
  ui.conn = el("p", { class: "conn", role: "status", hidden: true });
  ui.presence = el("select", { id: "presence", "aria-label": t("presence"), hidden: true, onchange: () => sock.send({ type: "presence", state: ui.presence.value }) },
    ["online", "away", "offline"].map((s) => el("option", { value: s }, t(s))));
  ui.notify = el("button", { type: "button", class: "ghost", onclick: askNotify }, window.Notification?.permission === "granted" ? t("notifyDone") : t("notifyOn"));
  const floorLink = me.role === "operator" ? null : el("a", { href: "/console/floor" }, t("floor"));
  const logout = el("button", { type: "button", class: "ghost", onclick: async () => { await api("/api/v1/auth/logout", { method: "POST" }); location.href = "/console/login"; } }, t("logout"));
  ui.list = el("ul", { class: "chatlist", id: "chatlist" });
  // A list that announces what is added (role=log would hide from assistive technology that
  // its items are a list's).
  ui.log = el("ol", { class: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0", "aria-label": t("chats") });
  ui.head = el("div", { class: "chat-head" });
  ui.typing = el("p", { class: "typing", "aria-live": "polite" });
  ui.input = el("textarea", { id: "composer-input", rows: 3, maxLength: 4000, placeholder: t("placeholder"), "aria-label": t("placeholder") });
  ui.note = el("input", { type: "checkbox", id: "note-mode", onchange: () => { ui.input.placeholder = ui.note.checked ? t("notePlaceholder") : t("placeholder"); ui.composer.classList.toggle("noting", ui.note.checked); } });
  ui.canned = el("select", { id: "canned", "aria-label": t("canned"), onchange: insertCanned });
  ui.composerMsg = el("p", { class: "err", role: "alert" });
  ui.slash = new SlashMenu(ui.input, { items: () => cannedFor(convs.get(current)?.c.business_id), values: placeholderValues, t });
  ui.composer = el("form", { class: "composer", onsubmit: onSend },
    ui.slash.node, ui.input, el("div", { class: "composer-row" }, el("label", { class: "inline" }, ui.note, " ", t("noteMode")), ui.canned, ui.composerMsg,
      el("button", { type: "submit", class: "primary" }, t("send"))));
  ui.side = el("aside", { class: "side", "aria-label": t("business") });
  ui.main = el("main", { class: "chat", "aria-label": "Chat" }, ui.head, ui.log, ui.typing, ui.composer);
  ui.empty = el("p", { class: "empty" }, t("pick"));
  app.replaceChildren(
    el("header", { class: "top" }, el("strong", null, "Livedesk"), el("span", { class: "me" }, me.name), ui.presence, ui.notify, floorLink, logout),
    ui.conn,
    el("div", { class: "layout" }, el("nav", { class: "list", "aria-label": t("chats") }, el("h2", null, t("chats")), ui.list), ui.main, ui.side));
  app.removeAttribute("aria-busy");
  ui.input.addEventListener("keydown", (e) => {
    if (e.defaultPrevented) return; // the `/` list took it
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); ui.composer.requestSubmit(); }
  });
  ui.input.addEventListener("input", onTypingInput);
  document.addEventListener("keydown", onKey);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) markRead(); });
  select(null);
}

function onKey(e) {
  if (!e.altKey || e.ctrlKey || e.metaKey) return;
  const order = ordered();
  if (/^Digit[1-9]$/.test(e.code)) {
    const item = order[Number(e.code.slice(5)) - 1];
    if (item) { e.preventDefault(); select(item[0], true); }
  } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    if (!order.length) return;
    e.preventDefault();
    const i = order.findIndex(([id]) => id === current);
    const next = e.key === "ArrowDown" ? (i + 1) % order.length : (i <= 0 ? order.length - 1 : i - 1);
    select(order[next][0], true);
  }
}

// ---- frames ------------------------------------------------------------------------------------
function onFrame(f) {
  switch (f.type) {
    case "_known":
      ui.presence.hidden = !sock.supports("presence") || me.role !== "operator";
      if (!ui.presence.hidden) {
        // Logging in through the form means "I am here": go online. A reload keeps the state.
        if (sessionStorage.getItem("livedesk:go-online")) { sessionStorage.removeItem("livedesk:go-online"); sock.send({ type: "presence", state: "online" }); }
        else sock.send({ type: "heartbeat" });
      }
      if (current) side();
      renderHead();
      return;
    case "welcome":
      for (const c of f.conversations || []) upsert(c);
      for (const [id, v] of convs) if (!f.conversations.some((c) => c.conversation_id === id) && OPEN.has(v.c.state) && !v.loaded) convs.delete(id);
      flush(true);
      renderList();
      return;
    case "conversation": upsert(f); renderList(); if (f.conversation_id === current) { renderHead(); side(); markRead(); } return;
    case "message": return onMessage(f);
    case "ack": return onAck(f);
    case "typing":
      if (f.who === "visitor" && convs.has(f.conversation_id)) {
        convs.get(f.conversation_id).typingUntil = f.state === "on" ? Date.now() + 8000 : 0;
        if (f.conversation_id === current) showTyping();
      }
      return;
    case "read":
      if (f.who === "visitor" && convs.has(f.conversation_id)) {
        const v = convs.get(f.conversation_id);
        v.visitorRead = Math.max(v.visitorRead || 0, f.seq);
        if (f.conversation_id === current) renderMarks();
      }
      return;
    case "offer": return onOffer(f);
    case "offer_revoked": case "offer_withdrawn": case "offer_expired": {
      const v = convs.get(f.conversation_id);
      if (v) { v.offer = null; renderList(); }
      return;
    }
    case "suggestions": {
      const v = convs.get(f.conversation_id);
      if (v) { v.suggestions = f.items || []; v.suggestionsSeq = f.seq; if (f.conversation_id === current) side(); }
      return;
    }
    case "presence": if (f.operator_id === me.id && f.state) ui.presence.value = f.state; return;
    case "heartbeat": if (f.state) ui.presence.value = f.state; return;
    case "error":
      // This login ended (deactivated, or a new password was set): back to the login form.
      if (f.code === "account_deactivated" || f.code === "signed_out") { loginView(t(f.code)); return; }
      if (f.code === "access_changed") return; // the socket closes and reconnects with the new rights
      if (f.code === "not_assigned") ui.composerMsg.textContent = t("notAssigned");
      else if (f.message) ui.composerMsg.textContent = f.message;
      return;
    default: return;
  }
}

function upsert(c) {
  const v = convs.get(c.conversation_id) || { msgs: new Map(), unread: 0, loaded: false };
  const prev = v.c?.operator;
  v.c = { ...(v.c || {}), ...c };
  // Welcome payloads carry the operator's id only: keep a name we already know.
  if (v.c.operator && !v.c.operator.name) {
    v.c.operator = { ...v.c.operator, name: v.c.operator.id === me.id ? me.name : prev?.id === v.c.operator.id ? prev.name : null };
  }
  if (c.state !== "offered") v.offer = null;
  convs.set(c.conversation_id, v);
  if (!OPEN.has(c.state) && c.conversation_id !== current) setTimeout(() => { if (current !== c.conversation_id && !OPEN.has(convs.get(c.conversation_id)?.c.state)) { convs.delete(c.conversation_id); renderList(); } }, 4000);
}

function lastSeq(v) {
  let max = 0;
  for (const seq of v.msgs.keys()) max = Math.max(max, seq);
  return max;
}

function onMessage(m) {
  let v = convs.get(m.conversation_id);
  if (!v) { v = { msgs: new Map(), unread: 0, loaded: false, c: { conversation_id: m.conversation_id, business_id: m.business_id, state: "active" } }; convs.set(m.conversation_id, v); }
  if (v.msgs.has(m.seq)) return;
  v.msgs.set(m.seq, m);
  if (m.client_msg_id) outbox.delete(m.client_msg_id);
  if (m.author?.kind === "visitor") {
    v.lastVisitorAt = Date.parse(m.created_at) || Date.now();
    v.typingUntil = 0;
    if (m.conversation_id !== current || document.hidden) v.unread += 1;
  } else if ((m.author?.kind === "operator" || m.author?.kind === "expert") && !m.internal) v.lastVisitorAt = 0;
  if (m.conversation_id === current) { renderMessage(m, true); markRead(); showTyping(); }
  renderList();
}

function onAck(f) {
  const item = outbox.get(f.client_msg_id);
  outbox.delete(f.client_msg_id);
  if (!item) return;
  const li = ui.log.querySelector(`li[data-cmid="${CSS.escape(f.client_msg_id)}"]`);
  const v = convs.get(f.conversation_id);
  if (li && v && !v.msgs.has(f.seq)) { li.dataset.seq = String(f.seq); li.classList.remove("pending"); mark(li, "sent"); }
  else if (li && v && v.msgs.has(f.seq)) li.remove();
}

function onOffer(f) {
  const v = convs.get(f.conversation_id) || { msgs: new Map(), unread: 0, loaded: false, c: { conversation_id: f.conversation_id, business_id: f.business_id, state: "offered" } };
  v.offer = { until: Date.now() + (f.expires_in || 20) * 1000 };
  convs.set(f.conversation_id, v);
  renderList();
  beep();
  const biz = businesses.get(v.c.business_id)?.name || "";
  const body = t("offerBody", { business: biz, page: v.c.page_title || v.c.page_url || "" });
  if ("Notification" in window && Notification.permission === "granted") {
    try {
      const n = new Notification(t("offer"), { body, tag: `offer-${f.conversation_id}`, requireInteraction: true });
      n.onclick = () => { window.focus(); select(f.conversation_id, true); n.close(); };
    } catch { /* some platforms only allow notifications from a service worker */ }
  }
  document.title = `● ${t("offer")} · Livedesk`;
}

// ---- list --------------------------------------------------------------------------------------
function rank(v) {
  if (v.offer) return 0;
  if (v.c.state === "active" && v.c.operator?.id === me.id) return 1;
  if (v.c.state === "queued" || v.c.state === "offered") return 2;
  if (v.c.state === "active") return 3;
  return 4;
}

function ordered() {
  return [...convs].sort(([, a], [, b]) => rank(a) - rank(b) || String(a.c.queued_at || "").localeCompare(String(b.c.queued_at || "")));
}

function renderList() {
  const order = ordered();
  ui.list.replaceChildren(...order.map(([id, v], i) => {
    const biz = businesses.get(v.c.business_id)?.name || "";
    const who = v.c.state === "active" ? (v.c.operator?.id === me.id ? t("mine") : t("colleague", { name: v.c.operator?.name || "?" })) : t(v.c.state);
    const item = el("button", { type: "button", class: "item", "aria-current": id === current ? "true" : null, onclick: () => select(id, true), "data-cid": id },
      el("span", { class: "key", "aria-hidden": "true" }, i < 9 ? String(i + 1) : ""),
      el("span", { class: "what" }, el("strong", null, biz), el("span", { class: "page" }, v.c.page_title || v.c.page_url || "")),
      el("span", { class: `chip ${v.offer ? "offer" : v.c.state}` }, v.offer ? t("offered") : who),
      el("span", { class: "wait", "data-wait": id }),
      v.unread ? el("span", { class: "unread", "aria-label": t("unread", { n: v.unread }) }, String(v.unread)) : null);
    return el("li", null, item);
  }));
  if (!order.length) ui.list.append(el("li", { class: "empty" }, t("noChats")));
  const total = order.reduce((n, [, v]) => n + v.unread, 0);
  if (!order.some(([, v]) => v.offer)) document.title = total ? `(${total}) Livedesk` : "Livedesk";
  tick();
}

function tick() {
  const now = Date.now();
  for (const span of ui.list?.querySelectorAll("[data-wait]") || []) {
    const v = convs.get(span.dataset.wait);
    if (!v) continue;
    if (v.offer) {
      const left = Math.ceil((v.offer.until - now) / 1000);
      if (left <= 0) { v.offer = null; renderList(); return; }
      span.textContent = t("expiresIn", { s: left });
    } else if (v.c.state === "queued" || v.c.state === "offered") {
      span.textContent = t("waiting", { t: mmss(now - Date.parse(v.c.queued_at || new Date().toISOString())) });
    } else if (v.lastVisitorAt) {
      span.textContent = t("waiting", { t: mmss(now - v.lastVisitorAt) });
    } else span.textContent = "";
  }
  if (current) showTyping();
}

// ---- the open chat -----------------------------------------------------------------------------
async function select(id, focus) {
  current = id;
  const v = id && convs.get(id);
  ui.main.classList.toggle("none", !v);
  if (!v) { ui.log.replaceChildren(ui.empty); ui.head.replaceChildren(); ui.side.replaceChildren(); renderList(); return; }
  v.unread = 0;
  renderList();
  renderHead();
  side();
  ui.log.replaceChildren();
  if (!v.loaded) {
    const r = await api(`/api/v1/conversations/${encodeURIComponent(id)}/messages?after=0`);
    if (r.ok) for (const m of r.data.items || []) if (!v.msgs.has(m.seq)) v.msgs.set(m.seq, m);
    v.loaded = true;
    if (current !== id) return;
  }
  ui.log.replaceChildren();
  for (const seq of [...v.msgs.keys()].sort((a, b) => a - b)) renderMessage(v.msgs.get(seq), false);
  for (const [cmid, item] of outbox) if (item.cid === id) ui.log.append(bubble({ author: { kind: "operator", name: me.name }, body: item.body, internal: item.internal }, cmid));
  ui.log.scrollTop = ui.log.scrollHeight;
  renderMarks();
  markRead();
  if (focus) ui.input.focus();
}

// Whoever is answering the visitor: typing and read receipts go out only from them (the server
// refuses them from anyone else: docs/protocol.md, the permission table).
function answering(v) {
  return !!v && v.c.operator?.id === me.id;
}

function businessName(conversationId) {
  return businesses.get(convs.get(conversationId)?.c.business_id)?.name || "";
}

// A line from Livedesk itself (an expert of the business joined or handed back).
function systemLine(m) {
  return el("li", { class: "msg system", "data-seq": m.seq ? String(m.seq) : null },
    el("div", { class: "text" }, m.body), el("time", { datetime: m.created_at || "" }, hhmm(m.created_at, t.lang)));
}

function bubble(m, cmid) {
  const kind = m.author?.kind || "system";
  if (kind === "system" && !cmid) return systemLine(m);
  const mine = kind === "operator" || kind === "bot";
  const who = kind === "visitor" ? (convs.get(m.conversation_id)?.c.prechat?.name || t("visitor")) : m.author?.name || kind;
  // The business's own expert, named, with the business they speak for.
  const expert = kind === "expert" ? el("span", { class: "tag expert" }, t("expertOf", { business: businessName(m.conversation_id) })) : null;
  const li = el("li", { class: `msg ${mine ? "me" : "them"}${kind === "expert" ? " expert" : ""}${m.internal ? " internal" : ""}${cmid ? " pending" : ""}`, "data-seq": m.seq ? String(m.seq) : null, "data-cmid": cmid || m.client_msg_id || null },
    el("div", { class: "meta" }, el("span", { class: "who" }, who), expert, m.internal ? el("span", { class: "tag" }, t("note")) : null, " ",
      el("time", { datetime: m.created_at || "" }, hhmm(m.created_at, t.lang))),
    el("div", { class: "text" }, linkify(m.body)),
    mine && !m.internal ? el("div", { class: "mark" }, cmid ? t("sending") : "") : null);
  return li;
}

function renderMessage(m, live) {
  if (ui.log.querySelector(`li[data-seq="${m.seq}"]`)) return;
  const pend = m.client_msg_id && ui.log.querySelector(`li.pending[data-cmid="${CSS.escape(m.client_msg_id)}"]`);
  const li = bubble(m);
  if (pend) pend.replaceWith(li);
  const later = [...ui.log.querySelectorAll("li[data-seq]")].find((n) => Number(n.dataset.seq) > m.seq) || ui.log.querySelector("li.pending");
  if (!pend) { if (later) ui.log.insertBefore(li, later); else ui.log.append(li); }
  if (live) ui.log.scrollTop = ui.log.scrollHeight;
  renderMarks();
}

function mark(li, state) {
  const m = li.querySelector(".mark");
  if (m) { m.textContent = state === "read" ? `✓✓ ${t("read")}` : state === "sent" ? `✓ ${t("sent")}` : t("sending"); li.dataset.state = state; }
}

function renderMarks() {
  const v = convs.get(current);
  if (!v) return;
  for (const li of ui.log.querySelectorAll("li.me:not(.internal)[data-seq]")) mark(li, Number(li.dataset.seq) <= (v.visitorRead || 0) ? "read" : "sent");
}

function markRead() {
  const v = convs.get(current);
  if (!answering(v) || document.hidden) return;
  let seq = 0;
  for (const [s, m] of v.msgs) if (m.author?.kind === "visitor") seq = Math.max(seq, s);
  if (seq > (v.readSent || 0)) { v.readSent = seq; sock?.send({ type: "read", conversation_id: current, seq }); }
}

function showTyping() {
  const v = convs.get(current);
  ui.typing.textContent = v && v.typingUntil > Date.now() ? t("typing") : "";
}

function renderHead() {
  const v = convs.get(current);
  if (!v) return;
  const c = v.c;
  const biz = businesses.get(c.business_id);
  const buttons = [];
  const mine = c.operator?.id === me.id;
  if (OPEN.has(c.state) && !(c.state === "active" && mine)) {
    buttons.push(el("button", { type: "button", class: "primary", id: "accept", onclick: () => { unlockAudio(); sock.send({ type: "accept", conversation_id: c.conversation_id }); v.offer = null; } }, t("accept")));
    if (v.offer && sock?.supports("decline")) buttons.push(el("button", { type: "button", class: "ghost", onclick: () => { sock.send({ type: "decline", conversation_id: c.conversation_id }); v.offer = null; renderList(); } }, t("decline")));
  }
  if (OPEN.has(c.state)) {
    const disp = el("select", { id: "disposition", "aria-label": t("disposition") }, DISPOSITIONS.map((d) => el("option", { value: d }, t(d))));
    buttons.push(el("span", { class: "close-group" }, disp, el("button", { type: "button", class: "ghost", id: "close-chat", onclick: () => sock.send({ type: "close", conversation_id: c.conversation_id, disposition: disp.value }) }, t("close"))));
  }
  const experts = (c.experts || []).map((x) => `${x.name} (${t("expertOf", { business: biz?.name || "" })})`);
  ui.head.replaceChildren(el("div", null, el("h2", null, biz?.name || ""), el("p", { class: "sub" }, `${t(c.state)}${c.operator?.name ? " · " + c.operator.name : ""}`),
    experts.length ? el("p", { class: "sub experts" }, t("experts", { names: experts.join(", ") })) : null), el("div", { class: "actions" }, buttons));
  const open = OPEN.has(c.state);
  ui.input.disabled = !open && !ui.note.checked;
  fillCanned(biz);
}

// ---- canned responses: this business's own and the shared ones, from the API -------------------
function cannedFor(businessId) {
  const entry = businessId && canned.get(businessId);
  if (businessId && (!entry || Date.now() - entry.at > CANNED_FRESH_MS)) loadCanned(businessId);
  return entry?.items || [];
}

async function loadCanned(businessId) {
  const entry = canned.get(businessId) || { items: [], at: 0 };
  if (entry.loading) return;
  entry.loading = true;
  canned.set(businessId, entry);
  const r = await api(`/api/v1/canned-responses?business_id=${encodeURIComponent(businessId)}`);
  entry.loading = false;
  entry.at = Date.now();
  if (r.ok && Array.isArray(r.data)) entry.items = r.data;
  const v = convs.get(current);
  if (v?.c.business_id !== businessId) return;
  fillCanned(businesses.get(businessId));
  if (document.activeElement === ui.input) ui.slash.update(); // a `/word` typed while loading
}

function placeholderValues() {
  const c = convs.get(current)?.c;
  return { operator: me.name, business: businesses.get(c?.business_id)?.name || "", visitor: c?.prechat?.name };
}

function fillCanned(biz) {
  const list = cannedFor(biz?.id);
  ui.canned.replaceChildren(el("option", { value: "" }, t("cannedPick")), ...list.map((item, i) => el("option", { value: String(i) }, `${item.title} (/${item.shortcut})`)));
  ui.canned.items = list;
  ui.canned.hidden = !list.length;
}

function insertCanned() {
  const item = ui.canned.items?.[Number(ui.canned.value)];
  ui.canned.value = "";
  if (!item) return;
  insert(fill(item, placeholderValues()));
}

function insert(text) {
  const el_ = ui.input;
  const start = el_.selectionStart ?? el_.value.length;
  el_.value = el_.value.slice(0, start) + text + el_.value.slice(el_.selectionEnd ?? start);
  el_.focus();
  el_.selectionStart = el_.selectionEnd = start + text.length;
}

// ---- sending -----------------------------------------------------------------------------------
function onSend(e) {
  e.preventDefault();
  const body = ui.input.value;
  if (!current || !body.trim()) return;
  ui.composerMsg.textContent = "";
  const cmid = uid();
  const internal = ui.note.checked;
  // after: what we held when it first went out; retries repeat it (the server's retry check).
  const held = convs.get(current);
  outbox.set(cmid, { cid: current, body, internal, sentAt: 0, after: held ? lastSeq(held) : 0 });
  ui.log.append(bubble({ author: { kind: "operator", name: me.name }, body, internal, conversation_id: current }, cmid));
  ui.log.scrollTop = ui.log.scrollHeight;
  ui.input.value = "";
  if (typingSent) sock.send({ type: "typing", conversation_id: current, state: "off" });
  typingSent = 0;
  flush(false);
}

function flush(all) {
  if (!sock?.ready) return;
  const now = Date.now();
  for (const [cmid, item] of outbox) {
    if (!all && item.sentAt && now - item.sentAt < 5000) continue;
    if (sock.send({ type: "send", conversation_id: item.cid, client_msg_id: cmid, body: item.body, internal: item.internal || undefined, after_seq: item.after })) item.sentAt = now;
  }
}

let typingSent = 0;
let typingTimer = 0;
function onTypingInput() {
  if (!answering(convs.get(current)) || ui.note.checked) return;
  const now = Date.now();
  if (now - typingSent > 3000) { typingSent = now; sock.send({ type: "typing", conversation_id: current, state: "on" }); }
  clearTimeout(typingTimer);
  const cid = current;
  typingTimer = setTimeout(() => { typingSent = 0; sock.send({ type: "typing", conversation_id: cid, state: "off" }); }, 4000);
}

// ---- beside the chat ---------------------------------------------------------------------------
function section(title, ...children) {
  return el("section", { class: "card" }, el("h3", null, title), ...children);
}

function dl(pairs) {
  return el("dl", null, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "").flatMap(([k, v]) => [el("dt", null, k), el("dd", null, v)]));
}

function linkOrText(value) {
  if (!value) return null;
  const url = safeUrl(value);
  return url && url.protocol !== "mailto:" ? el("a", { href: url.href, target: "_blank", rel: "noopener noreferrer" }, value) : value;
}

// Whom to call on, and the business's free-text sections: all typed by people, shown as text.
function contactList(contacts) {
  if (!Array.isArray(contacts) || !contacts.length) return null;
  return el("div", { class: "contacts" }, el("h4", null, t("contacts")), el("ul", null, contacts.map((p) => el("li", null,
    el("strong", null, p.name || ""), p.role ? ` (${p.role})` : "",
    dl([[t("phone"), p.phone], [t("email"), p.email], [t("when"), p.when]])))));
}

function guidelineSections(sections) {
  if (!Array.isArray(sections) || !sections.length) return null;
  return sections.map((s) => el("div", { class: "guideline-section" }, el("h4", null, s.title || ""), el("p", null, s.body || "")));
}

function hoursTable(hours) {
  const weekly = hours?.weekly || {};
  const days = t("days");
  return el("table", { class: "hours" }, el("tbody", null, Object.keys(days).map((d) =>
    el("tr", null, el("th", { scope: "row" }, days[d]), el("td", null, (weekly[d] || []).map((r) => r.join("–")).join(", ") || t("closedDay"))))),
  hours?.timezone ? el("caption", null, hours.timezone) : null);
}

function side() {
  const v = convs.get(current);
  if (!v) return;
  const c = v.c;
  const biz = businesses.get(c.business_id) || {};
  const g = biz.guidelines || {};
  const parts = [
    section(t("business"), el("p", { class: "biz" }, biz.name || "")),
    section(t("guidelines"), dl([[t("tone"), g.tone], [t("neverPromise"), g.never_promise], [t("escalation"), g.escalation && linkify(g.escalation)]]),
      contactList(g.contacts), guidelineSections(g.sections)),
    section(t("hours"), hoursTable(biz.opening_hours)),
  ];
  const prechat = c.prechat && Object.keys(c.prechat).length ? Object.entries(c.prechat).map(([k, val]) => `${k}: ${val}`).join("; ") : null;
  const visitorBox = section(t("visitorInfo"), dl([[t("page"), c.page_title], ["URL", linkOrText(c.page_url)], [t("referrer"), linkOrText(c.referrer)],
    [t("language"), c.language], [t("started"), c.queued_at ? new Date(c.queued_at).toLocaleString(t.lang === "en" ? "en-GB" : "nl-NL") : null], [t("prechat"), prechat]]));
  parts.push(visitorBox);
  if (c.visitor_id) earlier(c, visitorBox);
  parts.push(suggestionsBox(v));
  if (caps.faq_search) parts.push(faqSearch(c));
  if (caps.faq_proposals) parts.push(faqProposal(v));
  if (caps.leads) parts.push(leadForm(c));
  if (sock?.supports("transfer") && OPEN.has(c.state)) parts.push(transferBox(c));
  ui.side.replaceChildren(...parts);
}

async function earlier(c, box) {
  const r = await api(`/api/v1/conversations?business_id=${encodeURIComponent(c.business_id)}&limit=200`);
  if (!r.ok) return;
  const mine = (r.data.items || []).filter((x) => x.visitor_id === c.visitor_id && x.conversation_id !== c.conversation_id);
  box.append(dl([[t("returning"), mine.length ? "✓" : t("newVisitor")], [t("earlier"), mine.length ? el("ul", null, mine.slice(0, 5).map((x) =>
    el("li", null, `${new Date(x.queued_at).toLocaleDateString(t.lang === "en" ? "en-GB" : "nl-NL")} · ${t(x.state)}${x.disposition ? " · " + t(x.disposition) : ""}`))) : null]]));
}

function faqItems(items, seq) {
  if (!items.length) return el("p", { class: "muted" }, t("noResults"));
  const cid = current;
  return el("ul", { class: "faq" }, items.map((it) => el("li", null,
    el("strong", null, it.question), el("p", null, it.answer),
    el("button", { type: "button", class: "ghost small", onclick: () => {
      insert(it.answer);
      // Tell the knowledge base which suggestion was used (it learns from this); best effort.
      if (seq) api(`/api/v1/conversations/${encodeURIComponent(cid)}/suggestions/${seq}/used`, { json: { faq_id: it.faq_id } });
    } }, t("insert")))));
}

function suggestionsBox(v) {
  const box = section(t("suggestions"), faqItems(v.suggestions || [], v.suggestionsSeq));
  box.id = "suggestions";
  box.hidden = !v.suggestions || !v.suggestions.length;
  return box;
}

function faqSearch(c) {
  const q = el("input", { type: "search", "aria-label": t("faqSearch") });
  const out = el("div");
  const form = el("form", { class: "row", onsubmit: async (e) => {
    e.preventDefault();
    if (!q.value.trim()) return;
    const r = await api(`/api/v1/businesses/${encodeURIComponent(c.business_id)}/faq/search?q=${encodeURIComponent(q.value.trim())}`);
    if (r.status === 404 || r.status === 405) { caps.faq_search = false; form.closest("section")?.remove(); return; }
    const items = Array.isArray(r.data) ? r.data : r.data?.items || r.data?.results || [];
    out.replaceChildren(faqItems(items));
  } }, q, el("button", { type: "submit", class: "ghost" }, t("search")));
  return section(t("faqSearch"), form, out);
}

function lastBy(v, kind, seq) {
  let best = null;
  for (const m of v.msgs.values()) if (m.author?.kind === kind && !m.internal && (!best || m.seq > best.seq)) best = m;
  return seq ? best?.seq : best?.body || "";
}

function faqProposal(v) {
  const q = el("textarea", { rows: 2, "aria-label": t("question") });
  const a = el("textarea", { rows: 3, "aria-label": t("answer") });
  const msg = el("p", { role: "status" });
  const details = el("details", { ontoggle: () => { if (details.open) { q.value ||= lastBy(v, "visitor"); a.value ||= lastBy(v, "operator"); } } },
    el("summary", null, t("proposeFaq")),
    el("form", { onsubmit: async (e) => {
      e.preventDefault();
      const r = await api(`/api/v1/conversations/${encodeURIComponent(v.c.conversation_id)}/faq-proposals`, {
        json: { question: q.value.trim(), answer: a.value.trim(), visitor_seq: lastBy(v, "visitor", true) || undefined, operator_seq: lastBy(v, "operator", true) || undefined } });
      msg.textContent = r.ok ? t("proposed") : t("failed");
    } }, el("label", null, t("question"), q), el("label", null, t("answer"), a), msg, el("button", { type: "submit", class: "ghost" }, t("proposeFaq"))));
  return el("section", { class: "card" }, details);
}

function leadForm(c) {
  const f = (name, label, type = "text") => el("label", null, label, el(type === "textarea" ? "textarea" : "input", { name, type: type === "textarea" ? undefined : type, rows: type === "textarea" ? 3 : undefined }));
  const msg = el("p", { role: "status" });
  const form = el("form", { class: "lead-form", onsubmit: async (e) => {
    e.preventDefault();
    const data = Object.fromEntries([...new FormData(form)].filter(([, val]) => String(val).trim()));
    data.consent = data.consent === "true";
    const r = await api(`/api/v1/conversations/${encodeURIComponent(c.conversation_id)}/leads`, { json: data });
    if (r.status === 404 || r.status === 405) { caps.leads = false; form.closest("section")?.remove(); return; }
    msg.textContent = r.ok ? t("leadSaved") : (r.data?.message || t("failed"));
  } }, el("label", null, t("leadKind"), el("select", { name: "kind" }, ["sales_lead", "callback_request", "question_for_business"].map((k) => el("option", { value: k }, t(k))))),
  f("name", t("leadName")), f("email", t("leadEmail"), "email"), f("phone", t("leadPhone"), "tel"), f("intent", t("leadQuestion"), "textarea"), f("notes", t("leadNotes"), "textarea"),
  el("label", { class: "inline" }, el("input", { type: "checkbox", name: "consent", value: "true" }), t("leadConsent")), msg,
  el("button", { type: "submit", class: "ghost" }, t("leadSave")));
  const details = el("details", { ontoggle: async () => {
    if (!details.open || form.dataset.filled || !caps.lead_draft) return;
    form.dataset.filled = "1";
    const r = await api(`/api/v1/conversations/${encodeURIComponent(c.conversation_id)}/lead-draft`);
    if (!r.ok || !r.data) return;
    for (const k of ["name", "email", "phone", "intent"]) { const input = form.elements.namedItem(k); if (input && typeof r.data[k] === "string" && !input.value) input.value = r.data[k]; }
  } }, el("summary", null, t("leadForm")), form);
  return el("section", { class: "card" }, details);
}

function transferBox(c) {
  const target = el("input", { "aria-label": t("toOperator"), placeholder: t("toOperator") });
  return section(t("transfer"),
    el("div", { class: "row" }, el("button", { type: "button", class: "ghost", onclick: () => sock.send({ type: "transfer", conversation_id: c.conversation_id, to_operator_id: null }) }, t("toQueue"))),
    el("form", { class: "row", onsubmit: (e) => { e.preventDefault(); if (target.value.trim()) sock.send({ type: "transfer", conversation_id: c.conversation_id, to_operator_id: target.value.trim() }); } },
      target, el("button", { type: "submit", class: "ghost" }, t("transfer"))));
}

// ---- sound and notifications -------------------------------------------------------------------
function unlockAudio() {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === "suspended") audio.resume();
  } catch { audio = null; }
}

function beep() {
  if (!audio) unlockAudio();
  if (!audio) return;
  const now = audio.currentTime;
  for (const [i, freq] of [[0, 880], [1, 1175]]) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, now + i * 0.18);
    gain.gain.exponentialRampToValueAtTime(0.25, now + i * 0.18 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.18 + 0.16);
    osc.connect(gain).connect(audio.destination);
    osc.start(now + i * 0.18);
    osc.stop(now + i * 0.18 + 0.17);
  }
  window.__livedeskBeeps = (window.__livedeskBeeps || 0) + 1; // observable in tests
}

async function askNotify() {
  unlockAudio();
  if (!("Notification" in window)) return;
  const p = await Notification.requestPermission();
  ui.notify.textContent = p === "granted" ? t("notifyDone") : t("notifyOn");
}

boot();
