"""When a console's login ends (here: the operator is deactivated), it goes back to its login
form and leaves nothing behind: no listener on the document or the window, no socket trying
to reconnect (counted through the DevTools protocol)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from console_helpers import open_all_day, open_console, operators_online

from livedesk.settings import Settings
from roles_testing import create_admin

from livedesk_testing import LiveServer, World, login

pytestmark = pytest.mark.browser

WATCHED = ("keydown", "visibilitychange", "online", "offline")


async def listeners(page: Any) -> Counter[str]:
    """The watched event listeners on `document` and `window`, by type."""
    cdp = await page.context.new_cdp_session(page)
    found: Counter[str] = Counter()
    for target in ("document", "window"):
        ref = await cdp.send("Runtime.evaluate", {"expression": target})
        got = await cdp.send(
            "DOMDebugger.getEventListeners", {"objectId": ref["result"]["objectId"]}
        )
        found.update(f"{target}:{x['type']}" for x in got["listeners"] if x["type"] in WATCHED)
    await cdp.detach()
    return found


async def test_an_ended_login_leaves_no_listener_and_no_socket(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await open_all_day(settings, world)
    await create_admin(settings)
    ctx, op = await open_console(browser, server, world.a.operator)
    await operators_online(server, world.a.widget_key, 1)
    sockets: list[Any] = []
    op.on("websocket", lambda ws: sockets.append(ws))
    mounted = await listeners(op)
    assert mounted["document:keydown"] >= 1 and mounted["window:online"] >= 1

    cookies = {"livedesk_session": await login(server, "admin")}
    async with server.http(cookies=cookies) as http:
        me = (await http.get("/api/v1/users", params={"role": "operator"})).json()
        (alpha,) = [u for u in me if u["username"] == world.a.operator]
        r = await http.post(f"/api/v1/users/{alpha['id']}/deactivate")
        assert r.status_code == 200, r.text
    await op.wait_for_selector("#login-err:has-text('Je account is gedeactiveerd')")
    assert await op.locator("#chatlist").count() == 0
    left = await listeners(op)
    assert sum(left.values()) == 0, left
    await asyncio.sleep(3)  # a socket left behind would have tried again by now
    assert sockets == []
    await op.keyboard.press("Alt+1")  # the shortcuts went with the console
    assert op.js_errors == []
    await ctx.close()
