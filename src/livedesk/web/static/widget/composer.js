// Where the visitor types: Enter sends, Shift+Enter starts a new line; typing is announced to
// the operator at most every 3 s and withdrawn after 4 s of quiet or on sending.
import { el } from "./dom.js";

export const MAX_CHARS = 4000;

export function makeComposer({ onSend, onTyping, onFile }) {
  let typingAt = 0;
  let quiet = 0;
  const input = el("textarea", { rows: 2, maxLength: MAX_CHARS, class: "input" });
  const button = el("button", { type: "submit", class: "primary" });
  // Attaching a file: `onFile("pick")` asks the visitor which (attach.js, loaded on first use).
  const clip = el("button", { type: "button", class: "secondary", onclick: () => onFile("pick") }, "📎");
  const form = el("form", { class: "composer", onsubmit: (e) => {
    e.preventDefault();
    const text = input.value;
    if (!text.trim() || !onSend(text)) return;
    input.value = "";
    stopTyping();
  } }, clip, input, button);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  input.addEventListener("input", () => {
    const now = Date.now();
    if (now - typingAt > 3000 && onTyping("on")) typingAt = now;
    clearTimeout(quiet);
    quiet = setTimeout(stopTyping, 4000);
  });

  function stopTyping() {
    clearTimeout(quiet);
    if (typingAt) { typingAt = 0; onTyping("off"); }
  }

  return {
    form,
    input,
    texts(t) {
      input.placeholder = t("placeholder");
      input.setAttribute("aria-label", t("placeholder"));
      button.textContent = t("send");
      clip.ariaLabel = t("attach");
    },
    enable(on) {
      input.disabled = !on;
      button.disabled = !on;
    },
  };
}
