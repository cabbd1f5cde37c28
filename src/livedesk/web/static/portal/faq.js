// FAQ: the business's own answers, which operators see beside every chat and the FAQ bot may
// give. List and search, write a new one, edit one (question, other ways to ask it, answer,
// tags, status), and go back to any earlier version. Operators' proposals from chats, the
// questions answered without the FAQ and the file import/export have pages of their own
// (faq_proposals.js, faq_gaps.js, faq_file.js).
import { el } from "/static/widget/dom.js";
import { api, errorText } from "/static/admin/api.js";
import { confirmDialog, errorSummary, field, input, lines, select, showErrors, submit, textarea } from "/static/admin/forms.js";
import { enc, marked, number, searchWords, timeEl } from "./util.js";
import { confusedSection, learnedSection } from "./faq_learned.js";

export const FAQ_STATUSES = ["published", "draft", "archived"];

const faqUrl = (ctx, suffix = "") => `/api/v1/businesses/${enc(ctx.business.id)}/faq${suffix}`;

// The FAQ's own tabs: questions, proposals (with how many wait), the file.
export function faqTabs(ctx, current) {
  const { t } = ctx;
  const n = ctx.counts.faq_proposals || 0;
  const tabs = [
    ["vragen", "/portal/faq", t("faqQuestions")],
    ["voorstellen", "/portal/faq/voorstellen", n ? t("faqProposalsN", { n }) : t("faqProposals")],
    ["zonder-antwoord", "/portal/faq/zonder-antwoord", t("faqGaps")],
    ["bestand", "/portal/faq/bestand", t("faqFile")],
  ];
  return el("nav", { class: "tabs", "aria-label": t("faqParts") }, el("ul", null, tabs.map(([key, href, label]) => el("li", null,
    el("a", { href, "aria-current": key === current ? "page" : null }, label)))));
}

function matches(entry, words) {
  const text = [entry.question, entry.answer, ...entry.alternatives, ...entry.tags].join(" ").toLowerCase();
  return words.every((w) => text.includes(w));
}

export async function listPage(ctx) {
  const { t } = ctx;
  const r = await api(faqUrl(ctx, "?limit=1000"));
  if (!r.ok) { ctx.page(t("faqTitle"), faqTabs(ctx, "vragen"), el("p", { class: "error" }, errorText(r, t))); return; }
  const entries = r.data.items;
  const q = input("", { type: "search", id: "faq-search", autocomplete: "off" });
  const status = select([["", t("all")], ...FAQ_STATUSES.map((s) => [s, t(`faqStatus_${s}`)])], "", { id: "faq-status" });
  const count = el("p", { class: "muted", "aria-live": "polite", id: "faq-count" });
  const box = el("div");
  const fill = () => {
    const words = searchWords(q.value);
    const shown = entries.filter((e) => (!status.value || e.status === status.value) && matches(e, words));
    count.textContent = t("nOfTotal", { n: number(t, shown.length), total: number(t, entries.length) });
    box.replaceChildren(shown.length ? el("div", { class: "table-wrap" }, el("table", { id: "faq-entries" },
      el("caption", { class: "sr-only" }, t("faqTitle")),
      el("thead", null, el("tr", null, [t("question"), t("status"), t("tags"), t("changedAt")].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", null, shown.map((e) => el("tr", null,
        el("th", { scope: "row" }, el("a", { href: `/portal/faq/${enc(e.faq_id)}` }, marked(e.question, q.value))),
        el("td", null, el("span", { class: `badge faq-${e.status}` }, t(`faqStatus_${e.status}`))),
        el("td", null, e.tags.join(", ")),
        el("td", null, timeEl(t, e.updated_at, ctx.zone)))))))
      : el("p", { id: "faq-empty" }, entries.length ? t("faqNoMatch") : t("faqEmpty")));
  };
  q.addEventListener("input", fill);
  status.addEventListener("change", fill);
  fill();
  ctx.page(t("faqTitle"), faqTabs(ctx, "vragen"),
    el("p", { class: "lead-in" }, t("faqIntro")),
    el("div", { class: "toolbar" },
      el("div", { class: "filters" }, field(t("searchFaq"), q), field(t("status"), status)),
      el("a", { class: "button primary", href: "/portal/faq/nieuw", id: "new-faq" }, t("newFaq"))),
    count, box, confusedSection(ctx));
}

// The entry form; onSubmit(body, form, summary) sends it.
function entryForm(ctx, entry, { submitLabel, onSubmit }) {
  const { t } = ctx;
  const e = entry || { question: "", answer: "", alternatives: [], tags: [], status: "published" };
  const c = {
    question: input(e.question, { autocomplete: "off", id: "faq-question" }),
    alternatives: textarea(e.alternatives.join("\n"), { rows: 3, id: "faq-alternatives" }),
    answer: textarea(e.answer, { rows: 6, id: "faq-answer" }),
    tags: input(e.tags.join(", "), { autocomplete: "off", id: "faq-tags" }),
    status: select(FAQ_STATUSES.map((s) => [s, t(`faqStatus_${s}`)]), e.status, { id: "faq-status-field" }),
  };
  c.alternatives.dataset.lines = "";
  const summary = errorSummary();
  const body = () => ({
    question: c.question.value.trim(),
    alternatives: lines(c.alternatives.value),
    answer: c.answer.value.trim(),
    tags: c.tags.value.split(",").map((s) => s.trim()).filter(Boolean),
    status: c.status.value,
  });
  const form = el("form", { class: "form", novalidate: true, id: "faq-form", onsubmit: (ev) => {
    ev.preventDefault();
    const b = body();
    const missing = Object.fromEntries(["question", "answer"].filter((k) => !b[k]).map((k) => [k, t("fillIn")]));
    if (Object.keys(missing).length) { showErrors(form, missing, summary, t); return; }
    onSubmit(b, form, summary);
  } },
  summary,
  field(t("question"), c.question, { path: "question" }),
  field(t("alternatives"), c.alternatives, { path: "alternatives", help: t("alternativesHelp") }),
  field(t("answer"), c.answer, { path: "answer", help: t("answerHelp") }),
  el("div", { class: "grid" }, field(t("tags"), c.tags, { path: "tags", help: t("tagsHelp") }), field(t("status"), c.status, { path: "status", help: t("faqStatusHelp") })),
  el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, submitLabel)));
  return form;
}

