"""Routing benchmark: a burst of conversations through the database-backed router.

    .venv/bin/python bench/routing.py [--concurrency 8] [--conversations 2000]   # SQLite
    .venv/bin/python bench/routing.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

Seeds 50 businesses and 200 operators (10 teams of 20 operators, each team serving 5
businesses, so 10 routing pools; languages nl/en; max 10 chats each; a quarter on auto-accept),
sets everyone online, then starts 2,000 conversations at once (64 concurrent arrivals, 8 on
SQLite whose single writer only queues more: each one is the visitor's start transaction
followed by the router's dispatch, as on the live server). The router routes each pool's
pending commands in one transaction (group routing), so the dispatches of a burst share
snapshot loads. Offers are never answered here: they lapse after 20 s and the chat is queued
again.

Assignment latency = arrival → the commit that first offered or assigned the chat. The run ends
when the last arrival has been dispatched; a chat not offered or assigned by then is still
waiting, so besides the percentiles over the assigned chats it prints percentiles over every
arrival with those waits censored at the end of the run (a lower bound, marked ≥, wherever a
censored wait decides the figure). Afterwards it checks that no operator holds more than their
maximum and no chat was offered twice at once.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from livedesk import migrate
from livedesk.accounts.models import OperatorBusiness, OperatorProfile, Role, User
from livedesk.businesses.models import Business, Widget
from livedesk.conversations.actions import do_start_conversation
from livedesk.conversations.models import Conversation, ConversationEvent, Visitor
from livedesk.db import new_id, unit_of_work
from livedesk.routing import engine as ev
from livedesk.routing.engine import RoutingConfig
from livedesk.routing.options import RouterOptions
from livedesk.routing.service import Router
from livedesk.runtime import Runtime
from livedesk.security.actors import VisitorActor
from livedesk.settings import Settings, normalise_database_url

BUSINESSES, OPERATORS, TEAMS = 50, 200, 10
CONVERSATIONS = int(os.environ.get("BENCH_N", 2000))  # or --conversations
CONCURRENCY, MAX_CONCURRENT = 64, 10


def percentile(waits: list[tuple[float, bool]], q: float) -> str:
    """Nearest-rank percentile of (ms, censored) waits, sorted by ms. A censored wait is only a
    lower bound, so the figure is exact only if at least `rank` uncensored waits lie at or
    below it; otherwise the true percentile is at least this."""
    rank = max(1, math.ceil(q / 100 * len(waits)))
    value = waits[rank - 1][0]
    exact = sum(1 for ms, censored in waits if not censored and ms <= value) >= rank
    return f"{'' if exact else '≥ '}{value:,.0f} ms"


async def seed(runtime: Runtime, rng: random.Random, conversations: int) -> list[VisitorActor]:
    visitors: list[VisitorActor] = []
    async with unit_of_work(runtime.sessions) as session:
        widgets = []
        for i in range(BUSINESSES):
            business = Business(id=new_id(), slug=f"b{i}", name=f"Business {i}")
            widget = Widget(
                id=new_id(),
                business_id=business.id,
                public_key=f"k{i}",
                name="w",
                allowed_origins=["*"],
            )
            session.add_all([business, widget])
            widgets.append(widget)
        await session.flush()
        per_team = BUSINESSES // TEAMS
        for j in range(OPERATORS):
            team = j % TEAMS
            user = User(
                id=new_id(),
                username=f"op{j}",
                display_name=f"Op {j}",
                role=Role.OPERATOR,
                password_hash="x",
            )
            session.add(user)
            await session.flush()
            session.add(
                OperatorProfile(
                    user_id=user.id,
                    languages=["nl", "en"] if j % 3 else ["nl"],
                    max_concurrent=MAX_CONCURRENT,
                    auto_accept=j % 4 == 0,
                )
            )
            for w in widgets[team * per_team : (team + 1) * per_team]:
                session.add(OperatorBusiness(user_id=user.id, business_id=w.business_id))
        for _ in range(conversations):
            w = rng.choice(widgets)
            v = Visitor(id=new_id(), business_id=w.business_id, widget_id=w.id)
            session.add(v)
            visitors.append(VisitorActor(v.id, w.id, w.business_id))
    return visitors


async def run(url: str, concurrency: int, conversations: int) -> dict[str, Any]:
    settings = Settings(database_url=url, secret_key="bench")
    await asyncio.to_thread(migrate.upgrade, settings)
    runtime = Runtime.create(settings)
    await runtime.start()
    # No console sends heartbeats here: a day-long timeout keeps the operators online.
    config = RoutingConfig(heartbeat_timeout=timedelta(days=1))
    router = Router(runtime, RouterOptions(engine=config, sweep_interval=3600, queue_interval=0.5))
    await router.start()
    rng = random.Random(1)
    try:
        visitors = await seed(runtime, rng, conversations)
        async with runtime.sessions() as session:
            ops = list(await session.scalars(select(User.id).where(User.role == Role.OPERATOR)))
        for op in ops:
            await router.set_presence(op, "online")
        arrived: dict[str, float] = {}
        assigned: dict[str, float] = {}
        # Every routing command (dispatches, timer ticks, presence) runs through the batcher and
        # returns once its transaction committed: the moment a chat counts as assigned.
        original = router.batcher.run

        async def timed_run(*a: Any, **kw: Any) -> list[ev.Event]:
            events = await original(*a, **kw)
            now = time.perf_counter()
            for e in events:
                if isinstance(e, ev.Offered | ev.Assigned):
                    assigned.setdefault(e.conversation_id, now)
            return events

        router.batcher.run = timed_run  # type: ignore[method-assign]
        gate = asyncio.Semaphore(concurrency)

        async def arrive(visitor: VisitorActor) -> None:
            async with gate:
                t0 = time.perf_counter()
                async with runtime.transaction() as session:
                    conv, _ = await do_start_conversation(
                        session, visitor, language="nl" if rng.random() < 0.8 else "en"
                    )
                arrived[conv.id] = t0
                await router.dispatch([conv.business_id])

        start = time.perf_counter()
        await asyncio.gather(*(arrive(v) for v in visitors))
        end = time.perf_counter()
        elapsed = end - start
        latencies = sorted((assigned[c] - arrived[c]) * 1000 for c in arrived if c in assigned)
        # Not offered or assigned by the end of the run: waiting at least this long.
        censored = [(end - arrived[c]) * 1000 for c in arrived if c not in assigned]
        waits = sorted([(ms, False) for ms in latencies] + [(ms, True) for ms in censored])
        async with runtime.sessions() as session:
            over = (
                await session.execute(
                    select(Conversation.operator_id, func.count(), OperatorProfile.max_concurrent)
                    .join(OperatorProfile, OperatorProfile.user_id == Conversation.operator_id)
                    .where(Conversation.state.in_(("offered", "active")))
                    .group_by(Conversation.operator_id, OperatorProfile.max_concurrent)
                    .having(func.count() > OperatorProfile.max_concurrent)
                )
            ).all()
            events = (
                await session.execute(
                    select(ConversationEvent.conversation_id, ConversationEvent.kind).order_by(
                        ConversationEvent.id
                    )
                )
            ).all()
            waiting = await session.scalar(
                select(func.count()).where(Conversation.state == "queued")
            )
        open_offers: dict[str, int] = defaultdict(int)
        double = 0
        for cid, kind in events:
            if kind == "offered":
                open_offers[cid] += 1
                double += open_offers[cid] > 1
            elif kind in ("accepted", "offer_declined", "offer_expired", "offer_withdrawn"):
                open_offers[cid] = max(0, open_offers[cid] - 1)
        assigned_waits = [(ms, False) for ms in latencies]
        return {
            "backend": "postgresql" if url.startswith("postgres") else "sqlite",
            "arrived": len(arrived),
            "concurrency": concurrency,
            "assigned": len(latencies),
            "unassigned": len(censored),
            "still_queued": waiting,
            "seconds": elapsed,
            "per_second": len(latencies) / elapsed,
            "p50": percentile(assigned_waits, 50) if latencies else "–",
            "p99": percentile(assigned_waits, 99) if latencies else "–",
            "all_p50": percentile(waits, 50),
            "all_p90": percentile(waits, 90),
            "all_p99": percentile(waits, 99),
            "capacity_violations": len(over),
            "double_offers": double,
            "routing_commands": router.commands,
            "batches": router.batches,
        }
    finally:
        await router.stop()
        await runtime.stop()


async def with_database(url: str | None, concurrency: int | None, n: int) -> dict[str, Any]:
    if url is None:
        # SQLite has one writer: more concurrent arrivals only queue on its lock.
        with tempfile.TemporaryDirectory() as tmp:
            return await run(f"sqlite:///{tmp}/bench.db", concurrency or 8, n)
    name = f"livedesk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        return await run(url.rsplit("/", 1)[0] + "/" + name, concurrency or CONCURRENCY, n)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help=f"concurrent arrivals (default {CONCURRENCY}; 8 on SQLite)",
    )
    parser.add_argument(
        "--conversations", type=int, default=CONVERSATIONS, help="the burst (default 2,000)"
    )
    args = parser.parse_args()
    result = asyncio.run(with_database(args.database_url, args.concurrency, args.conversations))
    print(
        f"{result['backend']}: {result['arrived']} arrivals in {result['seconds']:.1f} s"
        f" ({result['concurrency']} concurrent)\n"
        f"  assigned (first offer or auto-assignment): {result['assigned']}"
        f" ({result['per_second']:.0f}/s), latency p50 {result['p50']}, p99 {result['p99']}\n"
        f"  not assigned by the end of the run: {result['unassigned']}"
        f" (queued at the end: {result['still_queued']})\n"
        f"  every arrival, unassigned ones waiting until the end: p50 {result['all_p50']},"
        f" p90 {result['all_p90']}, p99 {result['all_p99']}\n"
        f"  capacity violations {result['capacity_violations']}; double offers"
        f" {result['double_offers']}; routing commands {result['routing_commands']} in"
        f" {result['batches']} transactions"
    )
    if result["capacity_violations"] or result["double_offers"]:
        raise SystemExit("capacity violated")


if __name__ == "__main__":
    main()
