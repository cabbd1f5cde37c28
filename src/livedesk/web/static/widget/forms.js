// The widget's forms: the pre-chat form, the offline form and the privacy notice as each business
// configures them (Widget.settings), and the end-of-chat rating and transcript forms. Labels and
// notices are business text: inserted as text only, links only from a parsed http(s) URL.
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
function fieldRow(field, prefix, lang, t) {
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

// The offline form; `send(data)` posts it and resolves when the server has it.
export function offlineForm({ settings, lang, t, send }) {
  const rows = offlineFields(settings).map((f) => fieldRow(f, "ld-off", lang, t));
  const msg = el("p", { role: "status" });
  const consent = el("input", { type: "checkbox", id: "ld-off-consent", name: "consent", required: true });
  const form = el("form", { class: "offline", onsubmit: async (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    const data = {};
    for (const [, field] of rows) if (field.value.trim()) data[field.name] = field.value.trim();
    data.consent = consent.checked;
    try {
      await send(data);
      form.replaceChildren(el("p", { class: "ok" }, t("offlineThanks")));
      form.setAttribute("tabindex", "-1");
      form.focus();
    } catch { msg.textContent = t("failed"); }
  } }, el("p", null, t("leaveMsg")), rows.flat(),
  el("label", { class: "check", for: "ld-off-consent" }, consent, " ", t("consent")),
  privacyNotice(settings, t), msg,
  el("button", { type: "submit", class: "primary" }, t("offlineSend")));
  return form;
}

// Stars and a comment after a chat; `onRate(score, comment)` sends them.
export function ratingForm({ t, onRate }) {
  const name = "ld-rate";
  const stars = [1, 2, 3, 4, 5].map((n) => el("label", { class: "star" },
    el("input", { type: "radio", name, value: String(n), required: true }),
    el("span", { "aria-hidden": "true" }, "★"), el("span", { class: "sr" }, t("stars", { n }))));
  const comment = el("textarea", { rows: 2, maxLength: 1000, "aria-label": t("comment"), placeholder: t("comment") });
  const form = el("form", { class: "rating", onsubmit: (e) => {
    e.preventDefault();
    const picked = form.querySelector("input:checked");
    if (!picked) return;
    onRate(Number(picked.value), comment.value.trim() || null);
    form.replaceChildren(el("p", { class: "ok", role: "status" }, t("thanksRating")));
  } }, el("fieldset", null, el("legend", null, t("rateQ")), el("div", { class: "stars" }, stars)), comment,
  el("button", { type: "submit", class: "primary" }, t("rateSend")));
  return form;
}

// The transcript by e-mail; `request(email)` posts it. A server without the endpoint: no form.
export function transcriptForm({ t, request }) {
  const email = el("input", { type: "email", required: true, id: "ld-tr-email", autocomplete: "email" });
  const msg = el("p", { role: "status" });
  const form = el("form", { class: "transcript", onsubmit: async (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    try {
      const r = await request(email.value.trim());
      if (r.status === 404 || r.status === 405) { form.remove(); return; }
      if (!r.ok) throw new Error(String(r.status));
      form.replaceChildren(el("p", { class: "ok" }, t("transcriptSent")));
    } catch { msg.textContent = t("failed"); }
  } }, el("label", { for: "ld-tr-email" }, t("transcriptQ")), email, msg,
  el("button", { type: "submit", class: "secondary" }, t("transcriptSend")));
  return form;
}
