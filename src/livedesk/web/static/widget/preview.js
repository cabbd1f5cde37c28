// The back office's live preview (/admin/preview/KEY): the panel opened as configured, with
// placeholder content and no visitor session. The page that frames it posts unsaved settings,
// {look, language, prechat, privacy, offline_form} (and optionally view: chat|prechat|offline);
// only a message from the parent on this same origin is read, and it is only ever rendered as
// text, colours and an https logo, like the saved settings.
import { mount as mountPanel } from "./panel.js";

const SECTIONS = ["look", "prechat", "privacy", "offline_form"];
const VIEWS = new Set(["", "chat", "prechat", "offline"]);

export async function mount(ctx) {
  const panel = await mountPanel(ctx);
  let config = ctx.config || { business: { name: "" }, settings: {} };
  const onMessage = (event) => {
    if (event.origin !== location.origin || event.source !== window.parent) return;
    const next = merged(config, event.data);
    if (!next) return;
    config = next;
    const view = typeof event.data.view === "string" && VIEWS.has(event.data.view) ? event.data.view : undefined;
    panel.configure(config, ctx.apply(config), view);
  };
  window.addEventListener("message", onMessage);
  // Tell a framing page that it may send the form's current state now.
  if (window.parent !== window) window.parent.postMessage({ type: "livedesk:preview-ready" }, location.origin);
  return { ...panel, destroy() { window.removeEventListener("message", onMessage); panel.destroy(); } };
}

// The saved configuration with the posted sections in place of its own; null for a message
// that carries none of them.
function merged(config, data) {
  if (!data || typeof data !== "object" || Array.isArray(data)) return null;
  const settings = { ...(config.settings || {}) };
  let found = false;
  for (const name of SECTIONS) {
    const value = data[name];
    if (value && typeof value === "object" && !Array.isArray(value)) {
      settings[name] = value;
      found = true;
    }
  }
  const language = typeof data.language === "string" ? data.language : config.language;
  if (!found && language === config.language && typeof data.view !== "string") return null;
  return { ...config, language, settings };
}
