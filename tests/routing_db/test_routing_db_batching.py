"""Group routing: a burst of concurrent routing commands is routed in a few transactions (one
per pool per batch), each caller still gets its own result, and a rejected command does not
spoil the others in its batch."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pytest
from routing_helpers import agent
from sqlalchemy import func, select

from livedesk.accounts.models import OperatorProfile
from livedesk.conversations.actions import do_start_conversation
from livedesk.conversations.models import Conversation, ConversationEvent, Visitor
from livedesk.db import new_id, read_only, unit_of_work
from livedesk.routing import engine as ev
from livedesk.routing.batching import RoutingRejected
from livedesk.security.actors import VisitorActor

from livedesk_testing import LiveServer, World

BURST = 30


@pytest.mark.parametrize("routing_options", [{"sweep_interval": 600.0}])
async def test_burst_is_routed_in_few_batches(
    rserver: LiveServer, world: World, routing_options: dict[str, object]
) -> None:
    router = rserver.app.state.router
    await asyncio.sleep(0.2)  # the start-up sweep; no other sweep until the test ends
    op = await agent(rserver, "op-alpha")
    async with unit_of_work(rserver.runtime.sessions) as session:
        await session.execute(OperatorProfile.__table__.update().values(max_concurrent=5))
        actors = []
        for _ in range(BURST):
            v = Visitor(id=new_id(), business_id=world.a.business_id, widget_id=world.a.widget_id)
            session.add(v)
            actors.append(VisitorActor(v.id, world.a.widget_id, world.a.business_id))
    ids = []
    for actor in actors:  # arrivals without dispatch: the burst below routes them
        async with rserver.runtime.transaction() as session:
            conv, _ = await do_start_conversation(session, actor, language="nl")
            ids.append(conv.id)
    commands, batches = router.commands, router.batches

    async def bad_decline() -> list[ev.Event]:
        return await router.decline(op.user_id, ids[-1])  # never offered to op: rejected

    results = await asyncio.gather(
        *(router.dispatch([world.a.business_id]) for _ in range(BURST)),
        bad_decline(),
        return_exceptions=True,
    )
    *dispatched, rejected = results
    assert isinstance(rejected, RoutingRejected) and rejected.code == "no_pending_offer"
    assert all(isinstance(r, list) for r in dispatched)
    assert router.commands - commands == BURST
    # One command is taken alone while the others queue behind it; the rest share a batch.
    assert router.batches - batches <= 3
    offered = {
        e.conversation_id for r in dispatched for e in r if isinstance(e, ev.Offered | ev.Assigned)
    }
    async with read_only(rserver.runtime.sessions) as session:
        rows = (
            await session.execute(
                select(Conversation.operator_id, func.count())
                .where(Conversation.id.in_(ids), Conversation.state.in_(("offered", "active")))
                .group_by(Conversation.operator_id)
            )
        ).all()
        kinds = (
            await session.execute(
                select(ConversationEvent.conversation_id, ConversationEvent.kind).where(
                    ConversationEvent.conversation_id.in_(ids)
                )
            )
        ).all()
    load = dict(rows)
    assert load == {op.user_id: 5}, "work-conserving up to the operator's maximum, no more"
    per_conv: dict[str, int] = defaultdict(int)
    for cid, kind in kinds:
        if kind == "offered":
            per_conv[cid] += 1
    assert set(per_conv) == offered and all(n == 1 for n in per_conv.values())
    # FIFO: the first five arrivals are the ones offered.
    assert offered == set(ids[:5])


@pytest.mark.parametrize("routing_options", [{"offer_timeout": 30.0}])
async def test_timer_tick_only_locks_due_pools(
    rserver: LiveServer, world: World, routing_options: dict[str, object]
) -> None:
    router = rserver.app.state.router
    await asyncio.sleep(0.2)  # the start-up sweep
    batches = router.batches
    assert await router.tick_all() == []
    assert router.batches == batches, "nothing due: no pool is locked"
