// Safe DOM building shared by the widget and the console. User text is only ever inserted as
// text nodes; links are anchors built from a parsed URL (http, https and mailto only).

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k in node && typeof v !== "string") node[k] = v;
      else node.setAttribute(k, v === true ? "" : v);
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const LINK = /\b(?:https?:\/\/|mailto:)[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;
const SAFE = new Set(["http:", "https:", "mailto:"]);

export function safeUrl(text) {
  try {
    const url = new URL(text);
    return SAFE.has(url.protocol) ? url : null;
  } catch {
    return null;
  }
}

// A fragment of text nodes and anchors for one message body.
export function linkify(text) {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    let raw = match[0];
    const trail = raw.match(TRAILING);
    if (trail) raw = raw.slice(0, raw.length - trail[0].length);
    const url = safeUrl(raw);
    if (!url) continue;
    if (match.index > last) frag.append(document.createTextNode(text.slice(last, match.index)));
    const a = document.createElement("a");
    a.href = url.href;
    a.textContent = raw;
    a.rel = "noopener noreferrer";
    a.target = "_blank";
    frag.append(a);
    last = match.index + raw.length;
  }
  if (last < text.length) frag.append(document.createTextNode(text.slice(last)));
  return frag;
}

export function hhmm(iso, lang) {
  const d = iso ? new Date(iso) : new Date();
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleTimeString(lang === "en" ? "en-GB" : "nl-NL", { hour: "2-digit", minute: "2-digit" });
}

export function uid() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
