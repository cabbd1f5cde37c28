"""A live server with routing on short timers, and helpers to drive operators and visitors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from livedesk.routing.engine import RoutingConfig
from livedesk.routing.options import RouterOptions

from livedesk_testing import (
    ORIGIN_A,
    LiveServer,
    WsClient,
    connect_agent,
    login,
    visitor_in_chat,
)

OPTIONS: dict[str, Any] = {}  # per-test overrides, see `routing_options`


def options(**kw: Any) -> RouterOptions:
    engine = RoutingConfig(
        offer_timeout=timedelta(seconds=kw.pop("offer_timeout", 2.0)),
        max_consecutive_expired=kw.pop("max_expired", 3),
        heartbeat_timeout=timedelta(seconds=kw.pop("heartbeat_timeout", 60.0)),
    )
    return RouterOptions(
        engine=engine,
        visitor_grace=timedelta(seconds=kw.pop("grace", 0.3)),
        queue_interval=kw.pop("queue_interval", 0.05),
        sweep_interval=kw.pop("sweep_interval", 1.0),
    )


async def agent(server: LiveServer, username: str, presence: str | None = "online") -> WsClient:
    client = await connect_agent(server, await login(server, username))
    await client.send(type="hello")
    welcome = await client.wait_type("welcome")
    client.user_id = welcome["user"]["id"]  # type: ignore[attr-defined]
    if presence is not None:
        await client.send(type="presence", state=presence)
        await client.wait_type("presence", state=presence)
    return client


async def visitor(
    server: LiveServer, widget_key: str = "key-alpha", origin: str = ORIGIN_A, **start: Any
) -> tuple[WsClient, str]:
    client, cid, _ = await visitor_in_chat(server, widget_key, origin, **start)
    return client, cid
