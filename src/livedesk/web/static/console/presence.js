// The operator's presence: the select in the top bar, the heartbeat, and a banner when the
// server changed it for them (away after unanswered offers, offline after the console was
// closed, or a supervisor's hand) that says why and brings them back in one click.
import { el } from "/widget/dom.js";
import { GO_ONLINE } from "./login.js";

// More often than the server's disconnect grace (5 s), so a second console of the same
// operator on another server process keeps them online when this one closes.
const HEARTBEAT_MS = 4000;
const EXPLAINED = { missed_offers: "awayMissed", disconnected: "offlineClosed", heartbeat_timeout: "offlineSilent", supervisor: "setBySupervisor" };

export class Presence {
  constructor(app) {
    this.app = app;
    const { t } = app.state;
    this.select = el("select", { id: "presence", "aria-label": t("presence"), hidden: true, onchange: () => this.set(this.select.value) },
      ["online", "away", "offline"].map((s) => el("option", { value: s }, t(s))));
    this.message = el("p", { class: "banner-text" });
    this.back = el("button", { type: "button", class: "primary", id: "presence-back", onclick: () => this.set("online") }, t("comeBack"));
    this.banner = el("div", { class: "presence-banner", id: "presence-banner", role: "alert", hidden: true }, this.message, this.back);
    this.timer = 0;
    this.heard = false; // a heartbeat answer came since the page loaded
  }

  get takesPart() {
    return this.app.state.me.role === "operator" && !!this.app.sock?.supports("presence");
  }

  // The socket is up (again): say we are here. Logging in through the form means online; a
  // reload or reconnect keeps the server's state and only proves the console is there.
  onKnown() {
    this.select.hidden = !this.takesPart;
    if (!this.takesPart) return;
    if (sessionStorage.getItem(GO_ONLINE)) { sessionStorage.removeItem(GO_ONLINE); this.set("online"); }
    else this.app.sock.send({ type: "heartbeat" });
    clearInterval(this.timer);
    this.timer = setInterval(() => this.app.sock.send({ type: "heartbeat" }), HEARTBEAT_MS);
  }

  set(state) {
    this.app.alerts.unlock();
    this.app.sock.send({ type: "presence", state });
  }

  // A presence frame about this user: the select follows, and a change not made here says why.
  onPresence(f) {
    if (f.operator_id !== this.app.state.me.id || !f.state) return;
    this.show(f.state, f.reason);
  }

  // The heartbeat's answer: the state the server holds. After a reload it is simply shown; a
  // console that was online and hears "offline" was given up on while its line was down.
  onHeartbeat(f) {
    if (!f.state) return;
    const before = this.heard ? this.select.value : null;
    this.heard = true;
    if (before && before !== "offline" && f.state === "offline") this.show("offline", "heartbeat_timeout");
    else if (f.state !== before) this.select.value = f.state;
  }

  show(state, reason) {
    const { t } = this.app.state;
    this.select.value = state;
    const why = EXPLAINED[reason];
    if (state === "online" || !why) { this.banner.hidden = true; return; }
    // Announced (role=alert) without taking the focus from whatever the operator is doing.
    this.message.textContent = t(why, { state: t(state) });
    this.banner.hidden = false;
  }

  unmount() {
    clearInterval(this.timer);
  }
}
