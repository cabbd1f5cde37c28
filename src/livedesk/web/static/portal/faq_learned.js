// What the FAQ learned, on the business's FAQ pages: per entry the visitors' phrasings it learned
// from (a visitor's pick among the bot's choices, an operator's answer with the entry), each
// removable; and on the list the entry pairs visitors and operators often had to tell apart.
import { el } from "/static/widget/dom.js";
import { api, errorText } from "/static/admin/api.js";
import { enc, number } from "./util.js";

const faqUrl = (ctx, suffix) => `/api/v1/businesses/${enc(ctx.business.id)}/faq${suffix}`;

export function learnedSection(ctx, faqId) {
  const { t } = ctx;
  const box = el("div", { id: "faq-learned" });
  const load = async () => {
    const r = await api(faqUrl(ctx, `/learned?entry_id=${enc(faqId)}`));
    if (!r.ok) { box.replaceChildren(el("p", { class: "error" }, errorText(r, t))); return; }
    const items = r.data.items;
    box.replaceChildren(items.length ? el("ul", { class: "learned" }, items.map((item) => el("li", null,
      el("span", null, item.query), " ", el("span", { class: "muted" }, t("learnedTimes", { n: number(t, item.count) })), " ",
      el("button", { type: "button", class: "ghost small", "aria-label": t("learnedRemoveNamed", { q: item.query }), onclick: async () => {
        const gone = await api(faqUrl(ctx, `/learned/${enc(item.id)}`), { method: "DELETE" });
        if (!gone.ok) { ctx.status(errorText(gone, t), true); return; }
        ctx.status(t("learnedRemoved"));
        await load();
      } }, t("learnedRemove")))))
      : el("p", { class: "muted" }, t("learnedEmpty")));
  };
  load();
  return el("section", { "aria-labelledby": "faq-learned-title" },
    el("h2", { id: "faq-learned-title" }, t("learnedTitle")), el("p", null, t("learnedIntro")), box);
}

export function confusedSection(ctx) {
  const { t } = ctx;
  const section = el("section", { "aria-labelledby": "faq-confused-title", id: "faq-confused", hidden: true });
  api(faqUrl(ctx, "/confused")).then((r) => {
    if (!r.ok || !r.data.items.length) return; // nothing to report: no section at all
    const link = (e) => el("a", { href: `/portal/faq/${enc(e.id)}` }, e.question || "—");
    section.append(el("h2", { id: "faq-confused-title" }, t("confusedTitle")), el("p", null, t("confusedIntro")),
      el("ul", null, r.data.items.map((p) => el("li", null,
        link(p.entries[0]), " ↔ ", link(p.entries[1]), " ", el("span", { class: "muted" }, t("confusedTimes", { n: number(t, p.count) }))))));
    section.hidden = false;
  });
  return section;
}
