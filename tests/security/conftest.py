"""Fixtures of the security tests (their helpers are in security_helpers.py)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest
from security_helpers import Listener, listening

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
async def listener() -> AsyncIterator[Listener]:
    async with listening() as live:
        yield live


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Debian's Chromium through Playwright, as in tests/browser (skipped where it is absent)."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    playwright_api = pytest.importorskip("playwright.async_api")
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            await browser.close()
