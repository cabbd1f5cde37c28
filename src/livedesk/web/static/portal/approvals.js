// Voorstellen (the provider's admins and supervisors): the businesses' proposed guidelines and
// opening hours waiting for approval, each shown as what changes; admins approve (it applies
// at once, checked and audited like their own change) or reject with a note the business sees.
// Below, the chosen business's portal settings: whether its proposals need approval, and
// whether its people may join a live chat as its expert.
import { el } from "/static/widget/dom.js";
import { api, errorText } from "/static/admin/api.js";
import { checkbox, errorSummary, field, submit, textarea } from "/static/admin/forms.js";
import { DAYS } from "/static/admin/hours.js";
import { enc, timeEl } from "./util.js";

const ranges = (t, list) => (list?.length ? list.map((r) => r.join("–")).join(", ") : t("closedDay"));
const person = (c) => [c.name, c.role && `(${c.role})`, c.phone, c.email, c.when].filter(Boolean).join(" ");

// [label, before, after] for every part that differs.
function differences(t, kind, before, after) {
  const rows = [];
  const add = (label, a, b) => { if (a !== b) rows.push([label, a, b]); };
  if (kind === "guidelines") {
    for (const [key, label] of [["tone", "tone"], ["never_promise", "neverPromise"], ["escalation", "escalation"]]) add(t(label), before[key] || "", after[key] || "");
    add(t("contacts"), (before.contacts || []).map(person).join("\n"), (after.contacts || []).map(person).join("\n"));
    add(t("sections"), (before.sections || []).map((s) => `${s.title}: ${s.body}`).join("\n"), (after.sections || []).map((s) => `${s.title}: ${s.body}`).join("\n"));
    return rows;
  }
  add(t("timezone"), before.timezone || "", after.timezone || "");
  for (const d of DAYS) add(t(`day_${d}`), ranges(t, before.weekly?.[d]), ranges(t, after.weekly?.[d]));
  const dates = [...new Set([...Object.keys(before.exceptions || {}), ...Object.keys(after.exceptions || {})])].sort();
  const exc = (x) => (x ? `${x.label ? `${x.label}: ` : ""}${ranges(t, x.ranges)}` : "—");
  for (const date of dates) add(date, exc(before.exceptions?.[date]), exc(after.exceptions?.[date]));
  return rows;
}

function diffTable(t, request) {
  const rows = differences(t, request.kind, request.previous || {}, request.proposed || {});
  if (!rows.length) return el("p", { class: "muted" }, t("noDifference"));
  return el("div", { class: "table-wrap" }, el("table", { class: "diff" },
    el("caption", { class: "sr-only" }, t("whatChanges")),
    el("thead", null, el("tr", null, [t("part"), t("before"), t("proposed")].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", null, rows.map(([label, a, b]) => el("tr", null,
      el("th", { scope: "row" }, label), el("td", { class: "pre old" }, a || "—"), el("td", { class: "pre new" }, b || "—"))))));
}

function requestCard(ctx, request, onDone) {
  const { t } = ctx;
  const headId = `request-${request.id}`;
  const note = textarea("", { rows: 2, id: `note-${request.id}` });
  const summary = errorSummary();
  const decide = (what) => async () => {
    const r = await submit(ctx, form, summary, () => api(`/api/v1/portal/change-requests/${enc(request.id)}/${what}`, { json: { note: note.value.trim() } }));
    if (r.ok) { ctx.status(t(what === "approve" ? "changeApproved" : "changeRejected")); onDone(); }
  };
  const form = el("form", { class: "form", novalidate: true, onsubmit: (e) => e.preventDefault() },
    summary,
    field(t("noteForBusiness"), note, { path: "note" }),
    el("div", { class: "buttons" },
      el("button", { type: "button", class: "primary", "data-approve": request.id, onclick: decide("approve") }, t("approve")),
      el("button", { type: "button", class: "danger-ghost", "data-reject": request.id, onclick: decide("reject") }, t("reject"))));
  return el("article", { class: "card change-request", "aria-labelledby": headId, "data-request": request.id },
    el("h2", { id: headId }, t(`changeKind_${request.kind}`), " · ", request.business_name || request.business_id),
    el("p", { class: "muted" }, t("proposedBy", { who: request.proposed_by?.name || "" }), " ", timeEl(t, request.proposed_at, ctx.zone)),
    request.note ? el("p", { class: "quote" }, request.note) : null,
    diffTable(t, request),
    ctx.isAdmin ? form : el("p", { class: "muted" }, t("adminsDecide")));
}

async function settingsForm(ctx) {
  const { t } = ctx;
  const url = `/api/v1/businesses/${enc(ctx.business.id)}/portal-settings`;
  const r = await api(url);
  if (!r.ok) return el("p", { class: "error" }, errorText(r, t));
  const approval = checkbox(r.data.changes_need_approval, { id: "setting-approval" });
  const experts = checkbox(r.data.experts_may_join, { id: "setting-experts" });
  const summary = errorSummary();
  const form = el("form", { class: "form", novalidate: true, id: "portal-settings", onsubmit: async (e) => {
    e.preventDefault();
    await submit(ctx, form, summary, () => api(url, { method: "PUT", json: { changes_need_approval: approval.checked, experts_may_join: experts.checked } }));
  } },
  summary,
  el("fieldset", { class: "plain", disabled: !ctx.isAdmin },
    field(t("settingApproval"), approval, { path: "changes_need_approval", help: t("settingApprovalHelp") }),
    field(t("settingExperts"), experts, { path: "experts_may_join", help: t("settingExpertsHelp") })),
  ctx.isAdmin ? el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, t("save"))) : null);
  return form;
}

export async function approvalsPage(ctx) {
  const { t } = ctx;
  if (!ctx.isManager) { ctx.page(t("approvalsTitle"), el("p", null, t("forProvider"))); return; }
  const r = await api("/api/v1/portal/change-requests?status=pending");
  const reload = () => { ctx.refreshCounts(); approvalsPage(ctx); };
  const waiting = r.ok ? r.data : [];
  ctx.page(t("approvalsTitle"),
    el("p", { class: "lead-in" }, t("approvalsIntro")),
    !r.ok ? el("p", { class: "error" }, errorText(r, t))
      : waiting.length ? el("div", { id: "pending-requests" }, waiting.map((x) => requestCard(ctx, x, reload)))
        : el("p", { id: "no-pending-requests" }, t("noPendingRequests")),
    el("h2", { id: "settings-title" }, t("portalSettingsOf", { name: ctx.business.name })),
    await settingsForm(ctx));
}
