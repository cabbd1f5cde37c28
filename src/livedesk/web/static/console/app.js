// The operator console's entry: who is logged in decides what this page shows. Signed out: the
// login form. A business's own user: their portal (the console is the provider's). Staff: the
// console, built from the modules beside this one (console.js puts them together).
import { makeApi } from "./api.js";
import { Console } from "./console.js";
import { makeT } from "./i18n.js";
import { showLogin } from "./login.js";
import { ConsoleState } from "./state.js";
import { Alerts } from "./sound.js";

function setLanguage(t) {
  document.documentElement.lang = t.lang;
  const skip = document.querySelector(".skip");
  if (skip) skip.textContent = t("skip");
}

// The login's click unlocks the offer beep: the same Alerts go on into the console.
function login(root, error) {
  const t = makeT(navigator.language);
  setLanguage(t);
  const alerts = new Alerts();
  showLogin(root, { t, api: makeApi(t.lang), error, unlock: () => alerts.unlock(), onLoggedIn: () => boot(root, alerts) });
}

async function boot(root, alerts = new Alerts()) {
  const who = await makeApi(makeT(navigator.language).lang)("/api/v1/auth/me");
  if (!who.ok) { login(root); return; }
  const me = who.data;
  if (me.role === "business_user") { location.replace("/portal"); return; }
  const t = makeT(me.language || "nl");
  setLanguage(t);
  if (location.pathname.endsWith("/login")) history.replaceState(null, "", "/console");
  const api = makeApi(t.lang);
  const [businesses, caps] = await Promise.all([api("/api/v1/businesses"), api("/ui/capabilities")]);
  const state = new ConsoleState({ me, t, api, businesses: businesses.data || [], caps: caps.data || {} });
  new Console(root, state, { alerts, onSignedOut: (message) => login(root, message) }).mount();
}

boot(document.getElementById("app"));
