"""Deterministic in-memory routing engine.

The engine holds :class:`OperatorState` and live :class:`ConversationState` snapshots, applies
one command at a time using the injected clock, and returns the decisions as events. It never
does I/O; a database-backed router loads the snapshot, calls one command, persists the events
and publishes them after commit (docs/routing.md, "Integrating with the database").

Commands that arrive too late or do not apply (an accept after the offer expired, a close by
the wrong operator) are normal races in a distributed system: they return a single
:class:`Rejected` event and change nothing, rather than raising.

Conversations that reach a terminal state are dropped from ``conversations``; their final
event carries everything needed to persist them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from livedesk.conversations.lifecycle import IllegalTransition, check_transition

from .eta import Ewma, WaitEstimate, estimate_wait
from .policy import (
    TERMINAL,
    ConversationState,
    OperatorState,
    Presence,
    Status,
    can_serve,
    plan_assignments,
)

__all__ = [
    "Abandoned",
    "Assigned",
    "Closed",
    "Event",
    "FirstReply",
    "IllegalTransition",
    "Missed",
    "OfferDeclined",
    "OfferExpired",
    "OfferWithdrawn",
    "Offered",
    "PresenceChanged",
    "Queued",
    "Rejected",
    "Requeued",
    "RoutingConfig",
    "RoutingEngine",
    "Transferred",
]


@dataclass(frozen=True)
class RoutingConfig:
    offer_timeout: timedelta = timedelta(seconds=20)
    max_consecutive_expired: int = 3  # then the operator is set to away
    heartbeat_timeout: timedelta = timedelta(seconds=60)
    handle_time_prior: float = 300.0  # seconds a chat holds a slot before any data
    accept_latency_prior: float = 5.0


# --- events ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Event:
    at: datetime


@dataclass(frozen=True, kw_only=True)
class Queued(Event):
    conversation_id: str
    business_id: str


@dataclass(frozen=True, kw_only=True)
class Offered(Event):
    conversation_id: str
    operator_id: str
    expires_at: datetime
    via: str = "dispatch"  # or "transfer", "supervisor"
    note: str | None = None  # what the colleague who handed it over wants the receiver to know


@dataclass(frozen=True, kw_only=True)
class Assigned(Event):
    conversation_id: str
    operator_id: str
    via: str  # "accept", "auto" (auto-accept operator) or "transfer"


@dataclass(frozen=True, kw_only=True)
class OfferDeclined(Event):
    conversation_id: str
    operator_id: str


@dataclass(frozen=True, kw_only=True)
class OfferExpired(Event):
    conversation_id: str
    operator_id: str
    consecutive: int  # this operator's consecutive expiries including this one


@dataclass(frozen=True, kw_only=True)
class OfferWithdrawn(Event):
    conversation_id: str
    operator_id: str
    reason: str  # "presence" when the operator left online


@dataclass(frozen=True, kw_only=True)
class Requeued(Event):
    conversation_id: str
    operator_id: str
    reason: str  # "offline"


@dataclass(frozen=True, kw_only=True)
class Transferred(Event):
    conversation_id: str
    from_operator_id: str
    to_operator_id: str | None  # None = back to the queue


@dataclass(frozen=True, kw_only=True)
class FirstReply(Event):
    conversation_id: str
    operator_id: str


@dataclass(frozen=True, kw_only=True)
class Closed(Event):
    conversation_id: str
    operator_id: str | None
    by: str  # "operator" or "visitor"


@dataclass(frozen=True, kw_only=True)
class Abandoned(Event):
    conversation_id: str
    operator_id: str | None  # set if the visitor left an accepted chat before any reply


@dataclass(frozen=True, kw_only=True)
class Missed(Event):
    conversation_id: str
    operator_id: str | None  # the operator holding the pending offer, if any


@dataclass(frozen=True, kw_only=True)
class PresenceChanged(Event):
    operator_id: str
    old: Presence
    new: Presence
    reason: str  # "manual", "missed_offers", "heartbeat_timeout", "registered"


@dataclass(frozen=True, kw_only=True)
class Rejected(Event):
    command: str
    reason: str
    conversation_id: str | None = None
    operator_id: str | None = None


# --- engine ---------------------------------------------------------------------------------


class RoutingEngine:
    """Applies the policy to commands; state is two dicts of plain dataclasses."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        config: RoutingConfig | None = None,
        *,
        operators: Iterable[OperatorState] = (),
        conversations: Iterable[ConversationState] = (),
    ) -> None:
        self.clock = clock
        self.config = config or RoutingConfig()
        self.operators: dict[str, OperatorState] = {op.id: op for op in operators}
        self.conversations: dict[str, ConversationState] = {
            c.id: c for c in conversations if c.status not in TERMINAL
        }
        self.handle_times: dict[str, Ewma] = {}
        self.accept_latency = Ewma(self.config.accept_latency_prior)

    # --- helpers --------------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return timezone-aware datetimes")
        return now

    def _move(self, conv: ConversationState, new: Status) -> None:
        conv.status = check_transition(conv.status, new, what=f"conversation {conv.id}")
        if new in TERMINAL:
            del self.conversations[conv.id]

    def _release(self, conv: ConversationState) -> OperatorState | None:
        """Detach ``conv`` from its operator's slot."""
        op = self.operators.get(conv.operator_id) if conv.operator_id else None
        if op is not None:
            op.active.discard(conv.id)
            op.offered.discard(conv.id)
        conv.operator_id = None
        conv.offer_expires_at = None
        conv.held_since = None
        return op

    def _observe_handle_time(self, conv: ConversationState, now: datetime) -> None:
        if conv.held_since is not None:
            ewma = self.handle_times.setdefault(
                conv.business_id, Ewma(self.config.handle_time_prior)
            )
            ewma.observe((now - conv.held_since).total_seconds())

    def _offer(self, conv: ConversationState, op: OperatorState, now: datetime, via: str) -> Event:
        conv.operator_id = op.id
        conv.held_since = now
        conv.was_offered = True
        op.last_assigned_at = now
        if op.auto_accept:
            self._move(conv, Status.ACTIVE)
            op.active.add(conv.id)
            return Assigned(
                at=now,
                conversation_id=conv.id,
                operator_id=op.id,
                via="auto" if via == "dispatch" else via,
            )
        self._move(conv, Status.OFFERED)
        conv.offer_expires_at = now + self.config.offer_timeout
        op.offered.add(conv.id)
        return Offered(
            at=now,
            conversation_id=conv.id,
            operator_id=op.id,
            expires_at=conv.offer_expires_at,
            via=via,
        )

    def _dispatch(self, events: list[Event], now: datetime) -> list[Event]:
        plan = plan_assignments(self.conversations.values(), self.operators.values(), now)
        for conv_id, op_id in plan:
            events.append(
                self._offer(self.conversations[conv_id], self.operators[op_id], now, "dispatch")
            )
        return events

    def _reject(
        self, command: str, reason: str, conv: str | None = None, op: str | None = None
    ) -> list[Event]:
        return [
            Rejected(
                at=self._now(), command=command, reason=reason, conversation_id=conv, operator_id=op
            )
        ]

    def _set_presence(
        self, op: OperatorState, new: Presence, reason: str, now: datetime, events: list[Event]
    ) -> None:
        old = op.presence
        if old is new:
            return
        op.presence = new
        events.append(PresenceChanged(at=now, operator_id=op.id, old=old, new=new, reason=reason))
        if new is Presence.ONLINE:
            op.consecutive_expired = 0
            op.last_heartbeat_at = now
            return
        # Leaving online: pending offers go back to the queue without counting as declines.
        for cid in sorted(op.offered):
            conv = self.conversations[cid]
            self._release(conv)
            self._move(conv, Status.QUEUED)
            events.append(
                OfferWithdrawn(at=now, conversation_id=cid, operator_id=op.id, reason="presence")
            )
        if new is Presence.OFFLINE:
            # Their visitors are mid-conversation: re-queue them ahead of new arrivals.
            for cid in sorted(op.active):
                conv = self.conversations[cid]
                self._observe_handle_time(conv, now)
                self._release(conv)
                self._move(conv, Status.QUEUED)
                conv.requeued = True
                events.append(
                    Requeued(at=now, conversation_id=cid, operator_id=op.id, reason="offline")
                )

    # --- commands -------------------------------------------------------------------------

    def add_operator(self, op: OperatorState) -> list[Event]:
        """Register (or replace) an operator snapshot, e.g. after loading it from the DB."""
        now = self._now()
        if op.presence is Presence.ONLINE and op.last_heartbeat_at is None:
            op.last_heartbeat_at = now
        self.operators[op.id] = op
        return self._dispatch([], now)

    def set_presence(
        self, operator_id: str, presence: Presence, reason: str = "manual"
    ) -> list[Event]:
        op = self.operators.get(operator_id)
        if op is None:
            return self._reject("set_presence", "unknown_operator", op=operator_id)
        now = self._now()
        events: list[Event] = []
        self._set_presence(op, presence, reason, now, events)
        return self._dispatch(events, now)

    def heartbeat(self, operator_id: str) -> list[Event]:
        op = self.operators.get(operator_id)
        if op is None:
            return self._reject("heartbeat", "unknown_operator", op=operator_id)
        if op.presence is Presence.OFFLINE:
            # A heartbeat alone does not bring an operator back; the console must say so.
            return self._reject("heartbeat", "offline", op=operator_id)
        op.last_heartbeat_at = self._now()
        return []

    def arrive(
        self, conversation_id: str, business_id: str, language: str, priority: int = 0
    ) -> list[Event]:
        if conversation_id in self.conversations:
            return self._reject("arrive", "duplicate", conv=conversation_id)
        now = self._now()
        conv = ConversationState(
            id=conversation_id,
            business_id=business_id,
            language=language,
            queued_at=now,
            priority=priority,
        )
        self.conversations[conv.id] = conv
        return self._dispatch(
            [Queued(at=now, conversation_id=conv.id, business_id=business_id)], now
        )

    def _pending_offer(
        self, command: str, conversation_id: str, operator_id: str
    ) -> ConversationState | list[Event]:
        conv = self.conversations.get(conversation_id)
        if conv is None:
            return self._reject(command, "unknown_conversation", conversation_id, operator_id)
        if conv.status is not Status.OFFERED or conv.operator_id != operator_id:
            return self._reject(command, "no_pending_offer", conversation_id, operator_id)
        return conv

    def accept(self, conversation_id: str, operator_id: str) -> list[Event]:
        conv = self._pending_offer("accept", conversation_id, operator_id)
        if isinstance(conv, list):
            return conv
        now = self._now()
        op = self.operators[operator_id]
        if conv.held_since is not None:
            self.accept_latency.observe((now - conv.held_since).total_seconds())
        op.offered.discard(conv.id)
        op.active.add(conv.id)
        op.consecutive_expired = 0
        conv.offer_expires_at = None
        self._move(conv, Status.ACTIVE)
        return [Assigned(at=now, conversation_id=conv.id, operator_id=op.id, via="accept")]

    def decline(self, conversation_id: str, operator_id: str) -> list[Event]:
        conv = self._pending_offer("decline", conversation_id, operator_id)
        if isinstance(conv, list):
            return conv
        now = self._now()
        op = self.operators[operator_id]
        op.consecutive_expired = 0  # an explicit answer shows they are at the console
        self._release(conv)
        conv.declined_by.add(operator_id)
        self._move(conv, Status.QUEUED)
        events: list[Event] = [
            OfferDeclined(at=now, conversation_id=conv.id, operator_id=operator_id)
        ]
        return self._dispatch(events, now)

    def reply(self, conversation_id: str, operator_id: str) -> list[Event]:
        """Record an operator message; only the first one matters for routing."""
        conv = self.conversations.get(conversation_id)
        if conv is None or conv.status is not Status.ACTIVE or conv.operator_id != operator_id:
            return self._reject("reply", "not_assigned", conversation_id, operator_id)
        if conv.first_reply_at is not None:
            return []
        conv.first_reply_at = self._now()
        return [
            FirstReply(at=conv.first_reply_at, conversation_id=conv.id, operator_id=operator_id)
        ]

    def close(self, conversation_id: str, operator_id: str) -> list[Event]:
        conv = self.conversations.get(conversation_id)
        if conv is None or conv.status is not Status.ACTIVE or conv.operator_id != operator_id:
            return self._reject("close", "not_assigned", conversation_id, operator_id)
        now = self._now()
        self._observe_handle_time(conv, now)
        self._release(conv)
        self._move(conv, Status.CLOSED)
        events: list[Event] = [
            Closed(at=now, conversation_id=conv.id, operator_id=operator_id, by="operator")
        ]
        return self._dispatch(events, now)

    def transfer(
        self, conversation_id: str, from_operator_id: str, to_operator_id: str | None = None
    ) -> list[Event]:
        """Hand an active chat to another operator, or back to the queue (with priority)."""
        conv = self.conversations.get(conversation_id)
        if conv is None or conv.status is not Status.ACTIVE or conv.operator_id != from_operator_id:
            return self._reject("transfer", "not_assigned", conversation_id, from_operator_id)
        target = None
        if to_operator_id is not None:
            target = self.operators.get(to_operator_id)
            if target is None or target.id == from_operator_id:
                return self._reject("transfer", "bad_target", conversation_id, to_operator_id)
            if target.presence is not Presence.ONLINE or not can_serve(target, conv):
                return self._reject(
                    "transfer", "target_unavailable", conversation_id, to_operator_id
                )
            if target.load >= target.max_concurrent:
                return self._reject("transfer", "target_full", conversation_id, to_operator_id)
        now = self._now()
        self._observe_handle_time(conv, now)
        self._release(conv)
        conv.requeued = True  # mid-conversation: if it lands in the queue it goes first
        conv.declined_by.add(from_operator_id)
        events: list[Event] = [
            Transferred(
                at=now,
                conversation_id=conv.id,
                from_operator_id=from_operator_id,
                to_operator_id=to_operator_id,
            )
        ]
        if target is None:
            self._move(conv, Status.QUEUED)
            return self._dispatch(events, now)
        if target.auto_accept:
            # active -> active with a new operator: no state change, only a new owner.
            conv.operator_id = target.id
            conv.held_since = now
            target.active.add(conv.id)
            target.last_assigned_at = now
            events.append(
                Assigned(at=now, conversation_id=conv.id, operator_id=target.id, via="transfer")
            )
        else:
            events.append(self._offer(conv, target, now, "transfer"))
        return self._dispatch(events, now)

    def direct(self, conversation_id: str, to_operator_id: str) -> list[Event]:
        """A supervisor hands a chat to a named operator: a waiting one is offered to them (an
        offer to someone else is withdrawn first), an active one is transferred."""
        conv = self.conversations.get(conversation_id)
        if conv is None:
            return self._reject("direct", "unknown_conversation", conversation_id)
        if conv.status is Status.ACTIVE:
            assert conv.operator_id is not None
            return self.transfer(conversation_id, conv.operator_id, to_operator_id)
        target = self.operators.get(to_operator_id)
        if target is None or conv.operator_id == to_operator_id:
            return self._reject("direct", "bad_target", conversation_id, to_operator_id)
        if target.presence is not Presence.ONLINE or not can_serve(target, conv):
            return self._reject("direct", "target_unavailable", conversation_id, to_operator_id)
        if target.load >= target.max_concurrent:
            return self._reject("direct", "target_full", conversation_id, to_operator_id)
        now = self._now()
        events: list[Event] = []
        if conv.status is Status.OFFERED and conv.operator_id is not None:
            previous = conv.operator_id
            self._release(conv)
            self._move(conv, Status.QUEUED)
            events.append(
                OfferWithdrawn(
                    at=now, conversation_id=conv.id, operator_id=previous, reason="reassigned"
                )
            )
        events.append(self._offer(conv, target, now, "supervisor"))
        return self._dispatch(events, now)

    def visitor_left(self, conversation_id: str) -> list[Event]:
        conv = self.conversations.get(conversation_id)
        if conv is None:
            return self._reject("visitor_left", "unknown_conversation", conversation_id)
        now = self._now()
        operator_id = conv.operator_id
        events: list[Event] = []
        if conv.status is Status.ACTIVE:
            self._observe_handle_time(conv, now)
        self._release(conv)
        if conv.first_reply_at is not None:
            self._move(conv, Status.CLOSED)
            events.append(
                Closed(at=now, conversation_id=conv.id, operator_id=operator_id, by="visitor")
            )
        elif conv.status is Status.ACTIVE or not conv.was_offered:
            self._move(conv, Status.ABANDONED)
            events.append(Abandoned(at=now, conversation_id=conv.id, operator_id=operator_id))
        else:
            # Offered (now or earlier) and nobody took it before the visitor gave up.
            self._move(conv, Status.MISSED)
            events.append(Missed(at=now, conversation_id=conv.id, operator_id=operator_id))
        return self._dispatch(events, now)

    def tick(self) -> list[Event]:
        """Apply everything due by now: offer expiries, then heartbeat timeouts."""
        now = self._now()
        events: list[Event] = []
        due = sorted(
            (
                c
                for c in self.conversations.values()
                if c.status is Status.OFFERED
                and c.offer_expires_at is not None
                and c.offer_expires_at <= now
            ),
            key=lambda c: (c.offer_expires_at, c.id),
        )
        for conv in due:
            if conv.status is not Status.OFFERED:
                continue  # withdrawn when an earlier expiry set its operator away
            op = self._release(conv)
            assert op is not None  # an offered conversation always has an operator
            conv.declined_by.add(op.id)
            self._move(conv, Status.QUEUED)
            op.consecutive_expired += 1
            events.append(
                OfferExpired(
                    at=now,
                    conversation_id=conv.id,
                    operator_id=op.id,
                    consecutive=op.consecutive_expired,
                )
            )
            if (
                op.consecutive_expired >= self.config.max_consecutive_expired
                and op.presence is Presence.ONLINE
            ):
                self._set_presence(op, Presence.AWAY, "missed_offers", now, events)
        limit = now - self.config.heartbeat_timeout
        for op in sorted(self.operators.values(), key=lambda o: o.id):
            if (
                op.presence is not Presence.OFFLINE
                and op.last_heartbeat_at is not None
                and op.last_heartbeat_at <= limit
            ):
                self._set_presence(op, Presence.OFFLINE, "heartbeat_timeout", now, events)
        return self._dispatch(events, now)

    # --- queries --------------------------------------------------------------------------

    def next_deadline(self) -> datetime | None:
        """Earliest instant at which :meth:`tick` would change something (for a timer)."""
        times = [
            c.offer_expires_at
            for c in self.conversations.values()
            if c.status is Status.OFFERED and c.offer_expires_at is not None
        ]
        times += [
            op.last_heartbeat_at + self.config.heartbeat_timeout
            for op in self.operators.values()
            if op.presence is not Presence.OFFLINE and op.last_heartbeat_at is not None
        ]
        return min(times, default=None)

    def handle_time(self, business_id: str) -> float:
        ewma = self.handle_times.get(business_id)
        return ewma.mean if ewma else self.config.handle_time_prior

    def estimate_wait(self, conversation_id: str) -> WaitEstimate | None:
        conv = self.conversations.get(conversation_id)
        if conv is None or conv.status is not Status.QUEUED:
            return None
        return estimate_wait(
            conv,
            self.conversations,
            self.operators.values(),
            self.handle_time,
            self.accept_latency.mean,
        )
