// The visitor chat panel, imported by widget.js on first open: one conversation at a time, its
// views (the chat, the forms, the end) and the frames that drive them. Around it: connection.js
// (token, socket, unacknowledged sends), transcript.js (the messages), composer.js (typing),
// styles.js (its stylesheet); the forms, the offline form and the end of a chat load (with
// their texts) only when they are shown. The look, forms, language and form of address come
// from the widget's configuration. In the back office's preview (ctx.preview) it opens no
// session and no socket: placeholder content only.
import { loadT } from "./i18n.js";
import { el, uid } from "./dom.js";
import { makeSession, INACTIVE } from "./connection.js";
import { makeTranscript } from "./transcript.js";
import { makeComposer, MAX_CHARS } from "./composer.js";
import { CSS } from "./styles.js";

const OPEN_STATES = new Set(["queued", "offered", "active"]);

// Whether a new visitor sees a form before the chat: pre-chat fields or a privacy notice.
function wantsPrechat(s) {
  const given = (v) => typeof v === "string" && v.trim();
  return !!(s?.prechat?.fields?.length || given(s?.privacy?.text) || given(s?.privacy?.url) || given(s?.prechat?.gdpr_notice));
}

export async function mount(ctx) {
  const { root, panel, base } = ctx;
  const preview = ctx.preview !== undefined && ctx.preview !== null;
  let config = ctx.config || null;
  let lang = ctx.lang || "nl";
  const form = () => config?.business?.form_of_address;
  let t = await loadT(lang, form());
  let ft = null; // t with the texts of the forms and the end too, loaded with the first of them
  const formsT = async () => (ft ||= await loadT(lang, form(), true));
  let S = {};
  if (!preview) try { S = JSON.parse(localStorage.getItem(ctx.storeKey) || "{}") || {}; } catch { S = {}; }
  S.out = Array.isArray(S.out) ? S.out : [];
  S.seen = S.seen || 0;
  const save = () => { if (!preview) try { localStorage.setItem(ctx.storeKey, JSON.stringify(S)); } catch { /* private mode */ } };
  let refusal = null; // what to tell the visitor once the business or widget is deactivated
  let known = null; // frame types the visitor socket accepts (the welcome frame lists them)
  let ready = false; // welcomed on the current socket
  let conv = null;
  let resumeAt = 0;
  let typingOff = 0;
  let isOpen = false;
  let operatorName = null;
  let built = false;
  let bot = false; // the FAQ bot answers while nobody can
  let queueText = "";
  let endShown = null; // the conversation whose end (or offline form) is on screen

  const session = makeSession({ base, key: ctx.key, S, save, lang: () => lang, maxSeq: () => log.maxSeq,
    onFrame, onState: banner, onRefused: refuse });
  const log = makeTranscript(t, lang);
  const composer = makeComposer({ onSend: sendText, onTyping: (state) => S.cid && ready && session.send({ type: "typing", conversation_id: S.cid, state }) });

  // ---- the frame ------------------------------------------------------------------------------
  const title = el("h2", { id: "ld-title", class: "title" });
  const logo = el("img", { class: "logo", hidden: true, width: 32, height: 32, referrerPolicy: "no-referrer",
    onerror: () => { logo.hidden = true; } });
  const greeting = el("p", { class: "greeting", hidden: true });
  const status = el("p", { class: "status", role: "status" });
  const closeBtn = el("button", { type: "button", class: "x", onclick: () => close() }, "×");
  const conn = el("p", { class: "conn", role: "alert", hidden: true });
  const body = el("div", { class: "body" });
  const typing = el("p", { class: "typing", "aria-live": "polite" });
  const after = el("div", { class: "after", hidden: true });
  const onKey = (e) => { if (e.key === "Escape") { e.stopPropagation(); close(); } };
  const resend = setInterval(() => { if (S.out.length && ready) flush(false); }, 6000);
  document.addEventListener("visibilitychange", markSeen);

  function build() {
    if (built) return;
    built = true;
    // A constructed sheet, like the loader's: allowed under a strict style-src, and no request.
    if (root.adoptedStyleSheets && CSSStyleSheet.prototype.replaceSync) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    } else {
      root.prepend(el("style", null, CSS));
    }
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-labelledby", "ld-title");
    // A div, not a <header>: inside a dialog the banner landmark would be the page's second.
    panel.append(el("div", { class: "head" }, logo, el("div", null, title, status), closeBtn), greeting, conn, body);
    panel.addEventListener("keydown", onKey);
    texts();
  }

  function texts() {
    const name = config?.business?.name || "";
    title.textContent = t("title", { name });
    closeBtn.setAttribute("aria-label", t("close"));
    log.log.setAttribute("aria-label", t("title", { name }));
    composer.texts(t);
    // The business's own look: a logo only from an https URL, the greeting as plain text.
    const look = config?.settings?.look || {};
    let url = null;
    try { url = new URL(String(look.logo_url || "").trim()); } catch { url = null; }
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

  const show = (...nodes) => body.replaceChildren(...nodes);
  const say = (text) => { status.textContent = text; };
  const wait = (s) => (s < 60 ? t("seconds") : t("minutes", { n: Math.round(s / 60) }));

  function chatView() {
    if (body.contains(log.log)) return;
    body.classList.remove("ended");
    show(log.log, typing, after, composer.form);
    // Messages typed on an earlier page and not acknowledged yet: shown until the server has them.
    for (const m of S.out) {
      if (log.pending.has(m.id) || (m.cid && S.cid && m.cid !== S.cid)) continue;
      log.addPending(m.id, m.body, m.at);
    }
  }

  // ---- opening and closing ---------------------------------------------------------------------
  async function open(opts = {}) {
    build();
    panel.hidden = false;
    isOpen = true;
    S.open = true;
    save();
    ctx.setOpen(true);
    if (preview) { previewView(); return; } // focus stays in the back office's form
    if (!refusal && config?.active === false) refusal = config.message || t("inactive");
    if (!refusal && !session.started) await start().catch(() => null);
    if (refusal) refusedView();
    else if (conv || S.cid) { chatView(); session.socket.start(); }
    else if (!body.firstChild) await entryView();
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

  // Unmounted (window.Livedesk.destroy): nothing of the panel stays on the page.
  function destroy() {
    session.socket.stop();
    clearInterval(resend);
    clearTimeout(typingOff);
    document.removeEventListener("visibilitychange", markSeen);
    panel.removeEventListener("keydown", onKey);
  }

  function focusFirst() {
    const target = body.contains(log.log) && !composer.input.disabled ? composer.input
      : body.querySelector("input, textarea, button");
    (target || closeBtn).focus();
  }

  async function start() {
    await session.start();
    if (session.config) config = session.config;
    S.lang = lang;
    save();
    if (built) texts();
  }

  // ---- what a new visitor sees -----------------------------------------------------------------
  async function entryView() {
    let avail = null;
    if (session.caps.availability) {
      try {
        const r = await fetch(`${base}/api/v1/widget/${encodeURIComponent(ctx.key)}/availability?language=${lang}`);
        if (r.ok) avail = await r.json();
      } catch { avail = null; }
    }
    // Nobody can answer: the bot tries first where the contract says so, else the offline form.
    if (avail && !avail.open) {
      if (avail.reason === "inactive" || !/^bot/.test(avail.overflow_action)) return offlineEntry(avail);
      bot = true;
    }
    const eta = bot ? t("botHelps") : avail?.eta_seconds ? t("eta", { wait: wait(avail.eta_seconds) }) : "";
    if (!wantsPrechat(config?.settings)) {
      chatView();
      say(eta);
      session.socket.start();
      return;
    }
    const [{ prechatForm }, ft] = await Promise.all([import("./forms.js"), formsT()]);
    show(prechatForm({ settings: config?.settings, lang, t: ft, hint: eta, onStart: (values) => {
      chatView();
      startConversation(values);
      composer.input.focus();
    } }));
    session.socket.start();
  }

  async function offlineEntry(avail) {
    const [{ offlineView }, ft] = await Promise.all([import("./offline.js"), formsT()]);
    show(offlineView({ reason: avail.reason, nextOpen: avail.next_open, settings: config?.settings, lang, t: ft,
      send: sendOffline, withForm: !!session.caps.offline || preview }));
  }

  async function sendOffline(data) {
    if (preview) return;
    const r = await session.post("offline", { ...data, page_url: location.href, token: S.token, language: lang });
    if (!r.ok) throw new Error(String(r.status));
  }

  // ---- a deactivated business or widget ------------------------------------------------------
  function refuse(message) {
    refusal = (typeof message === "string" && message.trim()) || t("inactive");
    session.socket.stop();
    if (built) refusedView();
  }

  function refusedView() {
    say("");
    show(el("p", { class: "lead refused", role: "status" }, refusal));
  }

  // ---- the back office's preview -------------------------------------------------------------
  // What a new visitor sees first (the pre-chat form, else the chat), or the view asked for.
  async function previewView() {
    const view = ctx.preview || (wantsPrechat(config?.settings) ? "prechat" : "chat");
    say("");
    if (view === "offline") return offlineEntry({ reason: "closed" });
    const ft = await formsT();
    if (view === "prechat") {
      const { prechatForm } = await import("./forms.js");
      return show(prechatForm({ settings: config?.settings, lang, t: ft, onStart: () => {} }));
    }
    log.show(log.bubble(false, null, ft("previewOperator"), null), log.bubble(true, null, ft("previewVisitor"), null));
    show(log.log, typing, composer.form);
    say(t("chattingWith", { name: t("operator") }));
  }

  // New settings (the preview's unsaved changes): the look, texts and forms again.
  async function configure(next, nextLang, view) {
    config = next;
    lang = nextLang || lang;
    t = await loadT(lang, form());
    ft = null;
    log.locale(t, lang);
    if (view !== undefined) ctx.preview = view;
    if (!built) return;
    texts();
    if (preview) previewView();
  }

  // ---- the connection ----------------------------------------------------------------------------
  function banner(state) {
    if (state === "down" || state === "refused" || state === "offline" || state === "stopped") ready = false;
    const text = state === "offline" ? t("offline") : state === "down" || state === "refused" ? t("reconnecting") : "";
    conn.hidden = !text;
    conn.textContent = text;
  }

  function onFrame(f) {
    const mine = !f.conversation_id || f.conversation_id === S.cid;
    switch (f.type) {
      case "welcome": return onWelcome(f);
      case "conversation": return applyConversation(f);
      case "message": return addMessage(f);
      case "ack": log.ack(f); return acked(f.client_msg_id);
      case "typing": return onTyping(f);
      case "read": if (f.who === "operator" && mine) log.read(f.seq); return;
      case "queue": if (mine) queueStatus(f); return;
      case "overflow": if (mine) onOverflow(f); return;
      case "resync":
        if (mine) { log.maxSeq = Math.max(log.maxSeq, f.last_seq); log.note(t("gap")); }
        return;
      case "error": return onError(f);
      default: return;
    }
  }

  function onWelcome(f) {
    ready = true;
    if (Array.isArray(f.accepts)) known = new Set(f.accepts);
    banner("");
    const list = f.conversations || [];
    const found = list.find((c) => c.conversation_id === S.cid) || list.find((c) => OPEN_STATES.has(c.state));
    if (found) applyConversation(found);
    else if (S.cid) forget();
    if (S.startPending && !(conv && OPEN_STATES.has(conv.state))) sendStart();
    flush(true);
  }

  function onError(f) {
    if (INACTIVE.has(f.code)) return refuse(null);
    if (f.code === "conversation_closed") {
      S.out = S.out.filter((m) => m.cid !== f.data?.conversation_id);
      save();
    } else if (f.code === "message_too_long") say(t("tooLong"));
  }

  function applyConversation(c) {
    if (S.cid && c.conversation_id !== S.cid && conv && OPEN_STATES.has(conv.state)) return;
    const before = conv?.conversation_id === c.conversation_id ? conv : null;
    conv = { ...c };
    // Welcome payloads carry the operator's id only: keep the name we know.
    if (conv.operator && !conv.operator.name) {
      conv.operator = { ...conv.operator, name: before?.operator?.name || operatorName || null };
    }
    S.cid = c.conversation_id;
    S.startPending = null;
    for (const m of S.out) if (!m.cid) m.cid = S.cid;
    save();
    if (!OPEN_STATES.has(c.state)) return S.overflow === S.cid ? overflowView({ reason: S.overflowReason }) : endedView();
    composer.enable(true);
    if (c.state === "active") { queueText = ""; bot = false; }
    refreshStatus();
    flush(false);
  }

  function refreshStatus() {
    if (!conv || !OPEN_STATES.has(conv.state)) return;
    if (conv.state === "active") say(t("chattingWith", { name: conv.operator?.name || t("operator") }));
    else say([bot ? t("botHelps") : "", queueText].filter(Boolean).join(" ") || t("waiting"));
  }

  // Where the visitor is in line and how long it will take; with nobody online to answer there
  // is no estimate, and the visitor is told so instead of "busy".
  function queueStatus(f) {
    const parts = f.position ? [t("queue", { position: f.position })] : [];
    parts.push(f.eta_seconds === null || f.eta_seconds === undefined ? t("nobody") : t("eta", { wait: wait(f.eta_seconds) }));
    queueText = parts.join(" ");
    refreshStatus();
  }

  // The contract's overflow, in the chat: the bot answers while the chat waits, or the chat ends
  // and the offline form takes over, filled in with what the visitor already said.
  function onOverflow(f) {
    if (f.action !== "offline_form") { bot = true; refreshStatus(); return; }
    S.overflow = S.cid;
    S.overflowReason = f.reason;
    save();
    overflowView(f);
  }

  async function overflowView(f) {
    if (endShown === S.cid) return;
    endShown = S.cid;
    composer.enable(false);
    composer.form.hidden = true;
    typing.textContent = "";
    say("");
    const [{ offlineView }, ft] = await Promise.all([import("./offline.js"), formsT()]);
    const values = { ...(S.prechat || {}), question: log.visitorText() };
    const restart = el("button", { type: "button", class: "secondary", onclick: newChat }, t("newChat"));
    after.replaceChildren(offlineView({ reason: f.reason, settings: config?.settings, lang, t: ft, send: sendOffline,
      withForm: !!session.caps.offline, values, onSent: () => { S.overflow = null; save(); } }), restart);
    after.hidden = false;
    body.classList.add("ended");
    chatView();
    after.scrollIntoView?.({ block: "start" });
  }

  function addMessage(m) {
    if (m.internal || m.conversation_id !== S.cid) return;
    if (m.seq > log.maxSeq + 1 && ready && Date.now() - resumeAt > 2000) {
      // A gap: ask the server for what we missed (dedupe by seq absorbs any overlap).
      resumeAt = Date.now();
      session.send({ type: "hello", resume: { [S.cid]: log.maxSeq } });
    }
    if (m.client_msg_id) acked(m.client_msg_id);
    if (!log.add(m) || m.author?.kind === "visitor") return;
    typing.textContent = "";
    if (m.author?.kind === "operator" && m.author.name) {
      operatorName = m.author.name;
      if (conv?.operator && !conv.operator.name) { conv.operator.name = operatorName; refreshStatus(); }
    }
    if (isOpen && !document.hidden) markSeen();
    else ctx.setBadge(log.theirs().filter((s) => s > S.seen).length);
  }

  function acked(cmid) {
    const count = S.out.length;
    S.out = S.out.filter((m) => m.id !== cmid);
    if (S.out.length !== count) save();
  }

  function onTyping(f) {
    if (f.who !== "operator" || f.conversation_id !== S.cid) return;
    clearTimeout(typingOff);
    typing.textContent = f.state === "on" ? t("typing", { name: f.name || t("operator") }) : "";
    if (f.state === "on") typingOff = setTimeout(() => { typing.textContent = ""; }, 8000);
  }

  // ---- sending ---------------------------------------------------------------------------------
  function sendText(text) {
    if (preview || refusal) return false;
    if (text.trim().length > MAX_CHARS) { say(t("tooLong")); return false; }
    const item = { id: uid(), cid: S.cid || null, body: text, at: Date.now() };
    S.out.push(item);
    save();
    log.addPending(item.id, text, item.at);
    if (!S.cid) startConversation({});
    else flush(false);
    return true;
  }

  function startConversation(prechat) {
    S.startPending = { prechat };
    S.prechat = prechat;
    save();
    if (ready) sendStart();
    else session.socket.start();
  }

  function sendStart() {
    session.send({ type: "start", language: lang, prechat: S.startPending?.prechat || {},
      page: { url: location.href, title: document.title, referrer: document.referrer } });
  }

  function flush(all) {
    if (ready && conv && OPEN_STATES.has(conv.state)) session.flush(all);
  }

  // ---- unread & read receipts ------------------------------------------------------------------
  function markSeen() {
    if (!isOpen || document.hidden || !S.cid) return;
    if (log.maxSeq > S.seen) {
      S.seen = log.maxSeq;
      save();
      session.send({ type: "read", conversation_id: S.cid, seq: log.maxSeq });
    }
    ctx.setBadge(0);
  }

  // ---- the end of a chat -----------------------------------------------------------------------
  async function endedView() {
    if (endShown === S.cid) return;
    endShown = S.cid;
    composer.enable(false);
    composer.form.hidden = true;
    typing.textContent = "";
    say("");
    const [{ endView }, ft] = await Promise.all([import("./ending.js"), formsT()]);
    const cid = S.cid;
    after.replaceChildren(...endView({ t: ft,
      rating: known?.has("rating") && !S.rated?.[cid], transcript: !!session.caps.transcript,
      onRate: (score, comment) => {
        session.send({ type: "rating", conversation_id: cid, score, comment });
        S.rated = { ...(S.rated || {}), [cid]: true };
        save();
      },
      request: (email) => session.post("transcript", { token: S.token, conversation_id: cid, email }),
      onNew: newChat }).filter(Boolean));
    after.hidden = false;
    body.classList.add("ended");
    chatView();
  }

  function forget() {
    Object.assign(S, { cid: null, out: [], overflow: null, prechat: null });
    conv = null;
    bot = false;
    queueText = "";
    endShown = null;
    log.clear();
    save();
  }

  async function newChat() {
    forget();
    say("");
    after.hidden = true;
    after.replaceChildren();
    composer.form.hidden = false;
    composer.enable(true);
    body.replaceChildren();
    await entryView();
    focusFirst();
  }

  // Resume at once when this visitor already has a conversation (page navigation).
  if (S.cid && !preview) {
    start().then(() => { build(); chatView(); session.socket.start(); }).catch(() => {
      if (!refusal) session.socket.start();
    });
  }

  return { open, close, configure, destroy };
}
