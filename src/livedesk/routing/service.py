"""The database-backed router: drives the pure RoutingEngine one command at a time.

Every command runs the same unit of work (docs/routing.md, "Database-backed router"):

1. lock the *routing pool* (the businesses connected through shared operators) with
   ``SELECT … FOR UPDATE`` on their business rows, sorted by id (PostgreSQL); on SQLite the
   ``BEGIN IMMEDIATE`` write transaction already serialises every writer;
2. load the snapshot of that pool (operators, open conversations, handle-time means);
3. apply exactly one engine command; a ``Rejected`` event aborts with a 409 ``Conflict``;
4. write back the changes and the ConversationEvent / presence-log rows;
5. commit, then publish (``Runtime.transaction`` does that), then arm the timer at
   ``engine.next_deadline()``.

The database is the only source of truth, so several processes can route at once; the in-memory
parts (timer deadline, visitor grace periods, last queue frame sent) are hints that a sweep or a
later command repairs.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import OperatorBusiness, OperatorProfile, Role, User
from livedesk.businesses.models import Business, default_contract
from livedesk.conversations.actions import queue_conversation_update
from livedesk.conversations.models import (
    OPEN_STATES,
    Conversation,
    ConversationEvent,
    Disposition,
)
from livedesk.db import read_only, utcnow
from livedesk.errors import Conflict, Forbidden, Invalid
from livedesk.realtime import protocol
from livedesk.realtime.protocol import FrameError
from livedesk.routing import engine as ev
from livedesk.routing.engine import RoutingConfig, RoutingEngine
from livedesk.routing.eta import Ewma, estimate_wait
from livedesk.routing.hours import EmptyScheduleError, Schedule, ScheduleError, is_open, next_change
from livedesk.routing.models import PresenceLog, RoutingConversation, RoutingOperator, RoutingStat
from livedesk.routing.policy import (
    LEGAL_TRANSITIONS,
    TERMINAL,
    ConversationState,
    OperatorState,
    Presence,
    Status,
    can_serve,
    queue_key,
)
from livedesk.runtime import (
    ALL_STAFF,
    Runtime,
    conversation_topic,
    queue_after_commit,
    user_topic,
)
from livedesk.security.actors import StaffActor, VisitorActor

log = logging.getLogger(__name__)

ENV_PREFIX = "LIVEDESK_ROUTING_"
ACCEPT_STAT = "accept"


def _handle_stat(business_id: str) -> str:
    return f"handle:{business_id}"


@dataclass(frozen=True)
class RouterOptions:
    engine: RoutingConfig = field(default_factory=RoutingConfig)
    visitor_grace: timedelta = timedelta(seconds=30)  # a page reload must not abandon a chat
    queue_interval: float = 0.5  # seconds between queue-frame refreshes (debounce)
    sweep_interval: float = 5.0  # safety tick: timers of other processes, lost wake-ups

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RouterOptions:
        """LIVEDESK_ROUTING_OFFER_TIMEOUT, _MAX_EXPIRED, _HEARTBEAT_TIMEOUT, _VISITOR_GRACE
        (seconds), _QUEUE_INTERVAL, _SWEEP_INTERVAL."""
        env = os.environ if env is None else env

        def num(name: str, default: float) -> float:
            return float(env.get(ENV_PREFIX + name, default))

        base = RoutingConfig()
        return cls(
            engine=RoutingConfig(
                offer_timeout=timedelta(seconds=num("OFFER_TIMEOUT", 20)),
                max_consecutive_expired=int(num("MAX_EXPIRED", base.max_consecutive_expired)),
                heartbeat_timeout=timedelta(seconds=num("HEARTBEAT_TIMEOUT", 60)),
            ),
            visitor_grace=timedelta(seconds=num("VISITOR_GRACE", 30)),
            queue_interval=num("QUEUE_INTERVAL", 0.5),
            sweep_interval=num("SWEEP_INTERVAL", 5.0),
        )


class RoutingRejected(Conflict):
    """The engine refused a command (a normal race, e.g. accepting an expired offer)."""


# --- snapshot -------------------------------------------------------------------------------


def _op_key(op: OperatorState) -> tuple[Any, ...]:
    return (op.presence, op.last_heartbeat_at, op.last_assigned_at, op.consecutive_expired)


def _conv_key(c: ConversationState) -> tuple[Any, ...]:
    return (c.offer_expires_at, c.held_since, c.requeued, sorted(c.declined_by), c.was_offered)


@dataclass
class Snapshot:
    """A pool's routing state, loaded with Core (plain tuples, no ORM identity map)."""

    scope: frozenset[str]
    operators: dict[str, OperatorState]
    op_businesses: dict[str, frozenset[str]]
    names: dict[str, str]
    op_existing: set[str]  # operators with a routing_operators row
    conversations: dict[str, ConversationState]
    conv_business: dict[str, str]  # every loaded open conversation → its business
    rc_existing: set[str]  # conversations with a routing_conversations row
    stats: dict[str, tuple[float, int]]
    loaded_ops: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    loaded_convs: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    dispositions: dict[str, str] = field(default_factory=dict)  # set by `close`, persisted

    def engine(self, now: datetime, config: RoutingConfig) -> RoutingEngine:
        engine = RoutingEngine(
            lambda: now,
            config,
            operators=self.operators.values(),
            conversations=self.conversations.values(),
        )
        for business_id in self.scope:
            stat = self.stats.get(_handle_stat(business_id))
            if stat is not None:
                engine.handle_times[business_id] = Ewma(stat[0], count=stat[1])
        stat = self.stats.get(ACCEPT_STAT)
        if stat is not None:
            engine.accept_latency = Ewma(stat[0], count=stat[1])
        return engine


