// The login form of the back office and the client portal (the console has its own: logging in
// there also means going online). A failed login keeps the username and selects the password.
import { el } from "/static/widget/dom.js";
import { api } from "./api.js";

export function showLogin(root, { t, notice, onLoggedIn }) {
  const user = el("input", { id: "login-user", name: "username", autocomplete: "username", required: true });
  const pass = el("input", { id: "login-pass", name: "password", type: "password", autocomplete: "current-password", required: true });
  const err = el("p", { class: "field-error", id: "login-err", role: "alert" }, notice || "");
  const form = el("form", { class: "login card", novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = "";
    const r = await api("/api/v1/auth/login", { json: { username: user.value.trim(), password: pass.value }, quiet: true });
    if (!r.ok) {
      err.textContent = r.status === 429 ? r.data?.message || t("loginFailed") : t("loginFailed");
      pass.select();
      return;
    }
    onLoggedIn();
  } },
  el("h1", null, t("loginTitle")),
  el("label", { for: "login-user" }, t("username")), user,
  el("label", { for: "login-pass" }, t("password")), pass, err,
  el("button", { type: "submit", class: "primary" }, t("login")));
  root.replaceChildren(el("main", { id: "main", class: "login-wrap" }, form));
  root.removeAttribute("aria-busy");
  document.title = `${t("loginTitle")} · Livedesk`;
  user.focus();
}
