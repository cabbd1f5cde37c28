// The column beside the chat. FAQ suggestions come first, so they stay in view next to the chat
// on a 1366×768 screen; guidelines, visitor and opening hours follow as sections that fold (each
// remembers whether it is folded). The same column shows past conversations: a search, and a
// transcript beside the chat one is in.
import { el, linkify, safeUrl } from "/widget/dom.js";
import { faqProposal, faqSearch, suggestionsBox } from "./faq.js";
import { leadForm } from "./leadform.js";
import { transferBox } from "./transfer.js";

const FOLDED = "livedesk:folded"; // localStorage: the sections folded away
const PRECHAT_FIELDS = ["name", "email", "phone", "question"];

function folded() {
  try { return new Set(JSON.parse(localStorage.getItem(FOLDED) || "[]")); } catch { return new Set(); }
}

function remember(key, open) {
  const set = folded();
  if (open) set.delete(key); else set.add(key);
  localStorage.setItem(FOLDED, JSON.stringify([...set]));
}

function dl(pairs) {
  return el("dl", null, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "").flatMap(([k, v]) => [el("dt", null, k), el("dd", null, v)]));
}

function linkOrText(value) {
  if (!value) return null;
  const url = safeUrl(value);
  return url && url.protocol !== "mailto:" ? el("a", { href: url.href, target: "_blank", rel: "noopener noreferrer" }, value) : value;
}

export class SidePanel {
  constructor(app) {
    this.app = app;
    this.node = el("aside", { class: "side", id: "side", "aria-label": app.state.t("besideChat") });
    this.mode = "info";
  }

  // A section that folds: open unless the user folded it before.
  fold(key, title, ...children) {
    const details = el("details", { class: "card fold", "data-fold": key, open: !folded().has(key),
      ontoggle: () => remember(key, details.open) }, el("summary", null, el("h3", null, title)), ...children);
    return details;
  }

  showInfo() {
    this.mode = "info";
    const chat = this.app.state.open;
    if (!chat) { this.node.replaceChildren(this.searchButton()); return; }
    const { state } = this.app;
    const { t } = state;
    const c = chat.c;
    const parts = [suggestionsBox(this.app, chat)];
    if (state.caps.faq_search) parts.push(faqSearch(this.app, chat));
    parts.push(this.guidelines(chat), this.visitor(chat), this.fold("hours", t("hours"), this.hours(state.businesses.get(c.business_id)?.opening_hours)));
    const holder = c.state === "active" && (c.operator?.id === state.me.id || state.isManager);
    if (this.app.sock?.supports("transfer") && holder) parts.push(transferBox(this.app, chat));
    if (state.caps.leads) parts.push(leadForm(this.app, chat));
    if (state.caps.faq_proposals) parts.push(faqProposal(this.app, chat));
    parts.push(this.searchButton());
    this.node.replaceChildren(...parts);
  }

  searchButton() {
    return el("p", null, el("button", { type: "button", class: "ghost", onclick: () => this.showSearch({}) }, this.app.state.t("pastSearch")));
  }

  updateSuggestions(chat) {
    if (this.mode !== "info" || chat.id !== this.app.state.current) return;
    this.node.querySelector("#suggestions")?.replaceWith(suggestionsBox(this.app, chat));
  }

  showSearch(filters) {
    this.mode = "search";
    this.node.replaceChildren(this.app.search.view(filters));
    this.app.showSide();
    this.node.querySelector("#search-q")?.focus();
  }

  showTranscript(item) {
    this.mode = "transcript";
    this.node.replaceChildren(this.app.search.transcript(item));
    this.app.showSide();
    this.node.querySelector("#transcript-title")?.focus();
  }

  guidelines(chat) {
    const { state } = this.app;
    const { t } = state;
    const business = state.businesses.get(chat.c.business_id) || {};
    const g = business.guidelines || {};
    const contacts = Array.isArray(g.contacts) && g.contacts.length ? el("div", { class: "contacts" }, el("h4", null, t("contacts")),
      el("ul", null, g.contacts.map((p) => el("li", null, el("strong", null, p.name || ""), p.role ? ` (${p.role})` : "",
        dl([[t("phone"), p.phone], [t("email"), p.email], [t("when"), p.when]]))))) : null;
    const sections = (Array.isArray(g.sections) ? g.sections : []).map((s) => el("div", { class: "guideline-section" }, el("h4", null, s.title || ""), el("p", null, s.body || "")));
    return this.fold("guidelines", t("guidelinesOf", { business: business.name || "" }),
      dl([[t("tone"), g.tone], [t("neverPromise"), g.never_promise], [t("escalation"), g.escalation && linkify(g.escalation)]]), contacts, ...sections);
  }

  // The pre-chat answers by their label ("Naam: Petra"), where the visitor is, and whether
  // they were here before (their earlier chats open beside this one).
  visitor(chat) {
    const { state } = this.app;
    const { t } = state;
    const c = chat.c;
    const prechat = Object.entries(c.prechat || {}).filter(([, v]) => String(v ?? "").trim())
      .map(([k, v]) => [PRECHAT_FIELDS.includes(k) ? t(`field_${k}`) : k, String(v)]);
    const started = c.queued_at ? new Date(c.queued_at).toLocaleString(t.lang === "en" ? "en-GB" : "nl-NL") : null;
    const earlier = el("div", { class: "earlier" });
    const box = this.fold("visitor", t("visitorInfo"),
      dl([...prechat, [t("page"), c.page_title], ["URL", linkOrText(c.page_url)], [t("referrer"), linkOrText(c.referrer)],
        [t("language"), c.language], [t("started"), started]]), earlier);
    if (c.visitor_id) this.earlier(chat, earlier);
    return box;
  }

  async earlier(chat, node) {
    const { state } = this.app;
    const { t } = state;
    const params = new URLSearchParams({ visitor_id: chat.c.visitor_id, business_id: chat.c.business_id, limit: "6" });
    const r = await state.api(`/api/v1/conversations/search?${params}`);
    if (!r.ok) return;
    const before = (r.data.items || []).filter((x) => x.conversation_id !== chat.id);
    if (!before.length) { node.replaceChildren(el("p", { class: "muted" }, t("newVisitor"))); return; }
    node.replaceChildren(el("h4", null, t("earlier")), el("ul", { class: "found" }, before.slice(0, 5).map((item) => el("li", null,
      el("button", { type: "button", class: "found-item", onclick: () => this.showTranscript(item) },
        `${this.app.search.dateText(item.created_at)} · ${t(item.state)}${item.disposition ? " · " + t(item.disposition) : ""}`,
        item.excerpt ? el("span", { class: "excerpt" }, item.excerpt) : null)))),
    el("button", { type: "button", class: "ghost small", onclick: () => this.showSearch({ visitor_id: chat.c.visitor_id, business_id: chat.c.business_id, q: "" }) }, t("allEarlier")));
  }

  hours(hours) {
    const { t } = this.app.state;
    const weekly = hours?.weekly || {};
    const days = t("days");
    return el("table", { class: "hours" }, hours?.timezone ? el("caption", null, hours.timezone) : null,
      el("tbody", null, Object.keys(days).map((d) => el("tr", null, el("th", { scope: "row" }, days[d]),
        el("td", null, (weekly[d] || []).map((r) => r.join("–")).join(", ") || t("closedDay"))))));
  }

  // After a `conversation` frame: a new state or holder changes what may be done here.
  refresh(chat, before) {
    if (this.mode !== "info" || chat.id !== this.app.state.current) return;
    if (!before || before.state !== chat.c.state || before.operator?.id !== chat.c.operator?.id) this.showInfo();
  }
}
