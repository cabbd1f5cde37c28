"""Fixtures of the security tests (their helpers are in security_helpers.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from security_helpers import Listener, listening


@pytest.fixture
async def listener() -> AsyncIterator[Listener]:
    async with listening() as live:
        yield live
