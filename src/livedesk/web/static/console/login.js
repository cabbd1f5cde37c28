// The login form. Logging in through it means "I am here": the console goes online once its
// socket is up (a reload keeps the server's state instead). A business's own users go to the
// portal: the console is the provider's.
import { el } from "/widget/dom.js";

export const GO_ONLINE = "livedesk:go-online";

export function showLogin(root, { t, api, error, unlock, onLoggedIn }) {
  const user = el("input", { id: "login-user", name: "username", autocomplete: "username", required: true });
  const pass = el("input", { id: "login-pass", name: "password", type: "password", autocomplete: "current-password", required: true });
  const err = el("p", { class: "err", id: "login-err", role: "alert" }, error || "");
  const submit = async (e) => {
    e.preventDefault();
    unlock?.(); // the click is the gesture the browser wants before the offer beep may sound
    const r = await api("/api/v1/auth/login", { json: { username: user.value.trim(), password: pass.value } });
    if (!r.ok) {
      err.textContent = r.status === 429 && r.data?.message ? r.data.message : t("loginFailed");
      pass.select();
      return;
    }
    sessionStorage.setItem(GO_ONLINE, "1");
    const next = new URLSearchParams(location.search).get("next");
    if (next && next.startsWith("/console")) { location.href = next; return; }
    onLoggedIn();
  };
  const form = el("form", { class: "login card", onsubmit: submit },
    el("h1", null, t("loginTitle")),
    el("label", { for: "login-user" }, t("username")), user,
    el("label", { for: "login-pass" }, t("password")), pass, err,
    el("button", { type: "submit", class: "primary" }, t("login")));
  root.replaceChildren(el("main", { class: "login-wrap", id: "main", tabindex: "-1" }, form));
  root.removeAttribute("aria-busy");
  document.title = t("loginTitle");
  user.focus();
}
