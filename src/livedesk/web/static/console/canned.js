// Canned responses in the composer: typing `/` at the start of a word and a few letters opens a
// list of the responses whose shortcut or title matches. Keyboard only: ↑/↓ move, Enter or Tab
// inserts, Escape closes. The list is an ARIA listbox the textarea controls (combobox pattern:
// aria-expanded, aria-activedescendant), so a screen reader follows the highlighted option.
// Inserting replaces the `/word` with the body, placeholders filled in, as plain text.
import { el } from "/widget/dom.js";

const TRIGGER = /(?:^|\s)\/([a-z0-9-]{1,40})$/i; // `/gr` right before the caret
const PLACEHOLDER = /\{(operator|business|visitor)\}/g;
const VISITOR = { nl: "bezoeker", en: "visitor" }; // when the visitor gave no name
const MAX_SHOWN = 8;

// The body with {operator}, {business} and {visitor} filled in. The word for an anonymous
// visitor follows the response's own language, the language its text is written in.
export function fill(item, { operator, business, visitor }) {
  const values = { operator: operator || "", business: business || "", visitor: visitor || VISITOR[item.language] || VISITOR.nl };
  return item.body.replace(PLACEHOLDER, (_, name) => values[name]);
}

// Best first: shortcut starts with the query, shortcut contains it, a title word starts with it,
// the title contains it.
export function matching(items, query) {
  const q = query.toLowerCase();
  const rank = (item) => {
    const shortcut = item.shortcut.toLowerCase();
    const title = item.title.toLowerCase();
    if (shortcut.startsWith(q)) return 0;
    if (shortcut.includes(q)) return 1;
    if (title.split(/\s+/).some((w) => w.startsWith(q))) return 2;
    return title.includes(q) ? 3 : -1;
  };
  return items.map((item) => [rank(item), item]).filter(([r]) => r >= 0)
    .sort(([a, x], [b, y]) => a - b || x.shortcut.localeCompare(y.shortcut))
    .slice(0, MAX_SHOWN).map(([, item]) => item);
}

export class SlashMenu {
  // items(): the responses for the open chat; values(): what the placeholders become.
  constructor(textarea, { items, values, t }) {
    this.input = textarea;
    this.items = items;
    this.values = values;
    this.shown = [];
    this.active = -1;
    this.start = -1; // where the `/word` being completed starts
    this.dismissed = -1; // Escape closes the list for this `/word` until a new one is typed
    this.list = el("ul", { id: "canned-menu", class: "slash-menu", role: "listbox", "aria-label": t("cannedList"), hidden: true });
    this.status = el("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
    this.t = t;
    this.node = el("div", { class: "slash-wrap" }, this.list, this.status);
    for (const [k, v] of Object.entries({ role: "combobox", "aria-autocomplete": "list", "aria-controls": this.list.id, "aria-expanded": "false" })) textarea.setAttribute(k, v);
    textarea.addEventListener("keydown", (e) => this.onKey(e));
    textarea.addEventListener("input", () => this.update());
    textarea.addEventListener("click", () => this.update());
    textarea.addEventListener("blur", () => this.close());
  }

  get open() { return !this.list.hidden; }

  update() {
    const ta = this.input;
    const caret = ta.selectionStart ?? ta.value.length;
    const m = ta.selectionEnd === caret ? TRIGGER.exec(ta.value.slice(0, caret)) : null;
    if (!m) { this.dismissed = -1; return this.close(); }
    const start = caret - m[1].length - 1;
    if (start === this.dismissed) return this.close();
    const found = matching(this.items(), m[1]);
    if (!found.length) return this.close();
    this.start = start;
    this.show(found);
  }

  show(found) {
    const keep = this.shown[this.active];
    this.shown = found;
    this.active = Math.max(0, found.indexOf(keep));
    this.list.replaceChildren(...found.map((item, i) => el("li", {
      id: `canned-opt-${i}`, role: "option", class: "slash-option",
      onmousedown: (e) => e.preventDefault(), // keep the focus in the textarea
      onclick: () => { this.active = i; this.choose(); },
    }, el("span", { class: "slash-key" }, `/${item.shortcut}`), " ", el("span", { class: "slash-title" }, item.title))));
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.status.textContent = this.t("cannedFound", { n: found.length });
    this.highlight();
  }

  highlight() {
    this.list.querySelectorAll("[role=option]").forEach((li, i) => li.setAttribute("aria-selected", i === this.active ? "true" : "false"));
    const current = this.list.children[this.active];
    if (current) { this.input.setAttribute("aria-activedescendant", current.id); current.scrollIntoView({ block: "nearest" }); }
  }

  close() {
    if (!this.open && !this.shown.length) return;
    this.list.hidden = true;
    this.list.replaceChildren();
    this.shown = [];
    this.active = -1;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  onKey(e) {
    if (!this.open || e.isComposing || e.altKey || e.ctrlKey || e.metaKey) return;
    const n = this.shown.length;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      this.active = (this.active + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
      this.highlight();
    } else if (e.key === "Enter" || (e.key === "Tab" && !e.shiftKey)) {
      this.choose();
    } else if (e.key === "Escape") {
      this.dismissed = this.start;
      this.close();
    } else return;
    // Handled here: not a send, not a move of the caret, not a focus change.
    e.preventDefault();
    e.stopImmediatePropagation();
  }

  choose() {
    const item = this.shown[this.active];
    if (!item) return;
    const ta = this.input;
    const caret = ta.selectionStart ?? ta.value.length;
    const text = fill(item, this.values());
    ta.value = ta.value.slice(0, this.start) + text + ta.value.slice(caret);
    ta.selectionStart = ta.selectionEnd = this.start + text.length;
    this.close();
    ta.focus();
    ta.dispatchEvent(new Event("input", { bubbles: true })); // typing indicator, as when typed
  }
}

// The responses for a business (its own and the shared ones), from the API, kept a minute.
const FRESH_MS = 60000;

export class CannedResponses {
  constructor(api, onLoaded) {
    this.api = api;
    this.onLoaded = onLoaded; // (businessId) when a business's list arrived
    this.byBusiness = new Map(); // business id -> { items, at, loading }
  }

  // What is known now; a stale or missing list is fetched in the background.
  for(businessId) {
    if (!businessId) return [];
    const entry = this.byBusiness.get(businessId);
    if (!entry || Date.now() - entry.at > FRESH_MS) this.load(businessId);
    return entry?.items || [];
  }

  async load(businessId) {
    const entry = this.byBusiness.get(businessId) || { items: [], at: 0, loading: false };
    if (entry.loading) return;
    entry.loading = true;
    this.byBusiness.set(businessId, entry);
    const r = await this.api(`/api/v1/canned-responses?business_id=${encodeURIComponent(businessId)}`);
    entry.loading = false;
    entry.at = Date.now();
    if (r.ok && Array.isArray(r.data)) entry.items = r.data;
    this.onLoaded(businessId);
  }
}
