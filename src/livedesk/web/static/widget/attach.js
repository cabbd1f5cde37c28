// Files in the widget, loaded with the first one sent or shown. Sending: the file is uploaded over HTTP with the visitor's token,
// then sent like a typed message (the outbox, S.out, with the upload's id), so it is retried
// and stored once. A bubble shows it as "sending" meanwhile; while the browser is offline the
// upload waits and tries again when it is back. A refused file is explained in the bubble.
import { uid } from "./dom.js";
import { fileLink } from "./file.js";

// The file a message carries, in place of its name, readable by this visitor (the token).
export function show(P, node, m) {
  node.replaceChildren(fileLink(m, (path) => `${P.base}${path}?token=${encodeURIComponent(P.S.token)}`));
}

// The attach button: the browser's file picker, images and PDFs (the server checks what the
// file really is).
export function pick(P) {
  if (P.preview || P.refusal) return; // the back office's preview sends nothing
  const input = Object.assign(document.createElement("input"), { type: "file", accept: "image/*,.pdf" });
  input.onchange = () => input.files[0] && sendFile(P, input.files[0]);
  input.click();
}

export async function sendFile(P, file) {
  const { S, log } = P;
  const id = uid();
  const at = Date.now();
  log.addPending(id, `📎 ${file.name}`, at);
  const li = log.pending.get(id);
  if (!S.cid) P.startConversation({});
  for (let waited = 0; !S.cid && waited < 100; waited++) await pause(200);
  for (;;) {
    let r;
    try {
      r = await fetch(`${P.base}/api/v1/widget/${encodeURIComponent(P.key)}/conversations/${encodeURIComponent(S.cid)}/attachments?name=${encodeURIComponent(file.name)}`, {
        method: "POST", body: file,
        headers: { "content-type": "application/octet-stream", authorization: `Bearer ${S.token}`, "accept-language": P.lang },
      });
    } catch {
      // The network: once the browser is online again (or after a pause), the same file again.
      await (navigator.onLine ? pause(3000) : new Promise((ok) => addEventListener("online", ok, { once: true })));
      continue;
    }
    const data = await r.json().catch(() => ({}));
    if (!r.ok) {
      log.pending.delete(id);
      li.dataset.state = "failed";
      li.querySelector(".mark").textContent = data.message || String(r.status);
      P.say(data.message || "");
      return;
    }
    S.out.push({ id, cid: S.cid, body: data.name, att: data.id, at });
    P.save();
    P.flush(false);
    return;
  }
}

const pause = (ms) => new Promise((ok) => setTimeout(ok, ms));
