// Keeps the URL shareable: recompute on change without a full reload, and put every input
// in the query string. Without JavaScript the form still works (plain GET).
const form = document.getElementById("plan-form");

function query() {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(form)) {
    if (String(value).trim() !== "") params.set(key, String(value).trim());
  }
  return params.toString();
}

let timer = null;
form?.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    const qs = query();
    const response = await fetch(`/plan?${qs}`);
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = doc.getElementById("result");
    const current = document.getElementById("result");
    if (fresh && current) current.replaceWith(fresh);
    const error = doc.querySelector(".error");
    document.querySelector(".error")?.remove();
    if (error) form.after(error);
    history.replaceState(null, "", `/plan?${qs}`);
  }, 400);
});
