"""A foreign page cannot open the staff socket with a logged-in staff member's cookie.

A browser sends the session cookie on a WebSocket handshake to this server from any page, but
it always names that page in `Origin`: the handshake is refused unless the page is Livedesk's
own. Scripts and other servers send no `Origin` and keep working.
"""

from __future__ import annotations

from typing import Any

import pytest
import websockets
from websockets.typing import Origin

from livedesk_testing import LiveServer, World, WsClient, login

FOREIGN = "https://evil.example"


async def _open(server: LiveServer, secret: str, origin: str | None) -> WsClient:
    ws = await websockets.connect(
        f"{server.ws_url}/ws/agent",
        compression=None,
        origin=Origin(origin) if origin is not None else None,
        additional_headers={"Cookie": f"livedesk_session={secret}"},
    )
    return WsClient(ws)


async def _welcomed(client: WsClient) -> dict[str, Any]:
    try:
        await client.send(type="hello")
        return await client.wait_type("welcome")
    finally:
        await client.close()


async def test_a_foreign_origin_with_a_valid_cookie_is_refused(
    server: LiveServer, world: World
) -> None:
    secret = await login(server, world.a.operator)
    for origin in (FOREIGN, "null", server.url.replace("127.0.0.1", "localhost")):
        with pytest.raises(websockets.InvalidStatus) as refused:
            await _open(server, secret, origin)
        assert refused.value.response.status_code == 403, origin


async def test_own_origin_and_no_origin_open_the_socket(server: LiveServer, world: World) -> None:
    secret = await login(server, world.a.operator)
    own = await _welcomed(await _open(server, secret, server.url))
    assert own["user"]["name"] == "Op alpha"
    script = await _welcomed(await _open(server, secret, None))
    assert script["user"]["name"] == "Op alpha"
