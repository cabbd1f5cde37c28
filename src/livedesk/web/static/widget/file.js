// A file sent in a chat (m.attachment; the message's body is its name), for the widget and the
// console: an image's thumbnail or the name and size, linking to the file, which the server
// always sends as a download. `url(path)` adds what the reader proves who they are with.
import { el } from "./dom.js";

export function fileLink(m, url) {
  const a = m.attachment;
  const path = `/api/v1/attachments/${encodeURIComponent(a.id)}`;
  const img = a.type.startsWith("image/") && el("img", { src: url(`${path}/thumbnail`), alt: m.body });
  // Sized through the CSSOM, which the widget's style-src allows (no stylesheet to load).
  if (img) Object.assign(img.style, { display: "block", maxWidth: "100%", borderRadius: "6px" });
  return el("a", { href: url(path), class: "file" }, img || `${m.body} (${Math.ceil(a.size / 1024)} kB)`);
}