def pool_of(pairs: Iterable[tuple[str, str]], seeds: Iterable[str]) -> set[str]:
    """Businesses connected to ``seeds`` through operators serving several of them."""
    by_business: dict[str, set[str]] = defaultdict(set)
    by_operator: dict[str, set[str]] = defaultdict(set)
    for user_id, business_id in pairs:
        by_business[business_id].add(user_id)
        by_operator[user_id].add(business_id)
    pool: set[str] = set()
    todo = list(seeds)
    seen_ops: set[str] = set()
    while todo:
        business_id = todo.pop()
        if business_id in pool:
            continue
        pool.add(business_id)
        for user_id in by_business.get(business_id, ()):
            if user_id not in seen_ops:
                seen_ops.add(user_id)
                todo.extend(by_operator[user_id] - pool)
    return pool


async def _skill_pairs(session: AsyncSession) -> list[tuple[str, str]]:
    rows = await session.execute(select(OperatorBusiness.user_id, OperatorBusiness.business_id))
    return [(u, b) for u, b in rows]


_RO = RoutingOperator.__table__
_RC = RoutingConversation.__table__
_RS = RoutingStat.__table__
_CONV = Conversation.__table__


async def load_snapshot(
    session: AsyncSession, scope: set[str], pairs: list[tuple[str, str]]
) -> Snapshot:
    op_businesses: dict[str, set[str]] = defaultdict(set)
    for user_id, business_id in pairs:
        if business_id in scope:
            op_businesses[user_id].add(business_id)
    for user_id, business_id in pairs:  # all skills of the pool's operators
        if user_id in op_businesses:
            op_businesses[user_id].add(business_id)
    op_ids = list(op_businesses)
    profiles = (
        (
            await session.execute(
                select(
                    User.id,
                    User.display_name,
                    OperatorProfile.languages,
                    OperatorProfile.max_concurrent,
                    OperatorProfile.auto_accept,
                    _RO.c.user_id,
                    _RO.c.presence,
                    _RO.c.last_assigned_at,
                    _RO.c.last_heartbeat_at,
                    _RO.c.consecutive_expired,
                )
                .join(OperatorProfile, OperatorProfile.user_id == User.id)
                .outerjoin(_RO, _RO.c.user_id == User.id)
                .where(User.id.in_(op_ids), User.is_active.is_(True), User.role == Role.OPERATOR)
            )
        ).all()
        if op_ids
        else []
    )
    operators: dict[str, OperatorState] = {}
    names: dict[str, str] = {}
    op_existing: set[str] = set()
    for (
        user_id,
        name,
        languages,
        max_concurrent,
        auto_accept,
        ro_id,
        presence,
        last_assigned,
        last_heartbeat,
        expired,
    ) in profiles:
        names[user_id] = name
        if ro_id is not None:
            op_existing.add(user_id)
        operators[user_id] = OperatorState(
            id=user_id,
            businesses=frozenset(op_businesses[user_id]),
            languages=frozenset(languages or ()),
            max_concurrent=max_concurrent,
            presence=Presence(presence) if ro_id is not None else Presence.OFFLINE,
            auto_accept=auto_accept,
            last_assigned_at=last_assigned,
            last_heartbeat_at=last_heartbeat,
            consecutive_expired=expired or 0,
        )
    # Open conversations of the pool, plus any held by its operators elsewhere (capacity spans
    # every business, even one whose skill was removed since). Only the columns the engine
    # needs, as tuples.
    c = _CONV.c
    where = c.business_id.in_(scope)
    if operators:
        where = or_(where, c.operator_id.in_(list(operators)))
    found = (
        await session.execute(
            select(
                c.id,
                c.business_id,
                c.language,
                c.queued_at,
                c.created_at,
                c.priority,
                c.state,
                c.operator_id,
                c.accepted_at,
                c.offered_at,
                c.first_reply_at,
                _RC.c.conversation_id,
                _RC.c.offer_expires_at,
                _RC.c.held_since,
                _RC.c.requeued,
                _RC.c.declined_by,
                _RC.c.was_offered,
            )
            .select_from(_CONV.outerjoin(_RC, _RC.c.conversation_id == c.id))
            .where(c.state.in_(OPEN_STATES), where)
        )
    ).all()
    conversations: dict[str, ConversationState] = {}
    conv_business: dict[str, str] = {}
    rc_existing: set[str] = set()
    for (
        conv_id,
        business_id,
        language,
        queued_at,
        created_at,
        priority,
        state_,
        operator_id,
        accepted_at,
        offered_at,
        first_reply_at,
        rc_id,
        offer_expires_at,
        held_since,
        requeued,
        declined_by,
        was_offered,
    ) in found:
        conv_business[conv_id] = business_id
        has_rc = rc_id is not None
        if has_rc:
            rc_existing.add(conv_id)
        status = Status(state_)
        state = ConversationState(
            id=conv_id,
            business_id=business_id,
            language=language,
            queued_at=queued_at or created_at,
            priority=priority,
            status=status,
            operator_id=operator_id,
            offer_expires_at=offer_expires_at if has_rc else None,
            held_since=(
                held_since
                if has_rc and held_since
                else accepted_at
                if status is Status.ACTIVE
                else None
            ),
            requeued=bool(requeued) if has_rc else False,
            declined_by=set(declined_by or ()) if has_rc else set(),
            was_offered=bool(was_offered) if has_rc else offered_at is not None,
            first_reply_at=first_reply_at,
        )
        if state.status is Status.QUEUED:
            state.operator_id = None
        conversations[conv_id] = state
        op = operators.get(operator_id or "")
        if op is not None and state.status is Status.ACTIVE:
            op.active.add(conv_id)
        elif op is not None and state.status is Status.OFFERED:
            op.offered.add(conv_id)
    stat_names = [_handle_stat(b) for b in scope] + [ACCEPT_STAT]
    stats = {
        name: (mean, count)
        for name, mean, count in await session.execute(
            select(_RS.c.name, _RS.c.mean, _RS.c.count).where(_RS.c.name.in_(stat_names))
        )
    }
    snap = Snapshot(
        frozenset(scope),
        operators,
        {k: frozenset(v) for k, v in op_businesses.items()},
        names,
        op_existing,
        conversations,
        conv_business,
        rc_existing,
        stats,
    )
    snap.loaded_ops = {k: _op_key(v) for k, v in operators.items()}
    snap.loaded_convs = {k: _conv_key(v) for k, v in conversations.items()}
    return snap


