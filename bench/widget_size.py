"""Size of what the visitor widget costs a visitor, as Livedesk serves it.

Before the visitor opens the chat, a page that embeds `<script src=".../widget.js"
data-widget="KEY" async>` loads widget.js only (launcher and its styles inside). On first open
(at once for a returning visitor with an open conversation) it imports panel.js, served with
every module it imports statically inlined (src/livedesk/web/bundle.py): its views and frames,
the transcript, the composer, the connection, the texts, the DOM helpers, the stylesheet and
the shared socket and translation modules. What only some visitors need loads when they need
it (LATER).

Sizes are the bodies as served: minified and bundled, and gzipped as the server sends them
(level 9, made once; src/livedesk/web/assets.py). Response headers are not in these figures:
tests/browser/test_browser_widget_transfer.py measures the bytes on the wire, headers included,
in Chromium through the DevTools protocol. With the `brotli` package installed (it is not a
dependency) the brotli size is printed too, for comparison.

Usage: .venv/bin/python bench/widget_size.py
"""

from __future__ import annotations

import importlib

from livedesk.web.assets import Asset
from livedesk.web.bundle import IMPORT, _target
from livedesk.web.minify import minify_js
from livedesk.web.views import ASSETS

BEFORE_BUDGET = 30_000  # bytes gzipped before the chat opens
OPENED_BUDGET = 15_000  # bytes gzipped for an opened widget (on the wire: see the browser test)
BEFORE_OPEN = ["widget/widget.js"]
ON_OPEN = ["widget/panel.js"]
LATER = {
    "a pre-chat form": ["widget/forms.js", "widget/form-texts.js"],
    "the offline form": ["widget/offline.js", "widget/forms.js", "widget/form-texts.js"],
    "the end of a chat": ["widget/ending.js", "widget/form-texts.js"],
    "English": ["widget/en.js"],
    "a file sent or shown": ["widget/attach.js"],
    "the bot's offered choices": ["widget/choices.js"],
}


def inlined(entry: str) -> list[str]:
    """The modules served inside `entry` (its static imports, followed through)."""
    found: list[str] = []
    todo = [entry]
    while todo:
        name = todo.pop()
        path = ASSETS.root / name
        if not path.is_file():
            continue  # widget.css.js: made from widget.css by the server
        text = minify_js(path.read_text("utf-8"))  # as the bundler reads it
        for match in IMPORT.finditer(text):
            target = _target(name, match[3])
            if target and target not in found:
                found.append(target)
                todo.append(target)
    return sorted(found)


def asset(name: str) -> Asset:
    found = ASSETS.get(name)
    assert found is not None, name
    return found[0]


def brotli_size(body: bytes) -> int | None:
    try:
        brotli = importlib.import_module("brotli")
    except ImportError:
        return None
    return len(brotli.compress(body, quality=11))


def line(label: str, names: list[str]) -> int:
    assets = [asset(n) for n in names]
    raw = sum(len(a.body) for a in assets)
    packed = sum(len(a.gzipped or a.body) for a in assets)
    sizes = [brotli_size(a.body) for a in assets]
    br = f", {sum(s for s in sizes if s is not None):,} B brotli" if None not in sizes else ""
    print(f"{label}: {raw:,} B as served, {packed:,} B gzipped{br}")
    return packed


def main() -> None:
    print(f"panel.js carries: {', '.join(inlined('widget/panel.js'))}")
    before = line(f"before opening ({', '.join(BEFORE_OPEN)})", BEFORE_OPEN)
    opened = line(f"opened (+ {', '.join(ON_OPEN)})", BEFORE_OPEN + ON_OPEN)
    for what, names in LATER.items():
        line(f"  later, for {what} (+ {', '.join(sorted(set(names)))})", sorted(set(names)))
    ok = before <= BEFORE_BUDGET and opened <= OPENED_BUDGET
    print(
        f"budgets: before opening {before:,} of {BEFORE_BUDGET:,} B, opened {opened:,} of"
        f" {OPENED_BUDGET:,} B gzipped: {'within' if ok else 'OVER'}"
    )
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
