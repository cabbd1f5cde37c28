// Leads: what the chats brought in (sales leads, call-back requests, questions for the business,
// offline messages). New ones first; each opens with its details, the chat it came from and its
// history, and the business reviews it within the review window: accept, reject or dispute
// (with a reason), as the leads API allows.
import { el } from "/static/widget/dom.js";
import { api, errorText, query } from "/static/admin/api.js";
import { clearErrors, errorSummary, field, select, showErrors, textarea } from "/static/admin/forms.js";
import { dateTime, enc, fieldErrors, number, timeEl } from "./util.js";

const PAGE = 50;
const STATUSES = ["new", "accepted", "disputed", "rejected"];
const KINDS = ["sales_lead", "callback_request", "question_for_business", "offline_message"];
// What may follow what (the server's REVIEW_TRANSITIONS): only these buttons are offered.
const NEXT = { new: ["accepted", "rejected", "disputed"], accepted: ["disputed"], disputed: ["accepted", "rejected"], rejected: [] };

function contact(lead) {
  return [lead.name, lead.email, lead.phone].filter(Boolean).join(" · ") || "—";
}

function short(text, n = 140) {
  const s = String(text || "").replace(/\s+/g, " ").trim();
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export async function listPage(ctx, params) {
  const { t } = ctx;
  // New leads first: what waits for a decision. "all" shows every status.
  const status = select([["all", t("all")], ...STATUSES.map((s) => [s, t(`leadStatus_${s}`)])], params.get("status") || "new", { id: "filter-lead-status" });
  const kind = select([["", t("all")], ...KINDS.map((k) => [k, t(`kind_${k}`)])], params.get("kind") || "", { id: "filter-lead-kind" });
  for (const s of [status, kind]) s.addEventListener("change", () => ctx.go(`/portal/leads${query({ status: status.value, kind: kind.value })}`));
  const filters = { status: status.value === "all" ? "" : status.value, kind: kind.value };
  const body = el("tbody");
  const count = el("p", { class: "muted", "aria-live": "polite", id: "lead-count" });
  const more = el("button", { type: "button", class: "ghost", id: "more-leads", hidden: true }, t("more"));
  const table = el("div", { class: "table-wrap" }, el("table", { id: "leads" },
    el("caption", { class: "sr-only" }, t("leadsTitle")),
    el("thead", null, el("tr", null, [t("received"), t("kind"), t("contact"), t("leadIntent"), t("status")].map((h) => el("th", { scope: "col" }, h)))),
    body));
  let offset = 0;
  const load = async () => {
    const r = await api(`/api/v1/leads${query({ business_id: ctx.business.id, ...filters, limit: PAGE, offset })}`);
    if (!r.ok) { table.replaceWith(el("p", { class: "error" }, errorText(r, t))); return; }
    body.append(...r.data.items.map((lead) => el("tr", { class: lead.status === "new" ? "is-new" : "" },
      el("td", null, timeEl(t, lead.created_at, ctx.zone)),
      el("td", null, t(`kind_${lead.kind}`)),
      el("th", { scope: "row" }, el("a", { href: `/portal/leads/${enc(lead.id)}` }, contact(lead))),
      el("td", null, short(lead.intent)),
      el("td", null, el("span", { class: `badge lead-${lead.status}` }, t(`leadStatus_${lead.status}`))))));
    offset += r.data.items.length;
    count.textContent = t("nOfTotal", { n: number(t, offset), total: number(t, r.data.total) });
    more.hidden = offset >= r.data.total;
    table.hidden = !r.data.total;
    empty.hidden = !!r.data.total;
  };
  more.addEventListener("click", load);
  const empty = el("p", { hidden: true, id: "no-leads" }, t("noLeads"));
  const exportLink = el("a", { href: `/api/v1/leads/export${query({ business_id: ctx.business.id, ...filters, format: "csv" })}`, download: "", id: "export-leads" }, t("exportCsv"));
  ctx.page(t("leadsTitle"),
    el("p", { class: "lead-in" }, t("leadsIntro")),
    el("div", { class: "toolbar" }, el("div", { class: "filters" }, field(t("status"), status), field(t("kind"), kind)), exportLink),
    count, table, empty, more);
  await load();
}

function historyList(ctx, history) {
  const { t } = ctx;
  return el("ol", { class: "history", id: "lead-history" }, history.map((h) => el("li", null,
    timeEl(t, h.at, ctx.zone), " ",
    h.from ? t("statusChange", { from: t(`leadStatus_${h.from}`), to: t(`leadStatus_${h.to}`) }) : t("leadCreated"),
    h.reason ? el("span", { class: "reason" }, ` — ${h.reason}`) : null)));
}

function reviewForm(ctx, lead, windowDays, onDone) {
  const { t } = ctx;
  const options = NEXT[lead.status] || [];
  const closes = new Date(new Date(lead.created_at).getTime() + windowDays * 86400000);
  if (!options.length) return el("p", { class: "notice" }, t("reviewFinal"));
  if (closes < new Date()) return el("p", { class: "notice", id: "review-closed" }, t("reviewClosed", { when: dateTime(t, closes.toISOString(), ctx.zone) }));
  const reason = textarea("", { rows: 3, id: "review-reason" });
  const summary = errorSummary();
  const send = async (decision) => {
    clearErrors(form, summary);
    if (decision !== "accepted" && !reason.value.trim()) {
      showErrors(form, { reason: t("reasonNeeded") }, summary, t);
      return;
    }
    const r = await api(`/api/v1/leads/${enc(lead.id)}/review`, { json: { decision, reason: reason.value.trim() || null } });
    if (r.ok) {
      ctx.status(t(`reviewed_${decision}`));
      ctx.refreshCounts();
      onDone();
    } else if (r.status === 422) {
      showErrors(form, fieldErrors(r, { reason: t("reasonNeeded") }), summary, t);
    } else {
      ctx.status(errorText(r, t), true);
    }
  };
  const form = el("form", { class: "form review", id: "review-form", novalidate: true, onsubmit: (e) => e.preventDefault() },
    summary,
    el("p", null, t("reviewWindow", { when: dateTime(t, closes.toISOString(), ctx.zone) })),
    field(t("reviewReason"), reason, { path: "reason", help: t("reviewReasonHelp") }),
    el("div", { class: "buttons" }, options.map((d) => el("button", {
      type: "button", class: d === "accepted" ? "primary" : "ghost", "data-decision": d, onclick: () => send(d),
    }, t(`decide_${d}`)))));
  return form;
}

export async function leadPage(ctx, leadId) {
  const { t } = ctx;
  const [r, settings] = await Promise.all([
    api(`/api/v1/leads/${enc(leadId)}`),
    api(`/api/v1/businesses/${enc(ctx.business.id)}/lead-settings`),
  ]);
  const back = el("p", null, el("a", { href: "/portal/leads" }, t("backToLeads")));
  if (!r.ok) { ctx.page(t("leadTitle"), el("p", { class: "error" }, errorText(r, t)), back); return; }
  const lead = r.data;
  const windowDays = settings.ok ? settings.data.review_window_days : 14;
  const qualification = Object.entries(lead.qualification || {}).map(([k, v]) => [k, String(v)]);
  const rows = [
    [t("kind"), t(`kind_${lead.kind}`)], [t("status"), t(`leadStatus_${lead.status}`)],
    [t("received"), timeEl(t, lead.created_at, ctx.zone)], [t("name"), lead.name], [t("email"), lead.email],
    [t("phone"), lead.phone], [t("leadIntent"), lead.intent], [t("operatorNotes"), lead.notes],
    ...qualification, [t("page"), lead.page_url], [t("consent"), lead.consent ? t("yes") : t("no")],
  ].filter(([, v]) => v !== null && v !== undefined && v !== "");
  ctx.page(t("leadOf", { who: contact(lead) }),
    back,
    el("dl", { class: "facts", id: "lead-facts" }, rows.flatMap(([k, v]) => [el("dt", null, k), el("dd", { class: "pre" }, v)])),
    lead.conversation_id ? el("p", null, el("a", { href: `/portal/gesprekken/${enc(lead.conversation_id)}` }, t("openChat"))) : null,
    el("h2", null, t("review")),
    reviewForm(ctx, lead, windowDays, () => leadPage(ctx, leadId)),
    el("h2", null, t("history")),
    historyList(ctx, lead.history || []));
}
