// The visitor chat panel, imported by widget.js on first open. One conversation at a time;
// resumes by seq after navigation and reconnects; sends are queued and retried with the same
// client_msg_id until acknowledged, so nothing is lost or doubled.
import { makeT } from "./i18n.js";
import { el, linkify, hhmm, uid } from "./dom.js";

const OPEN_STATES = new Set(["queued", "offered", "active"]);
const PING_EVERY = 20000;
const PONG_WAIT = 8000;
const RESEND_AFTER = 6000;
const MAX_CHARS = 4000;

export function mount(ctx) {
  const { root, panel, key, base } = ctx;
  let S = read();
  let lang = ctx.lang || S.lang || "nl";
  let t = makeT(lang);
  let config = null;
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
    try { return JSON.parse(localStorage.getItem(ctx.storeKey) || "{}") || {}; } catch { return {}; }
  }
  function save() {
    try { localStorage.setItem(ctx.storeKey, JSON.stringify(S)); } catch { /* private mode */ }
  }
  S.out = Array.isArray(S.out) ? S.out : [];
  S.seen = S.seen || 0;

  // ---- DOM ---------------------------------------------------------------------------------
  const css = el("link", { rel: "stylesheet", href: `${base}/widget/widget.css` });
  const title = el("h2", { id: "ld-title", class: "title" });
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
    panel.append(el("header", { class: "head" }, el("div", null, title, status), closeBtn), conn, body);
    panel.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.stopPropagation(); close(); } });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); composer.requestSubmit(); }
    });
    input.addEventListener("input", onTyping);
    texts();
  }

  function texts() {
    title.textContent = t("title", { name: config?.business?.name || "" });
    closeBtn.setAttribute("aria-label", t("close"));
    input.placeholder = t("placeholder");
    input.setAttribute("aria-label", t("placeholder"));
    sendBtn.textContent = t("send");
    log.setAttribute("aria-label", t("title", { name: config?.business?.name || "" }));
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
    if (!config) await session().catch(() => null);
    if (conv || S.cid) {
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
    const r = await fetch(`${base}/api/v1/widget/${encodeURIComponent(key)}/session`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: S.token || null }),
    });
    if (!r.ok) throw new Error(`session ${r.status}`);
    const data = await r.json();
    S.token = data.token;
    config = data.config;
    if (!ctx.lang && config.language) {
      lang = config.language.startsWith("en") ? "en" : "nl";
      t = makeT(lang);
    }
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
        const r = await fetch(`${base}/api/v1/widget/${encodeURIComponent(key)}/availability`);
        if (r.ok) avail = await r.json();
      } catch { avail = null; }
    }
    // Closed, nobody online, or the wait is over the contract's limit: the offline form.
    if (avail && !avail.open) return offlineView(avail);
    const fields = config?.settings?.prechat?.fields || [];
    const notice = config?.settings?.prechat?.gdpr_notice;
    if (!fields.length && !notice) {
      chatView();
      statusText(avail?.eta_seconds ? t("eta", { wait: wait(avail.eta_seconds) }) : "");
      connect();
      return;
    }
    const inputs = fields.map((f, i) => {
      const id = `ld-pre-${i}`;
      const field = el("input", { id, name: f.name, required: !!f.required, autocomplete: f.name === "email" ? "email" : f.name === "name" ? "name" : "off", type: f.name === "email" ? "email" : "text" });
      return [el("label", { for: id }, f.label || f.name, f.required ? el("span", { class: "req" }, ` (${t("required")})`) : null), field];
    });
    const err = el("p", { class: "err", role: "alert" });
    const form = el("form", { class: "prechat", novalidate: true, onsubmit: (e) => {
      e.preventDefault();
      const values = {};
      for (const [, field] of inputs) {
        if (field.required && !field.value.trim()) { err.textContent = t("fillRequired"); field.focus(); return; }
        if (field.value.trim()) values[field.name] = field.value.trim();
      }
      chatView();
      startConversation(values);
      input.focus();
    } },
    avail?.eta_seconds ? el("p", { class: "hint" }, t("eta", { wait: wait(avail.eta_seconds) })) : null,
    inputs.flat(), notice ? el("p", { class: "gdpr" }, notice) : null, err,
    el("button", { type: "submit", class: "primary" }, t("start")));
    show(form);
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
    if (caps.offline) {
      const f = (name, label, type, required) => {
        const id = `ld-off-${name}`;
        const control = type === "textarea" ? el("textarea", { id, name, rows: 4, required, maxLength: MAX_CHARS })
          : el("input", { id, name, type, required, autocomplete: name === "question" ? "off" : name });
        return [el("label", { for: id }, label), control];
      };
      const msg = el("p", { role: "status" });
      const consent = el("input", { type: "checkbox", id: "ld-off-consent", name: "consent", required: true });
      const form = el("form", { class: "offline", onsubmit: async (e) => {
        e.preventDefault();
        if (!form.reportValidity()) return;
        const data = Object.fromEntries(new FormData(form));
        data.consent = consent.checked;
        data.page_url = location.href;
        data.token = S.token;
        data.language = lang;
        try {
          const r = await fetch(`${base}/api/v1/widget/${encodeURIComponent(key)}/offline`, {
            method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(data) });
          if (!r.ok) throw new Error(String(r.status));
          form.replaceChildren(el("p", { class: "ok" }, t("offlineThanks")));
          form.setAttribute("tabindex", "-1");
          form.focus();
        } catch { msg.textContent = t("failed"); }
      } }, el("p", null, t("leaveMsg")), f("name", t("name"), "text", true), f("email", t("email"), "email", true),
      f("phone", t("phone"), "tel", false), f("question", t("message"), "textarea", true),
      el("label", { class: "check", for: "ld-off-consent" }, consent, " ",
        config?.settings?.prechat?.gdpr_notice || t("consent")), msg,
      el("button", { type: "submit", class: "primary" }, t("offlineSend")));
      parts.push(form);
    }
    show(el("div", { class: "offline-view" }, parts));
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
    if (ws || timer) return;
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
        if (f.who === "operator" && f.conversation_id === S.cid) { readByOperator = Math.max(readByOperator, f.seq); marks(); }
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
    const who = mine ? t("you") : author?.name || t("operator");
    return el("li", { class: `msg ${mine ? "me" : "them"}` },
      el("div", { class: "meta" }, el("span", { class: "who" }, who), " ",
        el("time", { datetime: at || new Date().toISOString() }, hhmm(at, lang))),
      el("div", { class: "text" }, linkify(text)),
      mine ? el("div", { class: "mark" }) : null);
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
    if (f.who !== "operator" || f.conversation_id !== S.cid) return;
    clearTimeout(typingOff);
    typing.textContent = f.state === "on" ? t("typing", { name: f.name || t("operator") }) : "";
    if (f.state === "on") typingOff = setTimeout(() => { typing.textContent = ""; }, 8000);
  }

  // ---- sending -----------------------------------------------------------------------------
  function onSubmit(e) {
    e.preventDefault();
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
    if (known && known.has("rating") && !S.rated?.[S.cid]) parts.push(ratingForm());
    if (caps.transcript) parts.push(transcriptForm());
    parts.push(el("button", { type: "button", class: "secondary", onclick: newChat }, t("newChat")));
    after.replaceChildren(...parts);
    after.hidden = false;
    chatView();
  }

  function ratingForm() {
    const name = "ld-rate";
    const stars = [1, 2, 3, 4, 5].map((n) => el("label", { class: "star" },
      el("input", { type: "radio", name, value: String(n), required: true }),
      el("span", { "aria-hidden": "true" }, "★"), el("span", { class: "sr" }, t("stars", { n }))));
    const comment = el("textarea", { rows: 2, maxLength: 1000, "aria-label": t("comment"), placeholder: t("comment") });
    const form = el("form", { class: "rating", onsubmit: (e) => {
      e.preventDefault();
      const picked = form.querySelector("input:checked");
      if (!picked) return;
      send({ type: "rating", conversation_id: S.cid, score: Number(picked.value), comment: comment.value.trim() || null });
      S.rated = { ...(S.rated || {}), [S.cid]: true };
      save();
      form.replaceChildren(el("p", { class: "ok", role: "status" }, t("thanksRating")));
    } }, el("fieldset", null, el("legend", null, t("rateQ")), el("div", { class: "stars" }, stars)), comment,
    el("button", { type: "submit", class: "primary" }, t("rateSend")));
    return form;
  }

  function transcriptForm() {
    const email = el("input", { type: "email", required: true, id: "ld-tr-email", autocomplete: "email" });
    const msg = el("p", { role: "status" });
    const form = el("form", { class: "transcript", onsubmit: async (e) => {
      e.preventDefault();
      if (!form.reportValidity()) return;
      try {
        const r = await fetch(`${base}/api/v1/widget/${encodeURIComponent(key)}/transcript`, {
          method: "POST", headers: { "content-type": "application/json" },
          body: JSON.stringify({ token: S.token, conversation_id: S.cid, email: email.value.trim() }) });
        if (r.status === 404 || r.status === 405) { form.remove(); return; }
        if (!r.ok) throw new Error(String(r.status));
        form.replaceChildren(el("p", { class: "ok" }, t("transcriptSent")));
      } catch { msg.textContent = t("failed"); }
    } }, el("label", { for: "ld-tr-email" }, t("transcriptQ")), email, msg,
    el("button", { type: "submit", class: "secondary" }, t("transcriptSend")));
    return form;
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
  if (S.cid) {
    session().then(() => { build(); chatView(); connect(); }).catch(() => schedule());
  }

  return { open, close };
}
