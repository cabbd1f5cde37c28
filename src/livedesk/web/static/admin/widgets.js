// A business's widgets: the list, a new one, and one widget's settings (allowed origins,
// language, look, pre-chat form, privacy notice, offline form) with its embed snippet, a copy
// button and a live preview.
import { el } from "/static/widget/dom.js";
import { api, errorText } from "./api.js";
import { activeBadge, checkbox, confirmDialog, errorSummary, field, fieldset, input, lines, nextId, repeatable, select, submit, textarea } from "./forms.js";

const POSITIONS = ["right", "left"];
const FORM_FIELDS = ["name", "email", "phone", "question"];
// A new widget's offline form starts as the server's default one: it must ask for a way back.
const OFFLINE_DEFAULT = [
  { name: "name", label_nl: "Naam", label_en: "Name", required: true },
  { name: "email", label_nl: "E-mailadres", label_en: "E-mail address", required: true },
  { name: "phone", label_nl: "Telefoonnummer", label_en: "Phone number", required: false },
  { name: "question", label_nl: "Bericht", label_en: "Message", required: true },
];

function formFieldRow(t) {
  return (f) => {
    const name = select(FORM_FIELDS.map((n) => [n, t(`ff_${n}`)]), f.name || "name");
    const labelNl = input(f.label_nl, { autocomplete: "off", lang: "nl" });
    const labelEn = input(f.label_en, { autocomplete: "off", lang: "en" });
    const required = checkbox(f.required);
    return {
      node: el("div", { class: "grid" }, field(t("formFieldName"), name),
        field(t("labelNl"), labelNl), field(t("labelEn"), labelEn), field(t("required"), required)),
      focus: () => name.focus(),
      collect: (path) => {
        name.dataset.path = `${path}.name`;
        labelNl.dataset.path = `${path}.label_nl`;
        labelEn.dataset.path = `${path}.label_en`;
        required.dataset.path = `${path}.required`;
        return { name: name.value, label_nl: labelNl.value.trim(), label_en: labelEn.value.trim(), required: required.checked };
      },
    };
  };
}

function widgetForm(ctx, w, { readOnly, onSubmit, submitLabel }) {
  const { t } = ctx;
  const look = w.look || {};
  const name = input(w.name, { autocomplete: "off" });
  const origins = textarea((w.allowed_origins || []).join("\n"), { rows: 3, spellcheck: "false", "data-lines": "" });
  const language = select([["nl", t("lang_nl")], ["en", t("lang_en")], ["auto", t("lang_auto")]], w.language || "nl");
  const accent = input(look.accent_color || "#1a6b4c", { type: "color" });
  const position = select(POSITIONS.map((p) => [p, t(`pos_${p}`)]), look.position || "right");
  const launcher = input(look.launcher_text, { autocomplete: "off" });
  const greeting = textarea(look.greeting, { rows: 2 });
  const logo = input(look.logo_url, { type: "url", autocomplete: "off", placeholder: "https://" });
  const newField = () => ({ name: "email", label_nl: "", label_en: "", required: false });
  const prechat = repeatable(t, { items: w.prechat?.fields || [], render: formFieldRow(t), rowLabel: t("formField"), blank: newField, addLabel: t("addFormField") });
  const offline = repeatable(t, { items: w.offline_form?.fields || [], render: formFieldRow(t), rowLabel: t("formField"), blank: newField, addLabel: t("addFormField") });
  const privacyText = textarea(w.privacy?.text, { rows: 2 });
  const privacyUrl = input(w.privacy?.url, { type: "url", autocomplete: "off", placeholder: "https://" });
  const summary = errorSummary();
  const body = () => ({
    name: name.value.trim(),
    allowed_origins: lines(origins.value),
    language: language.value,
    look: { accent_color: accent.value, position: position.value, launcher_text: launcher.value.trim(), greeting: greeting.value.trim(), logo_url: logo.value.trim() },
    prechat: { fields: prechat.collect("prechat.fields") },
    privacy: { text: privacyText.value.trim(), url: privacyUrl.value.trim() },
    offline_form: { fields: offline.collect("offline_form.fields") },
  });
  const form = el("form", { class: "form", novalidate: true, id: nextId("widget-form"), onsubmit: (e) => { e.preventDefault(); onSubmit(body(), form, summary); } },
    summary,
    el("fieldset", { class: "plain", disabled: !!readOnly },
      el("div", { class: "grid" },
        field(t("widgetName"), name, { path: "name", help: t("widgetNameHelp") }),
        field(t("widgetLanguage"), language, { path: "language" }),
        field(t("allowedOrigins"), origins, { path: "allowed_origins", help: t("allowedOriginsHelp"), className: "wide" })),
      fieldset(t("look"), el("div", { class: "grid" },
        field(t("accentColor"), accent, { path: "look.accent_color" }),
        field(t("position"), position, { path: "look.position" }),
        field(t("launcherText"), launcher, { path: "look.launcher_text" }),
        field(t("logoUrl"), logo, { path: "look.logo_url" }),
        field(t("greeting"), greeting, { path: "look.greeting", className: "wide" }))),
      fieldset(t("prechatForm"), el("p", { class: "help" }, t("prechatHelp")), prechat.node),
      fieldset(t("privacy"), field(t("privacyText"), privacyText, { path: "privacy.text" }), field(t("privacyUrl"), privacyUrl, { path: "privacy.url" })),
      fieldset(t("offlineForm"), el("p", { class: "help" }, t("offlineHelp")), offline.node)),
    readOnly ? null : el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, submitLabel || t("save"))));
  if (readOnly) for (const b of form.querySelectorAll("button")) b.remove();
  return { form, body };
}