# --- queue position and wait, for every queued conversation at once -------------------------


def queue_estimates(
    conversations: Mapping[str, ConversationState],
    operators: Iterable[OperatorState],
    handle_time: Callable[[str], float],
    accept_latency: float,
) -> dict[str, tuple[int, float | None]]:
    """The same numbers as ``eta.estimate_wait`` for each queued conversation, in one pass.

    estimate_wait is O(queue × operators) per conversation; a burst of 2,000 queued chats would
    make a refresh O(n²·ops). Conversations of one (business, language) class share their
    serving operators, so walking the queue once and keeping per-class running totals of "ahead"
    and "capacity share ahead" gives identical results in O(queue × classes). One deliberate
    difference: with nobody online to serve a chat, estimate_wait ranks it 1 whatever is ahead;
    here it gets its place in the line of its business (the estimate stays None).
    """
    online = [op for op in operators if op.presence is Presence.ONLINE]
    queued = sorted((c for c in conversations.values() if c.status is Status.QUEUED), key=queue_key)
    classes: dict[tuple[str, str], ConversationState] = {}
    for conv in queued:
        classes.setdefault((conv.business_id, conv.language), conv)
    serving = {k: [op for op in online if can_serve(op, rep)] for k, rep in classes.items()}
    ids = {k: {op.id for op in ops} for k, ops in serving.items()}
    cap = {k: sum(op.max_concurrent for op in ops) for k, ops in serving.items()}
    free = {k: sum(op.free_slots for op in ops) for k, ops in serving.items()}
    rate: dict[tuple[str, str], float] = {}
    for k, ops in serving.items():
        total = 0.0
        for op in ops:
            for cid in op.active | op.offered:
                held = conversations.get(cid)
                total += 1.0 / handle_time(held.business_id if held else k[0])
            total += op.free_slots / handle_time(k[0])
        rate[k] = total
    # share[s][t]: how much one queued chat of class s weighs on the slots of class t.
    share: dict[tuple[str, str], list[tuple[tuple[str, str], float]]] = {}
    for s in classes:
        out = []
        for t in classes:
            common = [op for op in serving[s] if op.id in ids[t]]
            if common:
                shared = sum(op.max_concurrent for op in common)
                out.append((t, shared / cap[s] if cap[s] else 0.0))
        share[s] = out
    ahead: dict[tuple[str, str], int] = defaultdict(int)
    load: dict[tuple[str, str], float] = defaultdict(float)
    same_business: dict[str, int] = defaultdict(int)
    result: dict[str, tuple[int, float | None]] = {}
    for conv in queued:
        k = (conv.business_id, conv.language)
        seconds: float | None
        if not serving[k] or cap[k] == 0:
            # Nobody online to compete for: the honest position is the line at this business.
            result[conv.id] = (same_business[conv.business_id] + 1, None)
        else:
            needed = load[k] + 1 - free[k]
            seconds = accept_latency if needed <= 0 else needed / rate[k] + accept_latency
            result[conv.id] = (ahead[k] + 1, seconds)
        same_business[conv.business_id] += 1
        for t, weight in share[k]:
            ahead[t] += 1
            load[t] += weight
    return result


# --- the router -----------------------------------------------------------------------------

Command = Callable[[RoutingEngine, Snapshot], list[ev.Event]]
_seq = itertools.count()


def _tick(engine: RoutingEngine, snap: Snapshot) -> list[ev.Event]:
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
    seq: int = field(default_factory=lambda: next(_seq))  # arrival order within a batch


