"""A closed console counts as offline within seconds: when an operator's last staff socket in a
process closes and no console is back (here) or heartbeats (from another process) within the
disconnect grace, they go offline and their chats go back to the queue ahead of new arrivals."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from routing_helpers import agent, options, visitor
from sqlalchemy import select

from livedesk.conversations.models import Conversation
from livedesk.db import read_only
from livedesk.routing.models import PresenceLog, RoutingOperator
from livedesk.routing.options import RouterOptions
from livedesk.settings import Settings

from livedesk_testing import LiveServer, World

DEFAULT_GRACE = RouterOptions().disconnect_grace.total_seconds()


@pytest.fixture
async def oserver(settings: Settings, world: World) -> AsyncIterator[LiveServer]:
    """Routing on short offer timers, the disconnect grace as shipped."""
    live = LiveServer(settings)
    live.app.state.routing_options = dataclasses.replace(
        options(), disconnect_grace=timedelta(seconds=DEFAULT_GRACE)
    )
    await live.start()
    try:
        yield live
    finally:
        await live.stop()


async def _presence(server: LiveServer, user_id: str) -> str:
    async with read_only(server.runtime.sessions) as session:
        return str(
            await session.scalar(
                select(RoutingOperator.presence).where(RoutingOperator.user_id == user_id)
            )
        )


async def _conversation(server: LiveServer, cid: str) -> tuple[str, str | None]:
    async with read_only(server.runtime.sessions) as session:
        row = (
            await session.execute(
                select(Conversation.state, Conversation.operator_id).where(Conversation.id == cid)
            )
        ).one()
    return row[0], row[1]


async def _offline_after(server: LiveServer, user_id: str, limit: float) -> float:
    """Seconds until the operator is offline; fails after `limit`."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if await _presence(server, user_id) == "offline":
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise AssertionError(f"still {await _presence(server, user_id)} after {limit} s")


async def _active_chat(server: LiveServer, op: object) -> str:
    vis, cid = await visitor(server)
    await op.wait_type("offer", conversation_id=cid)  # type: ignore[attr-defined]
    await op.send(type="accept", conversation_id=cid)  # type: ignore[attr-defined]
    await vis.wait_for(lambda f: f.get("state") == "active")
    return cid


def test_the_grace_is_a_few_seconds_and_configurable() -> None:
    assert 2 <= DEFAULT_GRACE <= 10
    env = {"LIVEDESK_ROUTING_DISCONNECT_GRACE": "2.5"}
    assert RouterOptions.from_env(env).disconnect_grace == timedelta(seconds=2.5)


async def test_a_closed_console_is_offline_within_seconds_and_its_chat_requeued(
    oserver: LiveServer, world: World
) -> None:
    op = await agent(oserver, world.a.operator)
    user_id = op.user_id  # type: ignore[attr-defined]
    cid = await _active_chat(oserver, op)
    await asyncio.sleep(1.5)  # the timers have seen the console open
    await op.close()
    took = await _offline_after(oserver, user_id, DEFAULT_GRACE + 4)
    assert DEFAULT_GRACE - 0.5 <= took <= DEFAULT_GRACE + 2.5, took
    assert await _conversation(oserver, cid) == ("queued", None)
    async with read_only(oserver.runtime.sessions) as session:
        reasons = list(
            await session.scalars(
                select(PresenceLog.reason).where(
                    PresenceLog.operator_id == user_id, PresenceLog.new == "offline"
                )
            )
        )
    assert reasons == ["disconnected"]


async def test_a_reload_within_the_grace_keeps_the_operator_and_the_chat(
    oserver: LiveServer, world: World
) -> None:
    op = await agent(oserver, world.a.operator)
    user_id = op.user_id  # type: ignore[attr-defined]
    cid = await _active_chat(oserver, op)
    await asyncio.sleep(1.5)
    await op.close()
    await asyncio.sleep(1.5)  # a reload: the new page connects and says it is there
    again = await agent(oserver, world.a.operator, presence=None)
    await again.send(type="heartbeat")
    assert (await again.wait_type("heartbeat"))["state"] == "online"
    await asyncio.sleep(DEFAULT_GRACE + 1.5)
    assert await _presence(oserver, user_id) == "online"
    assert await _conversation(oserver, cid) == ("active", user_id)
    await again.close()


async def test_a_heartbeat_through_another_process_keeps_the_operator_online(
    oserver: LiveServer, world: World
) -> None:
    """A console of the same operator on another process beats more often than the grace; this
    process sees only the database row, so a beat after the close means they are there."""
    op = await agent(oserver, world.a.operator)
    user_id = op.user_id  # type: ignore[attr-defined]
    await asyncio.sleep(1.5)
    await op.close()
    await asyncio.sleep(1.5)  # this process noticed the close
    assert await oserver.runtime.extensions["router"].heartbeat(user_id) == "online"
    await asyncio.sleep(DEFAULT_GRACE + 1.0)
    assert await _presence(oserver, user_id) == "online"


async def test_an_operator_set_away_by_hand_and_closing_goes_offline_too(
    oserver: LiveServer, world: World
) -> None:
    op = await agent(oserver, world.a.operator, presence="away")
    user_id = op.user_id  # type: ignore[attr-defined]
    await asyncio.sleep(1.5)
    await op.close()
    await _offline_after(oserver, user_id, DEFAULT_GRACE + 4)
