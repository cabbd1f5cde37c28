// The audit log: who changed what, when, with before and after. Provider-wide or one
// business's; newest first, paged backwards 50 at a time.
import { el } from "/static/widget/dom.js";
import { api, errorText, query } from "./api.js";
import { when } from "./contract.js";
import { field, select } from "./forms.js";

const PAGE = 50;
const ENTITIES = ["business", "widget", "opening_hours", "contract", "user", "canned_response", "presence"];
const MAX_VALUE = 140;

function short(value) {
  if (value === undefined || value === null || value === "") return "—";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function label(t, prefix, key) {
  const text = t(`${prefix}_${key}`);
  return text === `${prefix}_${key}` ? key : text;
}

// {a: {b: 1}} → {"a.b": 1}, a few levels deep, so a change inside a large object (one
// exception in the opening hours) shows as that one path rather than the whole object.
function flatten(value, prefix = "", depth = 0, out = {}) {
  if (value && typeof value === "object" && !Array.isArray(value) && depth < 3) {
    // An empty object adds nothing: its keys appearing later show as themselves.
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, depth + 1, out);
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

function changeList(e) {
  const before = flatten(e.before || {});
  const after = flatten(e.after || {});
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys
    .filter((k) => short(before[k]) !== short(after[k])) // "" and nothing read the same
    .map((k) => el("li", null, el("span", { class: "key" }, k), ": ", short(before[k]), " → ", short(after[k])));
}

// Appends the log to `box`; filters: {business_id, entity, entity_id}.
export async function auditList(ctx, box, filters, names) {
  const { t } = ctx;
  const body = el("tbody");
  const more = el("button", { type: "button", class: "ghost", id: "audit-more", hidden: true }, t("olderEntries"));
  const empty = el("p", { hidden: true }, t("noAudit"));
  const headers = [t("when"), t("who"), t("what"), names ? t("business") : null, t("changes")].filter(Boolean);
  box.append(el("div", { class: "table-wrap" }, el("table", { id: "audit-log" },
    el("caption", { class: "sr-only" }, t("tabAudit")),
    el("thead", null, el("tr", null, headers.map((h) => el("th", { scope: "col" }, h)))), body)), empty, more);
  let before = null;
  const load = async () => {
    more.disabled = true;
    const r = await api(`/api/v1/audit${query({ ...filters, before_id: before, limit: PAGE })}`);
    more.disabled = false;
    if (!r.ok) { box.append(el("p", { class: "error" }, errorText(r, t))); more.hidden = true; return; }
    const entries = r.data || [];
    for (const e of entries) {
      body.append(el("tr", null,
        el("td", null, when(t, e.at)),
        el("td", null, e.actor?.name || "—"),
        el("td", null, `${label(t, "entity", e.entity)} · ${label(t, "action", e.action)}`),
        names ? el("td", null, e.business_id ? names.get(e.business_id) || e.business_id : "—") : null,
        el("td", null, el("ul", { class: "changes" }, changeList(e)))));
    }
    if (entries.length) before = entries[entries.length - 1].id;
    more.hidden = entries.length < PAGE;
    empty.hidden = body.children.length > 0;
  };
  more.addEventListener("click", load);
  await load();
}

export async function auditPage(ctx) {
  const { t } = ctx;
  const b = await api("/api/v1/businesses");
  const businesses = b.ok ? b.data || [] : [];
  const names = new Map(businesses.map((x) => [x.id, x.name]));
  const business = select([["", t("allBusinesses")], ...businesses.map((x) => [x.id, x.name])], "", { id: "audit-business" });
  const entity = select([["", t("allEntities")], ...ENTITIES.map((e) => [e, label(t, "entity", e)])], "", { id: "audit-entity" });
  const box = el("div", { class: "audit" });
  const reload = async () => {
    box.replaceChildren();
    await auditList(ctx, box, { business_id: business.value, entity: entity.value }, names);
  };
  business.addEventListener("change", reload);
  entity.addEventListener("change", reload);
  ctx.page(t("navAudit"),
    el("div", { class: "toolbar" }, el("div", { class: "filters" }, field(t("business"), business), field(t("entity"), entity))),
    box);
  if (!b.ok) ctx.status(errorText(b, t), true);
  await auditList(ctx, box, {}, names);
}
