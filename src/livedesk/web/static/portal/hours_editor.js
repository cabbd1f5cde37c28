// Opening hours as a business edits them: per weekday closed, or one or more "from – until"
// times; and dated exceptions (holidays, a late evening). Every input carries the path the API
// names in its errors (opening_hours.weekly.mon.1.0), so a wrong time is marked where it is.
// Built from the back office's form pieces (admin/forms.js); admin/hours.js keeps its own
// editor private to its panel.
import { el } from "/static/widget/dom.js";
import { checkbox, field, input, nextId, repeatable } from "/static/admin/forms.js";
import { DAYS } from "/static/admin/hours.js";

const NEW_RANGE = ["09:00", "17:00"];

function rangeRow(t, range, what, rows, onRemove) {
  const start = input(range[0], { inputmode: "numeric", placeholder: "09:00", size: 5, autocomplete: "off", id: nextId("from") });
  const end = input(range[1], { inputmode: "numeric", placeholder: "17:00", size: 5, autocomplete: "off", id: nextId("until") });
  const error = el("p", { class: "field-error", id: nextId("range-err"), hidden: true });
  start.dataset.err = error.id;
  end.dataset.err = error.id;
  const remove = el("button", { type: "button", class: "ghost small", onclick: () => onRemove(row) }, t("remove"));
  const row = {
    start, end, remove,
    li: el("li", { class: "range" }, el("label", { for: start.id }, t("from")), start, el("label", { for: end.id }, t("until")), end, remove, error),
    label: () => {
      const n = rows.indexOf(row) + 1;
      start.setAttribute("aria-label", t("rangeFrom", { what, n }));
      end.setAttribute("aria-label", t("rangeUntil", { what, n }));
      remove.setAttribute("aria-label", t("removeRange", { what, n }));
    },
  };
  return row;
}

// {node, collect(path)}: [[start, end], ...], or [] when "closed" is ticked.
export function rangesEditor(t, ranges, what) {
  const list = el("ul", { class: "ranges" });
  const rows = [];
  const closed = checkbox(!ranges.length);
  const addButton = el("button", { type: "button", class: "ghost small" }, t("addRange"));
  const relabel = () => rows.forEach((r) => r.label());
  const remove = (row) => {
    rows.splice(rows.indexOf(row), 1);
    row.li.remove();
    if (!rows.length) { closed.checked = true; sync(); }
    relabel();
    addButton.focus();
  };
  const add = (range, focus) => {
    const row = rangeRow(t, range, what, rows, remove);
    rows.push(row);
    list.append(row.li);
    relabel();
    if (focus) row.start.focus();
  };
  const sync = () => {
    list.hidden = closed.checked;
    addButton.hidden = closed.checked;
    if (!closed.checked && !rows.length) add(NEW_RANGE, false);
  };
  addButton.addEventListener("click", () => add(NEW_RANGE, true));
  closed.addEventListener("change", sync);
  for (const r of ranges) add(r, false);
  sync();
  return {
    node: el("div", { class: "day-ranges" }, field(t("closedLabel", { what }), closed), list, addButton),
    closed,
    collect: (path) => {
      closed.dataset.path = path;
      if (closed.checked) return [];
      return rows.map((r, i) => {
        r.start.dataset.path = `${path}.${i}.0`;
        r.end.dataset.path = `${path}.${i}.1`;
        return [r.start.value.trim(), r.end.value.trim()];
      });
    },
  };
}

function exceptionRow(t, zoneToday) {
  return (x) => {
    const date = input(x.date || zoneToday(), { type: "date" });
    const label = input(x.label, { autocomplete: "off", placeholder: t("exceptionLabelExample") });
    const ranges = rangesEditor(t, x.ranges || [], t("exception"));
    return {
      node: el("div", { class: "exception" }, el("div", { class: "grid" }, field(t("date"), date), field(t("exceptionLabel"), label)), ranges.node),
      focus: () => date.focus(),
      collect: (path) => {
        const key = `${path.replace(/\.\d+$/, "")}.${date.value}`;
        date.dataset.path = key;
        label.dataset.path = `${key}.label`;
        return [date.value, { label: label.value.trim(), ranges: ranges.collect(`${key}.ranges`) }];
      },
    };
  };
}

// The whole editor for `hours` (the API's OpeningHours); collect() gives the body's
// opening_hours with every input's data-path under `opening_hours.`.
export function hoursEditor(t, hours, zoneToday) {
  const days = DAYS.map((day) => {
    const editor = rangesEditor(t, hours.weekly?.[day] || [], t(`day_${day}`));
    return { day, editor, node: el("fieldset", { class: "group" }, el("legend", null, t(`day_${day}`)), editor.node) };
  });
  const exceptions = repeatable(t, {
    items: Object.entries(hours.exceptions || {}).sort(([a], [b]) => a.localeCompare(b)).map(([date, x]) => ({ date, ...x })),
    render: exceptionRow(t, zoneToday), rowLabel: t("exception"), addLabel: t("addException"),
    blank: () => ({ date: zoneToday(), label: "", ranges: [] }),
  });
  return {
    node: el("div", { class: "hours-editor" },
      el("h2", null, t("weekly")),
      el("div", { class: "week" }, days.map((d) => d.node)),
      el("h2", null, t("exceptions")),
      el("p", { class: "help" }, t("exceptionsHelp")),
      exceptions.node),
    collect: () => ({
      timezone: hours.timezone,
      weekly: Object.fromEntries(days.map(({ day, editor }) => [day, editor.collect(`opening_hours.weekly.${day}`)])),
      exceptions: Object.fromEntries(exceptions.collect("opening_hours.exceptions")),
    }),
  };
}
