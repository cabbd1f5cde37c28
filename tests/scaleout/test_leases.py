"""Named leases: one holder at a time, handed on at a clean stop, taken over when the holder
dies; and routing's timers run only in the process that holds theirs. Both backends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from livedesk.db import utcnow
from livedesk.leases import Lease
from livedesk.privacy.models import Lease as LeaseRow
from livedesk.runtime import Runtime
from livedesk.settings import Settings

from livedesk_testing import World, free_port, running


@pytest.fixture
async def runtimes(settings: Settings) -> AsyncIterator[tuple[Runtime, Runtime]]:
    """Two processes' worth of database access to one database."""
    first, second = Runtime.create(settings), Runtime.create(settings)
    try:
        yield first, second
    finally:
        await first.engine.dispose()
        await second.engine.dispose()


async def test_one_holder_at_a_time_and_a_clean_release_hands_it_on(
    runtimes: tuple[Runtime, Runtime],
) -> None:
    a, b = Lease(runtimes[0], "job", 30), Lease(runtimes[1], "job", 30)
    assert await a.take() and a.held
    assert not await b.take() and not b.held
    assert await a.take()  # renewing
    await a.release()
    assert not a.held
    assert await b.take() and b.held
    assert not await a.take()
    other = Lease(runtimes[0], "another-job", 30)  # names are independent
    assert await other.take()


async def test_two_processes_asking_at_once_get_one_holder(
    runtimes: tuple[Runtime, Runtime],
) -> None:
    a, b = Lease(runtimes[0], "job", 30), Lease(runtimes[1], "job", 30)
    results = await asyncio.gather(a.take(), b.take())
    assert sorted(results) == [False, True]


async def test_a_holder_that_stops_renewing_is_taken_over_and_then_stands_back(
    runtimes: tuple[Runtime, Runtime],
) -> None:
    a, b = Lease(runtimes[0], "job", 30), Lease(runtimes[1], "job", 30)
    assert await a.take()
    # The holder was killed: it renews no more, and the row's time runs out.
    async with runtimes[1].transaction() as session:
        await session.execute(
            update(LeaseRow)
            .where(LeaseRow.name == "job")
            .values(until=utcnow() - timedelta(seconds=1)),
            execution_options={"synchronize_session": False},
        )
    assert await b.take() and b.held
    # Had the old holder only stalled, its next renewal tells it to stop acting.
    assert not await a.take() and not a.held


async def test_routing_timers_tick_in_one_process_and_move_when_it_stops(
    settings: Settings, world: World
) -> None:
    first = settings.model_copy(update={"port": free_port()})
    second = settings.model_copy(update={"port": free_port()})
    async with running(first) as node1, running(second) as node2:
        router1, router2 = node1.app.state.router, node2.app.state.router
        assert router1.lease.held and router1.timers.exclusive
        assert not router2.lease.held and not router2.timers.exclusive
        await node1.stop()  # a clean stop releases: the next renewal round takes it
        deadline = time.monotonic() + router2.lease.renew_every * 4 + 2
        while not router2.lease.held:
            assert time.monotonic() < deadline, "the lease was not taken over"
            await asyncio.sleep(0.05)
        assert router2.lease.takeovers == 1 and router2.timers.exclusive
