// Sending a file from the composer: the attach button opens the file picker (images and PDFs;
// the server checks what each really is), the file is uploaded with the operator's login, and
// its id goes out in a normal send through the composer's outbox, so it is retried and stored
// once. While it uploads a bubble says it is being sent; a refusal is said in the composer.
import { el, uid } from "/widget/dom.js";
import { errorText } from "./api.js";
import { lastSeq } from "./state.js";

export function attachButton(composer) {
  const { t } = composer.app.state;
  const input = el("input", { type: "file", accept: "image/*,.pdf", onchange: () => {
    if (input.files[0]) upload(composer, input.files[0]);
    input.value = "";
  } });
  // The input stays out of the page: a click on it still opens the picker.
  return el("button", { type: "button", class: "ghost", id: "attach", "aria-label": t("attach"), title: t("attach"),
    onclick: () => input.click() }, "📎");
}

async function upload(composer, file) {
  const { state, view } = composer.app;
  const { t } = state;
  const chat = state.open;
  if (!chat) return;
  const cmid = uid();
  const pending = { author: { kind: "operator", name: state.me.name }, body: `📎 ${file.name}`, conversation_id: chat.id };
  view.appendPending(pending, cmid);
  composer.error.textContent = "";
  let r = null;
  let data = null;
  try {
    r = await fetch(`/api/v1/conversations/${encodeURIComponent(chat.id)}/attachments?name=${encodeURIComponent(file.name)}`, {
      method: "POST", body: file, credentials: "same-origin",
      headers: { "content-type": "application/octet-stream", "accept-language": t.lang },
    });
    data = await r.json();
  } catch { data = { code: "network" }; }
  if (!r?.ok) {
    view.log.querySelector(`li[data-cmid="${cmid}"]`)?.remove();
    composer.error.textContent = errorText(t, data, { http: true });
    return;
  }
  state.outbox.set(cmid, { cid: chat.id, body: data.name, att: data.id, sentAt: 0, after: lastSeq(chat) });
  composer.flush(false);
}
