"""Routing's clocks: offer expiries, heartbeat timeouts, the safety sweep, visitor grace, and
operators whose console closed.

One task per process sleeps until the earliest of: the deadline the last unit of work reported
(``arm``), a visitor's grace period running out, the next look at the consoles open here, or the
next safety sweep, which also ticks pools with queued chats (work conservation after a lost
wake-up or another process's timer). The database is the truth; these deadlines are hints a
later sweep repairs.

Offer expiries, heartbeat timeouts and the sweep run exactly once across processes: only the
holder of the ``routing-timers`` lease (leases.py) ticks. The holder also looks every renewal
interval for deadlines other processes armed, and a process that gains the lease (the holder
stopped or was killed) sweeps at once. Visitor grace and closed consoles stay with the process
whose sockets they watch: nobody else knows them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select

from livedesk import jsonutil
from livedesk.conversations.models import OPEN_STATES, Conversation
from livedesk.db import read_only, utcnow
from livedesk.leases import Lease
from livedesk.realtime.hub import Outbox
from livedesk.realtime.visitor import VISITOR_BACK_TOPIC
from livedesk.routing import commands
from livedesk.routing import engine as ev
from livedesk.routing.batching import CommandBatcher, RoutingRejected, tick
from livedesk.routing.policy import Presence, Status
from livedesk.routing.snapshot import CONV, RC, RO, pool_of, skill_pairs
from livedesk.runtime import conversation_topic, user_topic

log = logging.getLogger(__name__)
CONSOLE_CHECK = 1.0  # seconds between looks at the consoles open in this process


class ClosedConsoles:
    """Operators whose last console (staff socket) in this process closed: offline once the
    grace has passed, unless a console is back here or a heartbeat came since (a console on
    another process: the console beats more often than the grace). Without this a closed
    browser stayed online until the heartbeat timeout, a minute of offers to nobody."""

    def __init__(self, batcher: CommandBatcher) -> None:
        self.batcher = batcher
        self.connected: set[str] = set()  # operators with a console here at the last look
        self.closed_at: dict[str, datetime] = {}  # … whose last console here has closed

    @property
    def watching(self) -> bool:
        hub = self.batcher.runtime.hub
        return bool(self.connected or self.closed_at or hub.connection_count)

    async def check(self, now: datetime) -> None:
        hub = self.batcher.runtime.hub
        async with read_only(self.batcher.runtime.sessions) as session:
            rows = (
                await session.execute(
                    select(RO.c.user_id, RO.c.last_heartbeat_at).where(
                        RO.c.presence != Presence.OFFLINE
                    )
                )
            ).all()
        present = {user_id for user_id, _ in rows}
        self.connected &= present  # offline meanwhile (by hand, a timeout): nothing to watch
        self.closed_at = {u: at for u, at in self.closed_at.items() if u in present}
        due = []
        for user_id, beat in rows:
            if hub.subscriber_count(user_topic(user_id)):
                self.connected.add(user_id)
                self.closed_at.pop(user_id, None)
                continue
            if user_id in self.connected:
                self.connected.discard(user_id)
                self.closed_at[user_id] = now
            since = self.closed_at.get(user_id)
            if since is None:
                continue
            if beat is not None and beat > since:
                del self.closed_at[user_id]  # alive on another process
            elif now - since >= self.batcher.options.disconnect_grace:
                del self.closed_at[user_id]
                due.append(user_id)
        for user_id in due:
            with contextlib.suppress(RoutingRejected):
                command = commands.set_presence(user_id, Presence.OFFLINE, "disconnected")
                await self.batcher.run(command, operators=[user_id])


class Timers:
    def __init__(self, batcher: CommandBatcher) -> None:
        self.batcher = batcher
        self.deadline: datetime | None = None
        self._wake = asyncio.Event()
        self._grace: dict[str, datetime] = {}  # conversation id → when its visitor is gone
        # Conversations whose visitor connected again, to this process or another: a grace
        # that starts here after that (the old socket's close noticed late) is not started.
        self._back: dict[str, datetime] = {}
        self._back_news = Outbox(self._visitor_back, limit=10_000)
        batcher.runtime.hub.subscribe(self._back_news, [VISITOR_BACK_TOPIC])
        self.consoles = ClosedConsoles(batcher)
        self.lease: Lease | None = None  # None: the only process (tests that tick by hand)
        self._sweep_now = False
        batcher.listeners.append(lambda scope, deadline: self.arm(deadline))

    def wake(self) -> None:
        self._wake.set()

    def take_over(self) -> None:
        """This process just gained the lease: sweep at once, the old holder's deadlines too."""
        self._sweep_now = True
        self._wake.set()

    @property
    def exclusive(self) -> bool:
        """May this process tick the shared timers now (it holds the lease)?"""
        return self.lease is None or self.lease.held

    def visitor_disconnected(self, conversation_ids: Iterable[str]) -> None:
        """A page reload must not abandon a chat: wait out the grace period first."""
        now = utcnow()
        grace = self.batcher.options.visitor_grace
        self._back = {c: at for c, at in self._back.items() if at > now - grace}
        for conversation_id in conversation_ids:
            if conversation_id not in self._back:
                self._grace[conversation_id] = now + grace
        self._wake.set()

    async def _visitor_back(self, frame: str) -> None:
        """A visitor's socket said hello (on any process): their chats are no longer left."""
        now = utcnow()
        for conversation_id in jsonutil.loads(frame).get("conversation_ids", []):
            self._grace.pop(conversation_id, None)
            self._back[conversation_id] = now

    async def tick_all(self, *, sweep: bool = False) -> list[ev.Event]:
        """Tick the pools that have something due (an offer expiry, a heartbeat timeout);
        the safety sweep also ticks pools with queued chats (work conservation after a lost
        wake-up). Pools with nothing due are not locked."""
        now = utcnow()
        limit = now - self.batcher.options.engine.heartbeat_timeout
        async with read_only(self.batcher.runtime.sessions) as session:
            businesses = set(
                await session.scalars(
                    select(Conversation.business_id)
                    .distinct()
                    .join(RC, RC.c.conversation_id == Conversation.id)
                    .where(Conversation.state == Status.OFFERED, RC.c.offer_expires_at <= now)
                )
            )
            # Offered chats without routing row (written by an older version): expire them too.
            businesses |= set(
                await session.scalars(
                    select(Conversation.business_id)
                    .distinct()
                    .outerjoin(RC, RC.c.conversation_id == Conversation.id)
                    .where(Conversation.state == Status.OFFERED, RC.c.conversation_id.is_(None))
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
                    select(RO.c.user_id).where(
                        RO.c.presence != Presence.OFFLINE, RO.c.last_heartbeat_at <= limit
                    )
                )
            )
            pairs = await skill_pairs(session) if businesses or late else []
            # Deadlines of the pools not ticked now: keep the timer armed for them.
            next_offer = await session.scalar(
                select(func.min(RC.c.offer_expires_at))
                .select_from(RC.join(CONV, CONV.c.id == RC.c.conversation_id))
                .where(CONV.c.state == Status.OFFERED, RC.c.offer_expires_at > now)
            )
            next_beat = await session.scalar(
                select(func.min(RO.c.last_heartbeat_at)).where(
                    RO.c.presence != Presence.OFFLINE, RO.c.last_heartbeat_at > limit
                )
            )
        upcoming = [
            t
            for t in (
                next_offer,
                next_beat + self.batcher.options.engine.heartbeat_timeout
                if next_beat is not None
                else None,
            )
            if t is not None
        ]
        if upcoming:
            self.arm(min(upcoming))
        seeds = businesses | {b for u, b in pairs if u in late}
        pools: list[set[str]] = []
        for business_id in sorted(seeds):
            if not any(business_id in p for p in pools):
                pools.append(pool_of(pairs, [business_id]))
        results = await asyncio.gather(
            *(self.batcher.run(tick, businesses=pool, tick=True) for pool in pools),
            return_exceptions=True,
        )
        events: list[ev.Event] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result
            events.extend(result)
        return events

    async def _visitor_gone(self, conversation_id: str) -> None:
        if self.batcher.runtime.hub.subscriber_count(conversation_topic(conversation_id)):
            return  # came back (to this process) within the grace period
        async with read_only(self.batcher.runtime.sessions) as session:
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
                await self.batcher.run(
                    commands.visitor_left(conversation_id), conversation_id=conversation_id
                )

    def arm(self, deadline: datetime | None) -> None:
        if deadline is not None and (self.deadline is None or deadline < self.deadline):
            self.deadline = deadline
            self._wake.set()

    async def run(self) -> None:
        next_sweep = next_console_check = next_poll = utcnow()
        while True:
            now = utcnow()
            candidates = [next_sweep, *self._grace.values()]
            if self.deadline is not None:
                candidates.append(self.deadline)
            if self.consoles.watching:
                candidates.append(next_console_check)
            if self.lease is not None:  # the holder looks for other processes' deadlines
                candidates.append(next_poll)
            wait = max(0.0, (min(candidates) - now).total_seconds())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()
            self._wake.clear()
            now = utcnow()
            if self._sweep_now:
                self._sweep_now = False
                next_sweep = now
            try:
                if next_console_check <= now:
                    next_console_check = now + timedelta(seconds=CONSOLE_CHECK)
                    if self.consoles.watching:
                        await self.consoles.check(now)
                for conversation_id, due in list(self._grace.items()):
                    if due <= now:
                        del self._grace[conversation_id]
                        await self._visitor_gone(conversation_id)
                polled = self.lease is not None and next_poll <= now
                if polled and self.lease is not None:
                    next_poll = now + timedelta(seconds=self.lease.renew_every)
                deadline_due = self.deadline is not None and self.deadline <= now
                if deadline_due or polled or next_sweep <= now:
                    self.deadline = None
                    sweep = next_sweep <= now
                    if sweep:
                        next_sweep = now + timedelta(seconds=self.batcher.options.sweep_interval)
                    if self.exclusive:
                        await self.tick_all(sweep=sweep)
            except Exception:  # the loop must survive a failed tick; the next sweep retries
                log.exception("routing timer failed")
                await asyncio.sleep(0.5)
