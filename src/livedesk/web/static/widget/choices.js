// The entries the bot offers (frame bot_choices) as buttons under its message: a pick sends
// faq_choice, "none of these" (faq_id null) asks for a person; the buttons go once used.
// Loaded only when a bot first offers choices.
import { el } from "./dom.js";

export function showChoices(P, f) {
  P.choices?.remove();
  const pick = (faqId) => {
    P.choices.remove();
    P.log.log.focus();
    P.session.send({ type: "faq_choice", conversation_id: f.conversation_id, faq_id: faqId });
  };
  const button = (text, faqId) => el("button", { type: "button", class: "secondary", onclick: () => pick(faqId) }, text);
  const group = el("div", { role: "group", "aria-label": f.prompt },
    ...f.items.map((i) => button(i.question, i.faq_id)), button(f.none, null));
  Object.assign(group.style, { display: "flex", flexDirection: "column", gap: "6px" });
  P.choices = el("li", { class: "msg them choices" }, group);
  const message = P.log.rendered.get(f.seq);
  if (message) message.after(P.choices);
  else P.log.list.append(P.choices);
}
