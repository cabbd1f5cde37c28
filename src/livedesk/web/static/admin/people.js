// Mensen: the provider's staff and the businesses' users. Create (and invite by e-mail), edit,
// an operator's assignments (businesses served, languages, concurrent chats, auto accept),
// deactivate/activate and a password-reset link.
import { el } from "/static/widget/dom.js";
import { api, errorText } from "./api.js";
import { when } from "./contract.js";
import { activeBadge, checkbox, confirmDialog, errorSummary, field, fieldset, input, select, submit } from "./forms.js";

export const ROLES = ["provider_admin", "supervisor", "operator", "business_user"];
const LANGUAGES = ["nl", "en"];

export const nameOf = (u) => u.display_name || u.name || u.username;
const servedBy = (u) => u.operator?.businesses || [];

async function loadBusinesses() {
  const r = await api("/api/v1/businesses");
  return r.ok ? r.data || [] : [];
}

function businessNames(u, byId) {
  const ids = u.role === "business_user" ? [u.business_id] : servedBy(u);
  return ids.filter(Boolean).map((id) => byId.get(id)?.name || id).join(", ") || "—";
}

function peopleTable(t, users, byId, caption) {
  return el("div", { class: "table-wrap" }, el("table", { class: "people" },
    el("caption", { class: "sr-only" }, caption),
    el("thead", null, el("tr", null, [t("personName"), t("username"), t("role"), t("businesses"), t("status")].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", null, users.map((u) => el("tr", null,
      el("td", null, el("a", { href: `/admin/mensen/${encodeURIComponent(u.id)}` }, nameOf(u))),
      el("td", null, u.username),
      el("td", null, t(`role_${u.role}`)),
      el("td", null, businessNames(u, byId)),
      el("td", null, activeBadge(t, u.is_active)))))));
}

export async function listPage(ctx) {
  const { t } = ctx;
  const [r, list] = await Promise.all([api("/api/v1/users"), loadBusinesses()]);
  if (!r.ok) { ctx.page(t("navPeople"), el("p", { class: "error" }, errorText(r, t))); return; }
  const users = r.data || [];
  const byId = new Map(list.map((b) => [b.id, b]));
  const role = select([["", t("allRoles")], ...ROLES.map((x) => [x, t(`role_${x}`)])], "", { id: "filter-role" });
  const business = select([["", t("allBusinesses")], ...list.map((b) => [b.id, b.name])], "", { id: "filter-business" });
  const active = select([["", t("activeAndInactive")], ["active", t("onlyActive")], ["inactive", t("onlyInactive")]], "active", { id: "filter-active" });
  const box = el("div");
  const count = el("p", { class: "muted", "aria-live": "polite" });
  const fill = () => {
    const shown = users.filter((u) => (!role.value || u.role === role.value)
      && (!business.value || u.business_id === business.value || servedBy(u).includes(business.value))
      && (!active.value || (active.value === "active") === (u.is_active !== false)));
    count.textContent = t("nShown", { n: shown.length, total: users.length });
    box.replaceChildren(shown.length ? peopleTable(t, shown, byId, t("navPeople")) : el("p", null, t("nobody")));
  };
  for (const s of [role, business, active]) s.addEventListener("change", fill);
  fill();
  ctx.page(t("navPeople"),
    el("div", { class: "toolbar" },
      el("div", { class: "filters" }, field(t("role"), role), field(t("business"), business), field(t("status"), active)),
      el("a", { class: "button primary", href: "/admin/mensen/nieuw", id: "new-person" }, t("newPerson"))),
    count, box);
}

