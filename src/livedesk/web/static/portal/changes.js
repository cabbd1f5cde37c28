// Richtlijnen and Openingstijden: what operators are told about the business, and when its chat
// is open. The business proposes a change; the provider's settings for the business say whether
// it applies at once or after the provider has approved it. Each page shows which applies, the
// proposal still waiting (a new one replaces it) and the earlier proposals with their outcome.
import { el } from "/static/widget/dom.js";
import { api, errorText } from "/static/admin/api.js";
import { errorSummary, field, input, repeatable, submit, textarea } from "/static/admin/forms.js";
import { hoursEditor } from "./hours_editor.js";
import { day, localDate, timeEl } from "./util.js";

async function configuration(ctx) {
  return api(`/api/v1/portal/configuration?${ctx.bq}`);
}

function modeNotice(t, settings) {
  return el("p", { class: "notice", id: "change-mode" }, settings.changes_need_approval ? t("modeApproval") : t("modeImmediate"));
}

function history(ctx, requests) {
  const { t } = ctx;
  if (!requests.length) return el("p", { class: "muted", id: "change-history-empty" }, t("noChangeRequests"));
  return el("div", { class: "table-wrap" }, el("table", { id: "change-history" },
    el("caption", { class: "sr-only" }, t("changeHistory")),
    el("thead", null, el("tr", null, [t("proposedAt"), t("who"), t("status"), t("decision")].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", null, requests.map((r) => el("tr", null,
      el("td", null, timeEl(t, r.proposed_at, ctx.zone)),
      el("td", null, r.proposed_by?.name || "—"),
      el("td", null, el("span", { class: `badge change-${r.status}` }, t(`change_${r.status}`))),
      el("td", null, [r.decided_by && r.status !== "applied" ? r.decided_by.name : null, r.decision_note].filter(Boolean).join(": ") || "—"))))));
}

// The form's common end: the note for the provider, the submit button, then after a 201 the
// page again (showing the outcome in the history).
function proposalForm(ctx, cfg, kind, { summary, body, content, reload }) {
  const { t } = ctx;
  const note = textarea("", { rows: 2, id: "change-note" });
  const needsApproval = cfg.settings.changes_need_approval;
  const form = el("form", { class: "form", novalidate: true, id: `${kind}-form`, onsubmit: async (e) => {
    e.preventDefault();
    const json = { business_id: ctx.business.id, kind, [kind]: body(), note: note.value.trim() };
    const r = await submit(ctx, form, summary, () => api("/api/v1/portal/change-requests", { json }));
    if (!r.ok) return;
    await reload();
    ctx.status(r.data.status === "applied" ? t("changeApplied") : t("changeProposed"));
    ctx.refreshCounts();
  } },
  summary,
  content,
  needsApproval ? field(t("changeNote"), note, { path: "note", help: t("changeNoteHelp") }) : null,
  ctx.isBusinessUser ? el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, needsApproval ? t("submitProposal") : t("saveChange"))) : null);
  if (!ctx.isBusinessUser) for (const control of form.querySelectorAll("input, textarea, select, button")) control.disabled = true;
  return form;
}

function pendingOf(cfg, kind) {
  return cfg.change_requests.find((r) => r.kind === kind && r.status === "pending") || null;
}

function pendingNotice(ctx, pending) {
  if (!pending) return null;
  return el("p", { class: "notice", id: "pending-change" }, ctx.t("pendingChange"), " ", timeEl(ctx.t, pending.proposed_at, ctx.zone), ". ", ctx.t("pendingChangeHint"));
}

// ---- guidelines ----------------------------------------------------------------------------------
function contactRow(t) {
  return (c) => {
    const controls = {
      name: input(c.name, { autocomplete: "off" }), role: input(c.role, { autocomplete: "off" }),
      phone: input(c.phone, { type: "tel", autocomplete: "off" }), email: input(c.email, { type: "email", autocomplete: "off" }),
      when: input(c.when, { autocomplete: "off" }),
    };
    return {
      node: el("div", { class: "grid" },
        field(t("contactName"), controls.name), field(t("contactRole"), controls.role),
        field(t("contactPhone"), controls.phone), field(t("contactEmail"), controls.email),
        field(t("contactWhen"), controls.when, { className: "wide" })),
      focus: () => controls.name.focus(),
      collect: (path) => Object.fromEntries(Object.entries(controls).map(([k, control]) => {
        control.dataset.path = `${path}.${k}`;
        return [k, control.value.trim()];
      })),
    };
  };
}

