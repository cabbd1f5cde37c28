// Vandaag: the business's chats since midnight there, against its contract, and the chats open
// right now with how long each visitor has been waiting. The server computes every figure; the
// page asks again every 30 seconds while it is on screen. When the provider allows it, a
// business user can join an open chat as the business's expert ("Meedoen").
import { el } from "/static/widget/dom.js";
import { api, errorText } from "/static/admin/api.js";
import { duration, enc, number, percent, time } from "./util.js";

const REFRESH_MS = 30000;

function stat(label, value, detail, id) {
  return el("div", { class: "stat", id },
    el("dt", null, label),
    el("dd", null, el("span", { class: "value" }, value), detail ? el("span", { class: "detail" }, detail) : null));
}

function figures(t, d) {
  const target = d.target.first_reply_seconds;
  const goal = percent(t, d.target.first_reply_share);
  return el("dl", { class: "stats", id: "today-figures" },
    stat(t("statChats"), number(t, d.chats), null, "stat-chats"),
    stat(t("statWithinTarget", { s: number(t, target) }),
      `${number(t, d.answered_within_target)} / ${number(t, d.answered)}`,
      t("statWithinTargetDetail", { share: percent(t, d.answered_within_target_share), goal }), "stat-target"),
    stat(t("statMissed"), number(t, d.missed + d.abandoned),
      t("statMissedDetail", { missed: number(t, d.missed), abandoned: number(t, d.abandoned) }), "stat-missed"),
    stat(t("statOffline"), number(t, d.offline_messages), null, "stat-offline"),
    stat(t("statLeads"), number(t, d.leads), null, "stat-leads"),
    stat(t("statBot"), percent(t, d.bot_share), t("statBotDetail", { n: number(t, d.bot_answered) }), "stat-bot"),
    stat(t("statOpen"), number(t, d.open.length),
      t("statOpenDetail", { queued: d.open_counts.queued + d.open_counts.offered, active: d.open_counts.active }), "stat-open"));
}

async function join(ctx, chat, button) {
  button.disabled = true;
  const r = await api(`/api/v1/conversations/${enc(chat.conversation_id)}/join`, { method: "POST", json: {} });
  button.disabled = false;
  if (!r.ok) { ctx.status(errorText(r, ctx.t), true); return; }
  location.href = `/portal/chat/${enc(chat.conversation_id)}`;
}

function openTable(ctx, d) {
  const { t } = ctx;
  if (!d.open.length) return el("p", { id: "open-chats-empty" }, t("noOpenChats"));
  const canJoin = ctx.isBusinessUser && ctx.features.expert_join && d.experts_may_join;
  const headers = [t("visitor"), t("state"), t("waiting"), t("operator"), t("page"), canJoin ? t("actions") : null].filter(Boolean);
  return el("div", { class: "table-wrap" }, el("table", { id: "open-chats" },
    el("caption", null, t("openChatsCaption")),
    el("thead", null, el("tr", null, headers.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", null, d.open.map((c) => el("tr", { "data-conversation": c.conversation_id },
      el("th", { scope: "row" }, c.visitor?.name || t("anonymousVisitor"), el("br"), el("span", { class: "muted" }, time(t, c.created_at, ctx.zone))),
      el("td", null, t(`state_${c.state}`)),
      el("td", null, c.answered ? t("waitedFor", { d: duration(t, c.waiting_seconds) }) : el("strong", null, t("waitingFor", { d: duration(t, c.waiting_seconds) }))),
      el("td", null, c.operator?.name || "—"),
      el("td", { class: "url" }, c.page_url || "—"),
      canJoin ? el("td", null, el("button", { type: "button", class: "primary small", "aria-label": t("joinNamed", { name: c.visitor?.name || t("anonymousVisitor") }),
        onclick: (e) => join(ctx, c, e.currentTarget) }, t("join"))) : null)))));
}

export async function todayPage(ctx) {
  const { t } = ctx;
  const figuresBox = el("div", { "aria-busy": "true" });
  const openBox = el("div");
  const updated = el("p", { class: "muted", id: "today-updated" });
  const load = async () => {
    const r = await api(`/api/v1/portal/today?${ctx.bq}`);
    if (!r.ok) { figuresBox.replaceChildren(el("p", { class: "error" }, errorText(r, t))); return; }
    const d = r.data;
    figuresBox.replaceChildren(figures(t, d));
    figuresBox.removeAttribute("aria-busy");
    // Replace the table only, so a button the user is on does not jump around needlessly.
    const focused = document.activeElement?.closest?.("tr")?.dataset.conversation;
    openBox.replaceChildren(openTable(ctx, d));
    if (focused) openBox.querySelector(`tr[data-conversation="${CSS.escape(focused)}"] button`)?.focus();
    updated.textContent = t("updatedAt", { time: time(t, d.now, ctx.zone), zone: d.timezone });
  };
  ctx.page(t("todayTitle"),
    el("p", { class: "lead-in" }, t("todayIntro")),
    figuresBox,
    el("h2", null, t("openNow")),
    openBox,
    updated);
  await load();
  const timer = setInterval(load, REFRESH_MS);
  ctx.onLeave(() => clearInterval(timer));
}
