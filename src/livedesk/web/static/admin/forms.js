// Form building shared by every back-office page: labelled controls, repeatable rows, the
// server's field errors shown beside their inputs and in a summary at the top, confirmations.
//
// A control carries `data-path`, the name the API knows it by ("name", "guidelines.tone",
// "weekly.mon.1.0"). Rows that can be added and removed get their paths when the form is
// collected, so the paths in a 422 always match the body that was sent. An error never
// re-renders the form: what the user typed stays where it was.
import { el } from "/static/widget/dom.js";
import { errorText } from "./api.js";

let counter = 0;
export function nextId(prefix = "f") {
  counter += 1;
  return `${prefix}-${counter}`;
}

function describe(control, id, on) {
  const ids = new Set((control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
  if (on) ids.add(id);
  else ids.delete(id);
  if (ids.size) control.setAttribute("aria-describedby", [...ids].join(" "));
  else control.removeAttribute("aria-describedby");
}

// ---- controls ------------------------------------------------------------------------------------
export function input(value, attrs = {}) {
  const node = el("input", { type: "text", ...attrs });
  node.value = value ?? "";
  return node;
}

export function textarea(value, attrs = {}) {
  const node = el("textarea", { rows: 3, ...attrs });
  node.value = value ?? "";
  return node;
}

export function select(options, value, attrs = {}) {
  const node = el("select", attrs, options.map(([v, label]) => el("option", { value: v }, label)));
  if (value !== undefined && value !== null) node.value = String(value);
  return node;
}

export function checkbox(checked, attrs = {}) {
  const node = el("input", { type: "checkbox", ...attrs });
  node.checked = !!checked;
  return node;
}

// A label, the control, an optional help text and the (hidden) place for its error.
export function field(label, control, { path, help, className } = {}) {
  control.id ||= nextId();
  if (path) control.dataset.path = path;
  const helpEl = help ? el("p", { class: "help", id: `${control.id}-help` }, help) : null;
  if (helpEl) describe(control, helpEl.id, true);
  const error = el("p", { class: "field-error", id: `${control.id}-err`, hidden: true });
  const isCheck = control.type === "checkbox";
  const labelEl = el("label", { for: control.id }, label);
  return el("div", { class: `field${isCheck ? " check" : ""}${className ? ` ${className}` : ""}` },
    isCheck ? [control, labelEl] : [labelEl, control], helpEl, error);
}

export function fieldset(legend, ...children) {
  return el("fieldset", { class: "group" }, el("legend", null, legend), ...children);
}

// "Active" or "Inactive" for a business, widget or person (a missing flag means active).
export function activeBadge(t, active) {
  return el("span", { class: `badge ${active === false ? "off" : "on"}` }, t(active === false ? "inactive" : "active"));
}

// ---- repeatable rows -----------------------------------------------------------------------------
// render(item) → {node, collect(path) → value, focus()}: one row. Returns the group's node and
// collect(path), which numbers the rows as they stand and gives back their values.
export function repeatable(t, { legend, items, render, blank, addLabel, rowLabel }) {
  const list = el("ol", { class: "rows" });
  const rows = [];
  const renumber = () => rows.forEach((row, i) => {
    row.remove.setAttribute("aria-label", t("removeRow", { what: rowLabel, n: i + 1 }));
  });
  const add = (item, focus) => {
    const row = render(item);
    row.remove = el("button", { type: "button", class: "ghost small", onclick: () => {
      rows.splice(rows.indexOf(row), 1);
      row.li.remove();
      renumber();
      addButton.focus();
    } }, t("remove"));
    row.li = el("li", { class: "row-item" }, row.node, el("div", { class: "row-actions" }, row.remove));
    rows.push(row);
    list.append(row.li);
    renumber();
    if (focus) row.focus?.();
  };
  const addButton = el("button", { type: "button", class: "ghost small", id: nextId("add"), onclick: () => add(blank(), true) }, addLabel);
  // An error about the list as a whole ("at least one contact field") shows under it.
  const error = el("p", { class: "field-error", id: `${addButton.id}-err`, hidden: true });
  for (const item of items || []) add(item, false);
  const node = legend ? fieldset(legend, list, addButton, error) : el("div", { class: "repeat" }, list, addButton, error);
  const collect = (path) => {
    addButton.dataset.path = path;
    return rows.map((row, i) => row.collect(`${path}.${i}`));
  };
  return { node, collect, count: () => rows.length };
}

// ---- errors --------------------------------------------------------------------------------------
export function errorSummary() {
  return el("div", { class: "summary", tabindex: "-1", role: "alert", hidden: true });
}

function findControl(form, path) {
  const byPath = (p) => form.querySelector(`[data-path="${CSS.escape(p)}"]`);
  const exact = byPath(path);
  if (exact) return { control: exact, rest: [] };
  const inner = form.querySelector(`[data-path^="${CSS.escape(`${path}.`)}"]`);
  if (inner) return { control: inner, rest: [] };
  const parts = path.split(".");
  for (let n = parts.length - 1; n > 0; n -= 1) {
    const outer = byPath(parts.slice(0, n).join("."));
    if (outer) return { control: outer, rest: parts.slice(n) };
  }
  return { control: null, rest: [] };
}

function labelOf(control) {
  const label = control.id ? document.querySelector(`label[for="${CSS.escape(control.id)}"]`) : null;
  return (label?.textContent || control.getAttribute("aria-label") || "").trim();
}

export function clearErrors(form, summary) {
  for (const control of form.querySelectorAll("[aria-invalid]")) {
    control.removeAttribute("aria-invalid");
    describe(control, control.dataset.err || `${control.id}-err`, false);
  }
  for (const error of form.querySelectorAll(".field-error")) {
    error.hidden = true;
    error.replaceChildren();
  }
  if (summary) {
    summary.hidden = true;
    summary.replaceChildren();
  }
}

// {path: message} from a 422: each message beside its control, and all of them in the summary
// with links that move the focus to the control.
export function showErrors(form, fields, summary, t, message) {
  const items = [];
  for (const [path, text] of Object.entries(fields || {})) {
    const { control, rest } = findControl(form, path);
    let shown = text;
    // A list typed one item per line ("allowed_origins.1"): say which line.
    if (control && control.dataset.lines !== undefined && /^\d+$/.test(rest[0] || "")) {
      shown = t("lineN", { n: Number(rest[0]) + 1, text });
    }
    if (!control) {
      items.push(el("li", null, `${path}: ${shown}`));
      continue;
    }
    const errId = control.dataset.err || `${control.id}-err`;
    const error = document.getElementById(errId);
    if (error) {
      error.hidden = false;
      if (error.childNodes.length) error.append(" ");
      error.append(el("span", null, shown));
    }
    control.setAttribute("aria-invalid", "true");
    describe(control, errId, true);
    const label = labelOf(control);
    items.push(el("li", null, el("a", { href: `#${control.id}`, onclick: (e) => {
      e.preventDefault();
      control.focus();
      control.scrollIntoView({ block: "center" });
    } }, label ? `${label}: ${shown}` : shown)));
  }
  if (!summary) return;
  summary.replaceChildren(...[el("h2", null, t("checkFields")), message ? el("p", null, message) : null, el("ul", null, items)].filter(Boolean));
  summary.hidden = false;
  summary.focus();
}

// Sends the form's request, then shows "Saved" or the errors. Returns the API reply.
export async function submit(ctx, form, summary, request) {
  const { t } = ctx;
  clearErrors(form, summary);
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  form.setAttribute("aria-busy", "true");
  let r;
  try {
    r = await request();
  } finally {
    if (button) button.disabled = false;
    form.removeAttribute("aria-busy");
  }
  if (r.ok) {
    ctx.status(t("saved"));
  } else if (r.status === 422) {
    ctx.status(t("notSaved"), true);
    showErrors(form, r.data?.data?.fields || {}, summary, t, r.data?.data?.fields ? null : r.data?.message);
  } else {
    ctx.status(errorText(r, t), true);
  }
  return r;
}

// ---- confirmation --------------------------------------------------------------------------------
export function confirmDialog(t, { title, body, confirm, danger }) {
  return new Promise((resolve) => {
    const titleId = nextId("dlg");
    const dialog = el("dialog", { class: "confirm", "aria-labelledby": titleId });
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.addEventListener("cancel", (e) => { e.preventDefault(); done(false); });
    dialog.append(
      el("h2", { id: titleId }, title),
      body ? el("p", null, body) : null,
      el("div", { class: "buttons" },
        el("button", { type: "button", class: "ghost", onclick: () => done(false) }, t("cancel")),
        el("button", { type: "button", class: danger ? "danger" : "primary", "data-confirm": "", onclick: () => done(true) }, confirm)),
    );
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector("[data-confirm]").focus();
  });
}

// Splits a textarea of one item per line into a list (blank lines dropped).
export function lines(text) {
  return text.split("\n").map((s) => s.trim()).filter(Boolean);
}
