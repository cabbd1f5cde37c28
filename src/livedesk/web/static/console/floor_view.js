// What the floor shows, drawn from one GET /api/v1/floor and the open chats the staff socket
// knows: a table of every business, then per business its queue and longest wait against the
// contract, the operators who serve it with their presence and load, and its chats. A
// supervisor can give a chat to a named operator and set an operator away from here.
import { el } from "/widget/dom.js";
import { mmss } from "./time.js";

const WAITING = new Set(["queued", "offered"]);

// "1 chat", "2 chats": the word follows the number.
export function count(t, key, n) {
  return t(n === 1 ? `${key}One` : `${key}Many`, { n });
}

function todayText(t, b) {
  if (b.chats_today === undefined) return "—";
  return [count(t, "chats", b.chats_today),
    t("withinTarget", { n: b.within_target_today, of: b.answered_today, s: Math.round(b.first_reply_target_seconds || 30) }),
    count(t, "abandonedN", b.abandoned_today)].join(" · ");
}

// The contract's longest allowed wait, from the business's settings.
export function maxWait(business) {
  return Number(business?.contract?.max_queue_wait_seconds) || 120;
}

export function summaryTable(ctx, data) {
  const { t } = ctx;
  const head = [t("business"), t("queuedN"), t("longest"), t("activeN"), t("today")];
  return el("section", { class: "card", "aria-labelledby": "summary-title" }, el("h2", { id: "summary-title" }, t("perBusiness")),
    el("div", { class: "table-wrap" }, el("table", null,
      el("thead", null, el("tr", null, head.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", null, (data.businesses || []).map((b) => {
        const limit = maxWait(ctx.businesses.get(b.business_id));
        return el("tr", { "data-business": b.business_id },
          el("th", { scope: "row" }, b.name), el("td", { class: "queue" }, String(b.queue_length)),
          el("td", { class: b.longest_wait_seconds > limit ? "warn" : null }, t("waitOfMax", { wait: mmss(b.longest_wait_seconds * 1000), max: mmss(limit * 1000) })),
          el("td", null, String(b.active)), el("td", null, todayText(t, b)));
      })))));
}

function operatorRows(ctx, operators, businessId) {
  const { t } = ctx;
  return operators.map((o) => el("tr", { "data-operator": o.operator_id },
    el("th", { scope: "row" }, o.name || ""),
    el("td", { class: `presence ${o.presence}` }, t(o.presence)),
    el("td", null, t("loadOf", { n: o.active_chats, max: o.max_concurrent }), o.pending_offers ? ` (+${o.pending_offers})` : ""),
    el("td", { class: o.consecutive_missed ? "warn" : null }, String(o.offers_missed_today ?? "—")),
    ctx.manager ? el("td", null, o.presence === "online"
      ? el("button", { type: "button", class: "ghost small set-away", "data-business": businessId, onclick: () => ctx.setAway(o) },
        t("setAway"), el("span", { class: "visually-hidden" }, `: ${o.name}`))
      : null) : null));
}

// A waiting or active chat, and for a supervisor: give it to a named operator, with a note.
function chatRow(ctx, chat, operators) {
  const { t } = ctx;
  const c = chat;
  const since = WAITING.has(c.state) ? Date.parse(c.queued_at) : null;
  const label = ctx.visitorName(c);
  const cells = [el("th", { scope: "row" }, label), el("td", null, t(c.state)),
    el("td", { "data-since": since || "" }, since ? mmss(Date.now() - since) : "—"),
    el("td", null, c.operator?.name || "—")];
  if (ctx.manager) {
    const choices = operators.filter((o) => o.operator_id !== c.operator?.id);
    const pick = el("select", { name: "operator_id", "aria-label": t("giveTo", { name: label }) },
      choices.map((o) => el("option", { value: o.operator_id, disabled: o.presence !== "online" }, `${o.name} (${t(o.presence)})`)));
    const note = el("input", { name: "note", maxLength: 500, placeholder: t("noteOptional"), "aria-label": t("noteFor", { name: label }) });
    cells.push(el("td", null, el("form", { class: "row give", "data-cid": c.conversation_id, onsubmit: (e) => { e.preventDefault(); ctx.give(c, pick.value, note.value, e.currentTarget); } },
      pick, note, el("button", { type: "submit", class: "ghost small", disabled: !choices.some((o) => o.presence === "online") }, t("give")))));
  }
  return el("tr", { "data-conversation": c.conversation_id }, cells);
}

export function businessCard(ctx, b, data, chats) {
  const { t } = ctx;
  const operators = (data.operators || []).filter((o) => (o.businesses || []).includes(b.business_id));
  const mine = chats.filter((c) => c.business_id === b.business_id);
  const limit = maxWait(ctx.businesses.get(b.business_id));
  const over = b.longest_wait_seconds > limit;
  const opHead = [t("operator"), t("presence"), t("loadTitle"), t("missedN"), ctx.manager ? t("actions") : null].filter(Boolean);
  const chatHead = [t("visitor"), t("state"), t("waitingFor"), t("operator"), ctx.manager ? t("giveChat") : null].filter(Boolean);
  const id = `biz-${b.business_id}`;
  return el("section", { class: "card business", "data-business-card": b.business_id, "aria-labelledby": id },
    el("h2", { id }, b.name),
    el("p", { class: over ? "warn" : null }, count(t, "waitingChats", b.queue_length), " · ",
      t("longestOfMax", { wait: mmss(b.longest_wait_seconds * 1000), max: mmss(limit * 1000) }), over ? ` · ${t("overMax")}` : ""),
    el("h3", null, t("operators")),
    operators.length ? el("div", { class: "table-wrap" }, el("table", null, el("thead", null, el("tr", null, opHead.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", null, operatorRows(ctx, operators, b.business_id)))) : el("p", { class: "muted" }, t("noOperators")),
    el("h3", null, t("openChats")),
    mine.length ? el("div", { class: "table-wrap" }, el("table", null, el("thead", null, el("tr", null, chatHead.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", null, mine.map((c) => chatRow(ctx, c, operators))))) : el("p", { class: "muted" }, t("noOpenChats")));
}
