"""Concurrent load against the live server: many visitors at once, operators accepting,
declining and closing concurrently. Capacity must hold, no chat may be offered to two
operators, and every chat must be served (run on SQLite and on PostgreSQL)."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from typing import Any

import pytest
from routing_helpers import agent, visitor
from sqlalchemy import func, select

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import OperatorProfile, Role
from livedesk.conversations.models import Conversation, ConversationEvent
from livedesk.db import read_only, unit_of_work
from livedesk.security.session_limit import SessionLimiter, SessionLimits

from livedesk_testing import PASSWORD, LiveServer, World, WsClient

VISITORS = 40
OFFER_ENDS = {"accepted", "offer_declined", "offer_expired", "offer_withdrawn", "missed"}


async def add_operators(server: LiveServer, world: World) -> dict[str, int]:
    both = [world.a.business_id, world.b.business_id]
    async with unit_of_work(server.runtime.sessions) as session:
        for name in ("op-x", "op-y"):
            await do_create_user(
                session,
                username=name,
                password=PASSWORD,
                role=Role.OPERATOR,
                serves=both,
                max_concurrent=2,
            )
        await session.execute(
            OperatorProfile.__table__.update()
            .where(OperatorProfile.max_concurrent == 6)
            .values(max_concurrent=3)
        )
        rows = await session.execute(
            select(OperatorProfile.user_id, OperatorProfile.max_concurrent)
        )
        return {u: m for u, m in rows}


async def operator_loop(
    op: WsClient,
    rng: random.Random,
    stop: asyncio.Event,
    held: dict[str, set[str]],
    violations: list[str],
    capacity: int,
) -> None:
    seen = 0
    tasks: list[asyncio.Task[None]] = []

    async def handle(cid: str) -> None:
        if rng.random() < 0.1:
            await op.send(type="decline", conversation_id=cid)
            return
        await op.send(type="accept", conversation_id=cid)
        try:
            await op.wait_for(
                lambda f: (
                    f.get("type") == "conversation"
                    and f.get("conversation_id") == cid
                    and f.get("state") == "active"
                    and (f.get("operator") or {}).get("id") == op.user_id
                ),
                timeout=3,
            )
        except TimeoutError:
            return  # the offer lapsed before our accept: a normal race
        held[op.user_id].add(cid)
        if len(held[op.user_id]) > capacity:
            violations.append(f"{op.user_id} holds {len(held[op.user_id])} > {capacity}")
        await asyncio.sleep(rng.uniform(0.05, 0.25))
        await op.send(type="send", conversation_id=cid, client_msg_id=f"r-{cid}", body="Hoi")
        await asyncio.sleep(rng.uniform(0.0, 0.1))
        held[op.user_id].discard(cid)  # released before the close is sent: never over-counted
        await op.send(type="close", conversation_id=cid, disposition="answered")

    while not stop.is_set():
        for frame in op.frames[seen:]:
            if frame.get("type") == "offer":
                tasks.append(asyncio.create_task(handle(frame["conversation_id"])))
        seen = len(op.frames)
        await asyncio.sleep(0.01)
    await asyncio.gather(*tasks, return_exceptions=True)


async def monitor(
    server: LiveServer, caps: dict[str, int], stop: asyncio.Event, violations: list[str]
) -> int:
    polls = 0
    while not stop.is_set():
        async with read_only(server.runtime.sessions) as session:
            rows = (
                await session.execute(
                    select(Conversation.operator_id, func.count())
                    .where(Conversation.state.in_(("offered", "active")))
                    .group_by(Conversation.operator_id)
                )
            ).all()
        for operator_id, load in rows:
            if operator_id is None or load > caps[operator_id]:
                violations.append(f"db: {operator_id} has {load} chats")
        polls += 1
        await asyncio.sleep(0.03)
    return polls


@pytest.mark.parametrize("routing_options", [{"offer_timeout": 1.0}])
async def test_burst_of_visitors_with_concurrent_operators(
    rserver: LiveServer, world: World, routing_options: dict[str, Any]
) -> None:
    # A burst of visitors that here all come from one address: the per-address session limit
    # (tested on its own in tests/security) would refuse most of them.
    rserver.app.state.session_limiter = SessionLimiter(
        SessionLimits(per_address_per_minute=1e6, address_burst=1e6)
    )
    caps = await add_operators(rserver, world)
    rng = random.Random(7)
    ops = [await agent(rserver, name) for name in ("op-alpha", "op-beta", "op-x", "op-y")]
    stop = asyncio.Event()
    held: dict[str, set[str]] = defaultdict(set)
    violations: list[str] = []
    loops = [
        asyncio.create_task(
            operator_loop(op, random.Random(rng.random()), stop, held, violations, caps[op.user_id])
        )
        for op in ops
    ]
    watch = asyncio.create_task(monitor(rserver, caps, stop, violations))
    starts = [
        visitor(
            rserver,
            *(
                ("key-alpha", "https://alpha.example")
                if i % 2
                else ("key-beta", "https://beta.example")
            ),
        )
        for i in range(VISITORS)
    ]
    chats = await asyncio.gather(*starts)
    ids = {cid for _, cid in chats}
    assert len(ids) == VISITORS
    try:
        for _ in range(600):
            async with read_only(rserver.runtime.sessions) as session:
                done = await session.scalar(
                    select(func.count()).where(
                        Conversation.id.in_(ids), Conversation.state == "closed"
                    )
                )
            if done == VISITORS:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.gather(*loops)
        polls = await watch
    assert done == VISITORS, "every chat is served while capacity exists"
    assert violations == []
    assert polls > 5
    # The event log: at most one outstanding offer per chat at any time, and every offer went
    # to an operator who serves the business.
    async with read_only(rserver.runtime.sessions) as session:
        events = (
            await session.execute(
                select(
                    ConversationEvent.conversation_id,
                    ConversationEvent.kind,
                    ConversationEvent.operator_id,
                )
                .where(ConversationEvent.conversation_id.in_(ids))
                .order_by(ConversationEvent.id)
            )
        ).all()
    outstanding: dict[str, int] = defaultdict(int)
    offers = 0
    for cid, kind, _op in events:
        if kind == "offered":
            offers += 1
            outstanding[cid] += 1
            assert outstanding[cid] == 1, f"{cid} offered twice at once"
        elif kind in OFFER_ENDS and outstanding[cid]:
            outstanding[cid] -= 1
    assert offers >= VISITORS
    per_kind = defaultdict(int)
    for _cid, kind, _op in events:
        per_kind[kind] += 1
    assert per_kind["closed"] == VISITORS and per_kind["accepted"] == VISITORS