// The FAQ API names a wrong field (data.field) but words it in English only: say it ourselves.
export async function sendEntry(ctx, form, summary, request) {
  const r = await submit(ctx, form, summary, request);
  if (r.status === 422 && r.data?.data?.field) {
    showErrors(form, { [r.data.data.field]: ctx.t(`faqRule_${r.data.data.field}`) }, summary, ctx.t);
  }
  return r;
}

// `?vraag=` and `?antwoord=` fill in question and answer: "Add to FAQ" beside a question a
// person answered without the FAQ.
export async function createPage(ctx, params) {
  const { t } = ctx;
  const asked = (params?.get("vraag") || "").trim();
  const answer = (params?.get("antwoord") || "").trim();
  const start = asked || answer ? { question: asked, answer, alternatives: [], tags: [], status: "published" } : null;
  const form = entryForm(ctx, start, {
    submitLabel: t("createFaq"),
    onSubmit: async (body, f, summary) => {
      const r = await sendEntry(ctx, f, summary, () => api(faqUrl(ctx), { json: body }));
      if (r.ok) ctx.go(`/portal/faq/${enc(r.data.faq_id)}`, { replace: true });
    },
  });
  ctx.page(t("newFaq"), el("p", null, el("a", { href: "/portal/faq" }, t("backToFaq"))), form);
}

function revisionsTable(ctx, entry, revisions, onRestored) {
  const { t } = ctx;
  return el("div", { class: "table-wrap" }, el("table", { id: "faq-revisions" },
    el("caption", { class: "sr-only" }, t("revisions")),
    el("thead", null, el("tr", null, [t("version"), t("changedAt"), t("who"), t("what"), t("question"), t("actions")].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", null, revisions.map((rev) => el("tr", null,
      el("th", { scope: "row" }, String(rev.version)),
      el("td", null, timeEl(t, rev.changed_at, ctx.zone)),
      el("td", null, rev.changed_by?.name || "—"),
      el("td", null, [t(`revAction_${rev.action}`), rev.changed_fields.length ? `(${rev.changed_fields.join(", ")})` : ""].join(" ")),
      el("td", { class: "body-cell" }, rev.question),
      el("td", { class: "actions" }, rev.version === entry.version ? t("current") : el("button", {
        type: "button", class: "ghost small", "aria-label": t("restoreNamed", { n: rev.version }), onclick: async () => {
          const ok = await confirmDialog(t, { title: t("restoreQ", { n: rev.version }), body: t("restoreBody"), confirm: t("restore") });
          if (!ok) return;
          const r = await api(faqUrl(ctx, `/${enc(entry.faq_id)}/revisions/${rev.version}/restore`), { method: "POST" });
          if (!r.ok) { ctx.status(errorText(r, t), true); return; }
          ctx.status(t("restored", { n: rev.version }));
          onRestored();
        } }, t("restore"))))))));
}

export async function entryPage(ctx, faqId) {
  const { t } = ctx;
  const [r, revs] = await Promise.all([api(faqUrl(ctx, `/${enc(faqId)}`)), api(faqUrl(ctx, `/${enc(faqId)}/revisions`))]);
  const back = el("p", null, el("a", { href: "/portal/faq" }, t("backToFaq")));
  if (!r.ok) { ctx.page(t("faqTitle"), el("p", { class: "error" }, errorText(r, t)), back); return; }
  let entry = r.data;
  const form = entryForm(ctx, entry, {
    submitLabel: t("save"),
    onSubmit: async (body, f, summary) => {
      const saved = await sendEntry(ctx, f, summary, () => api(faqUrl(ctx, `/${enc(faqId)}`), { method: "PATCH", json: { ...body, version: entry.version } }));
      if (saved.ok) {
        entry = saved.data;
        await entryPage(ctx, faqId); // the new version and its place in the history
      } else if (saved.status === 409) {
        ctx.status(t("faqChangedMeanwhile"), true);
      }
    },
  });
  ctx.page(t("faqEntryTitle", { question: entry.question }), back,
    el("p", { class: "muted" }, t("versionInfo", { n: entry.version }), " ", timeEl(t, entry.updated_at, ctx.zone)),
    form,
    learnedSection(ctx, faqId),
    el("h2", null, t("revisions")),
    revs.ok ? revisionsTable(ctx, entry, revs.data.items, () => entryPage(ctx, faqId)) : el("p", { class: "error" }, errorText(revs, t)));
}