function sectionRow(t) {
  return (s) => {
    const title = input(s.title, { autocomplete: "off" });
    const body = textarea(s.body, { rows: 4 });
    return {
      node: el("div", null, field(t("sectionTitle"), title), field(t("sectionBody"), body)),
      focus: () => title.focus(),
      collect: (path) => {
        title.dataset.path = `${path}.title`;
        body.dataset.path = `${path}.body`;
        return { title: title.value.trim(), body: body.value };
      },
    };
  };
}

export async function guidelinesPage(ctx) {
  const { t } = ctx;
  const r = await configuration(ctx);
  if (!r.ok) { ctx.page(t("guidelinesTitle"), el("p", { class: "error" }, errorText(r, t))); return; }
  const cfg = r.data;
  const pending = pendingOf(cfg, "guidelines");
  const g = pending?.proposed || cfg.guidelines;
  const tone = textarea(g.tone, { rows: 2 });
  const never = textarea(g.never_promise, { rows: 2 });
  const escalation = textarea(g.escalation, { rows: 2 });
  const contacts = repeatable(t, { legend: t("contacts"), items: g.contacts || [], render: contactRow(t), rowLabel: t("contact"), blank: () => ({}), addLabel: t("addContact") });
  const sections = repeatable(t, { legend: t("sections"), items: g.sections || [], render: sectionRow(t), rowLabel: t("section"), blank: () => ({}), addLabel: t("addSection") });
  const form = proposalForm(ctx, cfg, "guidelines", {
    summary: errorSummary(),
    body: () => ({
      tone: tone.value, never_promise: never.value, escalation: escalation.value,
      contacts: contacts.collect("guidelines.contacts"), sections: sections.collect("guidelines.sections"),
    }),
    content: el("div", null,
      field(t("tone"), tone, { path: "guidelines.tone", help: t("toneHelp") }),
      field(t("neverPromise"), never, { path: "guidelines.never_promise", help: t("neverPromiseHelp") }),
      field(t("escalation"), escalation, { path: "guidelines.escalation", help: t("escalationHelp") }),
      contacts.node, sections.node),
    reload: () => guidelinesPage(ctx),
  });
  ctx.page(t("guidelinesTitle"),
    el("p", { class: "lead-in" }, t("guidelinesIntro")),
    modeNotice(t, cfg.settings), pendingNotice(ctx, pending),
    form,
    el("h2", null, t("changeHistory")),
    history(ctx, cfg.change_requests.filter((c) => c.kind === "guidelines")));
}

// ---- opening hours -------------------------------------------------------------------------------
function previewTable(ctx, preview) {
  const { t } = ctx;
  return el("div", { class: "table-wrap" }, el("table", { id: "hours-preview", class: "compact" },
    el("caption", null, t("previewCaption", { zone: preview.timezone })),
    el("thead", null, el("tr", null, [t("date"), t("openAt"), t("exceptionLabel")].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", null, preview.days.map((d) => el("tr", { class: d.closed ? "closed" : "" },
      el("th", { scope: "row" }, day(t, `${d.date}T12:00:00Z`, "UTC")),
      el("td", null, d.closed ? t("closedDay") : d.ranges.map((x) => `${x.start}–${x.end}`).join(", ")),
      el("td", null, [d.label, d.offset_change ? t("clockChange", d.offset_change) : null].filter(Boolean).join(" · ")))))));
}

export async function hoursPage(ctx) {
  const { t } = ctx;
  const r = await configuration(ctx);
  if (!r.ok) { ctx.page(t("hoursTitle"), el("p", { class: "error" }, errorText(r, t))); return; }
  const cfg = r.data;
  const pending = pendingOf(cfg, "opening_hours");
  const hours = pending?.proposed || cfg.opening_hours;
  const editor = hoursEditor(t, hours, () => localDate(null, hours.timezone));
  const form = proposalForm(ctx, cfg, "opening_hours", {
    summary: errorSummary(), body: editor.collect, content: editor.node, reload: () => hoursPage(ctx),
  });
  ctx.page(t("hoursTitle"),
    el("p", { class: "lead-in" }, t("hoursIntro", { zone: hours.timezone })),
    modeNotice(t, cfg.settings), pendingNotice(ctx, pending),
    el("div", { class: "hours-layout" },
      form,
      el("section", { "aria-labelledby": "preview-title" }, el("h2", { id: "preview-title" }, t("next14")), previewTable(ctx, cfg.preview))),
    el("h2", null, t("changeHistory")),
    history(ctx, cfg.change_requests.filter((c) => c.kind === "opening_hours")));
}
