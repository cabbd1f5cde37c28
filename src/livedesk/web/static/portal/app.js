// The client portal: the business's own window onto its outsourced chat. One shell page; the
// pages below are routed in the browser (history.pushState), so every address can be reloaded
// or shared. Business users see their own business; the provider's admins and supervisors pick
// a business and see it as the business does (and decide its proposals). What anyone may see
// is the API's decision: the pages only leave out what cannot work for the user.
import { el } from "/static/widget/dom.js";
import { api, setApiLanguage, whenUnauthorized } from "/static/admin/api.js";
import { showLogin } from "/static/admin/login.js";
import { makeT } from "./i18n.js";
import * as approvals from "./approvals.js";
import * as changes from "./changes.js";
import * as costs from "./costs.js";
import * as faq from "./faq.js";
import * as faqFile from "./faq_file.js";
import * as faqGaps from "./faq_gaps.js";
import * as proposals from "./faq_proposals.js";
import * as leads from "./leads.js";
import * as reports from "./reports.js";
import * as today from "./today.js";
import * as transcripts from "./transcripts.js";

const root = document.getElementById("app");
const LANG_KEY = "livedesk:portal-lang";
const BUSINESS_KEY = "livedesk:portal-business";
const PORTAL_ROLES = new Set(["business_user", "provider_admin", "supervisor"]);
const COUNTS_EVERY_MS = 60000;

const ROUTES = [
  [/^\/portal\/vandaag$/, today.todayPage, "vandaag"],
  [/^\/portal\/gesprekken$/, transcripts.listPage, "gesprekken"],
  [/^\/portal\/gesprekken\/([^/]+)$/, transcripts.transcriptPage, "gesprekken"],
  [/^\/portal\/leads$/, leads.listPage, "leads"],
  [/^\/portal\/leads\/([^/]+)$/, leads.leadPage, "leads"],
  [/^\/portal\/faq$/, faq.listPage, "faq"],
  [/^\/portal\/faq\/nieuw$/, faq.createPage, "faq"],
  [/^\/portal\/faq\/voorstellen$/, proposals.proposalsPage, "faq"],
  [/^\/portal\/faq\/bestand$/, faqFile.filePage, "faq"],
  [/^\/portal\/faq\/zonder-antwoord$/, faqGaps.gapsPage, "faq"],
  [/^\/portal\/faq\/([^/]+)$/, faq.entryPage, "faq"],
  [/^\/portal\/richtlijnen$/, changes.guidelinesPage, "richtlijnen"],
  [/^\/portal\/openingstijden$/, changes.hoursPage, "openingstijden"],
  [/^\/portal\/rapportage$/, reports.reportsPage, "rapportage"],
  [/^\/portal\/kosten$/, costs.costsPage, "kosten"],
  [/^\/portal\/voorstellen$/, approvals.approvalsPage, "voorstellen"],
];
// Pages under /portal that are not this shell (the expert's chat view).
const OTHER_PAGES = /^\/portal\/chat\//;

const ctx = {
  t: makeT("nl"),
  me: null,
  business: null, // {id, name, timezone, ...} the portal is about
  businesses: [],
  features: {},
  counts: {},
  shown: null,
  leaving: [], // callbacks when the page on screen is replaced (timers)
  get isManager() { return this.me?.role === "provider_admin" || this.me?.role === "supervisor"; },
  get isAdmin() { return this.me?.role === "provider_admin"; },
  get isBusinessUser() { return this.me?.role === "business_user"; },
  get zone() { return this.business?.timezone || "Europe/Amsterdam"; },
  get bq() { return `business_id=${encodeURIComponent(this.business?.id || "")}`; },
};

function chooseLanguage(lang) {
  ctx.t = makeT(lang);
  setApiLanguage(ctx.t.lang);
  document.documentElement.lang = ctx.t.lang;
}

