// The visitor chat panel, imported by widget.js on first open. One conversation at a time;
// resumes by seq after navigation and reconnects; sends are queued and retried with the same
// client_msg_id until acknowledged, so nothing is lost or doubled. Its look, forms and language
// come from the widget's configuration (the loader fetched it and picked the language). In the
// back office's preview (ctx.preview) it opens no session and no socket: placeholder content only.
import { makeT } from "./i18n.js";
import { el, linkify, hhmm, uid, safeUrl } from "./dom.js";
import { prechatForm, prechatFields, offlineForm, privacyNotice, ratingForm, transcriptForm } from "./forms.js";

const OPEN_STATES = new Set(["queued", "offered", "active"]);
const PING_EVERY = 20000;
const PONG_WAIT = 8000;
const RESEND_AFTER = 6000;
const MAX_CHARS = 4000;
// A deactivated business or widget: the server refuses a session with one of these codes.
const INACTIVE = new Set(["business_inactive", "widget_inactive"]);
// Who answers the visitor: the operator, or an expert of the business who joined the chat.
const ANSWERING = new Set(["operator", "expert"]);

export function mount(ctx) {
  const { root, panel, key, base } = ctx;
  const preview = ctx.preview !== undefined && ctx.preview !== null;
  let S = read();
  let lang = ctx.lang || "nl";
  let t = makeT(lang);
  let config = ctx.config || null;
  let started = false; // a visitor session was asked for (token, capabilities)
  let refusal = null; // what to tell the visitor once the business or widget is deactivated
  let caps = {};
  let known = null; // frame types the visitor socket accepts (the welcome frame lists them)
  let ws = null;
  let ready = false;
  let attempt = 0;
  let timer = 0;
  let pingTimer = 0;
  let pongTimer = 0;
  let freshToken = false;
  let conv = null;
  let maxSeq = 0;
  let readByOperator = 0;
  let resumeAt = 0;
  let typingOff = 0;
  let myTyping = 0;
  let isOpen = false;
  let operatorName = null;
  let built = false;
  const rendered = new Map(); // seq -> li
  const pending = new Map(); // client_msg_id -> li

  function read() {
    if (preview) return {};
    try { return JSON.parse(localStorage.getItem(ctx.storeKey) || "{}") || {}; } catch { return {}; }
  }
  function save() {
    if (preview) return;
    try { localStorage.setItem(ctx.storeKey, JSON.stringify(S)); } catch { /* private mode */ }
  }
  S.out = Array.isArray(S.out) ? S.out : [];
  S.seen = S.seen || 0;

  // ---- DOM ---------------------------------------------------------------------------------
  const css = el("link", { rel: "stylesheet", href: `${base}/widget/widget.css` });
  const title = el("h2", { id: "ld-title", class: "title" });
  const logo = el("img", { class: "logo", hidden: true, width: 32, height: 32, referrerPolicy: "no-referrer",
    onerror: () => { logo.hidden = true; } });
  const greeting = el("p", { class: "greeting", hidden: true });
  const status = el("p", { class: "status", role: "status" });
  const closeBtn = el("button", { type: "button", class: "x", onclick: () => close() }, "×");
  const conn = el("p", { class: "conn", role: "alert", hidden: true });
  const body = el("div", { class: "body" });
  const log = el("ol", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" });
  const typing = el("p", { class: "typing", "aria-live": "polite" });
  const input = el("textarea", { rows: 2, maxLength: MAX_CHARS, class: "input" });
  const sendBtn = el("button", { type: "submit", class: "primary" });
  const composer = el("form", { class: "composer", onsubmit: onSubmit }, input, sendBtn);
  const after = el("div", { class: "after", hidden: true });

  function build() {
    if (built) return;
    built = true;
    root.prepend(css);
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-labelledby", "ld-title");
    panel.append(el("header", { class: "head" }, logo, el("div", null, title, status), closeBtn), greeting, conn, body);
    panel.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.stopPropagation(); close(); } });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); composer.requestSubmit(); }
    });
    input.addEventListener("input", onTyping);
    texts();
  }

  function texts() {
    const name = config?.business?.name || "";
    title.textContent = t("title", { name });
    closeBtn.setAttribute("aria-label", t("close"));
    input.placeholder = t("placeholder");
    input.setAttribute("aria-label", t("placeholder"));
    sendBtn.textContent = t("send");
    log.setAttribute("aria-label", t("title", { name }));
    // The business's own look: a logo only from an https URL, the greeting as plain text.
    const look = config?.settings?.look || {};
    const url = typeof look.logo_url === "string" ? safeUrl(look.logo_url.trim()) : null;
    if (url && url.protocol === "https:") {
      if (logo.src !== url.href) { logo.hidden = false; logo.src = url.href; }
      logo.alt = name;
    } else {
      logo.hidden = true;
      logo.removeAttribute("src");
    }
    greeting.textContent = typeof look.greeting === "string" ? look.greeting.trim() : "";
    greeting.hidden = !greeting.textContent;
  }

  function show(...nodes) {
    body.replaceChildren(...nodes);
  }

  function chatView() {
    if (body.contains(log)) return;
    show(log, typing, after, composer);
    // Messages typed on an earlier page and not acknowledged yet: shown until the server has them.
    for (const m of S.out) {
      if (pending.has(m.id) || (m.cid && S.cid && m.cid !== S.cid)) continue;
      const li = bubble(true, null, m.body, new Date(m.at).toISOString());
      li.classList.add("pending");
      setMark(li, "sending");
      pending.set(m.id, li);
      log.append(li);
    }
  }

  // ---- opening and views -------------------------------------------------------------------
  async function open(opts = {}) {
    build();
    panel.hidden = false;
    isOpen = true;
    S.open = true;
    save();
    ctx.setOpen(true);
    if (preview) { previewView(); return; } // focus stays in the back office's form
    if (!refusal && config?.active === false) refusal = config.message || t("inactive");
    if (!refusal && !started) await session().catch(() => null);
    if (refusal) {
      refusedView();
    } else if (conv || S.cid) {
      chatView();
      connect();
    } else if (!body.firstChild) {
      await entryView();
    }
    markSeen();
    if (!opts.restore) focusFirst();
  }

  function close() {
    panel.hidden = true;
    isOpen = false;
    S.open = false;
    save();
    ctx.setOpen(false);
    ctx.launcher.focus();
  }

  function focusFirst() {
    if (body.contains(log)) {
      const target = input.disabled ? after.querySelector("input, button") : input;
      (target || closeBtn).focus();
      return;
    }
    (body.querySelector("input, textarea, button") || closeBtn).focus();
  }

  async function session() {
    started = true;
    // The refusal's message comes in the language asked for: the widget's, not the browser's.
    const r = await fetch(`${base}/api/v1/widget/${encodeURIComponent(key)}/session`, {
      method: "POST", headers: { "content-type": "application/json", "accept-language": lang },
      body: JSON.stringify({ token: S.token || null }),
    });
    if (r.status === 409) {
      const err = await r.json().catch(() => ({}));
      if (INACTIVE.has(err.code)) refuse(err.message);
    }
    if (!r.ok) throw new Error(`session ${r.status}`);
    const data = await r.json();
    S.token = data.token;
    config = data.config;
    S.lang = lang;
    save();
    if (built) texts();
    try { caps = await (await fetch(`${base}/ui/capabilities`)).json(); } catch { caps = {}; }
    return data;
  }

  async function entryView() {
    let avail = null;
    if (caps.availability) {
      try {
        const r = await fetch(`${base}/api/v1/widget/${encodeURIComponent(key)}/availability?language=${lang}`);
        if (r.ok) avail = await r.json();
      } catch { avail = null; }
    }
    // Closed, nobody online, or the wait is over the contract's limit: the offline form.
    if (avail && !avail.open) return offlineView(avail);
    const settings = config?.settings;
    const eta = avail?.eta_seconds ? t("eta", { wait: wait(avail.eta_seconds) }) : "";
    if (!prechatFields(settings).length && !privacyNotice(settings, t)) {
      chatView();
      statusText(eta);
      connect();
      return;
    }
    show(prechatForm({ settings, lang, t, hint: eta, onStart: (values) => {
      chatView();
      startConversation(values);
      input.focus();
    } }));
    connect();
  }

  function offlineView(avail) {
    const parts = [el("p", { class: "lead" }, avail.reason === "closed" ? t("closedNow") : t("busyNow"))];
    if (avail.next_open) {
      const when = new Date(avail.next_open);
      if (!Number.isNaN(when.getTime())) {
        parts.push(el("p", null, t("nextOpen", { when: when.toLocaleString(lang === "en" ? "en-GB" : "nl-NL", { weekday: "long", hour: "2-digit", minute: "2-digit" }) })));
      }
    }
    if (caps.offline || preview) parts.push(offlineForm({ settings: config?.settings, lang, t, send: sendOffline }));
    show(el("div", { class: "offline-view" }, parts));
  }

  async function sendOffline(data) {
    if (preview) return;
    const body = { ...data, page_url: location.href, token: S.token, language: lang };
    const r = await fetch(`${base}/api/v1/widget/${encodeURIComponent(key)}/offline`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(String(r.status));
  }

  // ---- a deactivated business or widget ------------------------------------------------------
  function refuse(message) {
    refusal = (typeof message === "string" && message.trim()) || t("inactive");
    drop();
    clearTimeout(timer);
    timer = 0;
    if (built) refusedView();
  }

  function refusedView() {
    statusText("");
    show(el("p", { class: "lead refused", role: "status" }, refusal));
  }

  // ---- the back office's preview ---------------------------------------------------------------
  // What a new visitor sees first (the pre-chat form, else the chat), or the view asked for.
  function previewView() {
    const view = ctx.preview || (prechatFields(config?.settings).length ? "prechat" : "chat");
    statusText("");
    if (view === "offline") return offlineView({ reason: "closed" });
    if (view === "prechat") {
      return show(prechatForm({ settings: config?.settings, lang, t, onStart: () => {} }));
    }
    log.replaceChildren(bubble(false, null, t("previewOperator"), null), bubble(true, null, t("previewVisitor"), null));
    show(log, typing, composer);
    statusText(t("chattingWith", { name: t("operator") }));
  }

  // New settings (the preview's unsaved changes): the look, texts and forms again.
  function configure(next, nextLang, view) {
    config = next;
    if (nextLang && nextLang !== lang) { lang = nextLang; t = makeT(lang); }
    if (view !== undefined) ctx.preview = view;
    if (!built) return;
    texts();
    if (preview) previewView();
  }

  function wait(seconds) {
    return seconds < 60 ? t("seconds") : t("minutes", { n: Math.round(seconds / 60) });
  }

  function statusText(text) {
    status.textContent = text;
  }

  // ---- connection --------------------------------------------------------------------------
  function wsUrl() {
    return `${base.replace(/^http/, "ws")}/ws/visitor?token=${encodeURIComponent(S.token)}`;
  }

  async function connect() {
    if (ws || timer || preview || refusal) return;
    if (!navigator.onLine) { banner("offline"); return; }
    if (!S.token || freshToken) {
      try { await session(); freshToken = false; } catch { schedule(); return; }
      if (ws) return;
    }
    const sock = new WebSocket(wsUrl());
    let opened = false;
    ws = sock;
    sock.onopen = () => {
      opened = true;
      attempt = 0;
      const resume = {};
      if (S.cid) resume[S.cid] = maxSeq;
      sock.send(JSON.stringify({ type: "hello", resume }));
      ping();
    };
    sock.onmessage = (e) => {
      let frame;
      try { frame = JSON.parse(e.data); } catch { return; }
      onFrame(frame);
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      ws = null;
      ready = false;
      clearTimeout(pingTimer);
      clearTimeout(pongTimer);
      if (!opened) freshToken = true; // refused: the token may have expired
      banner(navigator.onLine ? "down" : "offline");
      if (navigator.onLine) schedule();
    };
  }

  function schedule() {
    clearTimeout(timer);
    if (preview || refusal) return;
    const cap = Math.min(30000, 500 * 2 ** attempt);
    attempt += 1;
    timer = setTimeout(() => { timer = 0; connect(); }, cap / 2 + Math.random() * cap / 2);
  }

  function drop() {
    const sock = ws;
    ws = null;
    ready = false;
    clearTimeout(pingTimer);
    clearTimeout(pongTimer);
    if (sock) sock.close();
  }

  function ping() {
    clearTimeout(pingTimer);
    pingTimer = setTimeout(() => {
      if (!ws || !ready) return;
      send({ type: "ping", t: Date.now() });
      pongTimer = setTimeout(() => { drop(); banner("down"); schedule(); }, PONG_WAIT);
      ping();
    }, PING_EVERY);
  }

  window.addEventListener("offline", () => { drop(); clearTimeout(timer); timer = 0; banner("offline"); });
  window.addEventListener("online", () => { clearTimeout(timer); timer = 0; attempt = 0; connect(); });

  function banner(kind) {
    conn.hidden = !kind;
    conn.textContent = kind === "offline" ? t("offline") : kind === "down" ? t("reconnecting") : "";
  }

  function send(frame) {
    if (ws && ws.readyState === 1) { ws.send(JSON.stringify(frame)); return true; }
    return false;
  }

  // ---- frames ------------------------------------------------------------------------------
  function onFrame(f) {
    switch (f.type) {
      case "welcome": return onWelcome(f);
      case "conversation": return applyConversation(f);
      case "message": return addMessage(f);
      case "ack": return onAck(f);
      case "typing": return onTypingFrame(f);
      case "read":
        if (ANSWERING.has(f.who) && f.conversation_id === S.cid) { readByOperator = Math.max(readByOperator, f.seq); marks(); }
        return;
      case "queue":
        if (f.conversation_id && f.conversation_id !== S.cid) return;
        return queueStatus(f);
      case "resync":
        if (f.conversation_id === S.cid) { maxSeq = Math.max(maxSeq, f.last_seq); log.append(el("li", { class: "note" }, t("gap"))); }
        return;
      case "pong": clearTimeout(pongTimer); return;
      case "error": return onError(f);
      default: return;
    }
  }

  function onWelcome(f) {
    ready = true;
    if (Array.isArray(f.accepts)) known = new Set(f.accepts);
    banner("");
    const list = f.conversations || [];
    const mine = list.find((c) => c.conversation_id === S.cid) || list.find((c) => OPEN_STATES.has(c.state));
    if (mine) applyConversation(mine);
    else if (S.cid) { forget(); }
    if (S.startPending && !(conv && OPEN_STATES.has(conv.state))) sendStart();
    flush(true);
  }

  function onError(f) {
    if (INACTIVE.has(f.code)) { refuse(null); return; }
    if (f.code === "conversation_closed") {
      S.out = S.out.filter((m) => m.cid !== f.data?.conversation_id);
      save();
      return;
    }
    if (f.code === "message_too_long") statusText(t("tooLong"));
  }

  function applyConversation(c) {
    if (S.cid && c.conversation_id !== S.cid && conv && OPEN_STATES.has(conv.state)) return;
    const changed = !conv || conv.conversation_id !== c.conversation_id;
    const before = changed ? null : conv;
    conv = { ...c };
    // Welcome payloads carry the operator's id only: keep the name we know.
    if (conv.operator && !conv.operator.name) {
      conv.operator = { ...conv.operator, name: before?.operator?.name || operatorName || null };
    }
    S.cid = c.conversation_id;
    S.startPending = null;
    for (const m of S.out) if (!m.cid) m.cid = S.cid;
    save();
    if (OPEN_STATES.has(c.state)) {
      after.hidden = true;
      after.replaceChildren();
      input.disabled = false;
      sendBtn.disabled = false;
      if (c.state === "active") delete status.dataset.queue;
      refreshStatus();
      flush(false);
    } else {
      endedView();
    }
  }

  function refreshStatus() {
    if (!conv || !OPEN_STATES.has(conv.state)) return;
    if (conv.state === "active") statusText(t("chattingWith", { name: conv.operator?.name || t("operator") }));
    else if (!status.dataset.queue) statusText(t("waiting"));
  }

  function queueStatus(f) {
    status.dataset.queue = "1";
    const parts = [];
    if (f.position) parts.push(t("queue", { position: f.position }));
    if (f.eta_seconds !== undefined && f.eta_seconds !== null) parts.push(t("eta", { wait: wait(f.eta_seconds) }));
    statusText(parts.join(" ") || t("waiting"));
  }

  function addMessage(m) {
    if (m.internal || m.conversation_id !== S.cid) return;
    if (rendered.has(m.seq)) return;
    if (m.seq > maxSeq + 1 && ready && Date.now() - resumeAt > 2000) {
      // A gap: ask the server for what we missed (dedupe by seq absorbs any overlap).
      resumeAt = Date.now();
      send({ type: "hello", resume: { [S.cid]: maxSeq } });
    }
    let li = m.client_msg_id ? pending.get(m.client_msg_id) : null;
    if (li) {
      pending.delete(m.client_msg_id);
      acked(m.client_msg_id);
    } else if (m.author?.kind === "system") {
      li = notice(m.body, m.created_at);
    } else {
      li = bubble(m.author?.kind === "visitor", m.author, m.body, m.created_at);
    }
    li.dataset.seq = String(m.seq);
    li.classList.remove("pending");
    if (li.classList.contains("me")) setMark(li, m.seq <= readByOperator ? "read" : "sent");
    rendered.set(m.seq, li);
    maxSeq = Math.max(maxSeq, m.seq);
    place(li, m.seq);
    if (m.author?.kind !== "visitor") {
      typing.textContent = "";
      if (m.author?.name && m.author.kind === "operator") {
        operatorName = m.author.name;
        if (conv?.operator && !conv.operator.name) { conv.operator.name = operatorName; refreshStatus(); }
      }
      if (isOpen && !document.hidden) markSeen(); else unread();
    }
  }

  // Keep the list in seq order; messages still waiting for their ack stay at the end.
  function place(li, seq) {
    const later = [...log.children].find((n) => n !== li
      && (n.dataset.seq ? Number(n.dataset.seq) > seq : n.classList.contains("pending")));
    if (later) log.insertBefore(li, later);
    else log.append(li);
    log.scrollTop = log.scrollHeight;
  }

  function bubble(mine, author, text, at) {
    let who = mine ? t("you") : author?.name || t("operator");
    // The business's own expert: named, with the business they speak for.
    const expert = author?.kind === "expert";
    if (expert && config?.business?.name) who = `${who} · ${config.business.name}`;
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

  function setMark(li, state) {
    const mark = li.querySelector(".mark");
    if (!mark) return;
    li.dataset.state = state;
    mark.textContent = state === "read" ? `✓✓ ${t("read")}` : state === "sent" ? `✓ ${t("sent")}` : t("sending");
  }

  function marks() {
    for (const [seq, li] of rendered) if (li.classList.contains("me") && seq <= readByOperator) setMark(li, "read");
  }

  function onAck(f) {
    const li = pending.get(f.client_msg_id);
    acked(f.client_msg_id);
    if (li) {
      pending.delete(f.client_msg_id);
      if (rendered.has(f.seq)) { li.remove(); return; } // the message frame came first
      li.dataset.seq = String(f.seq);
      li.classList.remove("pending");
      rendered.set(f.seq, li);
      maxSeq = Math.max(maxSeq, f.seq);
      setMark(li, f.seq <= readByOperator ? "read" : "sent");
      place(li, f.seq);
    }
  }

  function acked(cmid) {
    const before = S.out.length;
    S.out = S.out.filter((m) => m.id !== cmid);
    if (S.out.length !== before) save();
  }

  function onTypingFrame(f) {
    if (!ANSWERING.has(f.who) || f.conversation_id !== S.cid) return;
    clearTimeout(typingOff);
    typing.textContent = f.state === "on" ? t("typing", { name: f.name || t("operator") }) : "";
    if (f.state === "on") typingOff = setTimeout(() => { typing.textContent = ""; }, 8000);
  }

  // ---- sending -----------------------------------------------------------------------------
  function onSubmit(e) {
    e.preventDefault();
    if (preview || refusal) return;
    const text = input.value;
    if (!text.trim()) return;
    if (text.trim().length > MAX_CHARS) { statusText(t("tooLong")); return; }
    const item = { id: uid(), cid: S.cid || null, body: text, at: Date.now(), tries: 0 };
    S.out.push(item);
    save();
    input.value = "";
    typingState("off");
    const li = bubble(true, null, text, new Date().toISOString());
    li.classList.add("pending");
    li.dataset.cmid = item.id;
    setMark(li, "sending");
    pending.set(item.id, li);
    log.append(li);
    log.scrollTop = log.scrollHeight;
    if (!S.cid) startConversation({});
    else flush(false);
  }

  function startConversation(prechat) {
    S.startPending = { prechat };
    save();
    if (ready) sendStart(); else connect();
  }

  function sendStart() {
    send({
      type: "start", language: lang, prechat: S.startPending?.prechat || {},
      page: { url: location.href, title: document.title, referrer: document.referrer },
    });
  }

  // Send whatever is not acknowledged yet. `all` after a (re)connect; otherwise only items that
  // never went out or have waited too long for their ack. Same client_msg_id every time.
  function flush(all) {
    if (!ready || !conv || !OPEN_STATES.has(conv.state)) return;
    const now = Date.now();
    for (const m of S.out) {
      if (!m.cid) m.cid = S.cid;
      if (m.cid !== S.cid) continue;
      if (!all && m.sentAt && now - m.sentAt < RESEND_AFTER) continue;
      // What we held when it first went out; every retry repeats it (the server looks for the
      // original only after that seq).
      if (m.after === undefined) m.after = maxSeq;
      if (send({ type: "send", conversation_id: m.cid, client_msg_id: m.id, body: m.body, after_seq: m.after })) m.sentAt = now;
    }
    save();
  }
  setInterval(() => { if (S.out.length) flush(false); }, RESEND_AFTER);

  function onTyping() {
    if (!S.cid || !ready) return;
    const now = Date.now();
    if (now - myTyping > 3000) { myTyping = now; send({ type: "typing", conversation_id: S.cid, state: "on" }); }
    clearTimeout(onTyping.off);
    onTyping.off = setTimeout(() => typingState("off"), 4000);
  }

  function typingState(state) {
    if (state === "off" && myTyping && S.cid) { myTyping = 0; send({ type: "typing", conversation_id: S.cid, state: "off" }); }
  }

  // ---- unread & read receipts --------------------------------------------------------------
  function operatorSeqs() {
    return [...rendered].filter(([, li]) => li.classList.contains("them")).map(([seq]) => seq);
  }
  function unread() {
    const n = operatorSeqs().filter((s) => s > S.seen).length;
    ctx.setBadge(n);
  }
  function markSeen() {
    if (!isOpen || document.hidden || !S.cid) return;
    if (maxSeq > S.seen) {
      S.seen = maxSeq;
      save();
      send({ type: "read", conversation_id: S.cid, seq: maxSeq });
    }
    ctx.setBadge(0);
  }
  document.addEventListener("visibilitychange", markSeen);

  // ---- the end of a chat ---------------------------------------------------------------------
  function endedView() {
    input.disabled = true;
    sendBtn.disabled = true;
    statusText(t("ended"));
    typing.textContent = "";
    const parts = [el("p", { class: "lead" }, t("ended"))];
    if (known && known.has("rating") && !S.rated?.[S.cid]) parts.push(ratingForm({ t, onRate: rate }));
    if (caps.transcript) parts.push(transcriptForm({ t, request: askTranscript }));
    parts.push(el("button", { type: "button", class: "secondary", onclick: newChat }, t("newChat")));
    after.replaceChildren(...parts);
    after.hidden = false;
    chatView();
  }

  function rate(score, comment) {
    send({ type: "rating", conversation_id: S.cid, score, comment });
    S.rated = { ...(S.rated || {}), [S.cid]: true };
    save();
  }

  function askTranscript(email) {
    return fetch(`${base}/api/v1/widget/${encodeURIComponent(key)}/transcript`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: S.token, conversation_id: S.cid, email }) });
  }

  function forget() {
    S.cid = null;
    S.out = [];
    conv = null;
    maxSeq = 0;
    readByOperator = 0;
    rendered.clear();
    pending.clear();
    log.replaceChildren();
    save();
  }

  async function newChat() {
    forget();
    statusText("");
    after.hidden = true;
    body.replaceChildren();
    await entryView();
    focusFirst();
  }

  // Resume at once when this visitor already has a conversation (page navigation).
  if (S.cid && !preview) {
    session().then(() => { build(); chatView(); connect(); }).catch(() => { if (!refusal) schedule(); });
  }

  return { open, close, configure };
}
