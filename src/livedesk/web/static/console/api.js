// HTTP for the console and the floor: JSON in and out with the session cookie, in the user's
// language (the server words its error messages by Accept-Language), and the words the user
// reads for an error, whether it came over HTTP or as a socket `error` frame.

export function makeApi(lang) {
  return async function api(path, opts = {}) {
    const init = { credentials: "same-origin", ...opts, headers: { "accept-language": lang, ...(opts.headers || {}) } };
    if (opts.json !== undefined) {
      init.method = init.method || "POST";
      init.body = JSON.stringify(opts.json);
      init.headers["content-type"] = "application/json";
    }
    delete init.json;
    let r;
    try {
      r = await fetch(path, init);
    } catch {
      return { ok: false, status: 0, data: { code: "network" } };
    }
    let data = null;
    try { data = await r.json(); } catch { data = null; }
    return { ok: r.ok, status: r.status, data };
  };
}

// The console's own words for the codes it knows (err_<code> in i18n.js). Over HTTP the
// server's message is already in the user's language; a socket frame's message is for
// developers and is never shown.
export function errorText(t, error, { http = false } = {}) {
  const code = error?.code;
  // A request with fields the server refused: what it says about each field.
  const fields = http && error?.data?.fields ? Object.values(error.data.fields) : [];
  if (fields.length) return fields.join(" ");
  if (code && t.has(`err_${code}`)) return t(`err_${code}`, error.data || error);
  if (http && error?.message) return error.message;
  return t("failed");
}
