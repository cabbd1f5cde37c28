// The staff socket (/ws/agent, session cookie) with reconnect (exponential back-off + jitter),
// resume by seq, a ping watchdog and discovery of the frame types the server accepts.

export class AgentSocket {
  constructor({ onFrame, onState, resume }) {
    this.onFrame = onFrame;
    this.onState = onState || (() => {});
    this.resume = resume || (() => ({}));
    this.ws = null;
    this.ready = false;
    this.attempt = 0;
    this.timer = 0;
    this.known = null;
    this.stopped = false;
    window.addEventListener("online", () => { this.attempt = 0; this.connect(); });
    window.addEventListener("offline", () => this.drop());
  }

  connect() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    this.timer = 0;
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const sock = new WebSocket(`${proto}://${location.host}/ws/agent`);
    this.ws = sock;
    let opened = false;
    sock.onopen = () => {
      opened = true;
      this.attempt = 0;
      sock.send(JSON.stringify({ type: "hello", resume: this.resume() }));
      this.watch();
    };
    sock.onmessage = (e) => {
      let f;
      try { f = JSON.parse(e.data); } catch { return; }
      if (f.type === "welcome") {
        this.ready = true;
        this.onState("up");
        if (Array.isArray(f.accepts) && !this.known) {
          this.known = new Set(f.accepts);  // the frame types this socket takes
          this.onFrame({ type: "_known", known: this.known });
        }
      }
      if (f.type === "pong") { clearTimeout(this.pongTimer); return; }
      this.onFrame(f);
    };
    sock.onclose = () => {
      if (this.ws !== sock) return;
      this.ws = null;
      this.ready = false;
      clearTimeout(this.pingTimer);
      clearTimeout(this.pongTimer);
      this.onState(opened ? "down" : "refused");
      this.schedule();
    };
  }

  schedule() {
    if (this.stopped || !navigator.onLine) return;
    const cap = Math.min(30000, 500 * 2 ** this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), cap / 2 + Math.random() * cap / 2);
  }

  watch() {
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => {
      if (!this.send({ type: "ping", t: Date.now() })) return;
      this.pongTimer = setTimeout(() => { this.drop(); this.schedule(); }, 8000);
      this.watch();
    }, 20000);
  }

  drop() {
    const sock = this.ws;
    this.ws = null;
    this.ready = false;
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    if (sock) sock.close();
    this.onState("down");
  }

  stop() {
    this.stopped = true;
    this.drop();
  }

  supports(type) {
    return !!this.known && this.known.has(type);
  }

  send(frame) {
    if (this.ws && this.ws.readyState === 1) { this.ws.send(JSON.stringify(frame)); return true; }
    return false;
  }
}

export async function api(path, opts = {}) {
  const init = { credentials: "same-origin", ...opts, headers: { ...(opts.headers || {}) } };
  if (opts.json !== undefined) {
    init.method = init.method || "POST";
    init.body = JSON.stringify(opts.json);
    init.headers["content-type"] = "application/json";
  }
  const r = await fetch(path, init);
  let data = null;
  try { data = await r.json(); } catch { data = null; }
  return { ok: r.ok, status: r.status, data };
}

export function mmss(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}
