// The widget's forms as each business configures them (Widget.settings): the pre-chat form, the
// fields the offline form (offline.js) asks for, and the privacy notice. Loaded only when a form
// is shown. Labels and notices are business text: inserted as text only, links only from a
// parsed http(s) URL.
import { el, safeUrl } from "./dom.js";

// What a field of each kind is: the input it needs and what the browser may fill in.
const KINDS = {
  name: { type: "text", autocomplete: "name", label: "name" },
  email: { type: "email", autocomplete: "email", label: "email" },
  phone: { type: "tel", autocomplete: "tel", label: "tel" },
  question: { textarea: true, autocomplete: "off", label: "message" },
};

// Today's offline form, for a widget that has not configured its own.
const OFFLINE_DEFAULT = [
  { name: "name", required: true },
  { name: "email", required: true },
  { name: "phone", required: false },
  { name: "question", required: true },
];

function fieldList(value) {
  return Array.isArray(value) ? value.filter((f) => f && typeof f.name === "string" && f.name) : [];
}

export function prechatFields(settings) {
  return fieldList(settings?.prechat?.fields);
}

export function offlineFields(settings) {
  const fields = fieldList(settings?.offline_form?.fields);
  return fields.length ? fields : OFFLINE_DEFAULT;
}

function text(value) {
  return typeof value === "string" ? value.trim() : "";
}

// The label in the visitor's language, else the other language's, else our own word for it.
function labelOf(field, lang, t) {
  const own = text(field[`label_${lang}`]) || text(field.label);
  if (own) return own;
  const kind = KINDS[field.name];
  return kind ? t(kind.label) : text(field.label_nl) || text(field.label_en) || field.name;
}

// [label, control] for one field; ids are prefix + name so tests and labels can find them.
export function fieldRow(field, prefix, lang, t) {
  const id = `${prefix}-${field.name}`;
  const kind = KINDS[field.name] || { type: "text", autocomplete: "off" };
  const attrs = { id, name: field.name, required: !!field.required, autocomplete: kind.autocomplete };
  const control = kind.textarea ? el("textarea", { ...attrs, rows: 3, maxLength: 4000 })
    : el("input", { ...attrs, type: kind.type });
  const mark = field.required ? el("span", { class: "req" }, ` (${t("required")})`) : null;
  return [el("label", { for: id }, labelOf(field, lang, t), mark), control];
}

// The privacy notice: its text and a link to the full statement; the pre-chat form's older
// `gdpr_notice` when the widget has no privacy settings.
export function privacyNotice(settings, t) {
  const words = text(settings?.privacy?.text) || text(settings?.prechat?.gdpr_notice);
  const url = safeUrl(text(settings?.privacy?.url));
  const link = url && url.protocol !== "mailto:"
    ? el("a", { href: url.href, target: "_blank", rel: "noopener noreferrer" }, t("privacyLink")) : null;
  if (!words && !link) return null;
  return el("p", { class: "gdpr" }, words, words && link ? " " : null, link);
}

// The pre-chat form; `onStart(values)` once every required field is filled in.
export function prechatForm({ settings, lang, t, hint, onStart }) {
  const rows = prechatFields(settings).map((f) => fieldRow(f, "ld-pre", lang, t));
  const err = el("p", { class: "err", role: "alert" });
  const form = el("form", { class: "prechat", novalidate: true, onsubmit: (e) => {
    e.preventDefault();
    const values = {};
    for (const [, field] of rows) {
      const value = field.value.trim();
      if (field.required && !value) { err.textContent = t("fillRequired"); field.focus(); return; }
      if (value) values[field.name] = value;
    }
    onStart(values);
  } },
  hint ? el("p", { class: "hint" }, hint) : null,
  rows.flat(), privacyNotice(settings, t), err,
  el("button", { type: "submit", class: "primary" }, t("start")));
  return form;
}
