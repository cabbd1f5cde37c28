"""The XSS corpus and the checks the browser XSS test makes on every page it renders.

Every tag in the corpus carries `data-xss`, so any element the markup managed to create is
found; every script in it calls alert(), so any that ran opens a dialog. A page passes when no
dialog opened, no `data-xss` element and no `javascript:` link or source exists (open shadow
roots included: the widget lives in one), and the texts it should show are there, literally.
"""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

# Each a visitor, an operator or a client could type; together they fit one 4000-character
# message limit's worth per entry.
CORPUS = [
    '<script data-xss>alert("xss-script")</script>',
    '<img data-xss src=x onerror=alert("xss-img")>',
    '"><svg data-xss onload=alert("xss-svg")><circle r=9></svg>',
    "'><iframe data-xss src=\"javascript:alert('xss-frame')\"></iframe>",
    "<a data-xss href=\"javascript:alert('xss-link')\">klik hier</a>",
    "javascript:alert('xss-url')",
    '<math><mtext><table><mglyph><style><img data-xss src=x onerror=alert("xss-math")>',
    "</textarea></title></style><b data-xss>half open",
    '<div data-xss style="position:fixed;inset:0;background:red">',
    '<!-- --><img data-xss src=x onerror=alert("xss-comment")> -->',
    "{{constructor.constructor('alert(\"xss-tpl\")')()}} ${alert('xss-js')}",
    "&lt;b data-xss&gt; stays an entity &amp; &#60;i data-xss&#62;",
    "Bestand factuur\u202egnp.exe\u202c ontvangen",  # a right-to-left override
    "zero\u200bwidth\u200c joiner\u200d word\u2060joiner\ufeffend",
    "مرحبا <b data-xss>שלום</b> עולם",
    "Lang" + "woord" * 600,  # one 3004-character word
]
# For fields of at most 200 characters (names, titles).
SHORT = (
    "Ann \"><img data-xss src=x onerror=alert('xss-name')><script data-xss>alert(2)</script>\u202e"
)

SCAN = """() => {
  const roots = [document];
  const out = { injected: [], scriptLinks: [], text: "" };
  for (let i = 0; i < roots.length; i++) {
    const root = roots[i];
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) roots.push(el.shadowRoot);
      if (el.hasAttribute("data-xss")) out.injected.push(el.outerHTML.slice(0, 160));
      for (const name of ["href", "src", "action", "formaction", "xlink:href"]) {
        const value = (el.getAttribute(name) || "").replace(/\\s/g, "").toLowerCase();
        if (value.startsWith("javascript:")) out.scriptLinks.push(el.outerHTML.slice(0, 160));
      }
    }
    out.text += (root === document ? document.body : root).textContent + "\\n";
  }
  out.pwned = window.__xss ?? null;
  return out;
}"""


def watch_dialogs(page: Any) -> list[str]:
    """Every dialog the page opens (alert, confirm, prompt), dismissed and remembered."""
    seen: list[str] = []
    dismissing: set[asyncio.Future[None]] = set()

    def on_dialog(dialog: Any) -> None:
        seen.append(f"{dialog.type}: {dialog.message}")
        task = asyncio.ensure_future(dialog.dismiss())
        dismissing.add(task)
        task.add_done_callback(dismissing.discard)

    page.on("dialog", on_dialog)
    page.dialogs = seen
    return seen


async def assert_clean(page: Any, where: str, shows: list[str]) -> None:
    """No dialog, no injected element, no script link; every text in `shows` literally there."""
    found = await page.evaluate(SCAN)
    assert page.dialogs == [], f"{where}: dialogs opened: {page.dialogs}"
    assert found["injected"] == [], f"{where}: markup became elements: {found['injected']}"
    assert found["scriptLinks"] == [], f"{where}: javascript: links: {found['scriptLinks']}"
    assert found["pwned"] is None, f"{where}: a script ran"
    missing = [text[:80] for text in shows if text not in found["text"]]
    assert missing == [], f"{where}: not shown literally: {missing}"


async def wait_for_text(page: Any, text: str, timeout: float = 15.0) -> None:
    """Until `text` is in the page's text (open shadow roots included)."""
    script = SCAN.replace("() => {", "(want) => {", 1).replace(
        "return out;", "return out.text.includes(want);"
    )
    await page.wait_for_function(script, arg=text, timeout=timeout * 1000)


def mail_parts(message: EmailMessage) -> tuple[str, str | None]:
    """The mail's plain text and its HTML alternative, if it has one."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return (
        text.get_content() if text is not None else "",
        html.get_content() if html is not None else None,
    )


async def render_mail(page: Any, message: EmailMessage) -> str:
    """Shows the mail as a mail program would: its HTML part when it has one, else its text as
    text. Returns the plain text."""
    text, html = mail_parts(message)
    if html is not None:
        await page.set_content(html)
    else:
        await page.goto("data:text/plain;charset=utf-8," + quote(text))
    return text
