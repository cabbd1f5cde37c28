// The back office: a provider's admins and supervisors set up and run client businesses here.
// One shell page; the pages below are routed in the browser (history.pushState), so every
// address can be reloaded or shared. Who may do what is the API's decision: the pages only
// leave out what the user's role cannot do.
import { el } from "/static/widget/dom.js";
import { api, setApiLanguage, whenUnauthorized } from "./api.js";
import { makeT } from "./i18n.js";
import { showLogin } from "./login.js";
import * as audit from "./audit.js";
import * as businesses from "./businesses.js";
import * as canned from "./canned.js";
import * as people from "./people.js";

const root = document.getElementById("app");
const LANG_KEY = "livedesk:admin-lang";
const MANAGERS = new Set(["provider_admin", "supervisor"]);

const ROUTES = [
  [/^\/admin\/klanten$/, businesses.listPage, "klanten"],
  [/^\/admin\/klanten\/nieuw$/, businesses.createPage, "klanten"],
  [/^\/admin\/klanten\/([^/]+)(?:\/([a-z]+))?(?:\/([^/]+))?$/, businesses.businessPage, "klanten"],
  [/^\/admin\/mensen$/, people.listPage, "mensen"],
  [/^\/admin\/mensen\/nieuw$/, people.createPage, "mensen"],
  [/^\/admin\/mensen\/([^/]+)$/, people.personPage, "mensen"],
  [/^\/admin\/standaardantwoorden$/, canned.cannedPage, "standaardantwoorden"],
  [/^\/admin\/auditlog$/, audit.auditPage, "auditlog"],
];

const ctx = {
  t: makeT("nl"),
  me: null,
  shown: null, // the path on screen
  get isAdmin() { return this.me?.role === "provider_admin"; },
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
  if (!MANAGERS.has(ctx.me.role)) return notForYouView();
  shell();
  whenUnauthorized(() => loginView(ctx.t("sessionEnded")));
  render(location.pathname);
}

// ---- login (the console's login sends only to /console, so the back office has its own) ------
function loginView(notice) {
  showLogin(root, { t: ctx.t, notice, onLoggedIn: boot });
}

// ---- operators and business users ------------------------------------------------------------
function notForYouView() {
  const { t } = ctx;
  document.title = `${t("notForYouTitle")} · Livedesk`;
  root.replaceChildren(
    el("header", { class: "top" }, el("span", { class: "brand" }, "Livedesk")),
    el("main", { id: "main", class: "narrow" },
      el("h1", null, t("notForYouTitle")),
      el("p", null, t("notForYouBody")),
      el("p", null, el("a", { href: "/console", id: "to-console" }, t(ctx.me.role === "business_user" ? "toPortal" : "toConsole")))));
  root.removeAttribute("aria-busy");
}

// ---- shell -------------------------------------------------------------------------------------
function navItems() {
  const items = [["klanten", "/admin/klanten", "navBusinesses"], ["mensen", "/admin/mensen", "navPeople"]];
  if (ctx.isAdmin) items.push(["standaardantwoorden", "/admin/standaardantwoorden", "navCanned"]);
  items.push(["auditlog", "/admin/auditlog", "navAudit"]);
  return items;
}

function shell() {
  const { t, me } = ctx;
  const other = t.lang === "nl" ? "en" : "nl";
  const langButton = el("button", { type: "button", class: "ghost small", lang: other, id: "lang-switch", onclick: () => {
    localStorage.setItem(LANG_KEY, other);
    chooseLanguage(other);
    const path = location.pathname;
    shell();
    ctx.shown = null;
    render(path);
  } }, other === "en" ? "English" : "Nederlands");
  const logout = el("button", { type: "button", class: "ghost small", onclick: async () => {
    await api("/api/v1/auth/logout", { method: "POST", quiet: true });
    loginView();
  } }, t("logout"));
  ctx.nav = el("ul", null, navItems().map(([key, href, label]) => el("li", null, el("a", { href, "data-nav": key }, t(label)))));
  ctx.statusEl = el("p", { class: "status", role: "status", "aria-live": "polite", id: "status" });
  ctx.pageEl = el("div", { class: "page" });
  ctx.mainEl = el("main", { id: "main", tabindex: "-1" }, ctx.statusEl, ctx.pageEl);
  root.replaceChildren(
    el("a", { class: "skip", href: "#main", onclick: (e) => { e.preventDefault(); ctx.mainEl.focus(); } }, t("skip")),
    el("header", { class: "top" },
      el("a", { class: "brand", href: "/admin" }, "Livedesk ", el("span", null, t("backOffice"))),
      el("span", { class: "me" }, `${me.name} · ${t(`role_${me.role}`)}`),
      el("a", { href: "/console" }, t("console")),
      me.role === "operator" ? null : el("a", { href: "/console/floor" }, t("floor")),
      langButton, logout),
    el("nav", { class: "side-nav", "aria-label": t("navLabel") }, ctx.nav),
    ctx.mainEl);
  root.removeAttribute("aria-busy");
}

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
  document.title = `${title} · Livedesk`;
  const h1 = el("h1", { tabindex: "-1" }, title);
  ctx.pageEl.replaceChildren(h1, ...children.filter((c) => c !== null && c !== undefined));
  return h1;
};

async function render(path) {
  if (path === "/admin" || path === "/admin/") {
    history.replaceState(null, "", "/admin/klanten");
    path = "/admin/klanten";
  }
  const focusAfter = ctx.shown !== null;
  ctx.shown = path;
  ctx.statusEl.textContent = "";
  for (const [pattern, page, section] of ROUTES) {
    const m = path.match(pattern);
    if (!m) continue;
    for (const a of ctx.nav.querySelectorAll("a")) {
      if (a.dataset.nav === section) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    ctx.pageEl.setAttribute("aria-busy", "true");
    await page(ctx, ...m.slice(1).map((p) => (p === undefined ? undefined : decodeURIComponent(p))));
    ctx.pageEl.removeAttribute("aria-busy");
    if (focusAfter) ctx.pageEl.querySelector("h1")?.focus();
    return;
  }
  ctx.page(ctx.t("notFoundTitle"), el("p", null, el("a", { href: "/admin/klanten" }, ctx.t("navBusinesses"))));
}

// Links inside the back office change the page without a reload.
document.addEventListener("click", (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest?.("a[href]");
  if (!a || a.target || !ctx.pageEl) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith("/admin")) return;
  if (url.pathname === location.pathname && url.hash) return;
  e.preventDefault();
  ctx.go(url.pathname);
});

window.addEventListener("popstate", () => {
  if (ctx.pageEl && location.pathname !== ctx.shown) render(location.pathname);
});

boot();
