// Opening hours: a week of ranges per day (several per day, or closed), dated exceptions
// (holidays, special hours) and, after each save, the next 14 days as the server computes them
// in the business's timezone (so DST and exceptions show as they will apply).
import { el } from "/static/widget/dom.js";
import { api, errorText } from "./api.js";
import { timezoneField } from "./details.js";
import { checkbox, errorSummary, field, fieldset, input, nextId, repeatable, submit } from "./forms.js";

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DEFAULT_RANGE = ["09:00", "17:00"];

// Several HH:MM–HH:MM ranges with add/remove, and a "closed" box that hides them.
// collect(path) → [[start, end], ...] ([] when closed), each input with its data-path.
function rangesEditor(t, ranges, { what, closedPath }) {
  const list = el("ul", { class: "ranges" });
  const rows = [];
  const closed = checkbox(!ranges.length);
  const add = (range, focus) => {
    const start = input(range[0], { inputmode: "numeric", placeholder: "09:00", size: 5, autocomplete: "off" });
    const end = input(range[1], { inputmode: "numeric", placeholder: "17:00", size: 5, autocomplete: "off" });
    const error = el("p", { class: "field-error", id: nextId("range-err"), hidden: true });
    start.dataset.err = error.id;
    end.dataset.err = error.id;
    const row = { start, end };
    const remove = el("button", { type: "button", class: "ghost small", onclick: () => {
      rows.splice(rows.indexOf(row), 1);
      row.li.remove();
      if (!rows.length) { closed.checked = true; sync(); }
      addButton.focus();
    } }, t("remove"));
    start.id = nextId("from");
    end.id = nextId("to");
    row.li = el("li", { class: "range" },
      el("label", { for: start.id }, t("from")), start,
      el("label", { for: end.id }, t("until")), end, remove, error);
    row.label = () => {
      const n = rows.indexOf(row) + 1;
      start.setAttribute("aria-label", t("rangeFrom", { what, n }));
      end.setAttribute("aria-label", t("rangeUntil", { what, n }));
      remove.setAttribute("aria-label", t("removeRange", { what, n }));
    };
    rows.push(row);
    list.append(row.li);
    rows.forEach((r) => r.label());
    if (focus) start.focus();
  };
  const addButton = el("button", { type: "button", class: "ghost small", onclick: () => add(DEFAULT_RANGE, true) }, t("addRange"));
  const sync = () => {
    list.hidden = closed.checked;
    addButton.hidden = closed.checked;
    if (!closed.checked && !rows.length) add(DEFAULT_RANGE, false);
  };
  closed.addEventListener("change", sync);
  for (const r of ranges) add(normalRange(r), false);
  if (closedPath) closed.dataset.path = closedPath;
  sync();
  return {
    node: el("div", { class: "day-ranges" }, field(t("closed"), closed), list, addButton),
    collect: (path) => {
      if (closed.checked) return [];
      return rows.map((r, i) => {
        r.start.dataset.path = `${path}.${i}.0`;
        r.end.dataset.path = `${path}.${i}.1`;
        return [r.start.value.trim(), r.end.value.trim()];
      });
    },
  };
}

function normalRange(r) {
  if (Array.isArray(r)) return r;
  return [r.start ?? r.open ?? r.from ?? "", r.end ?? r.close ?? r.until ?? ""];
}

function exceptionRow(t) {
  return (x) => {
    const date = input(x.date, { type: "date" });
    const label = input(x.label, { autocomplete: "off", placeholder: t("exceptionLabelExample") });
    const ranges = rangesEditor(t, x.ranges || [], { what: t("exception") });
    return {
      node: el("div", { class: "exception" }, el("div", { class: "grid" }, field(t("date"), date), field(t("exceptionLabel"), label)), ranges.node),
      focus: () => date.focus(),
      collect: () => {
        const day = date.value;
        const path = `exceptions.${day}`;
        date.dataset.path = path;
        label.dataset.path = `${path}.label`;
        return [day, { label: label.value.trim(), ranges: ranges.collect(`${path}.ranges`) }];
      },
    };
  };
}