function embedSnippet(w) {
  return w.embed_snippet || `<script src="${location.origin}/widget.js" data-widget="${w.public_key}" async></script>`;
}

// The snippet to paste into the client's site, and a button that copies it (or, where the
// clipboard is not allowed, selects it so Ctrl+C copies it).
function embedBlock(ctx, w) {
  const { t } = ctx;
  const pre = el("pre", { class: "snippet", id: "embed-snippet", tabindex: "0", "aria-labelledby": "embed-title" }, el("code", null, embedSnippet(w)));
  const done = el("span", { class: "muted", "aria-live": "polite" });
  const copy = el("button", { type: "button", class: "ghost", id: "copy-embed", onclick: async () => {
    try {
      await navigator.clipboard.writeText(embedSnippet(w));
      done.textContent = t("copied");
    } catch {
      const range = document.createRange();
      range.selectNodeContents(pre);
      const sel = getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      pre.focus();
      done.textContent = t("copySelected");
    }
  } }, t("copy"));
  return el("div", { class: "embed" }, el("h3", { id: "embed-title" }, t("embedTitle")), el("p", { class: "help" }, t("embedHelp")), pre, el("div", { class: "buttons" }, copy, done));
}

// The widget as configured, in a frame: the preview page shows the saved settings and takes
// the form's unsaved state by postMessage (same origin only), so every change shows as typed.
function previewBlock(ctx, w, current) {
  const { t } = ctx;
  const src = () => `/admin/preview/${encodeURIComponent(w.public_key)}`;
  const frame = el("iframe", { id: "widget-preview", src: src(), title: t("previewTitle") });
  const view = select([["chat", t("view_chat")], ["prechat", t("view_prechat")], ["offline", t("view_offline")]], "chat", { id: "preview-view" });
  const post = () => {
    const b = current();
    frame.contentWindow?.postMessage({ look: b.look, language: b.language, prechat: b.prechat, privacy: b.privacy, offline_form: b.offline_form, view: view.value }, location.origin);
  };
  view.addEventListener("change", post);
  window.addEventListener("message", (e) => {
    if (frame.isConnected && e.origin === location.origin && e.source === frame.contentWindow && e.data?.type === "livedesk:preview-ready") post();
  });
  return {
    node: el("div", { class: "preview" }, el("h3", null, t("preview")), el("p", { class: "help" }, t("previewHelp")), field(t("previewView"), view), frame),
    post,
    reload: () => { frame.src = src(); },
  };
}