class Router:
    def __init__(self, runtime: Runtime, options: RouterOptions) -> None:
        self.runtime = runtime
        self.options = options
        self._deadline: datetime | None = None
        self._wake = asyncio.Event()
        self._grace: dict[str, datetime] = {}  # conversation id → when its visitor is gone
        self._dirty: set[str] = set()  # businesses whose queue frames need a refresh
        self._dirty_event = asyncio.Event()
        self._last_queue: dict[str, tuple[int, int | None]] = {}
        self._first_reply_logged: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._jobs: asyncio.Queue[_Job] = asyncio.Queue()
        self._loop_task: asyncio.Task[None] | None = None
        self.max_batch = 1000  # commands routed per batch at most
        self.commands = 0  # committed routing commands (for the benchmark and tests)
        self.batches = 0  # routing transactions committed (one per pool per batch)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        rt = self.runtime
        rt.extensions["router"] = self
        rt.extensions["accept"] = self.accept
        rt.extensions["close"] = self.close
        rt.extensions["leave"] = self.visitor_leave
        rt.extensions["availability"] = self.availability
        rt.extensions["agent_frames"] = {
            "presence": self._frame_presence,
            "heartbeat": self._frame_heartbeat,
            "decline": self._frame_decline,
            "transfer": self._frame_transfer,
        }
        rt.on("on_conversation_started", self._on_started)
        rt.on("on_conversation_closed", self._on_closed)
        rt.on("on_operator_message", self._on_operator_message)
        rt.on("on_visitor_disconnected", self._on_visitor_disconnected)
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.create_task(self._router_loop())
        self._tasks = [
            self._loop_task,
            asyncio.create_task(self._timer_loop()),
            asyncio.create_task(self._queue_loop()),
        ]
        self._wake.set()  # an initial sweep picks up offers left by a previous process

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        self._loop_task = None

    # -- the unit of work: group routing ---------------------------------------------------

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
        """Queue one command for the router task and wait for its own result.

        The router task routes every pending command of a pool in one transaction (group
        routing, like group commit for messages); the caller still gets its own events, or its
        own ``RoutingRejected`` / ``Conflict``.
        """
        job = _Job(
            command,
            set(businesses),
            set(operators),
            conversation_id,
            everything,
            tick,
            asyncio.get_running_loop().create_future(),
        )
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.create_task(self._router_loop())
        self._jobs.put_nowait(job)
        return await job.future

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
            pairs = await _skill_pairs(session)
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
            pairs = await _skill_pairs(session)
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
            await session.execute(
                select(Business.id)
                .where(Business.id.in_(todo))
                .order_by(Business.id)
                .with_for_update()
            )
            locked |= set(todo)

    async def _run_once(self, jobs: list[_Job]) -> None:
        """Lock the pool once, load it once, apply every job in order, persist, commit."""
        outcomes: list[tuple[_Job, list[ev.Event] | BaseException]] = []
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
            applied: list[ev.Event] = []
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
                    data = {
                        k: v
                        for k, v in (
                            ("conversation_id", rejected.conversation_id),
                            ("operator_id", rejected.operator_id),
                        )
                        if v
                    }
                    outcomes.append(
                        (
                            job,
                            RoutingRejected(
                                f"{rejected.command}: {rejected.reason.replace('_', ' ')}",
                                code=rejected.reason,
                                data=data,
                            ),
                        )
                    )
                    continue
                applied.extend(events)
                outcomes.append((job, events))
                last_tick = events if job.tick else None
            await self._persist(session, snap, engine, applied, now)
        self.batches += 1
        self.commands += sum(1 for _, o in outcomes if not isinstance(o, BaseException))
        self._arm(engine.next_deadline())
        self._mark_dirty(scope)  # positions may move even when nothing was assigned
        for job, outcome in outcomes:
            if job.future.done():
                continue
            if isinstance(outcome, BaseException):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)

    async def _persist(
        self,
        session: AsyncSession,
        snap: Snapshot,
        engine: RoutingEngine,
        events: list[ev.Event],
        now: datetime,
    ) -> None:
        missing = {getattr(e, "operator_id", None) for e in events} - set(snap.names) - {None}
        if missing:
            snap.names.update(
                dict(
                    (
                        await session.execute(
                            select(User.id, User.display_name).where(User.id.in_(missing))
                        )
                    ).all()
                )
            )
        # Only the conversations an event touches become ORM rows (their frames need them).
        touched_ids = {
            cid for e in events if (cid := getattr(e, "conversation_id", None)) is not None
        }
        touched_ids |= set(snap.dispositions)
        rows: dict[str, Conversation] = {}
        if touched_ids:
            rows = {
                r.id: r
                for r in await session.scalars(
                    select(Conversation).where(Conversation.id.in_(touched_ids))
                )
            }
        for conv_id, disposition in snap.dispositions.items():
            if conv_id in rows:
                rows[conv_id].disposition = disposition
        touched: dict[str, Conversation] = {}
        event_rows: list[dict[str, Any]] = []

        def record(
            conv_id: str, kind: str, operator_id: str | None, at: datetime, **data: Any
        ) -> Conversation:
            row = rows[conv_id]
            event_rows.append(
                dict(
                    business_id=row.business_id,
                    conversation_id=conv_id,
                    kind=kind,
                    operator_id=operator_id,
                    at=at,
                    data=data,
                )
            )
            touched[conv_id] = row
            return row

        def requeue(row: Conversation) -> None:
            row.state = Status.QUEUED
            row.operator_id = None

        def revoke(operator_id: str, conv_id: str, reason: str) -> None:
            queue_after_commit(
                session,
                user_topic(operator_id),
                protocol.frame("offer_revoked", conversation_id=conv_id, reason=reason),
            )

        presence_rows: list[dict[str, Any]] = []
        for e in events:
            if isinstance(e, ev.Offered):
                row = record(
                    e.conversation_id,
                    "offered",
                    e.operator_id,
                    e.at,
                    via=e.via,
                    expires_at=e.expires_at.isoformat(),
                )
                row.state, row.operator_id, row.offered_at = Status.OFFERED, e.operator_id, e.at
                queue_after_commit(
                    session,
                    user_topic(e.operator_id),
                    protocol.frame(
                        "offer",
                        conversation_id=e.conversation_id,
                        business_id=row.business_id,
                        language=row.language,
                        via=e.via,
                        expires_at=e.expires_at,
                        expires_in=(e.expires_at - e.at).total_seconds(),
                    ),
                )
            elif isinstance(e, ev.Assigned):
                row = record(e.conversation_id, "accepted", e.operator_id, e.at, via=e.via)
                row.state, row.operator_id = Status.ACTIVE, e.operator_id
                if row.accepted_at is None:
                    row.accepted_at = e.at
            elif isinstance(e, ev.OfferDeclined):
                requeue(record(e.conversation_id, "offer_declined", e.operator_id, e.at))
            elif isinstance(e, ev.OfferExpired):
                requeue(
                    record(
                        e.conversation_id,
                        "offer_expired",
                        e.operator_id,
                        e.at,
                        consecutive=e.consecutive,
                    )
                )
                revoke(e.operator_id, e.conversation_id, "expired")
            elif isinstance(e, ev.OfferWithdrawn):
                requeue(
                    record(
                        e.conversation_id, "offer_withdrawn", e.operator_id, e.at, reason=e.reason
                    )
                )
                revoke(e.operator_id, e.conversation_id, e.reason)
            elif isinstance(e, ev.Requeued):
                requeue(record(e.conversation_id, "requeued", e.operator_id, e.at, reason=e.reason))
            elif isinstance(e, ev.Transferred):
                row = record(
                    e.conversation_id,
                    "transfer",
                    e.from_operator_id,
                    e.at,
                    to_operator_id=e.to_operator_id,
                )
                if e.to_operator_id is None:
                    requeue(row)
            elif isinstance(e, ev.Closed | ev.Abandoned | ev.Missed):
                kind = {ev.Closed: "closed", ev.Abandoned: "abandoned", ev.Missed: "missed"}[
                    type(e)
                ]
                extra = {"by": e.by} if isinstance(e, ev.Closed) else {}
                row = record(e.conversation_id, kind, e.operator_id, e.at, **extra)
                row.state = kind
                setattr(row, f"{kind}_at", e.at)
                if kind == "missed" and e.operator_id:
                    revoke(e.operator_id, e.conversation_id, "visitor_left")
            elif isinstance(e, ev.PresenceChanged):
                presence_rows.append(
                    dict(operator_id=e.operator_id, at=e.at, old=e.old, new=e.new, reason=e.reason)
                )
                frame = protocol.frame(
                    "presence",
                    operator_id=e.operator_id,
                    name=snap.names.get(e.operator_id),
                    state=e.new,
                    previous=e.old,
                    reason=e.reason,
                    at=e.at,
                )
                queue_after_commit(session, ALL_STAFF, frame)
                queue_after_commit(session, user_topic(e.operator_id), frame)
        await session.flush()  # the conversation rows first (events reference them)
        if event_rows:
            await session.execute(insert(ConversationEvent.__table__), event_rows)
        if presence_rows:
            await session.execute(insert(PresenceLog.__table__), presence_rows)
        # Routing rows: write back what the engine changed, one executemany per kind.
        gone: list[str] = []
        rc_insert: list[dict[str, Any]] = []
        rc_update: list[dict[str, Any]] = []
        for conv_id, loaded in snap.loaded_convs.items():
            state = engine.conversations.get(conv_id)
            if state is None:
                if conv_id in snap.rc_existing:
                    gone.append(conv_id)
                continue
            if _conv_key(state) == loaded:
                continue  # a missing row reads back as these same defaults
            values = dict(
                offer_expires_at=state.offer_expires_at,
                held_since=state.held_since,
                requeued=state.requeued,
                declined_by=sorted(state.declined_by),
                was_offered=state.was_offered,
            )
            if conv_id in snap.rc_existing:
                rc_update.append({"k_id": conv_id, **values})
            else:
                rc_insert.append({"conversation_id": conv_id, **values})
        if gone:
            await session.execute(delete(_RC).where(_RC.c.conversation_id.in_(gone)))
        if rc_insert:
            await session.execute(insert(_RC), rc_insert)
        if rc_update:
            await session.execute(
                _RC.update().where(_RC.c.conversation_id == bindparam("k_id")), rc_update
            )
        ro_insert: list[dict[str, Any]] = []
        ro_update: list[dict[str, Any]] = []
        for op_id, op in engine.operators.items():
            if _op_key(op) == snap.loaded_ops.get(op_id):
                continue
            values = dict(
                presence=str(op.presence),
                last_heartbeat_at=op.last_heartbeat_at,
                last_assigned_at=op.last_assigned_at,
                consecutive_expired=op.consecutive_expired,
                updated_at=now,
            )
            if op_id in snap.op_existing:
                ro_update.append({"k_id": op_id, **values})
            else:
                ro_insert.append({"user_id": op_id, **values})
        if ro_insert:
            await session.execute(insert(_RO), ro_insert)
        if ro_update:
            await session.execute(_RO.update().where(_RO.c.user_id == bindparam("k_id")), ro_update)
        stats = {_handle_stat(b): e for b, e in engine.handle_times.items() if b in snap.scope}
        stats[ACCEPT_STAT] = engine.accept_latency
        for name, ewma in stats.items():
            stat = snap.stats.get(name)
            if stat is None and ewma.count:
                await session.execute(
                    insert(_RS).values(name=name, mean=ewma.mean, count=ewma.count)
                )
            elif stat is not None and stat[1] != ewma.count:
                await session.execute(
                    _RS.update().where(_RS.c.name == name).values(mean=ewma.mean, count=ewma.count)
                )
        for row in touched.values():
            queue_conversation_update(session, row, snap.names.get(row.operator_id or ""))

    # -- commands ----------------------------------------------------------------------------

    async def dispatch(self, business_ids: Iterable[str]) -> list[ev.Event]:
        """Offer queued chats to whoever has room (a tick: also applies anything due)."""
        return await self.run(_tick, businesses=business_ids, tick=True)

    async def tick_all(self, *, sweep: bool = False) -> list[ev.Event]:
        """Tick the pools that have something due (an offer expiry, a heartbeat timeout);
        the safety sweep also ticks pools with queued chats (work conservation after a lost
        wake-up). Pools with nothing due are not locked."""
        now = utcnow()
        limit = now - self.options.engine.heartbeat_timeout
        async with read_only(self.runtime.sessions) as session:
            businesses = set(
                await session.scalars(
                    select(Conversation.business_id)
                    .distinct()
                    .join(_RC, _RC.c.conversation_id == Conversation.id)
                    .where(Conversation.state == Status.OFFERED, _RC.c.offer_expires_at <= now)
                )
            )
            # Offered chats without routing row (written by an older version): expire them too.
            businesses |= set(
                await session.scalars(
                    select(Conversation.business_id)
                    .distinct()
                    .outerjoin(_RC, _RC.c.conversation_id == Conversation.id)
                    .where(Conversation.state == Status.OFFERED, _RC.c.conversation_id.is_(None))
                )
            )
            if sweep:
                businesses |= set(
                    await session.scalars(
                        select(Conversation.business_id)
                        .distinct()
                        .where(Conversation.state == Status.QUEUED)
                    )
                )
            late = set(
                await session.scalars(
                    select(_RO.c.user_id).where(
                        _RO.c.presence != Presence.OFFLINE, _RO.c.last_heartbeat_at <= limit
                    )
                )
            )
            pairs = await _skill_pairs(session) if businesses or late else []
            # Deadlines of the pools not ticked now: keep the timer armed for them.
            next_offer = await session.scalar(
                select(func.min(_RC.c.offer_expires_at))
                .select_from(_RC.join(_CONV, _CONV.c.id == _RC.c.conversation_id))
                .where(_CONV.c.state == Status.OFFERED, _RC.c.offer_expires_at > now)
            )
            next_beat = await session.scalar(
                select(func.min(_RO.c.last_heartbeat_at)).where(
                    _RO.c.presence != Presence.OFFLINE, _RO.c.last_heartbeat_at > limit
                )
            )
        upcoming = [
            t
            for t in (
                next_offer,
                next_beat + self.options.engine.heartbeat_timeout
                if next_beat is not None
                else None,
            )
            if t is not None
        ]
        if upcoming:
            self._arm(min(upcoming))
        seeds = businesses | {b for u, b in pairs if u in late}
        pools: list[set[str]] = []
        for business_id in sorted(seeds):
            if not any(business_id in p for p in pools):
                pools.append(pool_of(pairs, [business_id]))
        results = await asyncio.gather(
            *(self.run(_tick, businesses=pool, tick=True) for pool in pools), return_exceptions=True
        )
        events: list[ev.Event] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result
            events.extend(result)
        return events

    async def accept(self, actor: StaffActor, conversation_id: str) -> None:
        """The agent socket's `accept`: the pending offer, or a queued chat taken by hand."""
        if not actor.is_staff:
            raise Forbidden("only staff can accept conversations")

        def command(engine: RoutingEngine, snap: Snapshot) -> list[ev.Event]:
            conv = engine.conversations.get(conversation_id)
            if conv is None:
                raise Conflict("this conversation is no longer waiting", code="not_open")
            if conv.status is Status.OFFERED and conv.operator_id == actor.user_id:
                return engine.accept(conversation_id, actor.user_id)
            if conv.status is Status.ACTIVE:
                if conv.operator_id == actor.user_id:
                    return []  # accepting twice is harmless
                raise Conflict("another operator has this conversation", code="already_assigned")
            return _take_by_hand(engine, conv, actor)

        await self.run(command, operators=[actor.user_id], conversation_id=conversation_id)

    async def close(
        self, actor: StaffActor, conversation_id: str, disposition: str | None = None
    ) -> None:
        if disposition is not None:
            try:
                disposition = Disposition(disposition)
            except ValueError:
                raise Invalid(
                    f"unknown disposition {disposition!r}",
                    code="invalid_disposition",
                    data={"allowed": [d.value for d in Disposition]},
                ) from None

        def command(engine: RoutingEngine, snap: Snapshot) -> list[ev.Event]:
            conv = engine.conversations.get(conversation_id)
            if conv is None:
                return []  # closing a closed chat is harmless
            if disposition is not None:
                snap.dispositions[conversation_id] = disposition
            if conv.status is Status.ACTIVE and conv.operator_id == actor.user_id:
                return engine.close(conversation_id, actor.user_id)
            return _end_by_hand(engine, conv, Status.CLOSED, "staff") + engine.tick()

        await self.run(command, operators=[actor.user_id], conversation_id=conversation_id)

    async def visitor_leave(self, visitor: VisitorActor | None, conversation_id: str) -> None:
        """The visitor left (an explicit `leave` frame, or gone past the grace period)."""

        def command(engine: RoutingEngine, snap: Snapshot) -> list[ev.Event]:
            if conversation_id not in engine.conversations:
                return []
            return engine.visitor_left(conversation_id)

        await self.run(command, conversation_id=conversation_id)

    async def set_presence(self, operator_id: str, state: str) -> list[ev.Event]:
        try:
            presence = Presence(state)
        except ValueError:
            raise FrameError(
                "invalid_field", "`state` is online, away or offline", field="state"
            ) from None

        def command(engine: RoutingEngine, snap: Snapshot) -> list[ev.Event]:
            events = engine.set_presence(operator_id, presence)
            op = engine.operators.get(operator_id)
            if op is not None and presence is not Presence.OFFLINE:
                op.last_heartbeat_at = engine.clock()  # saying something proves they are there
            return events

        return await self.run(command, operators=[operator_id])

    async def heartbeat(self, operator_id: str) -> str:
        """A heartbeat touches one row and takes no routing lock; "offline" if it is too late."""
        async with self.runtime.transaction() as session:
            result = await session.execute(
                update(RoutingOperator)
                .where(
                    RoutingOperator.user_id == operator_id,
                    RoutingOperator.presence != Presence.OFFLINE,
                )
                .values(last_heartbeat_at=utcnow())
                .returning(RoutingOperator.presence)
            )
            row = result.first()
        return str(row[0]) if row else Presence.OFFLINE

    async def decline(self, operator_id: str, conversation_id: str) -> list[ev.Event]:
        return await self.run(
            lambda engine, _: engine.decline(conversation_id, operator_id),
            operators=[operator_id],
            conversation_id=conversation_id,
        )

    async def transfer(
        self, actor: StaffActor, conversation_id: str, to_operator_id: str | None
    ) -> list[ev.Event]:
        def command(engine: RoutingEngine, snap: Snapshot) -> list[ev.Event]:
            conv = engine.conversations.get(conversation_id)
            holder = actor.user_id
            # Supervisors and admins may move anybody's chat; operators only their own.
            if conv is not None and actor.role in (Role.SUPERVISOR, Role.PROVIDER_ADMIN):
                holder = conv.operator_id or actor.user_id
            return engine.transfer(conversation_id, holder, to_operator_id)

        ops = [actor.user_id] + ([to_operator_id] if to_operator_id else [])
        return await self.run(command, operators=ops, conversation_id=conversation_id)

    # -- agent frames (registered through runtime.extensions["agent_frames"]) ----------------

    @staticmethod
    def _operator(conn: Any) -> StaffActor:
        actor: StaffActor = conn.actor
        if actor.role != Role.OPERATOR:
            raise FrameError("forbidden", "only operators take part in routing")
        return actor

    async def _frame_presence(self, conn: Any, data: dict[str, Any]) -> None:
        actor = self._operator(conn)
        state = protocol.require_str(data, "state", max_len=16)
        events = await self.set_presence(actor.user_id, state)
        if not any(
            isinstance(e, ev.PresenceChanged) and e.operator_id == actor.user_id for e in events
        ):  # no change: confirm the current state to the sender
            conn.send(
                protocol.frame(
                    "presence",
                    operator_id=actor.user_id,
                    name=actor.name,
                    state=state,
                    previous=state,
                    reason="manual",
                    at=utcnow(),
                )
            )

    async def _frame_heartbeat(self, conn: Any, data: dict[str, Any]) -> None:
        actor = self._operator(conn)
        conn.send(
            protocol.frame(
                "heartbeat", state=await self.heartbeat(actor.user_id), server_time=utcnow()
            )
        )

    async def _frame_decline(self, conn: Any, data: dict[str, Any]) -> None:
        actor = self._operator(conn)
        conversation_id = protocol.require_str(data, "conversation_id", max_len=64)
        await self.decline(actor.user_id, conversation_id)

    async def _frame_transfer(self, conn: Any, data: dict[str, Any]) -> None:
        actor: StaffActor = conn.actor
        if not actor.is_staff:
            raise FrameError("forbidden", "business users cannot transfer chats")
        conversation_id = protocol.require_str(data, "conversation_id", max_len=64)
        target = data.get("to_operator_id")
        if target is not None and not isinstance(target, str):
            raise FrameError(
                "invalid_field", "`to_operator_id` is a string or null", field="to_operator_id"
            )
        await conn._visible(conversation_id)
        await self.transfer(actor, conversation_id, target)

    # -- hooks -------------------------------------------------------------------------------

    async def _on_started(self, conversation: Conversation) -> None:
        await self.dispatch([conversation.business_id])

    async def _on_closed(self, conversation_id: str) -> None:
        await self.run(_tick, conversation_id=conversation_id, tick=True)

    async def _on_operator_message(self, stored: Any) -> None:
        """Log `first_reply` once per conversation (the writer sets first_reply_at)."""
        if stored.internal or stored.conversation_id in self._first_reply_logged:
            return
        async with self.runtime.transaction() as session:
            conv = await session.scalar(
                select(Conversation)
                .where(Conversation.id == stored.conversation_id)
                .with_for_update()
            )
            if conv is None or conv.first_reply_at is None:
                return
            logged = await session.scalar(
                select(
                    exists().where(
                        ConversationEvent.conversation_id == conv.id,
                        ConversationEvent.kind == "first_reply",
                    )
                )
            )
            if not logged:
                queued = conv.queued_at or conv.created_at
                session.add(
                    ConversationEvent(
                        business_id=conv.business_id,
                        conversation_id=conv.id,
                        kind="first_reply",
                        operator_id=stored.author_id,
                        at=conv.first_reply_at,
                        data={"seconds": (conv.first_reply_at - queued).total_seconds()},
                    )
                )
        if len(self._first_reply_logged) > 100_000:
            self._first_reply_logged.clear()
        self._first_reply_logged.add(stored.conversation_id)

    async def _on_visitor_disconnected(
        self, visitor: VisitorActor, conversation_ids: Iterable[str]
    ) -> None:
        due = utcnow() + self.options.visitor_grace
        for conversation_id in conversation_ids:
            self._grace[conversation_id] = due
        self._wake.set()

    async def _visitor_gone(self, conversation_id: str) -> None:
        if self.runtime.hub.subscriber_count(conversation_topic(conversation_id)):
            return  # came back (to this process) within the grace period
        async with read_only(self.runtime.sessions) as session:
            row = (
                await session.execute(
                    select(Conversation.state, Conversation.first_reply_at).where(
                        Conversation.id == conversation_id
                    )
                )
            ).first()
        # After a first reply the chat stays open for the operator to close.
        if row is not None and row[0] in OPEN_STATES and row[1] is None:
            with contextlib.suppress(RoutingRejected):
                await self.visitor_leave(None, conversation_id)

    # -- timers ------------------------------------------------------------------------------

    def _arm(self, deadline: datetime | None) -> None:
        if deadline is not None and (self._deadline is None or deadline < self._deadline):
            self._deadline = deadline
            self._wake.set()

    async def _timer_loop(self) -> None:
        next_sweep = utcnow()
        while True:
            now = utcnow()
            candidates = [next_sweep, *self._grace.values()]
            if self._deadline is not None:
                candidates.append(self._deadline)
            wait = max(0.0, (min(candidates) - now).total_seconds())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()
            self._wake.clear()
            now = utcnow()
            try:
                for conversation_id, due in list(self._grace.items()):
                    if due <= now:
                        del self._grace[conversation_id]
                        await self._visitor_gone(conversation_id)
                if (self._deadline is not None and self._deadline <= now) or next_sweep <= now:
                    self._deadline = None
                    sweep = next_sweep <= now
                    if sweep:
                        next_sweep = now + timedelta(seconds=self.options.sweep_interval)
                    await self.tick_all(sweep=sweep)
            except Exception:  # the loop must survive a failed tick; the next sweep retries
                log.exception("routing timer failed")
                await asyncio.sleep(0.5)

    def _mark_dirty(self, business_ids: Iterable[str]) -> None:
        self._dirty.update(business_ids)
        self._dirty_event.set()

    async def _queue_loop(self) -> None:
        while True:
            await self._dirty_event.wait()
            await asyncio.sleep(self.options.queue_interval)
            self._dirty_event.clear()
            dirty, self._dirty = self._dirty, set()
            try:
                await self.publish_queue(dirty)
            except Exception:
                log.exception("queue refresh failed")

    async def snapshot(self, business_ids: Iterable[str]) -> Snapshot:
        """A lock-free read of the pools of ``business_ids`` (for estimates and the floor)."""
        async with read_only(self.runtime.sessions) as session:
            pairs = await _skill_pairs(session)
            return await load_snapshot(session, pool_of(pairs, business_ids), pairs)

    async def publish_queue(
        self, business_ids: Iterable[str]
    ) -> dict[str, tuple[int, float | None]]:
        """Send `queue` frames to visitors whose position or estimate changed."""
        snap = await self.snapshot(business_ids)
        engine = snap.engine(utcnow(), self.options.engine)
        estimates = queue_estimates(
            engine.conversations,
            engine.operators.values(),
            engine.handle_time,
            engine.accept_latency.mean,
        )
        for conv_id, (position, seconds) in estimates.items():
            eta = None if seconds is None else math.ceil(seconds)
            if self._last_queue.get(conv_id) == (position, eta):
                continue
            self._last_queue[conv_id] = (position, eta)
            self.runtime.broker.publish(
                conversation_topic(conv_id),
                protocol.frame(
                    "queue", conversation_id=conv_id, position=position, eta_seconds=eta
                ),
            )
        # Chats of this pool that left the queue: a later return must be announced again.
        for conv_id in [
            c for c in snap.conversations if c in self._last_queue and c not in estimates
        ]:
            del self._last_queue[conv_id]
        if len(self._last_queue) > 100_000:
            self._last_queue.clear()
        return estimates

    # -- availability ------------------------------------------------------------------------

    async def availability(self, business_id: str, language: str | None = None) -> dict[str, Any]:
        """Whether the widget should offer a chat now, or show the offline form / the bot."""
        async with read_only(self.runtime.sessions) as session:
            business = await session.get(Business, business_id)
        if business is None:
            raise Conflict("unknown business", code="not_found")
        contract = {**default_contract(), **(business.contract or {})}
        action = "bot" if contract.get("overflow") == "bot" else "offline_form"
        language = language or business.language
        now = utcnow()
        out: dict[str, Any] = {
            "open": False,
            "reason": "closed",
            "operators_online": 0,
            "eta_seconds": None,
            "next_open": None,
            "overflow_action": action,
        }
        try:
            schedule = Schedule.from_dict(business.opening_hours or {})
        except ScheduleError:
            log.warning("business %s has invalid opening hours; using the default", business_id)
            schedule = Schedule.default(business.timezone)
        if not is_open(schedule, now):
            with contextlib.suppress(EmptyScheduleError):
                change = next_change(schedule, now)
                out["next_open"] = change.at.isoformat() if change.is_open else None
            return out
        snap = await self.snapshot([business_id])
        engine = snap.engine(now, self.options.engine)
        probe = ConversationState(
            id="~availability",
            business_id=business_id,
            language=language,
            queued_at=now,
            priority=int(contract.get("priority", 0)),
        )
        serving = [
            op
            for op in engine.operators.values()
            if op.presence is Presence.ONLINE and can_serve(op, probe)
        ]
        out["operators_online"] = len(serving)
        if not serving:
            out["reason"] = "no_operators"
            return out
        conversations = {**engine.conversations, probe.id: probe}
        wait = estimate_wait(
            probe,
            conversations,
            engine.operators.values(),
            engine.handle_time,
            engine.accept_latency.mean,
        )
        out["eta_seconds"] = None if wait.seconds is None else round(wait.seconds, 1)
        if wait.seconds is not None and wait.seconds > float(contract["max_queue_wait_seconds"]):
            out["reason"] = "overflow"
            return out
        out.update(open=True, reason="open")
        return out


