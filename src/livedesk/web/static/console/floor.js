// Supervisor floor: queues per business, waits, operators' load and missed offers. From
// GET /api/v1/floor (polled every 3 s) when the server has it, else computed from the agent socket.
import { el } from "/widget/dom.js";
import { makeT } from "./i18n.js";
import { AgentSocket, api, mmss } from "./socket.js";

const root = document.getElementById("floor");
const OPEN = new Set(["queued", "offered", "active"]);
let t = makeT(navigator.language);

async function boot() {
  const who = await api("/api/v1/auth/me");
  if (!who.ok) { location.href = "/console/login?next=/console/floor"; return; }
  t = makeT(who.data.language || "nl");
  document.documentElement.lang = t.lang;
  const caps = (await api("/ui/capabilities")).data || {};
  const biz = (await api("/api/v1/businesses")).data || [];
  const body = el("div", { class: "floor", "aria-live": "polite" });
  const source = el("p", { class: "muted" });
  root.replaceChildren(el("header", { class: "top" }, el("strong", null, "Livedesk"), el("span", { class: "me" }, `${t("floorTitle")} · ${who.data.name}`),
    el("a", { href: "/console" }, t("console"))), el("main", { class: "floor" }, source, body));
  root.removeAttribute("aria-busy");
  if (caps.floor) {
    source.textContent = `${t("source")}: ${t("sourceApi")}`;
    const poll = async () => {
      const r = await api("/api/v1/floor");
      if (r.ok) render(body, r.data);
      setTimeout(poll, 3000);
    };
    poll();
    return;
  }
  source.textContent = `${t("source")}: ${t("sourceSocket")}`;
  const convs = new Map();
  let missed = 0;
  const compute = () => {
    const now = Date.now();
    const businesses = biz.map((b) => {
      const mine = [...convs.values()].filter((c) => c.business_id === b.id);
      const waiting = mine.filter((c) => c.state === "queued" || c.state === "offered");
      return { business_id: b.id, name: b.name, queue_length: waiting.length, active: mine.filter((c) => c.state === "active").length,
        longest_wait_seconds: Math.max(0, ...waiting.map((c) => (now - Date.parse(c.queued_at)) / 1000)) };
    });
    const ops = new Map();
    for (const c of convs.values()) {
      if (c.state !== "active" || !c.operator) continue;
      const o = ops.get(c.operator.id) || { operator_id: c.operator.id, name: c.operator.name || c.operator.id, active_chats: 0 };
      o.active_chats += 1;
      if (c.operator.name) o.name = c.operator.name;
      ops.set(c.operator.id, o);
    }
    render(body, { businesses, operators: [...ops.values()], missed });
  };
  const sock = new AgentSocket({ onFrame: (f) => {
    if (f.type === "welcome") for (const c of f.conversations || []) convs.set(c.conversation_id, c);
    if (f.type === "conversation") {
      if (f.state === "missed") missed += 1;
      if (OPEN.has(f.state)) convs.set(f.conversation_id, { ...(convs.get(f.conversation_id) || {}), ...f });
      else convs.delete(f.conversation_id);
    }
    compute();
  } });
  sock.connect();
  setInterval(compute, 1000);
}

function render(body, data) {
  const target = (b) => b.first_reply_target_seconds || 30;
  const businesses = el("section", { class: "card" }, el("h2", null, t("perBusiness")), el("table", null,
    el("thead", null, el("tr", null, [t("business"), t("queuedN"), t("longest"), t("activeN"), "Vandaag / Today"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", null, (data.businesses || []).map((b) => el("tr", { "data-business": b.business_id },
      el("th", { scope: "row" }, b.name), el("td", { class: "queue" }, String(b.queue_length)),
      el("td", { class: b.longest_wait_seconds > target(b) ? "warn" : null }, mmss(b.longest_wait_seconds * 1000)),
      el("td", null, String(b.active)),
      el("td", null, b.chats_today === undefined ? "—" : `${b.chats_today} chats · ${b.within_target_today}/${b.answered_today} ≤ ${target(b)} s · ${b.abandoned_today} ${t("abandoned")}`))))));
  const operators = el("section", { class: "card" }, el("h2", null, t("operators")), el("table", null,
    el("thead", null, el("tr", null, [t("operators"), t("presence"), t("load"), t("missedN")].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", null, (data.operators || []).map((o) => el("tr", { "data-operator": o.operator_id },
      el("th", { scope: "row" }, o.name || ""), el("td", null, o.presence ? t(o.presence) : "—"),
      el("td", null, `${o.active_chats}${o.max_concurrent ? ` / ${o.max_concurrent}` : ""}${o.pending_offers ? ` (+${o.pending_offers})` : ""}`),
      el("td", { class: o.consecutive_missed ? "warn" : null }, o.offers_missed_today === undefined ? "—" : String(o.offers_missed_today)))))),
    data.missed !== undefined ? el("p", null, `${t("missedN")}: ${data.missed}`) : null);
  body.replaceChildren(businesses, operators);
}

boot();
