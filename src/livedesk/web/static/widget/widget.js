/* Livedesk visitor widget loader: <script src="https://HOST/widget.js" data-widget="KEY" async>.
   Only the launcher lives here; the chat panel (panel.js) is imported on first open, or at once
   when this visitor already has a conversation (so the unread badge works across pages).
   Everything sits in a Shadow DOM; the only global is window.Livedesk. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !me.dataset.widget || (window.Livedesk && window.Livedesk.key)) return;
  var key = me.dataset.widget;
  var base = new URL(me.src, location.href).origin;
  var storeKey = "livedesk:" + key;
  var lang = me.dataset.lang || ((document.documentElement.lang || "").slice(0, 2) === "en" ? "en" : "nl");
  var label = { nl: ["Chat met ons", "Chat sluiten", "ongelezen"], en: ["Chat with us", "Close chat", "unread"] };
  var saved = {};
  try { saved = JSON.parse(localStorage.getItem(storeKey) || "{}") || {}; } catch (e) { saved = {}; }
  if (saved.lang) lang = me.dataset.lang || saved.lang;
  var words = label[lang] || label.nl;

  var host = document.createElement("div");
  host.setAttribute("data-livedesk", key);
  var root = host.attachShadow({ mode: "open" });
  var style = document.createElement("style");
  style.textContent =
    ":host{all:initial;position:fixed;right:16px;bottom:16px;z-index:2147483000;" +
    "font:15px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a}" +
    ".launcher{position:relative;width:60px;height:60px;border-radius:50%;border:0;cursor:pointer;" +
    "background:#0b5cad;color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25);display:grid;place-items:center}" +
    ".launcher:focus-visible{outline:3px solid #ffbf47;outline-offset:3px}" +
    ".launcher svg{width:30px;height:30px;fill:currentColor}" +
    ".badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;box-sizing:border-box;" +
    "border-radius:11px;background:#b00020;color:#fff;font:700 13px/22px system-ui,sans-serif;text-align:center}" +
    "[hidden]{display:none!important}";
  var launcher = document.createElement("button");
  launcher.className = "launcher";
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-label", words[0]);
  var svgNs = "http://www.w3.org/2000/svg";
  var svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  var path = document.createElementNS(svgNs, "path");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
  svg.appendChild(path);
  var badge = document.createElement("span");
  badge.className = "badge";
  badge.hidden = true;
  launcher.appendChild(svg);
  launcher.appendChild(badge);
  var panel = document.createElement("div");
  panel.className = "panel";
  panel.hidden = true;
  root.appendChild(style);
  root.appendChild(panel);
  root.appendChild(launcher);

  var api = null;
  var loading = null;
  var isOpen = false;

  function load() {
    if (!loading) {
      loading = import(base + "/widget/panel.js").then(function (mod) {
        api = mod.mount({ root: root, panel: panel, launcher: launcher, badge: badge, key: key,
                          base: base, lang: me.dataset.lang || "", storeKey: storeKey, setOpen: setOpen,
                          setBadge: setBadge });
        return api;
      });
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

  window.Livedesk = Object.freeze({
    key: key,
    open: open,
    close: close,
    toggle: function () { return isOpen ? close() : open(); },
  });

  function attach() {
    document.body.appendChild(host);
    if (saved.cid || saved.open) load().then(function (a) { if (saved.open) a.open({ restore: true }); });
  }
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
})();