async function widgetPage(ctx, b, panel, w) {
  const { t } = ctx;
  const base = `/admin/klanten/${encodeURIComponent(b.id)}/widgets`;
  const editor = widgetForm(ctx, w, { readOnly: !ctx.isAdmin, onSubmit: async (body, form, summary) => {
    const r = await submit(ctx, form, summary, () => api(`/api/v1/widgets/${encodeURIComponent(w.id)}`, { method: "PATCH", json: body }));
    if (r.ok) { Object.assign(w, r.data); heading.textContent = w.name; preview.reload(); }
  } });
  const preview = previewBlock(ctx, w, editor.body);
  // Typing, choosing, adding or removing a row: the preview follows at once.
  editor.form.addEventListener("input", preview.post);
  editor.form.addEventListener("change", preview.post);
  editor.form.addEventListener("click", (e) => { if (e.target.closest("button[type=button]")) setTimeout(preview.post, 0); });
  const heading = el("h3", null, w.name);
  const toggle = ctx.isAdmin ? el("button", { type: "button", id: "toggle-widget", class: w.is_active === false ? "ghost" : "danger-ghost", onclick: async () => {
    const activate = w.is_active === false;
    const ok = await confirmDialog(t, { title: t(activate ? "activateWidgetQ" : "deactivateWidgetQ", { name: w.name }), body: activate ? null : t("deactivateWidgetBody"), confirm: t(activate ? "activate" : "deactivate"), danger: !activate });
    if (!ok) return;
    const r = await api(`/api/v1/widgets/${encodeURIComponent(w.id)}/${activate ? "activate" : "deactivate"}`, { method: "POST" });
    if (!r.ok) { ctx.status(errorText(r, t), true); return; }
    ctx.go(`${base}/${encodeURIComponent(w.id)}`, { replace: true });
    ctx.status(t(activate ? "activatedWidget" : "deactivatedWidget"));
  } }, t(w.is_active === false ? "activate" : "deactivate")) : null;
  panel.append(
    el("p", null, el("a", { href: base }, t("allWidgets"))),
    el("div", { class: "business-head" }, heading, activeBadge(t, w.is_active), toggle),
    el("div", { class: "widget-layout" },
      el("div", null, editor.form),
      el("div", null, embedBlock(ctx, w), preview.node)));
}

export async function widgetsPanel(ctx, b, panel, sub) {
  const { t } = ctx;
  const base = `/admin/klanten/${encodeURIComponent(b.id)}/widgets`;
  if (sub === "nieuw") {
    if (!ctx.isAdmin) { panel.append(el("p", null, t("adminsOnly"))); return; }
    panel.append(el("p", null, el("a", { href: base }, t("allWidgets"))), el("h3", null, t("newWidget")),
      widgetForm(ctx, { name: "", allowed_origins: [], language: b.language || "nl", offline_form: { fields: OFFLINE_DEFAULT } }, { submitLabel: t("createWidget"), onSubmit: async (body, form, summary) => {
        const r = await submit(ctx, form, summary, () => api(`/api/v1/businesses/${encodeURIComponent(b.id)}/widgets`, { json: body }));
        if (r.ok) ctx.go(`${base}/${encodeURIComponent(r.data.id)}`);
      } }).form);
    return;
  }
  if (sub) {
    const r = await api(`/api/v1/widgets/${encodeURIComponent(sub)}`);
    if (!r.ok) { panel.append(el("p", { class: "error" }, errorText(r, t))); return; }
    await widgetPage(ctx, b, panel, r.data);
    return;
  }
  const r = await api(`/api/v1/businesses/${encodeURIComponent(b.id)}/widgets`);
  if (!r.ok) { panel.append(el("p", { class: "error" }, errorText(r, t))); return; }
  const widgets = r.data || [];
  panel.append(
    ctx.isAdmin ? el("p", null, el("a", { class: "button primary", href: `${base}/nieuw`, id: "new-widget" }, t("newWidget"))) : null,
    widgets.length ? el("div", { class: "table-wrap" }, el("table", null,
      el("caption", { class: "sr-only" }, t("tabWidgets")),
      el("thead", null, el("tr", null, [t("widgetName"), t("widgetLanguage"), t("allowedOrigins"), t("status")].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", null, widgets.map((w) => el("tr", null,
        el("td", null, el("a", { href: `${base}/${encodeURIComponent(w.id)}` }, w.name)),
        el("td", null, t(`lang_${w.language}`)),
        el("td", null, (w.allowed_origins || []).join(", ") || "—"),
        el("td", null, activeBadge(t, w.is_active))))))) : el("p", null, t("noWidgets")));
}