// Fields shared by "new" and "edit": name, e-mail, role, business (business users only), language.
function personFields(ctx, u, businesses, { isNew }) {
  const { t } = ctx;
  const c = {
    username: input(u.username, { autocomplete: "off", spellcheck: "false", readonly: !isNew }),
    display_name: input(u.display_name ?? u.name ?? "", { autocomplete: "off" }),
    email: input(u.email, { type: "email", autocomplete: "off" }),
    role: select(ROLES.map((x) => [x, t(`role_${x}`)]), u.role || "operator"),
    business_id: select([["", t("chooseBusiness")], ...businesses.map((b) => [b.id, b.name])], u.business_id || ""),
    language: select([["nl", t("lang_nl")], ["en", t("lang_en")]], u.language || "nl"),
  };
  const businessField = field(t("businessOfUser"), c.business_id, { path: "business_id", help: t("businessOfUserHelp") });
  const sync = () => { businessField.hidden = c.role.value !== "business_user"; };
  c.role.addEventListener("change", sync);
  sync();
  const node = el("div", { class: "grid" },
    field(t("username"), c.username, { path: "username", help: isNew ? t("usernameHelp") : null }),
    field(t("personName"), c.display_name, { path: "display_name" }),
    field(t("email"), c.email, { path: "email", help: t("emailHelp") }),
    field(t("language"), c.language, { path: "language" }),
    field(t("role"), c.role, { path: "role" }),
    businessField);
  // A new user without e-mail sends null; an edit sends "" (which removes the address).
  // Only a business user has a business.
  const body = () => ({
    ...(isNew ? { username: c.username.value.trim() } : {}),
    display_name: c.display_name.value.trim(),
    email: c.email.value.trim() || (isNew ? null : ""),
    role: c.role.value,
    ...(c.role.value === "business_user" ? { business_id: c.business_id.value || (isNew ? null : "") } : {}),
    language: c.language.value,
  });
  return { node, body };
}

export async function createPage(ctx) {
  const { t } = ctx;
  const businesses = await loadBusinesses();
  const fields = personFields(ctx, {}, businesses, { isNew: true });
  const invite = checkbox(true, { id: "send-invite" });
  const summary = errorSummary();
  const form = el("form", { class: "form", novalidate: true, id: "person-form", onsubmit: async (e) => {
    e.preventDefault();
    const r = await submit(ctx, form, summary, () => api("/api/v1/users", { json: fields.body() }));
    if (!r.ok) return;
    await ctx.go(`/admin/mensen/${encodeURIComponent(r.data.id)}`);
    if (invite.checked) await passwordLink(ctx, r.data, document.getElementById("link-out") || el("div"));
  } },
  summary, fields.node, field(t("sendInvite"), invite, { help: t("sendInviteHelp") }),
  el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, t("createPerson"))));
  ctx.page(t("newPerson"), form);
}

