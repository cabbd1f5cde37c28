"""Two Livedesk processes on one database and a Redis this test owns: killing Redis and starting
it again costs the clients a resync (close 4014, reconnect, resume), never silence."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import pytest
from sqlalchemy import select

from livedesk.conversations.models import Message
from livedesk.realtime.connection import CLOSE_RESYNC
from livedesk.settings import Settings
from redis_testing import OwnRedis

from livedesk_testing import (
    LiveServer,
    World,
    WsClient,
    connect_agent,
    connect_visitor,
    free_port,
    login,
    running,
    visitor_token,
)

ORIGIN = "https://alpha.example"


async def readiness(node: LiveServer, status: int, timeout: float = 8.0) -> dict[str, Any]:
    """Polls /readyz until it answers `status`; returns its body."""
    deadline = time.monotonic() + timeout
    async with node.http() as http:
        while True:
            response = await http.get("/readyz")
            if response.status_code == status:
                return dict(response.json())
            assert time.monotonic() < deadline, f"/readyz stayed {response.status_code}"
            await asyncio.sleep(0.05)


def message_seqs(*clients: WsClient) -> list[int]:
    return [f["seq"] for client in clients for f in client.of_type("message")]


async def told_to_resync(client: WsClient) -> None:
    await asyncio.wait_for(client.closed.wait(), timeout=5)
    assert client.ws.close_code == CLOSE_RESYNC


async def test_a_redis_restart_makes_clients_resync_and_loses_nothing(
    settings: Settings, world: World, own_redis: OwnRedis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="livedesk.realtime.broker")
    nodes = [
        settings.model_copy(update={"redis_url": own_redis.url, "port": free_port()})
        for _ in range(2)
    ]
    async with running(nodes[0]) as node1, running(nodes[1]) as node2:
        token = await visitor_token(node1, world.a.widget_key, ORIGIN)
        session = await login(node2, world.a.operator)
        visitor = await connect_visitor(node1, token, ORIGIN)
        agent = await connect_agent(node2, session)
        await agent.send(type="hello")
        await agent.wait_type("welcome")
        await visitor.send(type="hello")
        await visitor.send(type="start")
        cid = (await visitor.wait_type("conversation"))["conversation_id"]
        await agent.wait_type("conversation", conversation_id=cid)
        await agent.send(type="accept", conversation_id=cid)
        await visitor.wait_for(lambda f: f.get("state") == "active")
        await visitor.send(type="send", conversation_id=cid, client_msg_id="v1", body="voor")
        await agent.wait_type("message", seq=1)

        own_redis.kill()
        for node in (node1, node2):
            down = await readiness(node, 503)
            assert down["status"] == "unavailable" and down["bus"] == "down"
            assert down["bus_outages"] == 1
        # Stored and acknowledged while the bus is down, but nobody hears of them live.
        await visitor.send(type="send", conversation_id=cid, client_msg_id="v2", body="tijdens")
        assert (await visitor.wait_type("ack", client_msg_id="v2"))["seq"] == 2
        await agent.send(type="send", conversation_id=cid, client_msg_id="a1", body="ook tijdens")
        assert (await agent.wait_type("ack", client_msg_id="a1"))["seq"] == 3
        await asyncio.sleep(1.5)  # a few seconds of outage in all

        own_redis.start()
        for node in (node1, node2):
            up = await readiness(node, 200)
            assert up["bus"] == "up" and up["bus_outages"] == 1
        assert (await readiness(node1, 200))["bus_publishes_while_down"] >= 1
        assert (await readiness(node2, 200))["bus_publishes_while_down"] >= 1
        await told_to_resync(visitor)
        await told_to_resync(agent)
        assert 2 not in message_seqs(agent) and 3 not in message_seqs(visitor)

        # Reconnect and resume from the last seq held: the outage's messages come from the
        # database, and what is sent from now on arrives live on the other node.
        visitor2 = await connect_visitor(node1, token, ORIGIN)
        agent2 = await connect_agent(node2, session)
        await visitor2.send(type="hello", resume={cid: max(message_seqs(visitor), default=0)})
        await agent2.send(type="hello", resume={cid: max(message_seqs(agent))})
        await agent2.wait_type("message", seq=3)
        await visitor2.wait_type("message", seq=3)
        await visitor2.send(type="send", conversation_id=cid, client_msg_id="v3", body="na")
        assert (await agent2.wait_type("message", seq=4))["body"] == "na"
        await agent2.send(type="send", conversation_id=cid, client_msg_id="a2", body="ook na")
        assert (await visitor2.wait_type("message", seq=5))["body"] == "ook na"

        async with node1.runtime.reading() as db:
            stored = list(
                await db.scalars(
                    select(Message.seq)
                    .where(Message.conversation_id == cid, Message.internal.is_(False))
                    .order_by(Message.seq)
                )
            )
        assert stored == [1, 2, 3, 4, 5]
        # One line per process when the bus went down, one when it came back.
        lines = [(r.levelno, r.getMessage()) for r in caplog.records if "event bus" in r.message]
        assert sum(level == logging.WARNING and "lost" in m for level, m in lines) == 2
        assert sum(level == logging.INFO and "is back" in m for level, m in lines) == 2
        # Each side holds every stored message exactly once, in order, across its two sockets.
        await asyncio.sleep(0.2)  # a late duplicate would arrive by now
        for first, second in ((visitor, visitor2), (agent, agent2)):
            assert message_seqs(first, second) == stored
        for client in (visitor2, agent2):
            with contextlib.suppress(Exception):
                await client.close()
