// Standaardantwoorden: ready answers operators insert in the console by typing `/` and a few
// letters. Shared by every business, or one business's own; the body may hold placeholders.
import { el } from "/static/widget/dom.js";
import { api, errorText } from "./api.js";
import { confirmDialog, errorSummary, field, input, select, submit, textarea } from "./forms.js";

const PLACEHOLDERS = ["operator", "business", "visitor"];
const SHARED = "__shared__";

function cannedForm(ctx, item, businesses, onDone) {
  const { t } = ctx;
  const isNew = !item.id;
  // Whom a response belongs to is chosen once: an edit keeps it.
  const business = select([[SHARED, t("shared")], ...businesses.map((b) => [b.id, b.name])], item.business_id || SHARED, { disabled: !isNew });
  const shortcut = input(item.shortcut, { autocomplete: "off", spellcheck: "false", placeholder: "groet" });
  const title = input(item.title, { autocomplete: "off" });
  const body = textarea(item.body, { rows: 4 });
  const language = select([["nl", t("lang_nl")], ["en", t("lang_en")]], item.language || "nl");
  const summary = errorSummary();
  const form = el("form", { class: "form card", novalidate: true, id: "canned-form", onsubmit: async (e) => {
    e.preventDefault();
    const json = { ...(isNew ? { business_id: business.value === SHARED ? null : business.value } : {}), shortcut: shortcut.value.trim().replace(/^\//, ""), title: title.value.trim(), body: body.value, language: language.value };
    const url = isNew ? "/api/v1/canned-responses" : `/api/v1/canned-responses/${encodeURIComponent(item.id)}`;
    const r = await submit(ctx, form, summary, () => api(url, { method: isNew ? "POST" : "PATCH", json }));
    if (r.ok) onDone(r.data);
  } },
  el("h2", { id: "canned-form-title" }, isNew ? t("newCanned") : t("editCanned", { shortcut: item.shortcut })),
  summary,
  el("div", { class: "grid" },
    field(t("cannedFor"), business, { path: "business_id" }),
    field(t("shortcut"), shortcut, { path: "shortcut", help: t("shortcutHelp") }),
    field(t("cannedTitle"), title, { path: "title" }),
    field(t("language"), language, { path: "language" }),
    field(t("cannedBody"), body, { path: "body", className: "wide", help: t("placeholdersHelp") })),
  el("dl", { class: "facts small" }, PLACEHOLDERS.flatMap((p) => [el("dt", null, el("code", null, `{${p}}`)), el("dd", null, t(`ph_${p}`))])),
  el("div", { class: "buttons" },
    el("button", { type: "submit", class: "primary" }, isNew ? t("createCanned") : t("save")),
    el("button", { type: "button", class: "ghost", onclick: () => onDone(null) }, t("cancel"))));
  return form;
}

export async function cannedPage(ctx) {
  const { t } = ctx;
  const [r, b] = await Promise.all([api("/api/v1/canned-responses"), api("/api/v1/businesses")]);
  if (!r.ok) { ctx.page(t("navCanned"), el("p", { class: "error" }, errorText(r, t))); return; }
  let items = r.data || [];
  const businesses = b.ok ? b.data || [] : [];
  const names = new Map(businesses.map((x) => [x.id, x.name]));
  const filter = select([["", t("allCanned")], [SHARED, t("shared")], ...businesses.map((x) => [x.id, x.name])], "", { id: "canned-filter" });
  const formBox = el("div");
  const listBox = el("div");
  const newButton = el("button", { type: "button", class: "primary", id: "new-canned", onclick: () => edit({}) }, t("newCanned"));
  const reload = async () => {
    const again = await api("/api/v1/canned-responses");
    if (again.ok) items = again.data || [];
    fill();
  };
  const edit = (item) => {
    const form = cannedForm(ctx, item, businesses, async (saved) => {
      formBox.replaceChildren();
      newButton.hidden = false;
      if (saved) await reload();
      newButton.focus();
    });
    formBox.replaceChildren(form);
    newButton.hidden = true;
    form.querySelector("select, input").focus();
  };
  const remove = async (item) => {
    const ok = await confirmDialog(t, { title: t("deleteCannedQ", { shortcut: item.shortcut }), confirm: t("delete"), danger: true });
    if (!ok) return;
    const done = await api(`/api/v1/canned-responses/${encodeURIComponent(item.id)}`, { method: "DELETE" });
    if (!done.ok) { ctx.status(errorText(done, t), true); return; }
    ctx.status(t("deleted"));
    await reload();
  };
  const fill = () => {
    const f = filter.value;
    const shown = items.filter((x) => !f || (f === SHARED ? !x.business_id : x.business_id === f));
    listBox.replaceChildren(shown.length ? el("div", { class: "table-wrap" }, el("table", { id: "canned-list" },
      el("caption", { class: "sr-only" }, t("navCanned")),
      el("thead", null, el("tr", null, [t("shortcut"), t("cannedTitle"), t("cannedFor"), t("cannedBody"), t("actions")].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", null, shown.map((x) => el("tr", null,
        el("td", null, el("code", null, `/${x.shortcut}`)),
        el("td", null, x.title),
        el("td", null, x.business_id ? names.get(x.business_id) || x.business_id : t("shared")),
        el("td", { class: "body-cell" }, x.body),
        el("td", { class: "actions" },
          el("button", { type: "button", class: "ghost small", "aria-label": t("editNamed", { name: x.title }), onclick: () => edit(x) }, t("edit")),
          el("button", { type: "button", class: "danger-ghost small", "aria-label": t("deleteNamed", { name: x.title }), onclick: () => remove(x) }, t("delete")))))))) : el("p", null, t("noCanned")));
  };
  filter.addEventListener("change", fill);
  fill();
  ctx.page(t("navCanned"),
    el("p", { class: "help" }, t("cannedIntro")),
    el("div", { class: "toolbar" }, field(t("show"), filter), newButton),
    formBox, listBox);
}
