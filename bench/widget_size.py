"""Gzipped size of everything the visitor widget loads before the visitor opens the chat.

Before opening, a page that embeds `<script src=".../widget.js" data-widget="KEY" async>` loads
widget.js only (launcher and styles are inside it; the chat panel, its CSS, the dictionary and
the DOM helpers are imported on first open). A returning visitor with an open conversation also
loads the panel at once, so that total is printed too.

Usage: .venv/bin/python bench/widget_size.py
"""

from __future__ import annotations

import gzip
from pathlib import Path

import livedesk.web

BUDGET = 30 * 1024
STATIC = Path(livedesk.web.__file__).parent / "static" / "widget"
BEFORE_OPEN = ["widget.js"]
ON_OPEN = ["panel.js", "i18n.js", "dom.js", "widget.css"]


def gz(names: list[str]) -> tuple[int, int]:
    raw = sum((STATIC / n).stat().st_size for n in names)
    # Each file is its own HTTP response, so each is compressed on its own.
    packed = sum(
        len(gzip.compress((STATIC / n).read_bytes(), compresslevel=9, mtime=0)) for n in names
    )
    return raw, packed


def main() -> None:
    raw, packed = gz(BEFORE_OPEN)
    print(
        f"before opening ({', '.join(BEFORE_OPEN)}): {raw} B raw, {packed} B gzipped "
        f"= {packed / 1024:.1f} KiB of the {BUDGET // 1024} KiB budget "
        f"({'OK' if packed <= BUDGET else 'OVER BUDGET'})"
    )
    raw2, packed2 = gz(BEFORE_OPEN + ON_OPEN)
    print(
        f"everything, after opening (+ {', '.join(ON_OPEN)}): {raw2} B raw, {packed2} B "
        f"gzipped = {packed2 / 1024:.1f} KiB ({'OK' if packed2 <= BUDGET else 'OVER'} "
        f"against the same budget)"
    )
    if packed > BUDGET:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
