// The contract with a client: first-reply target, maximum queue wait, what happens on overflow
// and outside hours, priority; and its history (who changed what, when). Provider admins edit
// it; supervisors read it.
import { el } from "/static/widget/dom.js";
import { api, errorText } from "./api.js";
import { billingSection, describeTerms } from "./billing_terms.js";
import { errorSummary, field, input, select, submit } from "./forms.js";
import { retentionPanel } from "./retention.js";

const FALLBACKS = ["offline_form", "bot", "bot_then_form"];
const NUMBERS = ["first_reply_seconds", "max_queue_wait_seconds", "priority"];

// The share travels as 0..1 and is typed as a percentage.
const toPercent = (share) => (share === undefined || share === null ? "" : String(Math.round(share * 1000) / 10));
function toShare(text) {
  const n = Number(text.replace(",", "."));
  return text.trim() === "" || Number.isNaN(n) ? text : n / 100;
}
function toNumber(text) {
  const n = Number(text.trim());
  return text.trim() === "" || Number.isNaN(n) ? text : n;
}

export function formatValue(t, key, value) {
  if (value === undefined || value === null || value === "") return "—";
  if (key === "first_reply_share") return `${toPercent(value)} %`;
  if (key === "billing") return describeTerms(t, value);
  if (key.endsWith("_seconds")) return t("seconds", { n: value });
  if (FALLBACKS.includes(value)) return t(`fallback_${value}`);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function readOnlyView(t, c) {
  const keys = ["first_reply_seconds", "first_reply_share", "max_queue_wait_seconds", "outside_hours", "overflow", "priority"];
  return el("dl", { class: "facts", id: "contract-view" }, keys.flatMap((k) => [el("dt", null, t(`c_${k}`)), el("dd", null, formatValue(t, k, c[k]))]));
}

function contractForm(ctx, b, c, onSaved) {
  const { t } = ctx;
  const controls = {
    first_reply_seconds: input(c.first_reply_seconds, { type: "number", min: 1, step: 1, inputmode: "numeric" }),
    first_reply_share: input(toPercent(c.first_reply_share), { type: "number", min: 50, max: 100, step: "any", inputmode: "decimal" }),
    max_queue_wait_seconds: input(c.max_queue_wait_seconds, { type: "number", min: 0, step: 1, inputmode: "numeric" }),
    outside_hours: select(FALLBACKS.map((f) => [f, t(`fallback_${f}`)]), c.outside_hours || "offline_form"),
    overflow: select(FALLBACKS.map((f) => [f, t(`fallback_${f}`)]), c.overflow || "offline_form"),
    priority: input(c.priority ?? 0, { type: "number", step: 1, inputmode: "numeric" }),
  };
  const billing = billingSection(ctx, c.billing);
  const summary = errorSummary();
  const form = el("form", { class: "form", novalidate: true, id: "contract-form", onsubmit: async (e) => {
    e.preventDefault();
    const body = {};
    for (const [k, control] of Object.entries(controls)) {
      body[k] = k === "first_reply_share" ? toShare(control.value) : NUMBERS.includes(k) ? toNumber(control.value) : control.value;
    }
    body.billing = billing.collect();
    const r = await submit(ctx, form, summary, () => api(`/api/v1/businesses/${encodeURIComponent(b.id)}/contract`, { method: "PUT", json: body }));
    if (r.ok) onSaved();
  } },
  summary,
  el("div", { class: "grid" },
    field(t("c_first_reply_seconds"), controls.first_reply_seconds, { path: "first_reply_seconds", help: t("firstReplyHelp") }),
    field(t("c_first_reply_share"), controls.first_reply_share, { path: "first_reply_share", help: t("shareHelp") }),
    field(t("c_max_queue_wait_seconds"), controls.max_queue_wait_seconds, { path: "max_queue_wait_seconds", help: t("maxWaitHelp") }),
    field(t("c_priority"), controls.priority, { path: "priority", help: t("priorityHelp") }),
    field(t("c_outside_hours"), controls.outside_hours, { path: "outside_hours" }),
    field(t("c_overflow"), controls.overflow, { path: "overflow", help: t("overflowHelp") })),
  billing.node,
  el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary", id: "save-contract" }, t("saveContract"))));
  return form;
}

// What changed in one history entry: "field: before → after" for each key that differs.
export function changes(t, before, after, label = (k) => t(`c_${k}`)) {
  const keys = [...new Set([...Object.keys(before || {}), ...Object.keys(after || {})])];
  return keys
    .filter((k) => JSON.stringify(before?.[k]) !== JSON.stringify(after?.[k]))
    .map((k) => `${label(k)}: ${formatValue(t, k, before?.[k])} → ${formatValue(t, k, after?.[k])}`);
}

export function when(t, iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso || "");
  return d.toLocaleString(t.lang === "en" ? "en-GB" : "nl-NL", { dateStyle: "medium", timeStyle: "short" });
}

async function renderHistory(ctx, b, box) {
  const { t } = ctx;
  const r = await api(`/api/v1/businesses/${encodeURIComponent(b.id)}/contract/history`);
  if (!r.ok) { box.replaceChildren(el("p", { class: "error" }, errorText(r, t))); return; }
  const entries = Array.isArray(r.data) ? r.data : r.data?.items || [];
  box.replaceChildren(el("h3", null, t("contractHistory")), entries.length
    ? el("div", { class: "table-wrap" }, el("table", { id: "contract-history" },
      el("caption", { class: "sr-only" }, t("contractHistory")),
      el("thead", null, el("tr", null, [t("when"), t("who"), t("what")].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", null, entries.map((e) => el("tr", null,
        el("td", null, when(t, e.at || e.changed_at)),
        el("td", null, e.actor?.name || e.actor_name || e.changed_by || "—"),
        el("td", null, el("ul", { class: "changes" }, changes(t, e.before, e.after || e.contract).map((c) => el("li", null, c)))))))))
    : el("p", null, t("noHistory")));
}

export async function contractPanel(ctx, b, panel) {
  const { t } = ctx;
  const r = await api(`/api/v1/businesses/${encodeURIComponent(b.id)}/contract`);
  if (!r.ok) { panel.append(el("p", { class: "error" }, errorText(r, t))); return; }
  const c = r.data || {};
  const history = el("div", { class: "history" });
  const retention = el("section", { class: "retention", "aria-labelledby": "retention-title" });
  panel.append(ctx.isAdmin ? contractForm(ctx, b, c, () => renderHistory(ctx, b, history))
    : el("div", null, readOnlyView(t, c), billingSection(ctx, c.billing, { readOnly: true }).node), retention, history);
  await Promise.all([retentionPanel(ctx, b, retention), renderHistory(ctx, b, history)]);
}
