// FAQ proposals: an operator met a question in a chat that the FAQ did not answer (well) and
// proposed an entry, or a better answer for an existing one. The business sees the chat it came
// from, may improve the wording, and approves (published at once) or rejects it.
import { el } from "/static/widget/dom.js";
import { api, errorText, query } from "/static/admin/api.js";
import { errorSummary, field, input, lines, select, showErrors, textarea } from "/static/admin/forms.js";
import { FAQ_STATUSES, faqTabs, sendEntry } from "./faq.js";
import { excerpt } from "./transcripts.js";
import { dateTime, enc, timeEl } from "./util.js";

const STATUSES = ["pending", "approved", "rejected"];

function decisionForm(ctx, p, onDone) {
  const { t } = ctx;
  const id = p.proposal_id;
  const c = {
    question: input(p.question, { autocomplete: "off", id: `q-${id}` }),
    alternatives: textarea(p.alternatives.join("\n"), { rows: 2, id: `alt-${id}` }),
    answer: textarea(p.answer, { rows: 5, id: `a-${id}` }),
    tags: input(p.tags.join(", "), { autocomplete: "off", id: `tags-${id}` }),
    status: select(FAQ_STATUSES.filter((s) => s !== "archived").map((s) => [s, t(`faqStatus_${s}`)]), "published", { id: `st-${id}` }),
    reason: textarea("", { rows: 2, id: `reason-${id}` }),
  };
  c.alternatives.dataset.lines = "";
  const summary = errorSummary();
  const url = (what) => `/api/v1/businesses/${enc(ctx.business.id)}/faq/proposals/${enc(id)}/${what}`;
  const approve = async () => {
    const body = {
      question: c.question.value.trim(), answer: c.answer.value.trim(), alternatives: lines(c.alternatives.value),
      tags: c.tags.value.split(",").map((s) => s.trim()).filter(Boolean), status: c.status.value,
    };
    const missing = Object.fromEntries(["question", "answer"].filter((k) => !body[k]).map((k) => [k, t("fillIn")]));
    if (Object.keys(missing).length) { showErrors(form, missing, summary, t); return; }
    const r = await sendEntry(ctx, form, summary, () => api(url("approve"), { json: body }));
    if (r.ok) { ctx.status(t("proposalApproved")); onDone(); }
  };
  const reject = async () => {
    const r = await sendEntry(ctx, form, summary, () => api(url("reject"), { json: { reason: c.reason.value.trim() || null } }));
    if (r.ok) { ctx.status(t("proposalRejected")); onDone(); }
  };
  const form = el("form", { class: "form proposal-form", novalidate: true, onsubmit: (e) => e.preventDefault() },
    summary,
    field(t("question"), c.question, { path: "question" }),
    field(t("alternatives"), c.alternatives, { path: "alternatives", help: t("alternativesHelp") }),
    field(t("answer"), c.answer, { path: "answer" }),
    el("div", { class: "grid" }, field(t("tags"), c.tags, { path: "tags", help: t("tagsHelp") }), field(t("status"), c.status, { path: "status" })),
    el("div", { class: "buttons" }, el("button", { type: "button", class: "primary", "data-approve": id, onclick: approve }, t("approveProposal"))),
    field(t("rejectReason"), c.reason, { path: "reason", help: t("rejectReasonHelp") }),
    el("div", { class: "buttons" }, el("button", { type: "button", class: "danger-ghost", "data-reject": id, onclick: reject }, t("rejectProposal"))));
  return form;
}

async function current(ctx, faqId) {
  const { t } = ctx;
  const r = await api(`/api/v1/businesses/${enc(ctx.business.id)}/faq/${enc(faqId)}`);
  if (!r.ok) return null;
  return el("div", { class: "card current-entry" },
    el("h3", null, t("currentAnswer")),
    el("p", { class: "pre" }, r.data.answer));
}

async function proposalCard(ctx, p, onDone) {
  const { t } = ctx;
  const headId = `proposal-${p.proposal_id}`;
  const chat = p.conversation_id
    ? el("div", { class: "from-chat" },
      el("h3", null, t("fromChat"), " ", el("a", { href: `/portal/gesprekken/${enc(p.conversation_id)}` }, t("openWholeChat"))),
      await excerpt(ctx, p.conversation_id, p.source?.visitor_seq, p.source?.operator_seq))
    : el("p", { class: "muted" }, t("chatGone"));
  const decided = p.status !== "pending"
    ? el("p", { class: "notice" }, t(`proposal_${p.status}`, { who: p.decided_by?.name || "", when: dateTime(t, p.decided_at, ctx.zone) }), p.decision_note ? ` — ${p.decision_note}` : "")
    : null;
  return el("article", { class: "card proposal", "aria-labelledby": headId, "data-proposal": p.proposal_id },
    el("h2", { id: headId }, p.faq_id ? t("proposalEdit", { question: p.question }) : t("proposalNew", { question: p.question })),
    el("p", { class: "muted" }, t("proposedBy", { who: p.proposed_by?.name || "" }), " ", timeEl(t, p.proposed_at, ctx.zone)),
    el("div", { class: "proposal-layout" },
      el("div", null, chat, p.faq_id ? await current(ctx, p.faq_id) : null),
      decided || decisionForm(ctx, p, onDone)));
}

export async function proposalsPage(ctx, params) {
  const { t } = ctx;
  const status = params.get("status") || "pending";
  const pick = select(STATUSES.map((s) => [s, t(`proposals_${s}`)]), status, { id: "proposal-status" });
  pick.addEventListener("change", () => ctx.go(`/portal/faq/voorstellen${query({ status: pick.value })}`));
  const r = await api(`/api/v1/businesses/${enc(ctx.business.id)}/faq/proposals${query({ status })}`);
  const reload = () => { ctx.refreshCounts(); proposalsPage(ctx, params); };
  const cards = r.ok ? await Promise.all(r.data.items.map((p) => proposalCard(ctx, p, reload))) : [];
  ctx.page(t("faqProposalsTitle"), faqTabs(ctx, "voorstellen"),
    el("p", { class: "lead-in" }, t("proposalsIntro")),
    el("div", { class: "filters" }, field(t("show"), pick)),
    !r.ok ? el("p", { class: "error" }, errorText(r, t))
      : cards.length ? el("div", { class: "proposals", id: "proposals" }, cards)
        : el("p", { id: "no-proposals" }, t(`noProposals_${status}`)));
}
