"""Routing commands run in batches: one transaction per routing pool per batch.

Every command runs the same unit of work (docs/routing.md, "Database-backed router"):

1. lock the *routing pool* (the businesses connected through shared operators) with
   ``SELECT … FOR UPDATE`` on their business rows, sorted by id (PostgreSQL); on SQLite the
   ``BEGIN IMMEDIATE`` write transaction already serialises every writer;
2. load the snapshot of that pool (snapshot.py);
3. apply the commands in arrival order to the pure engine; a ``Rejected`` event fails only its
   own command, with a 409 ``RoutingRejected``;
4. write back the changes and the event rows (persist.py);
5. commit, then publish (``Runtime.transaction`` does that), then tell the listeners (the timers
   arm at ``engine.next_deadline()``, queue frames refresh).

One task per process takes every command waiting and groups them by pool, so a burst of
arrivals costs one transaction per pool instead of one each (like group commit for messages);
each caller still gets its own events or its own error. The database is the only source of
truth, so several processes can route at once.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.businesses.models import Business
from livedesk.conversations.models import Conversation
from livedesk.db import read_only, utcnow
from livedesk.errors import Conflict
from livedesk.routing import engine as ev
from livedesk.routing.engine import RoutingEngine
from livedesk.routing.options import RouterOptions
from livedesk.routing.persist import persist
from livedesk.routing.snapshot import Snapshot, load_snapshot, pool_of, skill_pairs
from livedesk.runtime import Runtime

log = logging.getLogger(__name__)

Command = Callable[[RoutingEngine, Snapshot], list[ev.Event]]
# Called after each committed unit of work with its pool and the engine's next deadline.
CommitListener = Callable[[set[str], datetime | None], None]
_arrival = itertools.count()


class RoutingRejected(Conflict):
    """The engine refused a command (a normal race, e.g. accepting an expired offer)."""


def tick(engine: RoutingEngine, snap: Snapshot) -> list[ev.Event]:
    """The command that only applies what is due (expiries, timeouts) and offers queued chats."""
    return engine.tick()


@dataclass
class _Job:
    command: Command
    seeds_b: set[str]
    seeds_o: set[str]
    conversation_id: str | None
    everything: bool
    tick: bool  # a plain tick: one right after another in the same batch is a no-op
    future: asyncio.Future[list[ev.Event]]
    seq: int = field(default_factory=lambda: next(_arrival))  # arrival order within a batch


class CommandBatcher:
    def __init__(self, runtime: Runtime, options: RouterOptions) -> None:
        self.runtime = runtime
        self.options = options
        self.listeners: list[CommitListener] = []
        self._jobs: asyncio.Queue[_Job] = asyncio.Queue()
        self._loop_task: asyncio.Task[None] | None = None
        self.max_batch = 1000  # commands routed per batch at most
        self.commands = 0  # committed routing commands (for the benchmark and tests)
        self.batches = 0  # routing transactions committed (one per pool per batch)

    def start(self) -> asyncio.Task[None]:
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.create_task(self._router_loop())
        return self._loop_task

    def stopped(self) -> None:
        self._loop_task = None

    async def run(
        self,
        command: Command,
        *,
        businesses: Iterable[str] = (),
        operators: Iterable[str] = (),
        conversation_id: str | None = None,
        everything: bool = False,
        tick: bool = False,
    ) -> list[ev.Event]:
        """Queue one command for the router task and wait for its own result."""
        job = _Job(
            command,
            set(businesses),
            set(operators),
            conversation_id,
            everything,
            tick,
            asyncio.get_running_loop().create_future(),
        )
        self.start()
        self._jobs.put_nowait(job)
        return await job.future

    async def snapshot(self, business_ids: Iterable[str]) -> Snapshot:
        """A lock-free read of the pools of ``business_ids`` (for estimates and the floor)."""
        async with read_only(self.runtime.sessions) as session:
            pairs = await skill_pairs(session)
            return await load_snapshot(session, pool_of(pairs, business_ids), pairs)

    async def _router_loop(self) -> None:
        while True:
            jobs = [await self._jobs.get()]
            while not self._jobs.empty() and len(jobs) < self.max_batch:
                jobs.append(self._jobs.get_nowait())
            try:
                await self._route(jobs)
            except asyncio.CancelledError:
                for job in jobs:
                    if not job.future.done():
                        job.future.cancel()
                raise
            except Exception as exc:  # never leave a caller waiting
                log.exception("routing batch failed")
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(exc)

    async def _route(self, jobs: list[_Job]) -> None:
        """Group ``jobs`` by routing pool; each group is one transaction."""
        async with read_only(self.runtime.sessions) as session:
            pairs = await skill_pairs(session)
            conv_ids = {j.conversation_id for j in jobs if j.conversation_id}
            holders = (
                {
                    cid: (b, o)
                    for cid, b, o in (
                        await session.execute(
                            select(
                                Conversation.id, Conversation.business_id, Conversation.operator_id
                            ).where(Conversation.id.in_(conv_ids))
                        )
                    ).all()
                }
                if conv_ids
                else {}
            )
        op_skills: dict[str, set[str]] = defaultdict(set)
        for user_id, business_id in pairs:
            op_skills[user_id].add(business_id)
        groups: list[tuple[set[str], list[_Job]]] = []
        for job in jobs:
            seeds = set(job.seeds_b)
            for op_id in job.seeds_o:
                seeds |= op_skills.get(op_id, set())
            holder = holders.get(job.conversation_id or "")
            if holder is not None:
                seeds.add(holder[0])
                seeds |= op_skills.get(holder[1] or "", set())
            pool = {"*"} if job.everything else pool_of(pairs, seeds)
            hit = [g for g in groups if g[0] & pool or "*" in g[0] or "*" in pool]
            if not hit:
                groups.append((pool, [job]))
                continue
            first = hit[0]
            for g in hit[1:]:  # a job bridging two groups merges them (rare: pools changed)
                first[0].update(g[0])
                first[1].extend(g[1])
                groups.remove(g)
            first[0].update(pool)
            first[1].append(job)
        for _, group in groups:
            group.sort(key=lambda j: j.seq)
            try:
                await self._run_group(group)
            except Exception:
                if len(group) == 1:
                    raise
                # An unexpected failure: route the group's commands one by one so only the
                # faulty command fails.
                log.exception("routing group of %d failed; retrying one by one", len(group))
                for job in group:
                    try:
                        await self._run_group([job])
                    except Exception as exc:
                        if not job.future.done():
                            job.future.set_exception(exc)

    async def _run_group(self, jobs: list[_Job]) -> None:
        for attempt in range(6):
            try:
                return await self._run_once(jobs)
            except (OperationalError, DBAPIError) as exc:
                text = str(exc).lower()
                retry = "deadlock" in text or "database is locked" in text
                if not retry or attempt == 5:
                    raise
                await asyncio.sleep(0.01 * (attempt + 1))

    async def _lock_scope(
        self,
        session: AsyncSession,
        seeds_b: set[str],
        seeds_o: set[str],
        conversation_ids: set[str],
        everything: bool,
    ) -> tuple[set[str], list[tuple[str, str]]]:
        if conversation_ids:
            for business_id, operator_id in (
                await session.execute(
                    select(Conversation.business_id, Conversation.operator_id).where(
                        Conversation.id.in_(conversation_ids)
                    )
                )
            ).all():
                seeds_b.add(business_id)
                if operator_id:
                    seeds_o.add(operator_id)
        locked: set[str] = set()
        while True:
            pairs = await skill_pairs(session)
            if everything:
                scope = set(await session.scalars(select(Business.id)))
            else:
                seeds = seeds_b | {b for u, b in pairs if u in seeds_o}
                scope = pool_of(pairs, seeds)
            todo = sorted(scope - locked)
            if not todo or self.runtime.settings.is_sqlite:
                return scope, pairs  # SQLite: BEGIN IMMEDIATE already made us the only writer
            # Row locks in id order; a pool that grew while we waited is locked on the next
            # round (a deadlock with another router is detected by PostgreSQL and retried).
            # FOR NO KEY UPDATE: routers still exclude each other, but the key-share lock a
            # message insert's foreign key takes on its business does not wait for us (with
            # FOR UPDATE, a writer holding a conversation and a router holding its business
            # deadlocked, and the send lost got internal_error).
            await session.execute(
                select(Business.id)
                .where(Business.id.in_(todo))
                .order_by(Business.id)
                .with_for_update(key_share=True)
            )
            locked |= set(todo)

    async def _run_once(self, jobs: list[_Job]) -> None:
        """Lock the pool once, load it once, apply every job in order, persist, commit."""
        async with self.runtime.transaction() as session:
            seeds_b = set().union(*(j.seeds_b for j in jobs))
            seeds_o = set().union(*(j.seeds_o for j in jobs))
            conv_ids = {j.conversation_id for j in jobs if j.conversation_id}
            scope, pairs = await self._lock_scope(
                session, seeds_b, seeds_o, conv_ids, any(j.everything for j in jobs)
            )
            snap = await load_snapshot(session, scope, pairs)
            now = utcnow()  # after the lock: decisions are ordered like their transactions
            engine = snap.engine(now, self.options.engine)
            applied, outcomes = _apply(engine, snap, jobs)
            await persist(session, snap, engine, applied, now)
        self.batches += 1
        self.commands += sum(1 for _, o in outcomes if not isinstance(o, BaseException))
        deadline = engine.next_deadline()
        for listener in self.listeners:
            listener(scope, deadline)
        for job, outcome in outcomes:
            if job.future.done():
                continue
            if isinstance(outcome, BaseException):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)


Outcome = list[ev.Event] | BaseException


def _apply(
    engine: RoutingEngine, snap: Snapshot, jobs: list[_Job]
) -> tuple[list[ev.Event], list[tuple[_Job, Outcome]]]:
    """Apply each job's command in arrival order: the events to persist, and each job's own
    outcome (its events, or the error it alone gets)."""
    applied: list[ev.Event] = []
    outcomes: list[tuple[_Job, Outcome]] = []
    last_tick: list[ev.Event] | None = None  # a tick right after a tick changes nothing
    for job in jobs:
        if job.tick and last_tick is not None:
            outcomes.append((job, last_tick))
            continue
        try:
            events = job.command(engine, snap)
        except Conflict as exc:  # raised before the command changed anything
            outcomes.append((job, exc))
            continue
        rejected = next((e for e in events if isinstance(e, ev.Rejected)), None)
        if rejected is not None:  # the engine changed nothing
            outcomes.append((job, _rejection(rejected)))
            continue
        applied.extend(events)
        outcomes.append((job, events))
        last_tick = events if job.tick else None
    return applied, outcomes


def _rejection(rejected: ev.Rejected) -> RoutingRejected:
    data = {
        key: value
        for key, value in (
            ("conversation_id", rejected.conversation_id),
            ("operator_id", rejected.operator_id),
        )
        if value
    }
    reason = rejected.reason.replace("_", " ")
    return RoutingRejected(f"{rejected.command}: {reason}", code=rejected.reason, data=data)
