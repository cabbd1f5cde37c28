// Translations for the widget and the console: one table of texts per language, "{name}"
// placeholders filled in as plain text. A text missing from a table falls back to the
// fallback language's, then to its key.
export function translator(tables, lang, fallback = "nl") {
  const code = tables[lang] ? lang : fallback;
  const table = tables[code];
  const t = (key, vars) => {
    let text = table[key] ?? tables[fallback][key] ?? key;
    if (vars) for (const [k, v] of Object.entries(vars)) text = text.split(`{${k}}`).join(String(v));
    return text;
  };
  t.lang = code;
  return t;
}
