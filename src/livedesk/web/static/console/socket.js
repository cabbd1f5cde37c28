// The staff socket (/ws/agent, with the session cookie) on top of the reconnecting socket the
// widget uses too (../shared/socket.js): it says hello with the chats to resume and learns
// which frame types this user may send from `welcome.accepts`.
import { ReconnectingSocket } from "../shared/socket.js";
import { makeApi } from "./api.js";

// The portal's expert page (portal/expert.js) takes this socket and a plain api() from here;
// it sends its own Accept-Language, which wins over this one.
export const api = makeApi("nl");

export class AgentSocket {
  // onFrame(frame); onState("up" | "down" | "refused" | "offline" | "stopped");
  // resume(): { conversation_id: last seq } of the chats whose history is loaded.
  constructor({ onFrame, onState, resume }) {
    this.onFrame = onFrame;
    this.onState = onState || (() => {});
    this.known = null;
    this.ready = false;
    const proto = location.protocol === "https:" ? "wss" : "ws";
    this.sock = new ReconnectingSocket({
      url: () => `${proto}://${location.host}/ws/agent`,
      onOpen: (s) => s.send({ type: "hello", resume: resume() }),
      onFrame: (f) => this.frame(f),
      onState: (state) => { this.ready = false; this.onState(state); },
    });
  }

  frame(f) {
    if (f.type === "welcome") {
      this.ready = true;
      // What this user may send, again after every reconnect (their role may have changed).
      if (Array.isArray(f.accepts)) this.known = new Set(f.accepts);
      this.onState("up");
      this.onFrame(f);
      this.onFrame({ type: "_known", known: this.known });
      return;
    }
    this.onFrame(f);
  }

  start() { this.sock.start(); }

  connect() { this.start(); } // the name the expert page knows

  stop() { this.sock.stop(); }

  supports(type) { return !!this.known && this.known.has(type); }

  send(frame) { return this.sock.send(frame); }
}