async function boot() {
  chooseLanguage(localStorage.getItem(LANG_KEY) || navigator.language);
  const who = await api("/api/v1/auth/me", { quiet: true });
  if (!who.ok) return loginView();
  ctx.me = who.data;
  chooseLanguage(localStorage.getItem(LANG_KEY) || ctx.me.language || "nl");
  if (!PORTAL_ROLES.has(ctx.me.role)) return notForYouView();
  const [list, features] = await Promise.all([api("/api/v1/businesses"), api("/api/v1/portal/features")]);
  ctx.businesses = list.ok ? list.data || [] : [];
  ctx.features = features.ok ? features.data || {} : {};
  const wanted = ctx.isBusinessUser ? ctx.me.business_ids?.[0] : localStorage.getItem(BUSINESS_KEY);
  ctx.business = ctx.businesses.find((b) => b.id === wanted) || ctx.businesses[0] || null;
  if (!ctx.business) return notForYouView();
  shell();
  whenUnauthorized(() => loginView(ctx.t("sessionEnded")));
  await render(location.pathname + location.search);
  setInterval(refreshCounts, COUNTS_EVERY_MS);
}

// ---- login -----------------------------------------------------------------------------------
function loginView(notice) {
  leave();
  showLogin(root, { t: ctx.t, notice, onLoggedIn: boot });
}

function notForYouView() {
  const { t } = ctx;
  document.title = `${t("notForYouTitle")} · Livedesk`;
  root.replaceChildren(
    el("header", { class: "top" }, el("span", { class: "brand" }, "Livedesk")),
    el("main", { id: "main", class: "narrow" },
      el("h1", null, t("notForYouTitle")),
      el("p", null, t("notForYouBody")),
      el("p", null, el("a", { href: "/console", id: "to-console" }, t("toConsole")))));
  root.removeAttribute("aria-busy");
}

// ---- shell -------------------------------------------------------------------------------------
function navItems() {
  const f = ctx.features;
  return [
    ["vandaag", "/portal/vandaag", "navToday", null],
    ["gesprekken", "/portal/gesprekken", "navTranscripts", null],
    ["leads", "/portal/leads", "navLeads", "new_leads"],
    ["faq", "/portal/faq", "navFaq", "faq_proposals"],
    ["richtlijnen", "/portal/richtlijnen", "navGuidelines", null],
    ["openingstijden", "/portal/openingstijden", "navHours", null],
    f.reports ? ["rapportage", "/portal/rapportage", "navReports", null] : null,
    f.billing ? ["kosten", "/portal/kosten", "navCosts", null] : null,
    ctx.isManager ? ["voorstellen", "/portal/voorstellen", "navApprovals", "all_change_requests"] : null,
  ].filter(Boolean);
}

function businessPicker() {
  const { t } = ctx;
  if (!ctx.isManager) return el("span", { class: "me business-name" }, ctx.business.name);
  const pick = el("select", { id: "business-pick", onchange: () => {
    ctx.business = ctx.businesses.find((b) => b.id === pick.value) || ctx.business;
    localStorage.setItem(BUSINESS_KEY, ctx.business.id);
    const path = location.pathname + location.search;
    shell();
    ctx.shown = null;
    render(/\/portal\/(gesprekken|leads|faq)\/.+/.test(path) ? path.replace(/^(\/portal\/[a-z]+)\/.*$/, "$1") : path);
  } }, ctx.businesses.map((b) => el("option", { value: b.id }, b.name)));
  pick.value = ctx.business.id;
  return el("span", { class: "me picker" }, el("label", { for: "business-pick" }, t("business")), " ", pick);
}

function shell() {
  const { t, me } = ctx;
  const other = t.lang === "nl" ? "en" : "nl";
  const langButton = el("button", { type: "button", class: "ghost small", lang: other, id: "lang-switch", onclick: () => {
    localStorage.setItem(LANG_KEY, other);
    chooseLanguage(other);
    const path = location.pathname + location.search;
    shell();
    ctx.shown = null;
    render(path);
  } }, other === "en" ? "English" : "Nederlands");
  const logout = el("button", { type: "button", class: "ghost small", onclick: async () => {
    await api("/api/v1/auth/logout", { method: "POST", quiet: true });
    loginView();
  } }, t("logout"));
  ctx.nav = el("ul", null, navItems().map(([key, href, label, count]) => el("li", null,
    el("a", { href, "data-nav": key }, t(label), count ? el("span", { class: "count", "data-count": count, hidden: true }) : null))));
  ctx.statusEl = el("p", { class: "status", role: "status", "aria-live": "polite", id: "status" });
  ctx.pageEl = el("div", { class: "page" });
  ctx.mainEl = el("main", { id: "main", tabindex: "-1" }, ctx.statusEl, ctx.pageEl);
  root.replaceChildren(
    el("a", { class: "skip", href: "#main", onclick: (e) => { e.preventDefault(); ctx.mainEl.focus(); } }, t("skip")),
    el("header", { class: "top" },
      el("a", { class: "brand", href: "/portal/vandaag" }, "Livedesk ", el("span", null, t("portal"))),
      businessPicker(),
      el("span", { class: "who" }, me.name),
      ctx.isManager ? el("a", { href: "/admin" }, t("backOffice")) : null,
      langButton, logout),
    el("nav", { class: "side-nav", "aria-label": t("navLabel") }, ctx.nav),
    ctx.mainEl);
  root.removeAttribute("aria-busy");
  refreshCounts();
}

