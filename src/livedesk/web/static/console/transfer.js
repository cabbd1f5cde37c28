// Handing a chat on, by name: the colleagues who could take it now (online, serving its business
// and language, with their load) from the server, or back to the business's queue, with an
// optional note the receiver sees with the offer (and that stays in the chat as an internal
// note).
import { el } from "/widget/dom.js";

const NOTE_MAX = 500;

export function transferBox(app, chat) {
  const { state } = app;
  const { t } = state;
  const business = state.businessName(chat.c.business_id);
  const choices = el("fieldset", { class: "targets" }, el("legend", null, t("transferTo")), el("p", { class: "muted" }, t("loading")));
  const note = el("textarea", { id: "transfer-note", name: "note", rows: 2, maxLength: NOTE_MAX });
  const msg = el("p", { class: "err", role: "alert", id: "transfer-msg" });
  const option = (value, label, detail, disabled) => el("label", { class: "choice" },
    el("input", { type: "radio", name: "transfer-target", value, disabled }), " ", label, detail ? el("span", { class: "muted" }, ` ${detail}`) : null);

  const load = async () => {
    const r = await state.api(`/api/v1/conversations/${encodeURIComponent(chat.id)}/transfer-targets`);
    if (!r.ok) { choices.replaceChildren(el("legend", null, t("transferTo")), el("p", { class: "err" }, app.httpError(r))); return; }
    const queue = option("", t("toQueueOf", { business }), null, false);
    queue.querySelector("input").checked = true;
    const colleagues = (r.data.colleagues || []).map((c) => option(c.operator_id, c.name || "?",
      t(c.has_room ? "load" : "loadFull", { n: c.active_chats, max: c.max_concurrent }), !c.has_room));
    choices.replaceChildren(el("legend", null, t("transferTo")), queue, ...colleagues,
      colleagues.length ? null : el("p", { class: "muted" }, t("noColleagues")));
  };

  const submit = (e) => {
    e.preventDefault();
    const picked = choices.querySelector("input[name=transfer-target]:checked");
    if (!picked) return;
    msg.textContent = "";
    app.expectError(chat.id, msg);
    app.sock.send({ type: "transfer", conversation_id: chat.id, to_operator_id: picked.value || null, note: note.value.trim() || undefined });
  };

  const details = el("details", { class: "card", id: "transfer", ontoggle: () => { if (details.open) load(); } },
    el("summary", null, t("transfer")),
    el("form", { class: "transfer-form", onsubmit: submit }, choices,
      el("label", { for: "transfer-note" }, t("transferNote")), note, msg,
      el("button", { type: "submit", class: "ghost", id: "transfer-send" }, t("transfer"))));
  return details;
}
