// Rapportage: a month's main figures from the reports API at a glance, and the way to the full
// report with its charts, hour-of-week heatmap and CSV tables (the reports domain's own page).
import { el } from "/static/widget/dom.js";
import { api, errorText, query } from "/static/admin/api.js";
import { field, select } from "/static/admin/forms.js";
import { duration, enc, localDate, number, percent } from "./util.js";

// The month of `iso` (YYYY-MM-DD) and the months before it: [first day, last day, label].
function months(t, todayIso, count) {
  const [y, m] = todayIso.split("-").map(Number);
  const out = [];
  for (let i = 0; i < count; i += 1) {
    const first = new Date(Date.UTC(y, m - 1 - i, 1));
    const last = i === 0 ? new Date(`${todayIso}T00:00:00Z`) : new Date(Date.UTC(y, m - i, 0));
    const label = first.toLocaleDateString(t.lang === "en" ? "en-GB" : "nl-NL", { month: "long", year: "numeric", timeZone: "UTC" });
    out.push([first.toISOString().slice(0, 10), last.toISOString().slice(0, 10), label]);
  }
  return out;
}

function figure(label, value, id) {
  return el("div", { class: "stat", id }, el("dt", null, label), el("dd", null, el("span", { class: "value" }, value)));
}

function summary(t, s) {
  const c = s.chats;
  return el("dl", { class: "stats", id: "report-figures" },
    figure(t("repOffered"), number(t, c.offered), "rep-offered"),
    figure(t("repAnswered"), number(t, c.answered), "rep-answered"),
    figure(t("repWithinTarget", { s: number(t, s.target_seconds || 0) }), percent(t, s.first_reply.within_target_share), "rep-target"),
    figure(t("repMissed"), number(t, c.missed + c.abandoned), "rep-missed"),
    figure(t("repFirstReply"), duration(t, s.first_reply.p50), "rep-first-reply"),
    figure(t("repCsat"), s.csat.count ? `${(s.csat.mean || 0).toLocaleString(t.lang === "en" ? "en-GB" : "nl-NL", { maximumFractionDigits: 1 })} / 5` : "—", "rep-csat"),
    figure(t("repLeads"), `${number(t, s.leads.count)} (${percent(t, s.leads.lead_rate)})`, "rep-leads"),
    figure(t("repOffline"), number(t, s.offline_messages), "rep-offline"));
}

export async function reportsPage(ctx, params) {
  const { t } = ctx;
  const choices = months(t, localDate(null, ctx.zone), 12);
  const chosen = choices.find(([first]) => first === params.get("from")) || choices[0];
  const pick = select(choices.map(([first, , label]) => [first, label]), chosen[0], { id: "report-month" });
  pick.addEventListener("change", () => ctx.go(`/portal/rapportage${query({ from: pick.value })}`));
  const [first, last] = chosen;
  const period = { business_id: ctx.business.id, from: first, to: last };
  const full = ctx.features.reports
    ? el("p", null, el("a", { class: "button primary", href: `/reports/business/${enc(ctx.business.id)}${query({ from: first, to: last, lang: t.lang })}`, id: "full-report" }, t("fullReport")))
    : null;
  let body = el("p", { class: "muted" }, t("reportsMissing"));
  if (ctx.features.reports) {
    const r = await api(`/api/v1/reports/summary${query(period)}`);
    body = r.ok ? summary(t, r.data) : el("p", { class: "error" }, errorText(r, t));
  }
  ctx.page(t("reportsTitle"),
    el("p", { class: "lead-in" }, t("reportsIntro")),
    el("div", { class: "filters" }, field(t("month"), pick)),
    body, full);
}
