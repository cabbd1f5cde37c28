// "Bewaartermijnen": how many calendar months the purge keeps a business's transcripts, offline
// messages and leads. They belong with the contract (the client agrees them with the provider),
// but have their own API and their own save. Provider admins change them; supervisors read them.
import { el } from "/static/widget/dom.js";
import { api, errorText } from "./api.js";
import { errorSummary, field, input, submit } from "./forms.js";

const KINDS = ["transcripts_months", "offline_messages_months", "leads_months"];

const months = (text) => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : text);

function retentionForm(ctx, b, current, note) {
  const { t } = ctx;
  const controls = Object.fromEntries(KINDS.map((k) => [k, input(current[k], { inputmode: "numeric", autocomplete: "off" })]));
  const summary = errorSummary();
  const form = el("form", { class: "form", novalidate: true, id: "retention-form", onsubmit: async (e) => {
    e.preventDefault();
    const body = Object.fromEntries(KINDS.map((k) => [k, months(controls[k].value)]));
    const r = await submit(ctx, form, summary, () => api(`/api/v1/businesses/${encodeURIComponent(b.id)}/retention`, { method: "PUT", json: body }));
    if (r.ok) note.textContent = t("retentionOwn");
  } },
  summary,
  el("fieldset", { class: "plain", disabled: !ctx.isAdmin },
    el("div", { class: "grid" }, KINDS.map((k) => field(t(`r_${k}`), controls[k], { path: k, help: t("monthsHelp") })))),
  ctx.isAdmin ? el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary", id: "save-retention" }, t("saveRetention"))) : null);
  return form;
}

export async function retentionPanel(ctx, b, box) {
  const { t } = ctx;
  const title = el("h3", { id: "retention-title" }, t("retention"));
  const r = await api(`/api/v1/businesses/${encodeURIComponent(b.id)}/retention`);
  if (!r.ok) { box.replaceChildren(title, el("p", { class: "error" }, errorText(r, t))); return; }
  const note = el("p", { class: "help", id: "retention-note" }, t(r.data.is_default ? "retentionDefault" : "retentionOwn"));
  box.replaceChildren(title, el("p", { class: "help" }, t("retentionHelp")), note, retentionForm(ctx, b, r.data, note));
}
