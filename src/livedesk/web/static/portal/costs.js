// Kosten: what the business pays the provider for a month (its statement, under the price model
// of its contract), and beside it what doing the chat in-house would cost on its own measured
// traffic (the planner, from the billing domain). Amounts come formatted from the server.
import { el } from "/static/widget/dom.js";
import { api, errorText, query } from "/static/admin/api.js";
import { field, select } from "/static/admin/forms.js";
import { enc, localDate, number } from "./util.js";

const money = (t, value) => Number(value).toLocaleString(t.lang === "en" ? "en-GB" : "nl-NL", { style: "currency", currency: "EUR" });

function monthChoices(t, todayIso, count) {
  const [y, m] = todayIso.split("-").map(Number);
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(Date.UTC(y, m - 1 - i, 1));
    const key = d.toISOString().slice(0, 7);
    return [key, d.toLocaleDateString(t.lang === "en" ? "en-GB" : "nl-NL", { month: "long", year: "numeric", timeZone: "UTC" })];
  });
}

function statementTable(t, s) {
  if (!s.lines.length) return el("p", { class: "muted", id: "statement-empty" }, t("nothingBilled"));
  return el("div", { class: "table-wrap" }, el("table", { id: "statement" },
    el("caption", null, s.price_label || t("statement")),
    el("thead", null, el("tr", null, [t("item"), t("quantity"), t("unitPrice"), t("amount")].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", null, s.lines.map((line) => el("tr", null,
      el("th", { scope: "row" }, line.label), el("td", null, line.quantity_text), el("td", null, line.unit_price_text), el("td", { class: "num" }, line.amount_text)))),
    el("tfoot", null,
      el("tr", null, el("th", { scope: "row", colspan: "3" }, t("subtotal")), el("td", { class: "num" }, s.subtotal_text)),
      el("tr", null, el("th", { scope: "row", colspan: "3" }, t("vat")), el("td", { class: "num" }, s.vat_text)),
      el("tr", null, el("th", { scope: "row", colspan: "3" }, t("total")), el("td", { class: "num" }, el("strong", null, s.total_text))))));
}

function usage(t, u) {
  const rows = [
    [t("usageChats"), number(t, u.chats)], [t("usageBillable"), number(t, u.billable_chats)],
    [t("usageLeads"), number(t, u.accepted_leads)], [t("usageMinutes"), number(t, Math.round(Number(u.handled_minutes)))],
    [t("usageHours"), number(t, Math.round(Number(u.covered_hours)))], [t("usageBot"), number(t, u.bot_answers)],
  ];
  return el("dl", { class: "facts", id: "usage" }, rows.flatMap(([k, v]) => [el("dt", null, k), el("dd", null, v)]));
}

async function inHouse(ctx) {
  const { t } = ctx;
  const r = await api(`/api/v1/billing/in-house/${enc(ctx.business.id)}`);
  if (!r.ok) return el("p", { class: r.status === 409 ? "muted" : "error" }, errorText(r, t));
  const d = r.data;
  const rows = [
    [t("inHouseCost"), money(t, d.in_house.monthly_cost)],
    [t("inHouseFte"), number(t, d.in_house.fte_with_absence)],
    d.paid_per_month !== null ? [t("paidPerMonth"), money(t, d.paid_per_month)] : null,
  ].filter(Boolean);
  return el("div", { id: "in-house" },
    el("p", null, d.explanation),
    el("dl", { class: "facts" }, rows.flatMap(([k, v]) => [el("dt", null, k), el("dd", null, v)])));
}

export async function costsPage(ctx, params) {
  const { t } = ctx;
  const choices = monthChoices(t, localDate(null, ctx.zone), 12);
  const month = choices.some(([k]) => k === params.get("month")) ? params.get("month") : choices[1][0];
  const pick = select(choices, month, { id: "cost-month" });
  pick.addEventListener("change", () => ctx.go(`/portal/kosten${query({ month: pick.value })}`));
  const parts = [];
  if (ctx.features.billing) {
    const r = await api(`/api/v1/billing/statements/${enc(ctx.business.id)}${query({ month })}`);
    parts.push(el("h2", null, t("statement")),
      r.ok ? el("div", null, statementTable(t, r.data), el("h3", null, t("usage")), usage(t, r.data.usage)) : el("p", { class: "error" }, errorText(r, t)),
      el("h2", null, t("inHouseTitle")), await inHouse(ctx));
  } else {
    parts.push(el("p", { class: "muted" }, t("costsMissing")));
  }
  if (ctx.features.billing) {
    parts.push(el("p", null, el("a", { href: `/billing/${enc(ctx.business.id)}${query({ month })}`, id: "statement-page" }, t("statementPage"))));
  }
  ctx.page(t("costsTitle"), el("p", { class: "lead-in" }, t("costsIntro")), el("div", { class: "filters" }, field(t("month"), pick)), ...parts);
}