function operatorForm(ctx, u, businesses) {
  const { t } = ctx;
  const op = u.operator || {};
  const served = new Set(servedBy(u));
  const langs = new Set(op.languages || ["nl"]);
  const boxes = businesses.map((b) => [b.id, checkbox(served.has(b.id))]);
  const langBoxes = LANGUAGES.map((l) => [l, checkbox(langs.has(l))]);
  // An error about a whole list goes to its first box.
  if (boxes.length) boxes[0][1].dataset.path = "businesses";
  langBoxes[0][1].dataset.path = "languages";
  const max = input(op.max_concurrent ?? 3, { type: "number", min: 1, max: 20, step: 1, inputmode: "numeric" });
  const auto = checkbox(op.auto_accept);
  const summary = errorSummary();
  const form = el("form", { class: "form", novalidate: true, id: "operator-form", onsubmit: async (e) => {
    e.preventDefault();
    const body = {
      businesses: boxes.filter(([, box]) => box.checked).map(([id]) => id),
      languages: langBoxes.filter(([, box]) => box.checked).map(([l]) => l),
      max_concurrent: Number(max.value) || max.value,
      auto_accept: auto.checked,
    };
    await submit(ctx, form, summary, () => api(`/api/v1/users/${encodeURIComponent(u.id)}/operator`, { method: "PUT", json: body }));
  } },
  summary,
  fieldset(t("businessesServed"), businesses.length ? el("div", { class: "checks" }, boxes.map(([id, box]) => field(businesses.find((b) => b.id === id).name, box))) : el("p", null, t("noBusinesses"))),
  fieldset(t("languages"), el("div", { class: "checks" }, langBoxes.map(([l, box]) => field(t(`lang_${l}`), box)))),
  el("div", { class: "grid" },
    field(t("maxConcurrent"), max, { path: "max_concurrent", help: t("maxConcurrentHelp") }),
    field(t("autoAccept"), auto, { path: "auto_accept", help: t("autoAcceptHelp") })),
  el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary", id: "save-operator" }, t("saveAssignments"))));
  return form;
}

// Mails the user a link to choose a password: an invitation while they have none, else a reset.
// The link itself goes only to their mailbox; the page says where it went and until when.
async function passwordLink(ctx, u, out) {
  const { t } = ctx;
  const r = await api(`/api/v1/users/${encodeURIComponent(u.id)}/password-link`, { method: "POST" });
  if (!r.ok) {
    const text = r.data?.code === "email_missing" ? t("emailMissing") : errorText(r, t);
    out.replaceChildren(el("p", { class: "error" }, text));
    ctx.status(text, true);
    return false;
  }
  const text = t(r.data.kind === "invite" ? "inviteSent" : "resetSent", { to: r.data.sent_to, until: when(t, r.data.expires_at) });
  out.replaceChildren(el("p", null, text));
  ctx.status(text);
  return true;
}

export async function personPage(ctx, id) {
  const { t } = ctx;
  const [r, businesses] = await Promise.all([api(`/api/v1/users/${encodeURIComponent(id)}`), loadBusinesses()]);
  if (!r.ok) { ctx.page(t("notFoundTitle"), el("p", null, errorText(r, t)), el("p", null, el("a", { href: "/admin/mensen" }, t("navPeople")))); return; }
  const u = r.data;
  const fields = personFields(ctx, u, businesses, { isNew: false });
  const summary = errorSummary();
  const h1Text = nameOf(u);
  const form = el("form", { class: "form", novalidate: true, id: "person-form", onsubmit: async (e) => {
    e.preventDefault();
    const saved = await submit(ctx, form, summary, () => api(`/api/v1/users/${encodeURIComponent(u.id)}`, { method: "PATCH", json: fields.body() }));
    if (saved.ok) { Object.assign(u, saved.data); h1.textContent = nameOf(u); }
  } }, summary, fields.node, el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, t("save"))));
  const linkOut = el("div", { class: "link-out", id: "link-out" });
  const toggle = el("button", { type: "button", id: "toggle-person", class: u.is_active === false ? "ghost" : "danger-ghost", onclick: async () => {
    const activate = u.is_active === false;
    const ok = await confirmDialog(t, { title: t(activate ? "activatePersonQ" : "deactivatePersonQ", { name: nameOf(u) }), body: activate ? null : t("deactivatePersonBody"), confirm: t(activate ? "activate" : "deactivate"), danger: !activate });
    if (!ok) return;
    const done = await api(`/api/v1/users/${encodeURIComponent(u.id)}/${activate ? "activate" : "deactivate"}`, { method: "POST" });
    if (!done.ok) { ctx.status(errorText(done, t), true); return; }
    await personPage(ctx, u.id);
    ctx.status(t(activate ? "activatedPerson" : "deactivatedPerson"));
  } }, t(u.is_active === false ? "activate" : "deactivate"));
  const h1 = ctx.page(h1Text,
    el("div", { class: "business-head" }, activeBadge(t, u.is_active), el("span", null, t(`role_${u.role}`)), toggle,
      el("button", { type: "button", class: "ghost", id: "password-link", onclick: () => passwordLink(ctx, u, linkOut) }, t("sendResetLink"))),
    linkOut,
    el("section", { "aria-labelledby": "person-details" }, el("h2", { id: "person-details" }, t("personDetails")), form),
    u.role === "operator" ? el("section", { "aria-labelledby": "operator-title" }, el("h2", { id: "operator-title" }, t("assignments")), operatorForm(ctx, u, businesses)) : null);
}

// A business's page, part "Mensen": the operators serving it and its own users.
export async function businessPeople(ctx, b, panel) {
  const { t } = ctx;
  const r = await api("/api/v1/users");
  if (!r.ok) { panel.append(el("p", { class: "error" }, errorText(r, t))); return; }
  const users = r.data || [];
  const byId = new Map([[b.id, b]]);
  const operators = users.filter((u) => u.role === "operator" && servedBy(u).includes(b.id));
  const own = users.filter((u) => u.role === "business_user" && u.business_id === b.id);
  panel.append(
    el("h3", null, t("operatorsServing")), operators.length ? peopleTable(t, operators, byId, t("operatorsServing")) : el("p", null, t("nobody")),
    el("h3", null, t("businessUsers")), own.length ? peopleTable(t, own, byId, t("businessUsers")) : el("p", null, t("nobody")),
    el("p", null, el("a", { href: "/admin/mensen/nieuw" }, t("newPerson"))));
}