def _take_by_hand(
    engine: RoutingEngine, conv: ConversationState, actor: StaffActor
) -> list[ev.Event]:
    """Staff pick a waiting chat themselves (the console's queue list, or a supervisor)."""
    now = engine.clock()
    op = engine.operators.get(actor.user_id)
    if op is None and actor.role == Role.OPERATOR:
        raise Conflict("you do not serve this business", code="not_eligible")
    if op is not None and op.load >= op.max_concurrent:
        raise Conflict(
            "you are at your maximum of concurrent chats",
            code="at_capacity",
            data={"max_concurrent": op.max_concurrent},
        )
    events: list[ev.Event] = []
    if conv.status is Status.OFFERED and conv.operator_id:
        other = engine.operators.get(conv.operator_id)
        if other is not None:
            other.offered.discard(conv.id)
        events.append(
            ev.OfferWithdrawn(
                at=now, conversation_id=conv.id, operator_id=conv.operator_id, reason="taken"
            )
        )
    assert Status.ACTIVE in LEGAL_TRANSITIONS[conv.status]
    conv.status, conv.operator_id = Status.ACTIVE, actor.user_id
    conv.offer_expires_at, conv.held_since = None, now
    if op is not None:
        op.active.add(conv.id)
        op.last_assigned_at = now
        op.consecutive_expired = 0
    events.append(
        ev.Assigned(at=now, conversation_id=conv.id, operator_id=actor.user_id, via="manual")
    )
    return events


