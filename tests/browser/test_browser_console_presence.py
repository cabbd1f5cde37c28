"""Presence in Chromium: set away after unanswered offers, the console says so and brings the
operator back in one click; a supervisor's hand says so too; a closed browser is offline
within seconds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from console_helpers import open_all_day, open_console, operators_online, presence_of, visitor

from livedesk.routing.engine import RoutingConfig
from livedesk.routing.options import RouterOptions
from livedesk.settings import Settings

from livedesk_testing import LiveServer, World, login

pytestmark = pytest.mark.browser


@pytest.fixture
async def quick(settings: Settings, world: World) -> AsyncIterator[LiveServer]:
    """Offers that expire after 1.5 s; two missed in a row set the operator away."""
    live = LiveServer(settings)
    live.app.state.routing_options = RouterOptions(
        engine=RoutingConfig(offer_timeout=timedelta(seconds=1.5), max_consecutive_expired=2)
    )
    await live.start()
    try:
        yield live
    finally:
        await live.stop()


async def test_away_after_missed_offers_is_said_and_one_click_brings_back(
    quick: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await open_all_day(settings, world)
    ctx, op = await open_console(browser, quick, world.a.operator)
    await operators_online(quick, world.a.widget_key, 1)
    assert await op.locator("#presence-banner").is_hidden()
    guest = await visitor(quick, first="Hallo?")
    banner = op.locator("#presence-banner")
    await banner.wait_for(timeout=15000)  # two offers of 1.5 s went unanswered
    assert await banner.get_attribute("role") == "alert"
    assert (await banner.locator(".banner-text").inner_text()).startswith("Je staat op Afwezig")
    assert await op.locator("#presence").input_value() == "away"
    assert await op.evaluate("document.activeElement.id") != "presence-back"  # not taken
    assert await presence_of(quick, world.a.operator) == "away"
    await op.click("#presence-back")
    await banner.wait_for(state="hidden")
    assert await op.locator("#presence").input_value() == "online"
    assert await presence_of(quick, world.a.operator) == "online"

    # A supervisor sets the operator away from the floor: the console says who did it.
    cookies = {"livedesk_session": await login(quick, world.supervisor)}
    async with quick.http(cookies=cookies) as http:
        me = (await http.get("/api/v1/floor")).json()["operators"]
        (alpha,) = [o for o in me if o["name"] == "Op alpha"]
        r = await http.post(
            f"/api/v1/floor/operators/{alpha['operator_id']}/presence", json={"state": "away"}
        )
        assert r.status_code == 200, r.text
    await banner.wait_for()
    assert await banner.locator(".banner-text").inner_text() == (
        "Een supervisor heeft je op Afwezig gezet."
    )
    assert op.js_errors == []
    await guest.close()
    await ctx.close()


async def test_a_closed_browser_is_offline_within_seconds(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await open_all_day(settings, world)
    ctx, _ = await open_console(browser, server, world.a.operator)
    await operators_online(server, world.a.widget_key, 1)
    await asyncio.sleep(1.5)  # the server has seen the console
    await ctx.close()
    started = time.monotonic()
    while await presence_of(server, world.a.operator) != "offline":
        assert time.monotonic() - started < 9, "still online 9 s after the browser closed"
        await asyncio.sleep(0.2)
    async with server.http() as http:
        availability = (await http.get(f"/api/v1/widget/{world.a.widget_key}/availability")).json()
    assert availability["operators_online"] == 0
