// Gesprekken: every chat of the business, searchable by what was said (words, in any form:
// "bestelling" also finds "bestellingen"), filtered by period, outcome, rating, lead and FAQ
// bot; a chat opens as its transcript (internal notes of the provider's staff are never part of
// it), and the same selection exports as CSV or JSON. The filters live in the address, so a
// search can be reloaded, shared or gone back to.
import { el, linkify } from "/static/widget/dom.js";
import { fileLink } from "/static/widget/file.js";
import { api, errorText, query } from "/static/admin/api.js";
import { field, input, select } from "/static/admin/forms.js";
import { dateTime, duration, enc, marked, number, time, timeEl } from "./util.js";

const PAGE = 50;
const FILTERS = ["q", "from", "to", "state", "disposition", "rating", "has_lead", "bot"];
const STATES = ["open", "closed", "missed", "abandoned"];
const DISPOSITIONS = ["answered", "lead", "not_answerable", "spam", "test", "no_intent"];
const RATINGS = ["rated", "unrated", "5", "4", "3", "2", "1"];

function filterForm(ctx, params) {
  const { t } = ctx;
  const all = (options, prefix) => [["", t("all")], ...options.map((o) => [o, t(`${prefix}${o}`)])];
  const c = {
    q: input(params.get("q"), { type: "search", id: "search-q", autocomplete: "off" }),
    from: input(params.get("from"), { type: "date", id: "filter-from" }),
    to: input(params.get("to"), { type: "date", id: "filter-to" }),
    state: select(all(STATES, "state_"), params.get("state") || "", { id: "filter-state" }),
    disposition: select(all(DISPOSITIONS, "disposition_"), params.get("disposition") || "", { id: "filter-disposition" }),
    rating: select(all(RATINGS, "rating_"), params.get("rating") || "", { id: "filter-rating" }),
    has_lead: select([["", t("all")], ["true", t("withLead")], ["false", t("withoutLead")]], params.get("has_lead") || "", { id: "filter-lead" }),
    bot: select([["", t("all")], ["true", t("botAnswered")], ["false", t("botNotAnswered")]], params.get("bot") || "", { id: "filter-bot" }),
  };
  const values = () => Object.fromEntries(FILTERS.map((k) => [k, c[k].value.trim()]));
  const form = el("form", { class: "filters-form", role: "search", id: "transcript-search", onsubmit: (e) => {
    e.preventDefault();
    ctx.go(`/portal/gesprekken${query(values())}`);
  } },
  el("div", { class: "search-row" },
    field(t("searchWords"), c.q, { path: "q", help: t("searchHelp"), className: "grow" }),
    el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, t("search")))),
  el("details", { class: "more-filters", open: FILTERS.slice(1).some((k) => params.get(k)) || null },
    el("summary", null, t("filters")),
    el("div", { class: "grid" },
      field(t("periodFrom"), c.from, { path: "from" }), field(t("periodTo"), c.to, { path: "to" }),
      field(t("state"), c.state), field(t("disposition"), c.disposition), field(t("rating"), c.rating),
      field(t("lead"), c.has_lead), field(t("faqBot"), c.bot))));
  return { form, values };
}

function summaryRow(ctx, item, q) {
  const { t } = ctx;
  const who = item.visitor?.name || item.visitor?.email || t("anonymousVisitor");
  const outcome = [t(`state_${item.state}`), item.disposition ? t(`disposition_${item.disposition}`) : null].filter(Boolean).join(" · ");
  const extras = [
    item.rating ? t("ratingShort", { score: item.rating.score }) : null,
    item.lead_count ? t("leadsShort", { n: item.lead_count }) : null,
    item.bot_answers ? t("botShort", { n: item.bot_answers }) : null,
    t("messagesShort", { n: item.message_count }),
  ].filter(Boolean).join(" · ");
  return el("li", { class: "transcript-item", "data-conversation": item.conversation_id },
    el("div", { class: "item-head" },
      el("a", { href: `/portal/gesprekken/${enc(item.conversation_id)}` }, who),
      " ", timeEl(t, item.created_at, ctx.zone)),
    el("p", { class: "muted" }, `${outcome} · ${extras}`),
    item.excerpt ? el("p", { class: "excerpt" }, marked(item.excerpt, q)) : null);
}

export async function listPage(ctx, params) {
  const { t } = ctx;
  const { form, values } = filterForm(ctx, params);
  const results = el("div", { id: "transcript-results" });
  const count = el("p", { class: "muted", id: "transcript-count", "aria-live": "polite" });
  const chosen = Object.fromEntries(Object.entries(values()).filter(([, v]) => v));
  const exportQuery = (format) => `/api/v1/portal/transcripts/export${query({ business_id: ctx.business.id, ...chosen, format })}`;
  const exports = el("p", { class: "exports" }, t("exportThese"), " ",
    el("a", { href: exportQuery("csv"), download: "", id: "export-csv" }, "CSV"), " · ",
    el("a", { href: exportQuery("json"), download: "", id: "export-json" }, "JSON"));
  const list = el("ol", { class: "transcripts" });
  const more = el("button", { type: "button", class: "ghost", id: "more-transcripts", hidden: true }, t("more"));
  let offset = 0;
  let total = 0;
  const load = async () => {
    more.disabled = true;
    const r = await api(`/api/v1/portal/transcripts${query({ business_id: ctx.business.id, ...chosen, limit: PAGE, offset })}`);
    more.disabled = false;
    if (!r.ok) {
      const fields = r.data?.data?.fields;
      results.replaceChildren(el("p", { class: "error", role: "alert" }, fields ? Object.values(fields).join(" ") : errorText(r, t)));
      return;
    }
    total = r.data.total;
    const first = list.children.length;
    list.append(...r.data.items.map((item) => summaryRow(ctx, item, chosen.q)));
    offset += r.data.items.length;
    count.textContent = total ? t("nOfTotal", { n: number(t, offset), total: number(t, total) }) : "";
    more.hidden = offset >= total;
    if (!total) results.replaceChildren(el("p", { id: "no-transcripts" }, chosen.q ? t("nothingFound", { q: chosen.q }) : t("noTranscripts")));
    if (first) list.children[first]?.querySelector("a")?.focus();
  };
  more.addEventListener("click", load);
  results.append(list, more);
  ctx.page(t("transcriptsTitle"), form, el("div", { class: "toolbar" }, count, exports), results);
  await load();
}