def _end_by_hand(
    engine: RoutingEngine, conv: ConversationState, to: Status, by: str
) -> list[ev.Event]:
    """Staff close a chat that is not theirs (or still waiting): release whatever it holds."""
    now = engine.clock()
    events: list[ev.Event] = []
    op = engine.operators.get(conv.operator_id or "")
    if conv.status is Status.OFFERED and conv.operator_id:
        events.append(
            ev.OfferWithdrawn(
                at=now, conversation_id=conv.id, operator_id=conv.operator_id, reason="closed"
            )
        )
    if op is not None:
        op.active.discard(conv.id)
        op.offered.discard(conv.id)
    assert to in TERMINAL and to in LEGAL_TRANSITIONS[conv.status]
    operator_id = conv.operator_id if conv.status is Status.ACTIVE else None
    conv.status = to
    del engine.conversations[conv.id]
    events.append(ev.Closed(at=now, conversation_id=conv.id, operator_id=operator_id, by=by))
    return events


def install(app: FastAPI) -> None:
    from livedesk.routing import reports, views  # the views import this module

    app.include_router(views.router)
    app.include_router(reports.router)

    async def start(runtime: Runtime) -> None:
        options = getattr(app.state, "routing_options", None) or RouterOptions.from_env()
        app.state.router = Router(runtime, options)
        await app.state.router.start()

    async def stop(runtime: Runtime) -> None:
        router = getattr(app.state, "router", None)
        if router is not None:
            await router.stop()

    app.state.on_start.append(start)
    app.state.on_stop.append(stop)
