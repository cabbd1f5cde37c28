"""Size of everything the visitor widget loads before the visitor opens the chat.

Before opening, a page that embeds `<script src=".../widget.js" data-widget="KEY" async>` loads
widget.js only (launcher and styles are inside it; the chat panel, its CSS, the dictionary and
the DOM helpers are imported on first open). A returning visitor with an open conversation also
loads the panel at once, so that total is printed too.

Livedesk serves these files uncompressed (no Content-Encoding), so the raw size is what crosses
the wire today and what the budget is checked against. The gzip size (each file compressed on
its own at level 9, as each is its own response) is what a compressing reverse proxy would send.

Usage: .venv/bin/python bench/widget_size.py
"""

from __future__ import annotations

import gzip
from pathlib import Path

import livedesk.web

BUDGET = 30_000  # bytes: "at most 30 KB" before the chat opens
STATIC = Path(livedesk.web.__file__).parent / "static" / "widget"
BEFORE_OPEN = ["widget.js"]
ON_OPEN = ["panel.js", "i18n.js", "dom.js", "widget.css"]


def sizes(names: list[str]) -> tuple[int, int]:
    raw = sum((STATIC / n).stat().st_size for n in names)
    packed = sum(
        len(gzip.compress((STATIC / n).read_bytes(), compresslevel=9, mtime=0)) for n in names
    )
    return raw, packed


def line(label: str, names: list[str]) -> int:
    raw, packed = sizes(names)
    print(
        f"{label}: {raw} B = {raw / 1024:.1f} KiB as served (uncompressed),"
        f" {packed / 1024:.1f} KiB if gzipped"
    )
    return raw


def main() -> None:
    before = line(f"before opening ({', '.join(BEFORE_OPEN)})", BEFORE_OPEN)
    line(f"everything, after opening (+ {', '.join(ON_OPEN)})", BEFORE_OPEN + ON_OPEN)
    verdict = "within" if before <= BUDGET else "OVER"
    print(f"before opening: {verdict} the {BUDGET // 1000} KB budget, as served")
    if before > BUDGET:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
