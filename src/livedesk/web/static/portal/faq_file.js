// The FAQ as a file: download it (CSV for a spreadsheet, JSON, Markdown for reading), or upload
// a file to add and update entries. An upload is first checked without storing anything (every
// bad row named by its line), then imported all or nothing.
import { el } from "/static/widget/dom.js";
import { errorText, query } from "/static/admin/api.js";
import { field, select } from "/static/admin/forms.js";
import { faqTabs } from "./faq.js";
import { enc, number } from "./util.js";

const FORMATS = ["csv", "json", "markdown"];
const EXTENSIONS = { csv: "csv", json: "json", md: "markdown", markdown: "markdown", txt: "markdown" };

// The raw file as the body (the import endpoint reads the bytes), in the page's language.
async function upload(ctx, format, dryRun, file) {
  const url = `/api/v1/businesses/${enc(ctx.business.id)}/faq/import${query({ format, dry_run: dryRun ? "true" : "false" })}`;
  try {
    const r = await fetch(url, {
      method: "POST", credentials: "same-origin", body: await file.arrayBuffer(),
      headers: { "content-type": "application/octet-stream", "accept-language": ctx.t.lang, accept: "application/json" },
    });
    let data = null;
    try { data = await r.json(); } catch { data = null; }
    return { ok: r.ok, status: r.status, data };
  } catch {
    return { ok: false, status: 0, data: null };
  }
}

function outcome(ctx, r, dryRun) {
  const { t } = ctx;
  if (r.ok) {
    const d = r.data;
    const figures = t("importFigures", { rows: number(t, d.rows), created: number(t, d.created), updated: number(t, d.updated), unchanged: number(t, d.unchanged) });
    return el("div", { class: dryRun ? "notice" : "card done" }, el("p", null, dryRun ? t("importChecked") : t("importDone")), el("p", null, figures));
  }
  const rows = r.data?.data?.errors || [];
  return el("div", { class: "summary", role: "alert" },
    el("h2", null, t("importRefused")),
    rows.length ? el("ul", null, rows.map((e) => el("li", null, t("importRowError", { line: e.line, field: e.field, message: e.message }))))
      : el("p", null, errorText(r, t)));
}

export async function filePage(ctx) {
  const { t } = ctx;
  const base = `/api/v1/businesses/${enc(ctx.business.id)}/faq/export`;
  const downloads = el("ul", { class: "downloads", id: "faq-downloads" }, FORMATS.map((f) => el("li", null,
    el("a", { href: `${base}?format=${f}`, download: "", "data-format": f }, t(`faqFormat_${f}`)))));
  const file = el("input", { type: "file", id: "faq-file", accept: ".csv,.json,.md,.markdown,.txt" });
  const format = select(FORMATS.map((f) => [f, t(`faqFormat_${f}`)]), "csv", { id: "faq-import-format" });
  file.addEventListener("change", () => {
    const ext = (file.files?.[0]?.name.split(".").pop() || "").toLowerCase();
    if (EXTENSIONS[ext]) format.value = EXTENSIONS[ext];
  });
  const result = el("div", { id: "import-result", "aria-live": "polite" });
  const importButton = el("button", { type: "button", class: "primary", id: "faq-import", disabled: true }, t("importNow"));
  const run = async (dryRun) => {
    const chosen = file.files?.[0];
    if (!chosen) { result.replaceChildren(el("p", { class: "error" }, t("chooseFile"))); return; }
    const r = await upload(ctx, format.value, dryRun, chosen);
    result.replaceChildren(outcome(ctx, r, dryRun));
    importButton.disabled = !(dryRun && r.ok);
    if (!dryRun && r.ok) ctx.status(t("importDone"));
  };
  file.addEventListener("change", () => { importButton.disabled = true; result.replaceChildren(); });
  importButton.addEventListener("click", () => run(false));
  ctx.page(t("faqFileTitle"), faqTabs(ctx, "bestand"),
    el("h2", null, t("download")),
    el("p", null, t("downloadHelp")),
    downloads,
    el("h2", null, t("upload")),
    el("p", null, t("uploadHelp")),
    el("form", { class: "form", id: "faq-import-form", novalidate: true, onsubmit: (e) => { e.preventDefault(); run(true); } },
      el("div", { class: "grid" }, field(t("file"), file), field(t("format"), format)),
      el("div", { class: "buttons" }, el("button", { type: "submit", class: "ghost", id: "faq-check" }, t("checkFile")), importButton)),
    result);
}
