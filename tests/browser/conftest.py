"""Browser fixtures: Debian's Chromium driven by Playwright (no browser downloads)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from livedesk_testing import missing_component

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]


def _have_chromium() -> bool:
    return shutil.which(str(CHROMIUM)) is not None


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    if not _have_chromium():
        missing_component(
            "LIVEDESK_REQUIRE_BROWSER", f"Debian's Chromium is not installed at {CHROMIUM}"
        )
    try:
        import playwright.async_api as playwright_api
    except ImportError:
        missing_component("LIVEDESK_REQUIRE_BROWSER", "Playwright is not installed")
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()
