// A business's own details: name, slug, language, timezone and the guidelines operators read
// beside every chat (tone, what never to promise, escalation, contacts, free sections).
import { el } from "/static/widget/dom.js";
import { errorSummary, field, fieldset, input, nextId, repeatable, select, textarea } from "./forms.js";

// The zones a Dutch provider's clients mostly sit in; any other IANA name can be typed.
export const COMMON_ZONES = [
  "Europe/Amsterdam", "Europe/Brussels", "Europe/Berlin", "Europe/Paris", "Europe/London",
  "Europe/Dublin", "Europe/Luxembourg", "Europe/Madrid", "Europe/Lisbon", "Europe/Warsaw",
  "America/Curacao", "America/Aruba", "America/Paramaribo", "America/New_York", "UTC",
];
const OTHER = "__other__";

// A <select> of common zones plus free entry; returns {node, value()} with the data-path on
// whichever control holds the value.
export function timezoneField(t, value, path = "timezone") {
  const known = COMMON_ZONES.includes(value || "Europe/Amsterdam");
  const choice = select([...COMMON_ZONES.map((z) => [z, z]), [OTHER, t("otherZone")]], known ? value || "Europe/Amsterdam" : OTHER);
  const free = input(known ? "" : value, { placeholder: "Europe/Amsterdam", autocomplete: "off", spellcheck: "false" });
  const freeField = field(t("zoneName"), free, { help: t("zoneHelp") });
  const sync = () => {
    const other = choice.value === OTHER;
    freeField.hidden = !other;
    // The error for `path` goes to the control the value came from.
    if (other) { free.dataset.path = path; delete choice.dataset.path; }
    else { choice.dataset.path = path; delete free.dataset.path; }
  };
  choice.addEventListener("change", () => { sync(); if (choice.value === OTHER) free.focus(); });
  sync();
  return {
    node: el("div", { class: "tz" }, field(t("timezone"), choice), freeField),
    value: () => (choice.value === OTHER ? free.value.trim() : choice.value),
  };
}

function contactRow(t) {
  return (c) => {
    const controls = {
      name: input(c.name, { autocomplete: "off" }), role: input(c.role, { autocomplete: "off" }),
      phone: input(c.phone, { type: "tel", autocomplete: "off" }), email: input(c.email, { type: "email", autocomplete: "off" }),
      when: input(c.when, { autocomplete: "off" }),
    };
    const node = el("div", { class: "grid" },
      field(t("contactName"), controls.name), field(t("contactRole"), controls.role),
      field(t("contactPhone"), controls.phone), field(t("contactEmail"), controls.email),
      field(t("contactWhen"), controls.when, { className: "wide" }));
    return {
      node,
      focus: () => controls.name.focus(),
      collect: (path) => Object.fromEntries(Object.entries(controls).map(([k, c2]) => {
        c2.dataset.path = `${path}.${k}`;
        return [k, c2.value.trim()];
      })),
    };
  };
}

function sectionRow(t) {
  return (s) => {
    const title = input(s.title, { autocomplete: "off" });
    const body = textarea(s.body, { rows: 4 });
    return {
      node: el("div", null, field(t("sectionTitle"), title), field(t("sectionBody"), body)),
      focus: () => title.focus(),
      collect: (path) => {
        title.dataset.path = `${path}.title`;
        body.dataset.path = `${path}.body`;
        return { title: title.value.trim(), body: body.value };
      },
    };
  };
}

// The form for a new or an existing business. onSubmit(body, form, summary) sends it.
export function businessForm(ctx, business, { readOnly, onSubmit, submitLabel }) {
  const { t } = ctx;
  const b = business || {};
  const g = b.guidelines || {};
  const name = input(b.name, { autocomplete: "organization", required: true });
  const slug = input(b.slug, { autocomplete: "off", spellcheck: "false" });
  const language = select([["nl", t("lang_nl")], ["en", t("lang_en")]], b.language || "nl");
  const zone = timezoneField(t, b.timezone);
  const address = select([["u", t("address_u")], ["je", t("address_je")]], b.form_of_address || "u");
  const tone = textarea(g.tone, { rows: 2 });
  const never = textarea(g.never_promise, { rows: 2 });
  const escalation = textarea(g.escalation, { rows: 2 });
  const contacts = repeatable(t, {
    legend: t("contacts"), items: g.contacts || [], render: contactRow(t), rowLabel: t("contact"),
    blank: () => ({}), addLabel: t("addContact"),
  });
  const sections = repeatable(t, {
    legend: t("sections"), items: g.sections || [], render: sectionRow(t), rowLabel: t("section"),
    blank: () => ({}), addLabel: t("addSection"),
  });
  const summary = errorSummary();
  const body = () => ({
    name: name.value.trim(),
    slug: slug.value.trim(),
    language: language.value,
    timezone: zone.value(),
    form_of_address: address.value,
    guidelines: {
      tone: tone.value, never_promise: never.value, escalation: escalation.value,
      contacts: contacts.collect("guidelines.contacts"),
      sections: sections.collect("guidelines.sections"),
    },
  });
  const form = el("form", { class: "form", novalidate: true, id: nextId("business-form"), onsubmit: (e) => {
    e.preventDefault();
    onSubmit(body(), form, summary);
  } },
  summary,
  el("fieldset", { class: "plain", disabled: !!readOnly },
    el("div", { class: "grid" },
      field(t("businessName"), name, { path: "name" }),
      field(t("slug"), slug, { path: "slug", help: t("slugHelp") }),
      field(t("language"), language, { path: "language" }),
      zone.node,
      field(t("formOfAddress"), address, { path: "form_of_address", help: t("formOfAddressHelp") })),
    fieldset(t("guidelines"),
      el("p", { class: "help" }, t("guidelinesHelp")),
      field(t("tone"), tone, { path: "guidelines.tone" }),
      field(t("neverPromise"), never, { path: "guidelines.never_promise" }),
      field(t("escalation"), escalation, { path: "guidelines.escalation" }),
      contacts.node, sections.node)),
  readOnly ? null : el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, submitLabel || t("save"))));
  if (readOnly) for (const b2 of form.querySelectorAll("button")) b2.remove();
  return form;
}