// ---- one transcript ------------------------------------------------------------------------------
function facts(rows) {
  return el("dl", { class: "facts small" }, rows.filter(([, v]) => v !== null && v !== undefined && v !== "").flatMap(([k, v]) => [el("dt", null, k), el("dd", null, v)]));
}

function visitorBox(ctx, d) {
  const { t } = ctx;
  const v = d.visitor || {};
  const prechat = Object.entries(v.prechat || {}).map(([k, val]) => `${k}: ${val}`).join("; ");
  return el("section", { class: "card", "aria-labelledby": "visitor-title" },
    el("h2", { id: "visitor-title" }, t("visitor")),
    facts([
      [t("name"), v.name], [t("email"), v.email], [t("prechat"), prechat],
      [t("page"), v.page_title ? `${v.page_title} (${d.page_url || ""})` : d.page_url], [t("referrer"), v.referrer],
      [t("language"), d.language],
    ]));
}

function outcomeBox(ctx, d) {
  const { t } = ctx;
  const r = d.rating;
  return el("section", { class: "card", "aria-labelledby": "outcome-title" },
    el("h2", { id: "outcome-title" }, t("outcome")),
    facts([
      [t("started"), timeEl(t, d.created_at, ctx.zone)],
      [t("state"), t(`state_${d.state}`)],
      [t("disposition"), d.disposition ? t(`disposition_${d.disposition}`) : null],
      [t("operator"), d.operator?.name],
      [t("firstReply"), d.first_reply_seconds !== null ? duration(t, d.first_reply_seconds) : null],
      [t("faqBot"), d.bot_answers ? t("botShort", { n: d.bot_answers }) : null],
      [t("rating"), r ? t("ratingOf5", { score: r.score }) : t("notRated")],
      [t("ratingComment"), r?.comment],
    ]),
    d.leads.length ? el("div", null, el("h3", null, t("leadsOfChat")), el("ul", { id: "chat-leads" }, d.leads.map((lead) => el("li", null,
      el("a", { href: `/portal/leads/${enc(lead.id)}` }, `${t(`kind_${lead.kind}`)}: ${lead.name || lead.email || lead.phone || "—"}`),
      ` (${t(`leadStatus_${lead.status}`)})`)))) : null);
}

function messageItem(ctx, m) {
  const { t } = ctx;
  const who = m.author_kind === "visitor" ? t("visitor") : m.author_name || t(`author_${m.author_kind}`);
  return el("li", { class: `msg ${m.author_kind}`, "data-seq": String(m.seq) },
    el("p", { class: "msg-head" }, el("span", { class: "author" }, who), " ", timeEl(t, m.at, ctx.zone, time)),
    // Typed text, shown as text: a link becomes an anchor, markup stays characters.
    el("p", { class: "msg-body" }, m.attachment ? fileLink(m, (path) => path) : linkify(m.body)));
}

export async function transcriptPage(ctx, conversationId) {
  const { t } = ctx;
  const r = await api(`/api/v1/portal/transcripts/${enc(conversationId)}`);
  if (!r.ok) {
    ctx.page(t("transcriptTitle"), el("p", { class: "error" }, errorText(r, t)), el("p", null, el("a", { href: "/portal/gesprekken" }, t("backToTranscripts"))));
    return;
  }
  const d = r.data;
  const title = t("transcriptOf", { who: d.visitor?.name || t("anonymousVisitor"), when: dateTime(t, d.created_at, ctx.zone) });
  ctx.page(title,
    el("p", null, el("a", { href: "/portal/gesprekken" }, t("backToTranscripts"))),
    el("div", { class: "transcript-layout" },
      el("section", { "aria-labelledby": "messages-title" },
        el("h2", { id: "messages-title" }, t("conversation")),
        d.messages.length ? el("ol", { class: "messages", id: "transcript-messages" }, d.messages.map((m) => messageItem(ctx, m))) : el("p", null, t("noMessages"))),
      el("div", { class: "side-cards" }, visitorBox(ctx, d), outcomeBox(ctx, d))));
}

// The messages of a conversation from `first` to `last` seq (and a little around), for the FAQ
// proposals: the chat an operator's proposal came from.
export async function excerpt(ctx, conversationId, first, last) {
  const { t } = ctx;
  const r = await api(`/api/v1/portal/transcripts/${enc(conversationId)}`);
  if (!r.ok) return el("p", { class: "muted" }, errorText(r, t));
  const lo = (first ?? last ?? 1) - 2;
  const hi = (last ?? first ?? r.data.messages.length) + 1;
  const shown = r.data.messages.filter((m) => m.seq >= lo && m.seq <= hi);
  return el("ol", { class: "messages compact" }, (shown.length ? shown : r.data.messages.slice(0, 6)).map((m) => messageItem(ctx, m)));
}
