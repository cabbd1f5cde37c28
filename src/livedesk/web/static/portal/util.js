// Small helpers every portal page uses: times in the business's own time zone, numbers and
// shares in the reader's language, durations, and search words marked in a text (as text nodes).
import { el } from "/static/widget/dom.js";

const locale = (t) => (t.lang === "en" ? "en-GB" : "nl-NL");

function format(t, iso, zone, options) {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return "";
  try {
    return d.toLocaleString(locale(t), { timeZone: zone || undefined, ...options });
  } catch {
    return d.toLocaleString(locale(t), options);
  }
}

export function dateTime(t, iso, zone) {
  return format(t, iso, zone, { dateStyle: "medium", timeStyle: "short" });
}

export function time(t, iso, zone) {
  return format(t, iso, zone, { hour: "2-digit", minute: "2-digit" });
}

export function day(t, iso, zone) {
  return format(t, iso, zone, { weekday: "long", day: "numeric", month: "long" });
}

// A <time> element: machine-readable moment, human text.
export function timeEl(t, iso, zone, how = dateTime) {
  return el("time", { datetime: iso || "" }, how(t, iso, zone));
}

export function number(t, n) {
  return Number(n || 0).toLocaleString(locale(t));
}

export function percent(t, share) {
  if (share === null || share === undefined) return "—";
  return (share * 100).toLocaleString(locale(t), { maximumFractionDigits: 0 }) + " %";
}

// 75 → "1 min 15 s"; 3700 → "1 u 1 min" (nl) / "1 h 1 min" (en).
export function duration(t, seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return `${h} ${t.lang === "en" ? "h" : "u"}${m % 60 ? ` ${m % 60} min` : ""}`;
}

// "YYYY-MM-DD" of `iso` (or now) where the business is.
export function localDate(iso, zone) {
  const d = iso ? new Date(iso) : new Date();
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
  } catch {
    return d.toISOString().slice(0, 10);
  }
}

// The words of a search, as the server splits them (letters and digits).
export function searchWords(q) {
  return (q || "").toLowerCase().match(/[\p{L}\p{N}]+/gu) || [];
}

const fold = (s) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

// A text with every word that starts like a search word in <mark>; always text nodes.
export function marked(text, q) {
  const words = searchWords(q).map(fold).filter((w) => w.length > 1);
  if (!words.length) return document.createTextNode(text);
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = fold(m[0]);
    if (!words.some((w) => word.startsWith(w.slice(0, Math.max(3, w.length - 2))))) continue;
    if (m.index > last) frag.append(text.slice(last, m.index));
    frag.append(el("mark", null, m[0]));
    last = m.index + m[0].length;
  }
  if (last < text.length) frag.append(text.slice(last));
  return frag;
}

// {path: message} from a refused request: the 422 handler's fields, or the leads API's
// errors list ({loc: ["body", "reason"], msg}) with our own words where we have them.
export function fieldErrors(r, own = {}) {
  const out = { ...(r.data?.data?.fields || {}) };
  for (const e of r.data?.data?.errors || []) {
    const path = (e.loc || []).filter((p) => p !== "body").join(".");
    if (path && !out[path]) out[path] = own[path] || e.msg;
  }
  return out;
}

export const enc = encodeURIComponent;
