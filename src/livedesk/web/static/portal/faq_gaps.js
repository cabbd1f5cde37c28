// Questions without an answer: what visitors asked that an operator or the business's own
// expert answered without the FAQ, most asked first. Each links to its conversation and to a new
// FAQ entry filled in with its words and the answer given, so the FAQ grows from real chats.
import { el } from "/static/widget/dom.js";
import { api, errorText, query } from "/static/admin/api.js";
import { field, select } from "/static/admin/forms.js";
import { faqTabs } from "./faq.js";
import { enc, number, timeEl } from "./util.js";

const PERIODS = [7, 30, 90];
const DEFAULT_DAYS = 30;
const MAX_ANSWER_IN_LINK = 1500;

export const GAPS_PATH = "/portal/faq/zonder-antwoord";

export async function gapsPage(ctx, params) {
  const { t } = ctx;
  const asked = Number(params?.get("dagen"));
  const days = PERIODS.includes(asked) ? asked : DEFAULT_DAYS;
  const period = select(PERIODS.map((n) => [String(n), t("lastNDays", { n })]), String(days), { id: "gaps-period" });
  period.addEventListener("change", () => ctx.go(`${GAPS_PATH}${query({ dagen: period.value })}`, { replace: true }));
  const head = [faqTabs(ctx, "zonder-antwoord"), el("p", { class: "lead-in" }, t("gapsIntro")),
    el("div", { class: "toolbar" }, el("div", { class: "filters" }, field(t("gapsPeriod"), period)))];
  const r = await api(`/api/v1/businesses/${enc(ctx.business.id)}/faq/gaps${query({ days })}`);
  if (!r.ok) { ctx.page(t("gapsTitle"), ...head, el("p", { class: "error" }, errorText(r, t))); return; }
  const items = r.data.items;
  ctx.page(t("gapsTitle"), ...head, items.length ? gapsTable(ctx, items) : el("p", { id: "gaps-empty" }, t("gapsNone")));
}

function gapsTable(ctx, items) {
  const { t } = ctx;
  return el("div", { class: "table-wrap" }, el("table", { id: "faq-gaps" },
    el("caption", { class: "sr-only" }, t("gapsTitle")),
    el("thead", null, el("tr", null, [t("question"), t("gapsTimes"), t("gapsLast"), t("gapsActions")].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", null, items.map((g) => el("tr", null,
      el("th", { scope: "row" }, g.question,
        g.other_wordings.length ? el("div", { class: "muted also" }, t("gapsAlso", { words: g.other_wordings.join(" · ") })) : null),
      el("td", null, number(t, g.count)),
      el("td", null, timeEl(t, g.last_at, ctx.zone)),
      el("td", { class: "actions" },
        el("a", { href: `/portal/gesprekken/${enc(g.conversation_id)}` }, t("gapsOpenChat")), " ",
        el("a", { href: newEntryLink(g) }, t("gapsAdd"))))))));
}

// The new entry starts from the visitor's words and what the person answered (left out when
// too long for an address: it is in the conversation).
function newEntryLink(g) {
  const answer = g.answer && g.answer.length <= MAX_ANSWER_IN_LINK ? g.answer : undefined;
  return `/portal/faq/nieuw${query({ vraag: g.question, antwoord: answer })}`;
}
