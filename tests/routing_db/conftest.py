"""A live server with routing on short timers, and helpers to drive operators and visitors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from routing_helpers import (
    options,
)

from livedesk.settings import Settings

from livedesk_testing import (
    LiveServer,
    World,
)


@pytest.fixture
def routing_options() -> dict[str, Any]:
    """Tests change timers by filling this dict before asking for `rserver`."""
    return {}


@pytest.fixture
async def rserver(
    settings: Settings, world: World, routing_options: dict[str, Any]
) -> AsyncIterator[LiveServer]:
    live = LiveServer(settings)
    live.app.state.routing_options = options(**routing_options)
    await live.start()
    try:
        yield live
    finally:
        await live.stop()
