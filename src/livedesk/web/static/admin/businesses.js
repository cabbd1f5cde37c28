// Klanten: the list of client businesses, a new one, and a business's own page with its parts
// (details, widgets, opening hours, contract, people, audit log) and (de)activation.
import { el } from "/static/widget/dom.js";
import { api, errorText } from "./api.js";
import { auditList } from "./audit.js";
import { contractPanel } from "./contract.js";
import { businessForm } from "./details.js";
import { activeBadge, confirmDialog, input, submit } from "./forms.js";
import { hoursPanel } from "./hours.js";
import { businessPeople } from "./people.js";
import { widgetsPanel } from "./widgets.js";

const TABS = [
  ["gegevens", "tabDetails"], ["widgets", "tabWidgets"], ["openingstijden", "tabHours"],
  ["contract", "tabContract"], ["mensen", "tabPeople"], ["auditlog", "tabAudit"],
];

export async function listPage(ctx) {
  const { t } = ctx;
  const r = await api("/api/v1/businesses");
  if (!r.ok) { ctx.page(t("navBusinesses"), el("p", { class: "error" }, errorText(r, t))); return; }
  const all = r.data || [];
  const search = input("", { type: "search", id: "business-search", autocomplete: "off" });
  const body = el("tbody");
  const count = el("p", { class: "muted", "aria-live": "polite" });
  const fill = () => {
    const q = search.value.trim().toLowerCase();
    const shown = all.filter((b) => !q || b.name.toLowerCase().includes(q) || b.slug.toLowerCase().includes(q));
    body.replaceChildren(...shown.map((b) => el("tr", null,
      el("td", null, el("a", { href: `/admin/klanten/${encodeURIComponent(b.id)}` }, b.name)),
      el("td", null, el("code", null, b.slug)),
      el("td", null, t(`lang_${b.language}`)),
      el("td", null, b.timezone),
      el("td", null, activeBadge(t, b.is_active)))));
    count.textContent = t("nShown", { n: shown.length, total: all.length });
  };
  search.addEventListener("input", fill);
  fill();
  ctx.page(t("navBusinesses"),
    el("div", { class: "toolbar" },
      el("div", { class: "field inline" }, el("label", { for: "business-search" }, t("search")), search),
      ctx.isAdmin ? el("a", { class: "button primary", href: "/admin/klanten/nieuw", id: "new-business" }, t("newBusiness")) : null),
    count,
    all.length ? el("div", { class: "table-wrap" }, el("table", null,
      el("caption", { class: "sr-only" }, t("navBusinesses")),
      el("thead", null, el("tr", null, [t("businessName"), t("slug"), t("language"), t("timezone"), t("status")].map((h) => el("th", { scope: "col" }, h)))),
      body)) : el("p", null, t("noBusinesses")));
}

export async function createPage(ctx) {
  const { t } = ctx;
  if (!ctx.isAdmin) { ctx.page(t("newBusiness"), el("p", null, t("adminsOnly"))); return; }
  const form = businessForm(ctx, null, {
    submitLabel: t("createBusiness"),
    onSubmit: async (body, f, summary) => {
      const r = await submit(ctx, f, summary, () => api("/api/v1/businesses", { json: body }));
      if (r.ok) ctx.go(`/admin/klanten/${encodeURIComponent(r.data.id)}/widgets`);
    },
  });
  ctx.page(t("newBusiness"), el("p", { class: "help" }, t("newBusinessHelp")), form);
}

async function setActive(ctx, b, active) {
  const { t } = ctx;
  const ok = await confirmDialog(t, {
    title: t(active ? "activateBusinessQ" : "deactivateBusinessQ", { name: b.name }),
    body: t(active ? "activateBusinessBody" : "deactivateBusinessBody"),
    confirm: t(active ? "activate" : "deactivate"),
    danger: !active,
  });
  if (!ok) return;
  const r = await api(`/api/v1/businesses/${encodeURIComponent(b.id)}/${active ? "activate" : "deactivate"}`, { method: "POST" });
  if (!r.ok) { ctx.status(errorText(r, t), true); return; }
  await businessPage(ctx, b.id, location.pathname.split("/")[4] || "gegevens");
  ctx.status(t(active ? "activatedBusiness" : "deactivatedBusiness"));
}

export async function businessPage(ctx, id, tab = "gegevens", sub) {
  const { t } = ctx;
  const r = await api(`/api/v1/businesses/${encodeURIComponent(id)}`);
  if (!r.ok) {
    ctx.page(t("notFoundTitle"), el("p", null, errorText(r, t)), el("p", null, el("a", { href: "/admin/klanten" }, t("backToBusinesses"))));
    return;
  }
  const b = r.data;
  if (!TABS.some(([key]) => key === tab)) tab = "gegevens";
  const base = `/admin/klanten/${encodeURIComponent(b.id)}`;
  const tabs = el("nav", { class: "tabs", "aria-label": t("businessParts") }, el("ul", null,
    TABS.map(([key, label]) => el("li", null, el("a", { href: `${base}/${key}`, "aria-current": key === tab ? "page" : null, "data-tab": key }, t(label))))));
  const panel = el("section", { class: "panel", "aria-labelledby": "panel-title" });
  const toggle = ctx.isAdmin
    ? el("button", { type: "button", id: "toggle-active", class: b.is_active === false ? "ghost" : "danger-ghost", onclick: () => setActive(ctx, b, b.is_active === false) },
      t(b.is_active === false ? "activate" : "deactivate"))
    : null;
  const h1 = ctx.page(b.name,
    el("div", { class: "business-head" }, activeBadge(t, b.is_active), el("code", null, b.slug), toggle),
    ctx.isAdmin ? null : el("p", { class: "notice" }, t("readOnlyNotice")),
    tabs, panel);
  const title = (text) => el("h2", { id: "panel-title" }, text);
  if (tab === "gegevens") {
    panel.append(title(t("tabDetails")), businessForm(ctx, b, {
      readOnly: !ctx.isAdmin,
      onSubmit: async (body, form, summary) => {
        const saved = await submit(ctx, form, summary, () => api(`/api/v1/businesses/${encodeURIComponent(b.id)}`, { method: "PATCH", json: body }));
        if (saved.ok) {
          Object.assign(b, saved.data);
          h1.textContent = b.name;
          document.title = `${b.name} · Livedesk`;
        }
      },
    }));
  } else if (tab === "widgets") {
    panel.append(title(t("tabWidgets")));
    await widgetsPanel(ctx, b, panel, sub);
  } else if (tab === "openingstijden") {
    panel.append(title(t("tabHours")));
    await hoursPanel(ctx, b, panel);
  } else if (tab === "contract") {
    panel.append(title(t("tabContract")));
    await contractPanel(ctx, b, panel);
  } else if (tab === "mensen") {
    panel.append(title(t("tabPeople")));
    await businessPeople(ctx, b, panel);
  } else {
    panel.append(title(t("tabAudit")));
    await auditList(ctx, panel, { business_id: b.id });
  }
}
