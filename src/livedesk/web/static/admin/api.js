// JSON over fetch with the same-origin session cookie. Every reply comes back as
// {ok, status, data}; a 401 (session expired, logged out elsewhere) hands over to the login form.

let language = "nl";
let onUnauthorized = () => {};

export function setApiLanguage(lang) {
  language = lang;
}

export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

export async function api(path, opts = {}) {
  // The server words its error messages in the language the page is shown in.
  const init = { credentials: "same-origin", method: opts.method || "GET", headers: { "accept-language": language, accept: "application/json" } };
  if (opts.json !== undefined) {
    init.method = opts.method || "POST";
    init.body = JSON.stringify(opts.json);
    init.headers["content-type"] = "application/json";
  }
  let r;
  try {
    r = await fetch(path, init);
  } catch {
    return { ok: false, status: 0, data: null };
  }
  let data = null;
  try { data = await r.json(); } catch { data = null; }
  if (r.status === 401 && !opts.quiet) onUnauthorized();
  return { ok: r.ok, status: r.status, data };
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

// The message of a refused request, for the status line (field errors go next to their inputs).
export function errorText(r, t) {
  if (r.status === 0) return t("offline");
  if (r.status === 403) return t("forbidden");
  if (r.status === 404) return t("notFound");
  return r.data?.message || t("failed");
}