// The numbers beside Leads, FAQ and Voorstellen: what waits for someone.
async function refreshCounts() {
  if (!ctx.nav || !ctx.business) return;
  const r = await api(`/api/v1/portal/counts?${ctx.bq}`, { quiet: true });
  if (!r.ok) return;
  ctx.counts = r.data || {};
  for (const badge of ctx.nav.querySelectorAll("[data-count]")) {
    const n = ctx.counts[badge.dataset.count] || 0;
    badge.hidden = !n;
    badge.replaceChildren(el("span", { "aria-hidden": "true" }, String(n)), el("span", { class: "sr-only" }, ctx.t(`count_${badge.dataset.count}`, { n })));
  }
}
ctx.refreshCounts = refreshCounts;

ctx.status = (text, isError = false) => {
  ctx.statusEl.textContent = "";
  ctx.statusEl.classList.toggle("error", isError);
  // A fresh text node each time, so the same words ("Opgeslagen") are announced again.
  setTimeout(() => { ctx.statusEl.textContent = text; }, 30);
};

ctx.go = (path, { replace = false } = {}) => {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  return render(path);
};

// One h1 per page: the page's title, also the document's title.
ctx.page = (title, ...children) => {
  document.title = `${title} · ${ctx.t("portal")} · Livedesk`;
  const h1 = el("h1", { tabindex: "-1" }, title);
  ctx.pageEl.replaceChildren(h1, ...children.filter((c) => c !== null && c !== undefined));
  return h1;
};

// Timers and the like of the page on screen end when another page replaces it.
ctx.onLeave = (fn) => ctx.leaving.push(fn);
function leave() {
  for (const fn of ctx.leaving.splice(0)) fn();
}

async function render(target) {
  const url = new URL(target, location.origin);
  let path = url.pathname;
  if (path === "/portal" || path === "/portal/") {
    history.replaceState(null, "", "/portal/vandaag");
    path = "/portal/vandaag";
  }
  const focusAfter = ctx.shown !== null;
  ctx.shown = path + url.search;
  leave();
  ctx.statusEl.textContent = "";
  for (const [pattern, page, section] of ROUTES) {
    const m = path.match(pattern);
    if (!m) continue;
    for (const a of ctx.nav.querySelectorAll("a")) {
      if (a.dataset.nav === section) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    ctx.pageEl.setAttribute("aria-busy", "true");
    const params = m.slice(1).map((p) => (p === undefined ? undefined : decodeURIComponent(p)));
    await page(ctx, ...params, url.searchParams);
    ctx.pageEl.removeAttribute("aria-busy");
    if (focusAfter) ctx.pageEl.querySelector("h1")?.focus();
    return;
  }
  ctx.page(ctx.t("notFoundTitle"), el("p", null, el("a", { href: "/portal/vandaag" }, ctx.t("navToday"))));
  ctx.pageEl.removeAttribute("aria-busy");
}

// Links inside the portal change the page without a reload.
document.addEventListener("click", (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest?.("a[href]");
  if (!a || a.target || a.hasAttribute("download") || !ctx.pageEl) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith("/portal") || OTHER_PAGES.test(url.pathname)) return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
  e.preventDefault();
  ctx.go(url.pathname + url.search);
});

window.addEventListener("popstate", () => {
  if (ctx.pageEl && location.pathname + location.search !== ctx.shown) render(location.pathname + location.search);
});

boot();
