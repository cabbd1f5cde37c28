// The back office's live preview (/admin/preview/KEY): the panel opened as configured, with
// placeholder content and no visitor session. The page that frames it posts unsaved settings,
// {look, language, prechat, privacy, offline_form} (and optionally view: chat|prechat|offline);
// only a message from the parent on this same origin is read, and it is only ever rendered as
// text, colours and an https logo, like the saved settings.
import { loadT } from "./i18n.js";
import { mount as mountPanel } from "./panel.js";
import { offlineEntry, wantsPrechat } from "./views.js";

const SECTIONS = ["look", "prechat", "privacy", "offline_form"];
const VIEWS = new Set(["", "chat", "prechat", "offline"]);

export async function mount(ctx) {
  const panel = await mountPanel({ ...ctx, showPreview: previewView });
  let config = ctx.config || { business: { name: "" }, settings: {} };
  const onMessage = (event) => {
    if (event.origin !== location.origin || event.source !== window.parent) return;
    const next = merged(config, event.data);
    if (!next) return;
    config = next;
    const view = typeof event.data.view === "string" && VIEWS.has(event.data.view) ? event.data.view : undefined;
    configure(panel.P, config, ctx.apply(config), view);
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

// The back office's preview: what a new visitor sees first (the pre-chat form, else the chat),
// or the view asked for, with placeholder messages.
async function previewView(P) {
  const { config, lang, log } = P;
  const view = P.ctx.preview || (wantsPrechat(config?.settings) ? "prechat" : "chat");
  P.say("");
  if (view === "offline") return offlineEntry(P, { reason: "closed" });
  const ft = await P.formsT();
  if (view === "prechat") {
    const { prechatForm } = await import("./forms.js");
    return P.show(prechatForm({ settings: config?.settings, lang, t: ft, onStart: () => {} }));
  }
  log.show(log.bubble(false, null, ft("previewOperator"), null), log.bubble(true, null, ft("previewVisitor"), null));
  P.show(log.log, P.typing, P.composer.form);
  P.say(P.t("chattingWith", { name: P.t("operator") }));
}

// New settings (the unsaved changes): the look, texts and forms again.
async function configure(P, next, nextLang, view) {
  P.config = next;
  P.lang = nextLang || P.lang;
  P.t = await loadT(P.lang, next?.business?.form_of_address);
  if (view !== undefined) P.ctx.preview = view;
  P.retexts();
  if (P.body.isConnected) previewView(P);
}
