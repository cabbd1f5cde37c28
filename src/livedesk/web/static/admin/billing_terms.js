// The contract's billing terms ("Facturering"): the price model and its fields, VAT, which chats
// are billable and how handled minutes count. The terms are part of the contract form: they
// travel in the contract's PUT as `billing`, so one save makes one audited change.
import { el } from "/static/widget/dom.js";
import { checkbox, field, fieldset, input, lines, select, textarea } from "./forms.js";

// Each price model's fields, as the API names them, and what kind of number each one is.
const MODELS = {
  per_hour: [["rate", "money"]],
  per_chat: [["price", "money"]],
  per_lead: [["price", "money"]],
  bundle: [["fee", "money"], ["included_chats", "count"], ["overage_price", "money"]],
  monthly_fee: [["fee", "money"], ["setup_fee", "money"], ["contract_months", "count"]],
};
const NONE = "none";
const SWITCHES = ["exclude_spam", "exclude_test", "exclude_unanswered", "exclude_greeting_only"];

// "12,50", "12.50" and "1.250,00" as a decimal string ("12.50", "1250.00"); null when it is not
// a number. A comma is the decimal separator, and then points only group thousands.
export function decimalText(text) {
  let s = String(text).trim().replace(/[\s€%]/g, "");
  if (s.includes(",")) s = s.replace(/\./g, "").replace(",", ".");
  return /^\d+(\.\d+)?$/.test(s) ? s : null;
}

// Something the API cannot read goes as typed: its field error then names the field.
const amount = (text) => { const s = decimalText(text); return s === null ? text : Number(s); };
const count = (text) => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : text);
// A percentage as a share, shifted in decimal notation so 8,25 % becomes 0.0825, not 0.08249…
const share = (text) => { const s = decimalText(text); return s === null ? text : Number(`${s}e-2`); };

function shown(t, value) {
  if (value === undefined || value === null) return "";
  return t.lang === "nl" ? String(value).replace(".", ",") : String(value);
}
const percent = (t, value) => (value === undefined || value === null ? "" : shown(t, Number(`${value}e2`)));

function priceControls(t, kind, stored) {
  const own = stored?.kind === kind ? stored : {};
  const controls = {};
  const node = el("div", { class: "grid", "data-kind": kind },
    MODELS[kind].map(([name, type]) => {
      controls[name] = type === "money"
        ? input(shown(t, own[name]), { inputmode: "decimal", autocomplete: "off" })
        : input(own[name] ?? "", { inputmode: "numeric", autocomplete: "off" });
      const help = type === "money" ? t(name.endsWith("fee") ? "feeHelp" : "unitPriceHelp") : null;
      return field(t(`bt_${name}`), controls[name], { path: `billing.price.${kind}.${name}`, help });
    }));
  const collect = () => {
    // Planning-only fields of the stored model (weeks per month, shares) stay as they were.
    const price = { ...own, kind };
    for (const [name, type] of MODELS[kind]) price[name] = type === "money" ? amount(controls[name].value) : count(controls[name].value);
    return price;
  };
  return { node, collect };
}

// The "Facturering" group for the contract form: {node, collect() → the terms or null}.
export function billingSection(ctx, terms, { readOnly = false } = {}) {
  const { t } = ctx;
  const stored = terms || null;
  const billable = stored?.billable || {};
  const model = select([[NONE, t("bt_none")], ...Object.keys(MODELS).map((k) => [k, t(`bt_${k}`)])], stored?.price?.kind || NONE);
  const prices = Object.fromEntries(Object.keys(MODELS).map((k) => [k, priceControls(t, k, stored?.price)]));
  const vat = input(percent(t, stored?.vat_rate), { inputmode: "decimal", autocomplete: "off" });
  const switches = Object.fromEntries(SWITCHES.map((k) => [k, checkbox(billable[k] ?? true)]));
  const maxChars = input(billable.greeting_max_chars ?? 12, { inputmode: "numeric", autocomplete: "off" });
  const greetings = textarea((billable.greetings || []).join("\n"), { rows: 5, spellcheck: "false" });
  greetings.dataset.lines = "";
  const roundUp = checkbox(stored?.round_minutes_up ?? true);
  const details = el("div", { class: "billing-details" },
    Object.values(prices).map((p) => p.node),
    el("div", { class: "grid" }, field(t("bt_vat"), vat, { path: "billing.vat_rate", help: t("vatHelp") })),
    fieldset(t("bt_billable"),
      el("div", { class: "checks" }, SWITCHES.map((k) => field(t(`bt_${k}`), switches[k], { path: `billing.billable.${k}` }))),
      el("div", { class: "grid" },
        field(t("bt_greeting_max_chars"), maxChars, { path: "billing.billable.greeting_max_chars", help: t("greetingMaxHelp") }),
        field(t("bt_greetings"), greetings, { path: "billing.billable.greetings", help: t("greetingsHelp"), className: "wide" }))),
    field(t("bt_round_minutes_up"), roundUp, { path: "billing.round_minutes_up" }));
  const sync = () => {
    for (const [k, p] of Object.entries(prices)) p.node.hidden = model.value !== k;
    details.hidden = model.value === NONE;
  };
  model.addEventListener("change", sync);
  sync();
  const node = el("fieldset", { class: "group billing", id: "billing-terms", disabled: readOnly },
    el("legend", null, t("billingTerms")),
    el("p", { class: "help" }, t("billingHelp")),
    el("div", { class: "grid" }, field(t("bt_model"), model, { path: "billing.price.kind" })),
    details);
  const collect = () => {
    if (model.value === NONE) return null;
    const rule = Object.fromEntries(SWITCHES.map((k) => [k, switches[k].checked]));
    rule.greeting_max_chars = count(maxChars.value);
    // Left empty, the API's own list of greetings applies.
    const typed = lines(greetings.value);
    if (typed.length) rule.greetings = typed;
    return {
      price: prices[model.value].collect(),
      vat_rate: vat.value.trim() === "" ? null : share(vat.value),
      billable: rule,
      round_minutes_up: roundUp.checked,
    };
  };
  return { node, collect };
}

// One line for the contract's history: "Per chat: Prijs (€) 2,95 · Btw (%) 21".
export function describeTerms(t, terms) {
  if (!terms?.price) return "—";
  const { kind } = terms.price;
  const parts = (MODELS[kind] || []).map(([name]) => `${t(`bt_${name}`)} ${shown(t, terms.price[name])}`);
  if (terms.vat_rate !== undefined && terms.vat_rate !== null) parts.push(`${t("bt_vat")} ${percent(t, terms.vat_rate)}`);
  return `${t(`bt_${kind}`)}: ${parts.join(" · ")}`;
}
