// The visitor's line to the server: the signed visitor token (POST …/session), the socket
// (../shared/socket.js) that resumes by seq, and the messages typed but not acknowledged yet.
// Those stay in localStorage (S.out) and go out again with the same client_msg_id until the
// server has them, so nothing is lost or doubled across reloads, navigation and network cuts.
import { ReconnectingSocket } from "../shared/socket.js";

const RESEND_AFTER = 6000;
// A deactivated business or widget: the server refuses a session with one of these codes.
export const INACTIVE = new Set(["business_inactive", "widget_inactive"]);

export function makeSession({ base, key, S, save, lang, maxSeq, onFrame, onState, onRefused }) {
  const api = { caps: {}, config: null, started: false };
  const path = `${base}/api/v1/widget/${encodeURIComponent(key)}`;
  let fresh = false; // refused before it opened: the token may have expired

  // A token (kept, or a new one) and the server's capabilities; the refusal's message comes in
  // the widget's language, not the browser's.
  api.start = async () => {
    api.started = true;
    const r = await fetch(`${path}/session`, {
      method: "POST", headers: { "content-type": "application/json", "accept-language": lang() },
      body: JSON.stringify({ token: S.token || null }),
    });
    if (r.status === 409) {
      const err = await r.json().catch(() => ({}));
      if (INACTIVE.has(err.code)) onRefused(err.message);
    }
    if (!r.ok) throw new Error(`session ${r.status}`);
    const data = await r.json();
    S.token = data.token;
    api.config = data.config;
    save();
    try { api.caps = await (await fetch(`${base}/ui/capabilities`)).json(); } catch { api.caps = {}; }
    return data;
  };

  api.socket = new ReconnectingSocket({
    url: async () => {
      if (!S.token || fresh) { await api.start(); fresh = false; }
      return `${base.replace(/^http/, "ws")}/ws/visitor?token=${encodeURIComponent(S.token)}`;
    },
    onOpen: (sock) => sock.send({ type: "hello", resume: S.cid ? { [S.cid]: maxSeq() } : {} }),
    onFrame,
    onState: (state) => {
      if (state === "refused") fresh = true;
      onState(state);
    },
  });
  api.send = (frame) => api.socket.send(frame);

  // Send what is not acknowledged yet: `all` after a (re)connect, otherwise what never went out
  // or waited too long for its ack. What the visitor held when a message first went out
  // (after_seq) is repeated on every retry: the server looks for the original only after it.
  api.flush = (all) => {
    const now = Date.now();
    for (const m of S.out) {
      if (!m.cid) m.cid = S.cid;
      if (m.cid !== S.cid || (!all && m.sentAt && now - m.sentAt < RESEND_AFTER)) continue;
      if (m.after === undefined) m.after = maxSeq();
      const frame = { type: "send", conversation_id: m.cid, client_msg_id: m.id, body: m.body, after_seq: m.after, attachment_id: m.att };
      if (api.send(frame)) m.sentAt = now;
    }
    save();
  };

  api.post = (what, body) => fetch(`${path}/${what}`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  return api;
}
