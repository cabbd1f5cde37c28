// The end of a chat, below its transcript: said once, then the rating (when the server takes
// one and it was not given yet), the transcript by e-mail, and a new conversation. Loaded when a
// chat ends.
import { el } from "./dom.js";

// Stars and a comment after a chat; `onRate(score, comment)` sends them.
export function ratingForm({ t, onRate }) {
  const name = "ld-rate";
  const stars = [1, 2, 3, 4, 5].map((n) => el("label", { class: "star" },
    el("input", { type: "radio", name, value: String(n), required: true }),
    el("span", { "aria-hidden": "true" }, "★"), el("span", { class: "sr" }, t("stars", { n }))));
  const comment = el("textarea", { rows: 2, maxLength: 1000, "aria-label": t("comment"), placeholder: t("comment") });
  const form = el("form", { class: "rating", onsubmit: (e) => {
    e.preventDefault();
    const picked = form.querySelector("input:checked");
    if (!picked) return;
    onRate(Number(picked.value), comment.value.trim() || null);
    form.replaceChildren(el("p", { class: "ok", role: "status" }, t("thanksRating")));
  } }, el("fieldset", null, el("legend", null, t("rateQ")), el("div", { class: "stars" }, stars)), comment,
  el("button", { type: "submit", class: "primary" }, t("rateSend")));
  return form;
}

// The transcript by e-mail; `request(email)` posts it. A server without the endpoint: no form.
export function transcriptForm({ t, request }) {
  const email = el("input", { type: "email", required: true, id: "ld-tr-email", autocomplete: "email" });
  const msg = el("p", { role: "status" });
  const form = el("form", { class: "transcript", onsubmit: async (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    try {
      const r = await request(email.value.trim());
      if (r.status === 404 || r.status === 405) { form.remove(); return; }
      if (!r.ok) throw new Error(String(r.status));
      form.replaceChildren(el("p", { class: "ok" }, t("transcriptSent")));
    } catch { msg.textContent = t("failed"); }
  } }, el("label", { for: "ld-tr-email" }, t("transcriptQ")), email, msg,
  el("button", { type: "submit", class: "secondary" }, t("transcriptSend")));
  return form;
}

// Everything below an ended chat's transcript.
export function endView({ t, rating, transcript, onRate, request, onNew }) {
  return [
    el("p", { class: "lead" }, t("ended")),
    rating ? ratingForm({ t, onRate }) : null,
    transcript ? transcriptForm({ t, request }) : null,
    el("button", { type: "button", class: "secondary", onclick: onNew }, t("newChat")),
  ];
}
