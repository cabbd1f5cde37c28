// FAQ beside the chat: the suggestions for the visitor's latest message (the reason this
// console exists: first in the side column, and Alt+Shift+1…3 inserts one), searching the
// business's FAQ, and proposing a new entry from the chat.
import { el } from "/widget/dom.js";

export const SUGGESTIONS_SHOWN = 3;

// Puts a suggestion's answer in the composer and tells the knowledge base it was used (it
// learns from this; best effort). The reply that follows is reported too (replySent).
export function useSuggestion(app, chat, item, seq) {
  app.composer.insert(item.answer);
  if (seq && item.faq_id) app.state.api(`/api/v1/conversations/${encodeURIComponent(chat.id)}/suggestions/${seq}/used`, { json: { faq_id: item.faq_id } });
  const asked = seq || lastBy(chat, "visitor")?.seq;
  if (item.faq_id && asked) chat.faqReply = { seq: asked, faq_id: item.faq_id };
}

// The operator sent a reply after inserting an entry: the server records it as evidence for
// that entry (sent as it was, edited, or found by search rather than suggested).
export function replySent(app, chat, body) {
  const reply = chat.faqReply;
  chat.faqReply = null;
  if (reply) app.state.api(`/api/v1/conversations/${encodeURIComponent(chat.id)}/faq-evidence`, { json: { ...reply, body } });
}

// Two plausible suggestions scored this close together are look-alikes: the operator should
// check which one fits (and the business may merge or sharpen them).
const LOOKALIKE = 0.08;
const PLAUSIBLE = 0.4;

function lookalike(items, i) {
  const s = items[i].score;
  return s >= PLAUSIBLE ? items.find((o, j) => j !== i && o.score >= PLAUSIBLE && Math.abs(o.score - s) <= LOOKALIKE) : null;
}

function faqList(app, chat, items, seq, numbered) {
  const { t } = app.state;
  if (!items.length) return el("p", { class: "muted" }, t("noResults"));
  return el("ol", { class: "faq" }, items.map((item, i) => el("li", null,
    el("strong", null, item.question),
    numbered && lookalike(items, i) ? el("div", { class: "muted lookalike" }, t("looksLike", { q: lookalike(items, i).question })) : null,
    el("p", null, item.answer),
    el("button", { type: "button", class: "ghost small", onclick: () => useSuggestion(app, chat, item, seq) },
      t("insert"), numbered ? el("span", { class: "keyhint" }, ` (Alt+Shift+${i + 1})`) : null))));
}

export function suggestionsBox(app, chat) {
  const { t } = app.state;
  const items = (chat.suggestions || []).slice(0, SUGGESTIONS_SHOWN);
  return el("section", { class: "card suggestions", id: "suggestions", "aria-labelledby": "suggestions-title" },
    el("h3", { id: "suggestions-title" }, t("suggestions")),
    items.length ? faqList(app, chat, items, chat.suggestionsSeq, true) : el("p", { class: "muted" }, t("noSuggestions")));
}

export function faqSearch(app, chat) {
  const { state } = app;
  const { t } = state;
  const q = el("input", { type: "search", "aria-label": t("faqSearch") });
  const out = el("div", { "aria-live": "polite" });
  const form = el("form", { class: "row", onsubmit: async (e) => {
    e.preventDefault();
    if (!q.value.trim()) return;
    const r = await state.api(`/api/v1/businesses/${encodeURIComponent(chat.c.business_id)}/faq/search?q=${encodeURIComponent(q.value.trim())}`);
    if (r.status === 404 || r.status === 405) { state.caps.faq_search = false; form.closest("section")?.remove(); return; }
    const items = Array.isArray(r.data) ? r.data : r.data?.items || r.data?.results || [];
    out.replaceChildren(faqList(app, chat, items, 0, false));
  } }, q, el("button", { type: "submit", class: "ghost" }, t("search")));
  return el("section", { class: "card" }, el("h3", null, t("faqSearch")), form, out);
}

function lastBy(chat, kind) {
  let best = null;
  for (const m of chat.msgs.values()) if (m.author?.kind === kind && !m.internal && (!best || m.seq > best.seq)) best = m;
  return best;
}

export function faqProposal(app, chat) {
  const { state } = app;
  const { t } = state;
  const q = el("textarea", { rows: 2, name: "question" });
  const a = el("textarea", { rows: 3, name: "answer" });
  const msg = el("p", { role: "status" });
  const submit = async (e) => {
    e.preventDefault();
    const json = { question: q.value.trim(), answer: a.value.trim(), visitor_seq: lastBy(chat, "visitor")?.seq, operator_seq: lastBy(chat, "operator")?.seq };
    const r = await state.api(`/api/v1/conversations/${encodeURIComponent(chat.id)}/faq-proposals`, { json });
    msg.textContent = r.ok ? t("proposed") : app.httpError(r);
  };
  const details = el("details", { class: "card", ontoggle: () => {
    if (!details.open) return;
    q.value ||= lastBy(chat, "visitor")?.body || "";
    a.value ||= lastBy(chat, "operator")?.body || "";
  } }, el("summary", null, t("proposeFaq")),
  el("form", { onsubmit: submit }, el("label", null, t("question"), q), el("label", null, t("answer"), a), msg,
    el("button", { type: "submit", class: "ghost" }, t("proposeFaq"))));
  return details;
}
