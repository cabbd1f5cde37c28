/* Livedesk widget loader: <script src="https://HOST/widget.js" data-widget="KEY" async>.
   The launcher only, dressed by the widget's configuration (fetched per page view, so back-office
   changes apply at once); panel.js loads on first open, by the content-hashed name the server
   writes into this file (so it may be cached for a year). Shadow DOM with a constructed stylesheet
   (fine under a strict CSP); one global, window.Livedesk. data-preview: the back office's preview
   page (configuration in data-config, never a visitor session). */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !me.dataset.widget || (window.Livedesk && window.Livedesk.key)) return;
  var key = me.dataset.widget;
  var base = new URL(me.src, location.href).origin;
  var preview = me.dataset.preview;
  var storeKey = "livedesk:" + key;
  var label = { nl: ["Chat met ons", "Chat sluiten", "ongelezen"], en: ["Chat with us", "Close chat", "unread"] };
  var ACCENT = "#0b5cad";
  var saved = {};
  if (preview === undefined) {
    try { saved = JSON.parse(localStorage.getItem(storeKey) || "{}") || {}; } catch (e) { saved = {}; }
  }
  var lang = "nl";
  var words = label.nl;
  var config = null;

  var host = document.createElement("div");
  host.setAttribute("data-livedesk", key);
  var root = host.attachShadow({ mode: "open" });
  var css =
    ":host{all:initial;position:fixed;right:16px;bottom:16px;z-index:2147483000;" +
    "font:15px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a}" +
    ":host([data-position=left]){right:auto;left:16px}" +
    ".launcher{position:relative;width:60px;height:60px;border-radius:50%;border:0;cursor:pointer;" +
    "background:var(--ld-accent,#0b5cad);color:var(--ld-on-accent,#fff);box-shadow:0 4px 14px rgba(0,0,0,.25);" +
    "display:flex;align-items:center;justify-content:center;gap:8px;font:600 15px/1.2 system-ui,sans-serif}" +
    ".launcher.text{width:auto;max-width:calc(100vw - 32px);height:52px;border-radius:26px;padding:0 20px 0 14px}" +
    ".caption{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}" +
    ".launcher:focus-visible{outline:3px solid #ffbf47;outline-offset:3px}" +
    ".launcher svg{width:30px;height:30px;flex:none;fill:currentColor}.text svg{width:24px;height:24px}" +
    ".badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;box-sizing:border-box;" +
    "border-radius:11px;background:#b00020;color:#fff;font:700 13px/22px system-ui,sans-serif;text-align:center}" +
    "[hidden]{display:none!important}";
  if (root.adoptedStyleSheets && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    var style = document.createElement("style");
    style.textContent = css;
    root.appendChild(style);
  }
  var launcher = document.createElement("button");
  launcher.className = "launcher";
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  var svgNs = "http://www.w3.org/2000/svg";
  var svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  var path = document.createElementNS(svgNs, "path");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
  svg.appendChild(path);
  var caption = document.createElement("span");
  caption.className = "caption";
  caption.setAttribute("aria-hidden", "true"); // the button's label says it, with the unread count
  var badge = document.createElement("span");
  badge.className = "badge";
  badge.hidden = true;
  launcher.appendChild(svg);
  launcher.appendChild(caption);
  launcher.appendChild(badge);
  var panel = document.createElement("div");
  panel.className = "panel";
  panel.hidden = true;
  root.appendChild(panel);
  root.appendChild(launcher);

  var api = null;
  var loading = null;
  var isOpen = false;
  var unread = 0;

  // The visitor's first browser language we speak; Dutch when neither.
  function browserLang() {
    var prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    for (var i = 0; i < prefs.length; i++) {
      var code = String(prefs[i] || "").slice(0, 2).toLowerCase();
      if (code === "nl" || code === "en") return code;
    }
    return "nl";
  }

  function pickLang(cfg) {
    var asked = me.dataset.lang;
    if (asked === "nl" || asked === "en") return asked; // the embedding page decides
    var set = String((cfg && cfg.language) || "nl");
    return set === "auto" ? browserLang() : set.slice(0, 2) === "en" ? "en" : "nl";
  }

  function luminance(hex) {
    var sum = 0, weights = [0.2126, 0.7152, 0.0722];
    for (var i = 0; i < 3; i++) {
      var c = parseInt(hex.substr(1 + 2 * i, 2), 16) / 255;
      sum += weights[i] * (c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
    }
    return sum;
  }

  function contrast(a, b) {
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }

  // Text on the accent: white when that reads at WCAG AA (4.5:1), else near-black, else black
  // (one of white and black always reaches 4.5:1).
  function onAccent(accent) {
    if (contrast(accent, "#ffffff") >= 4.5) return "#ffffff";
    return contrast(accent, "#1a1a1a") >= 4.5 ? "#1a1a1a" : "#000000";
  }

  // Applies a configuration's look and language to the launcher; the panel reads the same
  // custom properties. Returns the language picked.
  function apply(cfg) {
    config = cfg;
    var look = (cfg && cfg.settings && cfg.settings.look) || {};
    var accent = /^#[0-9a-f]{6}$/i.test(look.accent_color) ? look.accent_color : ACCENT;
    host.style.setProperty("--ld-accent", accent);
    host.style.setProperty("--ld-on-accent", onAccent(accent));
    // The accent as text or border on the panel's white, when it is dark enough for that.
    host.style.setProperty("--ld-accent-ink", contrast(accent, "#ffffff") >= 4.5 ? accent : "#1a1a1a");
    host.setAttribute("data-position", look.position === "left" ? "left" : "right");
    var text = typeof look.launcher_text === "string" ? look.launcher_text.trim() : "";
    caption.textContent = text;
    caption.hidden = !text;
    launcher.classList.toggle("text", !!text);
    lang = pickLang(cfg);
    words = label[lang].slice();
    if (text) words[0] = words[1] = text; // the visible text stays the accessible name
    setOpen(isOpen);
    if (!isOpen) setBadge(unread);
    return lang;
  }

  function fetchConfig(language) {
    return fetch(base + "/api/v1/widget/" + encodeURIComponent(key) + "/config", {
      headers: { "Accept-Language": language },
    }).then(function (r) { return r.ok ? r.json() : null; });
  }

  function configure() {
    if (preview !== undefined) {
      try { return Promise.resolve(JSON.parse(me.dataset.config || "null")); } catch (e) { return Promise.resolve(null); }
    }
    // The server words a refusal in the widget's fixed language, else in the one asked for here.
    return fetchConfig(browserLang()).catch(function () { return null; });
  }
  var configured = configure().then(function (cfg) { apply(cfg); return cfg; });

  function load() {
    if (!loading) {
      var file = preview === undefined ? "/widget/panel.js" : "/widget/preview.js";
      loading = configured.then(function () { return import(base + file); }).then(function (mod) {
        return mod.mount({ root: root, panel: panel, launcher: launcher, badge: badge, key: key,
                           base: base, lang: lang, config: config, preview: preview, storeKey: storeKey,
                           setOpen: setOpen, setBadge: setBadge, apply: apply });
      }).then(function (a) { api = a; return a; });
      loading.catch(function () { loading = null; });
    }
    return loading;
  }

  function setOpen(open) {
    isOpen = open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.setAttribute("aria-label", open ? words[1] : words[0]);
  }

  function setBadge(n) {
    unread = n || 0;
    badge.hidden = !n;
    badge.textContent = n > 9 ? "9+" : String(n || "");
    if (!isOpen) launcher.setAttribute("aria-label", words[0] + (n ? " (" + n + " " + words[2] + ")" : ""));
  }

  function open() {
    return load().then(function (a) { a.open(); });
  }
  function close() {
    if (api) api.close();
  }

  launcher.addEventListener("click", function () { if (isOpen) close(); else open(); });

  // Takes the widget off the page: the panel stops its socket, timers and listeners.
  function destroy() {
    if (api) api.destroy();
    loading = Promise.reject(new Error("removed"));
    loading.catch(function () {});
    if (host.parentNode) host.parentNode.removeChild(host);
    delete window.Livedesk;
  }

  window.Livedesk = Object.freeze({
    key: key,
    open: open,
    close: close,
    toggle: function () { return isOpen ? close() : open(); },
    destroy: destroy,
  });

  // Shown once the look is known (with the defaults if the configuration cannot be read), so the
  // launcher never jumps from one side or colour to another.
  function attach() {
    configured.then(function () {
      document.body.appendChild(host);
      if (preview !== undefined) open();
      else if (saved.cid || saved.open) load().then(function (a) { if (saved.open) a.open({ restore: true }); });
    });
  }
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
})();
