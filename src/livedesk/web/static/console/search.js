// Past conversations beside the current chat: search by what was said or the visitor's name,
// business and period over the businesses this user serves (GET /api/v1/conversations/search),
// and read a transcript, internal notes included, without leaving the chat.
import { el, hhmm, linkify } from "/widget/dom.js";

export class PastSearch {
  constructor(app) {
    this.app = app;
    this.filters = { q: "", business_id: "", from: "", to: "", visitor_id: "" };
  }

  dateText(iso) {
    return iso ? new Date(iso).toLocaleDateString(this.app.state.t.lang === "en" ? "en-GB" : "nl-NL", { day: "numeric", month: "short", year: "numeric" }) : "";
  }

  // The search form with its results; `filters` fills it in (a visitor's earlier chats).
  view(filters = {}) {
    const { state } = this.app;
    const { t } = state;
    Object.assign(this.filters, filters);
    const f = this.filters;
    const input = (name, label, type = "text") => el("label", null, label,
      el("input", { name, type, value: f[name] || "", id: `search-${name}`, autocomplete: "off" }));
    const businesses = [...state.businesses.values()];
    const results = el("div", { class: "results", "aria-live": "polite" });
    const error = el("p", { class: "err", role: "alert" });
    const form = el("form", { class: "past-search", role: "search", onsubmit: (e) => { e.preventDefault(); this.run(form, results, error); } },
      input("q", t("searchWords"), "search"),
      businesses.length > 1 ? el("label", null, t("business"), el("select", { name: "business_id", id: "search-business" },
        el("option", { value: "" }, t("allBusinesses")), businesses.map((b) => el("option", { value: b.id, selected: b.id === f.business_id }, b.name)))) : null,
      el("div", { class: "row dates" }, input("from", t("from"), "date"), input("to", t("to"), "date")),
      f.visitor_id ? el("p", { class: "muted" }, t("onlyThisVisitor"), " ",
        el("button", { type: "button", class: "ghost small", onclick: () => { f.visitor_id = ""; this.app.side.showSearch({}); } }, t("allVisitors"))) : null,
      error, el("button", { type: "submit", class: "primary" }, t("search")));
    const box = el("section", { class: "card search-panel", "aria-labelledby": "search-title" },
      el("div", { class: "panel-head" }, el("h3", { id: "search-title" }, t("pastSearch")), this.backButton()), form, results);
    if (f.q || f.visitor_id || f.from || f.to) queueMicrotask(() => this.run(form, results, error));
    return box;
  }

  backButton() {
    return el("button", { type: "button", class: "ghost small", onclick: () => this.app.side.showInfo() }, this.app.state.t("backToInfo"));
  }

  async run(form, results, error) {
    const { state } = this.app;
    const { t } = state;
    const data = Object.fromEntries(new FormData(form));
    Object.assign(this.filters, data);
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(this.filters)) if (String(v || "").trim()) params.set(k, String(v).trim());
    error.textContent = "";
    const r = await state.api(`/api/v1/conversations/search?${params}`);
    if (!r.ok) { error.textContent = this.app.httpError(r); return; }
    const items = r.data.items || [];
    results.replaceChildren(el("p", { class: "muted", id: "search-count" }, t("found", { n: r.data.total })),
      el("ul", { class: "found" }, items.map((item) => el("li", null,
        el("button", { type: "button", class: "found-item", "data-cid": item.conversation_id, onclick: () => this.app.side.showTranscript(item) },
          el("strong", null, item.visitor?.name || t("visitor")), " · ", item.business_name, " · ", this.dateText(item.created_at),
          item.excerpt ? el("span", { class: "excerpt" }, item.excerpt) : null)))));
  }

  // One past conversation, read-only, with its internal notes marked.
  transcript(item) {
    const { state } = this.app;
    const { t } = state;
    const list = el("ol", { class: "transcript", "aria-label": t("transcript") }, el("li", { class: "muted" }, t("loading")));
    const box = el("section", { class: "card transcript-panel", "aria-labelledby": "transcript-title" },
      el("div", { class: "panel-head" }, el("h3", { id: "transcript-title", tabindex: "-1" }, t("transcriptOf", { name: item.visitor?.name || t("visitor") })),
        el("button", { type: "button", class: "ghost small", onclick: () => this.app.side.showSearch({}) }, t("backToResults"))),
      el("p", { class: "muted" }, `${item.business_name || state.businessName(item.business_id)} · ${this.dateText(item.created_at)} · ${t(item.state)}`), list);
    this.fill(item, list);
    return box;
  }

  async fill(item, list) {
    const { state } = this.app;
    const { t } = state;
    const r = await state.api(`/api/v1/conversations/${encodeURIComponent(item.conversation_id)}/messages?after=0`);
    if (!r.ok) { list.replaceChildren(el("li", { class: "err" }, this.app.httpError(r))); return; }
    list.replaceChildren(...(r.data.items || []).map((m) => el("li", { class: `line ${m.author?.kind || "system"}${m.internal ? " internal" : ""}` },
      el("span", { class: "who" }, m.author?.kind === "visitor" ? item.visitor?.name || t("visitor") : m.author?.name || t(m.author?.kind || "system")),
      m.internal ? el("span", { class: "tag" }, t("note")) : null, " ",
      el("time", { datetime: m.created_at || "" }, hhmm(m.created_at, t.lang)),
      el("div", { class: "text" }, linkify(m.body)))));
  }
}
