// The offline form: instead of the chat when nobody can answer (closed, nobody online, a wait
// over the contract's maximum), and inside a chat when the contract's overflow hands the
// visitor to it, filled in with what they already told us. Loaded only when it is shown.
import { el } from "./dom.js";
import { fieldRow, offlineFields, privacyNotice } from "./forms.js";

// Why nobody answers, said truthfully: busy only when operators are there but the wait is too
// long; the bot's own message already said why before it handed over.
const LEAD = {
  closed: "closedNow",
  overflow: "busyNow",
  no_operators: "nobody",
  max_wait: "tooLongWait",
};

// The offline form; `send(data)` posts it and resolves when the server has it.
export function offlineForm({ settings, lang, t, send, values = {}, onSent }) {
  const rows = offlineFields(settings).map((f) => fieldRow(f, "ld-off", lang, t));
  for (const [, field] of rows) if (values[field.name]) field.value = values[field.name];
  const msg = el("p", { role: "status" });
  const consent = el("input", { type: "checkbox", id: "ld-off-consent", name: "consent", required: true });
  const form = el("form", { class: "offline", onsubmit: async (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    const data = {};
    for (const [, field] of rows) if (field.value.trim()) data[field.name] = field.value.trim();
    data.consent = consent.checked;
    try {
      await send(data);
      form.replaceChildren(el("p", { class: "ok" }, t("offlineThanks")));
      form.setAttribute("tabindex", "-1");
      form.focus();
      onSent?.();
    } catch { msg.textContent = t("failed"); }
  } }, el("p", null, t("leaveMsg")), rows.flat(),
  el("label", { class: "check", for: "ld-off-consent" }, consent, " ", t("consent")),
  privacyNotice(settings, t), msg,
  el("button", { type: "submit", class: "primary" }, t("offlineSend")));
  return form;
}

// The view: why (and when we open again), then the form unless the server has no endpoint.
export function offlineView({ reason, nextOpen, settings, lang, t, send, withForm, values, onSent }) {
  const parts = [];
  if (LEAD[reason]) parts.push(el("p", { class: "lead" }, t(LEAD[reason])));
  const when = nextOpen ? new Date(nextOpen) : null;
  if (when && !Number.isNaN(when.getTime())) {
    const at = when.toLocaleString(lang === "en" ? "en-GB" : "nl-NL", { weekday: "long", hour: "2-digit", minute: "2-digit" });
    parts.push(el("p", null, t("nextOpen", { when: at })));
  }
  if (withForm) parts.push(offlineForm({ settings, lang, t, send, values, onSent }));
  return el("div", { class: "offline-view" }, parts);
}
