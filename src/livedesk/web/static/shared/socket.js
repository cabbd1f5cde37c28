// A WebSocket that stays connected, shared by the widget and the console: reconnects with
// exponential back-off and jitter, watches the line with pings (a missing pong drops it), and
// waits while the browser is offline. stop() removes every listener start() added, so a panel
// that unmounts leaves nothing behind on the page.
//
//   const sock = new ReconnectingSocket({ url, onOpen, onFrame, onState });
//   sock.start(); sock.send({ type: "hello" }); sock.stop();
//
// url() may be async and may throw (e.g. a session to fetch first): that is a failed attempt.
// A server that drains for a deploy closes with 4015 and the reason "draining: reconnect after
// N ms": the socket then reconnects after those N ms (a delay the server spread out over its
// clients) instead of its own back-off, and the proxy sends it to a process that stays.
// onState gets "down" (lost, reconnecting), "refused" (closed before it opened), "offline"
// (the browser is) and "stopped".
const DRAINING = 4015;
const DRAIN_DELAY = /^draining: reconnect after (\d+) ms$/;

export class ReconnectingSocket {
  constructor({ url, onOpen, onFrame, onState, pingEvery = 20000, pongWait = 8000 }) {
    Object.assign(this, { url, onOpen, onFrame, onState: onState || (() => {}), pingEvery, pongWait });
    this.ws = null;
    this.busy = false; // waiting for url()
    this.attempt = 0;
    this.timer = 0;
    this.stopped = true;
    this.online = () => { this.attempt = 0; this.cancel(); this.connect(); };
    this.offline = () => { this.cancel(); this.drop("offline"); };
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    addEventListener("online", this.online);
    addEventListener("offline", this.offline);
    this.connect();
  }

  stop() {
    this.stopped = true;
    removeEventListener("online", this.online);
    removeEventListener("offline", this.offline);
    this.cancel();
    this.drop("stopped");
  }

  get open() {
    return !!this.ws && this.ws.readyState === 1;
  }

  async connect() {
    if (this.stopped || this.ws || this.timer || this.busy) return;
    if (!navigator.onLine) { this.onState("offline"); return; }
    let url;
    this.busy = true;
    try { url = await this.url(); } catch { url = null; }
    this.busy = false;
    if (!url) { this.schedule(); return; }
    if (this.stopped || this.ws) return;
    const sock = new WebSocket(url);
    let opened = false;
    this.ws = sock;
    sock.onopen = () => { opened = true; this.attempt = 0; this.watch(); this.onOpen?.(this); };
    sock.onmessage = (e) => {
      let frame;
      try { frame = JSON.parse(e.data); } catch { return; }
      if (frame.type === "pong") clearTimeout(this.pongTimer);
      else this.onFrame(frame);
    };
    sock.onclose = (e) => {
      if (this.ws !== sock) return;
      this.ws = null;
      this.quiet();
      this.onState(opened ? "down" : "refused");
      const drained = e.code === DRAINING && DRAIN_DELAY.exec(e.reason || "");
      if (drained) this.reconnectIn(Math.min(30000, Number(drained[1])));
      else this.schedule();
    };
  }

  // The next attempt after a random wait of up to 0.5 s, 1 s, 2 s … 30 s.
  schedule() {
    this.cancel();
    if (this.stopped || !navigator.onLine) return;
    const cap = Math.min(30000, 500 * 2 ** this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => { this.timer = 0; this.connect(); }, cap / 2 + Math.random() * cap / 2);
  }

  // As told by a draining server: its own delay, and the back-off starts over.
  reconnectIn(ms) {
    this.cancel();
    if (this.stopped || !navigator.onLine) return;
    this.attempt = 0;
    this.timer = setTimeout(() => { this.timer = 0; this.connect(); }, ms);
  }

  cancel() {
    clearTimeout(this.timer);
    this.timer = 0;
  }

  watch() {
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => {
      if (!this.send({ type: "ping", t: Date.now() })) return;
      this.pongTimer = setTimeout(() => { this.drop("down"); this.schedule(); }, this.pongWait);
      this.watch();
    }, this.pingEvery);
  }

  quiet() {
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
  }

  drop(state) {
    const sock = this.ws;
    this.ws = null;
    this.quiet();
    if (sock) sock.close();
    if (state) this.onState(state);
  }

  send(frame) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }
}