// "YYYY-MM-DD" of today where the business is (not where the browser is).
function todayIn(zone) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

function fmtRanges(t, ranges) {
  if (!ranges || !ranges.length) return t("closedDay");
  return ranges.map((r) => normalRange(r).join("–")).join(", ");
}

function fmtDate(t, iso) {
  const [y, m, d] = String(iso).slice(0, 10).split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleDateString(t.lang === "en" ? "en-GB" : "nl-NL", { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
}

// The server's preview: a list of days ({date, ranges, label?}), or {timezone, days: [...]}.
async function renderPreview(ctx, b, box) {
  const { t } = ctx;
  const r = await api(`/api/v1/businesses/${encodeURIComponent(b.id)}/opening-hours/preview?days=14`);
  if (!r.ok) { box.replaceChildren(el("p", { class: "error" }, errorText(r, t))); return; }
  const days = Array.isArray(r.data) ? r.data : r.data?.days || [];
  const zone = r.data?.timezone || b.timezone;
  box.replaceChildren(
    el("h3", { id: "preview-title" }, t("next14")),
    el("div", { class: "table-wrap" }, el("table", { id: "hours-preview", class: "compact" },
      el("caption", null, t("previewCaption", { zone })),
      el("thead", null, el("tr", null, [t("date"), t("openAt"), t("exceptionLabel")].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", null, days.map((d) => el("tr", { class: d.ranges?.length ? "" : "closed" },
        el("th", { scope: "row" }, fmtDate(t, d.date)),
        el("td", null, fmtRanges(t, d.ranges || d.open)),
        el("td", null, [d.label, d.offset_change ? t("clockChange", d.offset_change) : null].filter(Boolean).join(" · "))))))));
}

export async function hoursPanel(ctx, b, panel) {
  const { t } = ctx;
  const url = `/api/v1/businesses/${encodeURIComponent(b.id)}/opening-hours`;
  const r = await api(url);
  if (!r.ok) { panel.append(el("p", { class: "error" }, errorText(r, t))); return; }
  const hours = r.data || {};
  const zone = timezoneField(t, hours.timezone || b.timezone);
  const days = DAYS.map((day) => {
    const editor = rangesEditor(t, hours.weekly?.[day] || [], { what: t(`day_${day}`), closedPath: `weekly.${day}` });
    return { day, editor, node: fieldset(t(`day_${day}`), editor.node) };
  });
  const exceptions = repeatable(t, {
    items: Object.entries(hours.exceptions || {}).sort(([a], [c]) => a.localeCompare(c)).map(([date, x]) => ({ date, ...x })),
    render: exceptionRow(t), rowLabel: t("exception"), addLabel: t("addException"),
    blank: () => ({ date: todayIn(zone.value()), label: "", ranges: [] }),
  });
  const summary = errorSummary();
  const preview = el("div", { class: "hours-preview", "aria-live": "polite" });
  const body = () => ({
    timezone: zone.value(),
    weekly: Object.fromEntries(days.map(({ day, editor }) => [day, editor.collect(`weekly.${day}`)])),
    exceptions: Object.fromEntries(exceptions.collect("exceptions")),
  });
  const form = el("form", { class: "form hours", novalidate: true, id: "hours-form", onsubmit: async (e) => {
    e.preventDefault();
    const saved = await submit(ctx, form, summary, () => api(url, { method: "PUT", json: body() }));
    if (saved.ok) await renderPreview(ctx, b, preview);
  } },
  summary,
  el("fieldset", { class: "plain", disabled: !ctx.isAdmin },
    zone.node,
    el("h3", null, t("weekly")),
    el("div", { class: "week" }, days.map((d) => d.node)),
    el("h3", null, t("exceptions")),
    el("p", { class: "help" }, t("exceptionsHelp")),
    exceptions.node),
  ctx.isAdmin ? el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, t("saveHours"))) : null);
  if (!ctx.isAdmin) for (const button of form.querySelectorAll("button")) button.remove();
  panel.append(el("div", { class: "hours-layout" }, form, preview));
  await renderPreview(ctx, b, preview);
}
