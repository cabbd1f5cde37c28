// The page an invitation or reset link opens (/set-password?token=…): choose a password, twice.
// Dutch, or English when the browser prefers it; the server words its field errors the same way.
// The token leaves the address bar at once, so it stays out of the history and bookmarks.
import { el } from "/static/widget/dom.js";

const MIN_LENGTH = 10;
const TEXTS = {
  nl: {
    title: "Kies je wachtwoord", password: "Nieuw wachtwoord", repeat: "Herhaal het wachtwoord",
    help: `Minstens ${MIN_LENGTH} tekens. Een zin van een paar woorden werkt goed.`,
    submit: "Wachtwoord instellen", busy: "Bezig…", mismatch: "De twee wachtwoorden zijn niet gelijk.",
    noToken: "Deze link is niet compleet. Open de link uit je e-mail opnieuw, of vraag je beheerder om een nieuwe.",
    done: "Je wachtwoord is ingesteld. Je kunt nu inloggen als {user}.", console: "Naar de console", admin: "Naar het back office",
    failed: "Dat lukte niet; probeer het zo nog eens.", fix: "Niet alles is goed ingevuld: zie hieronder.",
  },
  en: {
    title: "Choose your password", password: "New password", repeat: "Repeat the password",
    help: `At least ${MIN_LENGTH} characters. A sentence of a few words works well.`,
    submit: "Set password", busy: "Working…", mismatch: "The two passwords are not the same.",
    noToken: "This link is incomplete. Open the link from your e-mail again, or ask your administrator for a new one.",
    done: "Your password is set. You can now log in as {user}.", console: "To the console", admin: "To the back office",
    failed: "That did not work; please try again shortly.", fix: "Not everything is filled in correctly: see below.",
  },
};

function preferred() {
  for (const tag of navigator.languages || [navigator.language || ""]) {
    const lang = String(tag).slice(0, 2).toLowerCase();
    if (lang === "nl" || lang === "en") return lang;
  }
  return "nl";
}

const lang = preferred();
const T = TEXTS[lang];
document.documentElement.lang = lang;
document.title = `Livedesk · ${T.title}`;
const params = new URLSearchParams(location.search);
const token = params.get("token") || "";
if (token) history.replaceState(null, "", location.pathname);
const app = document.getElementById("app");

// A field with its label, help and the place for its error, linked for screen readers.
function field(id, label, input, help) {
  const error = el("p", { class: "err", id: `${id}-err`, hidden: true });
  const helpEl = help ? el("p", { class: "muted", id: `${id}-help` }, help) : null;
  input.id = id;
  input.setAttribute("aria-describedby", [helpEl?.id, error.id].filter(Boolean).join(" "));
  return { node: el("div", { class: "field" }, el("label", { for: id }, label), input, helpEl, error), input, error };
}

function showError(f, text) {
  f.error.textContent = text || "";
  f.error.hidden = !text;
  if (text) f.input.setAttribute("aria-invalid", "true");
  else f.input.removeAttribute("aria-invalid");
}

function render() {
  const status = el("p", { class: "err", role: "alert" });
  if (!token) {
    status.textContent = T.noToken;
    app.replaceChildren(el("section", { class: "login card" }, el("h1", null, T.title), status));
    return;
  }
  const pass = field("new-password", T.password, el("input", { type: "password", autocomplete: "new-password", required: true, minLength: MIN_LENGTH, maxLength: 1000 }), T.help);
  const again = field("repeat-password", T.repeat, el("input", { type: "password", autocomplete: "new-password", required: true, maxLength: 1000 }));
  const button = el("button", { type: "submit", class: "primary" }, T.submit);
  const form = el("form", { class: "login card", novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    showError(pass, "");
    showError(again, "");
    status.textContent = "";
    if (pass.input.value !== again.input.value) { showError(again, T.mismatch); again.input.focus(); return; }
    button.disabled = true;
    button.textContent = T.busy;
    const r = await send(pass.input.value);
    button.disabled = false;
    button.textContent = T.submit;
    if (r.ok) return done(r.data?.username || "");
    const fields = r.data?.data?.fields || {};
    if (fields.password) { showError(pass, fields.password); pass.input.focus(); }
    // A link that expired or was used is about the whole page, not one input.
    status.textContent = fields.token || (fields.password ? T.fix : r.data?.message || T.failed);
  } }, el("h1", null, T.title), status, pass.node, again.node, button);
  app.replaceChildren(form);
  pass.input.focus();
}

async function send(password) {
  try {
    const response = await fetch("/api/v1/auth/password", {
      method: "POST",
      credentials: "omit",
      headers: { "content-type": "application/json", accept: "application/json", "accept-language": lang },
      body: JSON.stringify({ token, password }),
    });
    let data = null;
    try { data = await response.json(); } catch { data = null; }
    return { ok: response.ok, data };
  } catch {
    return { ok: false, data: null };
  }
}

function done(username) {
  const message = el("p", { role: "status" }, T.done.replace("{user}", username));
  const links = el("p", null, el("a", { href: "/console/login", class: "button" }, T.console), " · ", el("a", { href: "/admin" }, T.admin));
  app.replaceChildren(el("section", { class: "login card" }, el("h1", null, T.title), message, links));
  message.setAttribute("tabindex", "-1");
  message.focus();
}

render();
app.removeAttribute("aria-busy");
