// Recording a lead from the chat: kind, contact details, the question, consent; prefilled from
// what the visitor wrote (the server's lead draft) when opened.
import { el } from "/widget/dom.js";

const KINDS = ["sales_lead", "callback_request", "question_for_business"];
const PREFILLED = ["name", "email", "phone", "intent"];

export function leadForm(app, chat) {
  const { state } = app;
  const { t } = state;
  const field = (name, label, type = "text") => el("label", null, label, type === "textarea"
    ? el("textarea", { name, rows: 3 })
    : el("input", { name, type, autocomplete: "off" }));
  const msg = el("p", { role: "status" });
  const url = `/api/v1/conversations/${encodeURIComponent(chat.id)}`;
  const form = el("form", { class: "lead-form", onsubmit: async (e) => {
    e.preventDefault();
    const data = Object.fromEntries([...new FormData(form)].filter(([, value]) => String(value).trim()));
    data.consent = data.consent === "true";
    const r = await state.api(`${url}/leads`, { json: data });
    if (r.status === 404 || r.status === 405) { state.caps.leads = false; form.closest("details")?.remove(); return; }
    msg.textContent = r.ok ? t("leadSaved") : app.httpError(r);
  } },
  el("label", null, t("leadKind"), el("select", { name: "kind" }, KINDS.map((k) => el("option", { value: k }, t(k))))),
  field("name", t("leadName")), field("email", t("leadEmail"), "email"), field("phone", t("leadPhone"), "tel"),
  field("intent", t("leadQuestion"), "textarea"), field("notes", t("leadNotes"), "textarea"),
  el("label", { class: "inline" }, el("input", { type: "checkbox", name: "consent", value: "true" }), t("leadConsent")), msg,
  el("button", { type: "submit", class: "ghost" }, t("leadSave")));
  const details = el("details", { class: "card", ontoggle: async () => {
    if (!details.open || form.dataset.filled || !state.caps.lead_draft) return;
    form.dataset.filled = "1";
    const r = await state.api(`${url}/lead-draft`);
    if (!r.ok || !r.data) return;
    for (const key of PREFILLED) {
      const input = form.elements.namedItem(key);
      if (input && typeof r.data[key] === "string" && !input.value) input.value = r.data[key];
    }
  } }, el("summary", null, t("leadForm")), form);
  return details;
}
