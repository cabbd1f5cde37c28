"""Assignment policy: pure functions over operator and conversation snapshots.

Rules (see docs/routing.md for the rationale):

* An operator is *eligible* for a conversation when they serve its business, speak its
  language, are ``online``, have ``active + pending offers < max_concurrent``, and have not
  declined (or let expire, or transferred away) this conversation in the current round.
* A *round* ends when every online operator who could serve the conversation has declined it;
  then everybody is eligible again, so a chat is never stranded by refusals alone.
* Among eligible operators pick the fewest chats (pending offers count, so two simultaneous
  arrivals do not both land on the same idle operator), then the longest since their last
  offer/assignment (never = longest), then the operator id for determinism.
* Queue order: chats re-queued because their operator went offline (or were transferred back
  to the queue) first, then by ``queued_at`` (FIFO), then higher contract priority, then id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum

from livedesk.conversations.lifecycle import TERMINAL_STATES, TRANSITIONS
from livedesk.conversations.lifecycle import ConversationState as ConversationStatus

__all__ = [
    "LEGAL_TRANSITIONS",
    "TERMINAL",
    "ConversationState",
    "OperatorState",
    "Presence",
    "Status",
    "can_serve",
    "choose_operator",
    "eligible_operators",
    "is_eligible",
    "next_conversation_for",
    "operator_rank",
    "plan_assignments",
    "queue_key",
    "round_exhausted",
    "waiting",
]

_NEVER = datetime.min.replace(tzinfo=UTC)


class Presence(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


# The conversation lifecycle's own enum and table (conversations/lifecycle.py): routing moves
# conversations only along it.
Status = ConversationStatus
TERMINAL = TERMINAL_STATES
LEGAL_TRANSITIONS = TRANSITIONS


@dataclass
class OperatorState:
    """One operator as the router sees them; mirrors a DB row plus its open assignments."""

    id: str
    businesses: frozenset[str]
    languages: frozenset[str]
    max_concurrent: int = 3
    presence: Presence = Presence.OFFLINE
    auto_accept: bool = False
    active: set[str] = field(default_factory=set)
    offered: set[str] = field(default_factory=set)
    last_assigned_at: datetime | None = None
    last_heartbeat_at: datetime | None = None
    consecutive_expired: int = 0

    @property
    def load(self) -> int:
        return len(self.active) + len(self.offered)

    @property
    def free_slots(self) -> int:
        return max(0, self.max_concurrent - self.load)


@dataclass
class ConversationState:
    """One conversation's routing state; mirrors a DB row."""

    id: str
    business_id: str
    language: str
    queued_at: datetime
    priority: int = 0
    status: Status = Status.QUEUED
    operator_id: str | None = None
    offer_expires_at: datetime | None = None
    held_since: datetime | None = None  # when the current operator's slot was taken
    requeued: bool = False
    declined_by: set[str] = field(default_factory=set)
    was_offered: bool = False
    first_reply_at: datetime | None = None


def can_serve(op: OperatorState, conv: ConversationState) -> bool:
    """Skill match only: business and language, regardless of presence or load."""
    return conv.business_id in op.businesses and conv.language in op.languages


def round_exhausted(conv: ConversationState, operators: Iterable[OperatorState]) -> bool:
    """True when every online operator who could serve ``conv`` has declined it."""
    candidates = [op for op in operators if op.presence is Presence.ONLINE and can_serve(op, conv)]
    return bool(candidates) and all(op.id in conv.declined_by for op in candidates)


def _eligible(op: OperatorState, conv: ConversationState, exhausted: bool) -> bool:
    return (
        op.presence is Presence.ONLINE
        and can_serve(op, conv)
        and op.load < op.max_concurrent
        and (exhausted or op.id not in conv.declined_by)
    )


def is_eligible(
    op: OperatorState, conv: ConversationState, operators: Iterable[OperatorState]
) -> bool:
    return _eligible(op, conv, round_exhausted(conv, operators))


def eligible_operators(
    conv: ConversationState, operators: Iterable[OperatorState]
) -> list[OperatorState]:
    ops = list(operators)
    exhausted = round_exhausted(conv, ops)
    return [op for op in ops if _eligible(op, conv, exhausted)]


def operator_rank(op: OperatorState) -> tuple[int, datetime, str]:
    """Smaller is better: fewest chats, longest idle since last assignment, then id."""
    return (op.load, op.last_assigned_at or _NEVER, op.id)


def choose_operator(
    conv: ConversationState, operators: Iterable[OperatorState]
) -> OperatorState | None:
    return min(eligible_operators(conv, operators), key=operator_rank, default=None)


def queue_key(conv: ConversationState) -> tuple[bool, datetime, int, str]:
    """Smaller waits less: re-queued first, then FIFO, then contract priority, then id."""
    return (not conv.requeued, conv.queued_at, -conv.priority, conv.id)


def waiting(conversations: Iterable[ConversationState]) -> list[ConversationState]:
    """Queued conversations in the order they should be served."""
    return sorted((c for c in conversations if c.status is Status.QUEUED), key=queue_key)


def next_conversation_for(
    op: OperatorState,
    conversations: Iterable[ConversationState],
    operators: Iterable[OperatorState],
) -> ConversationState | None:
    """The longest-waiting conversation ``op`` may take, across all businesses they serve."""
    ops = list(operators)
    for conv in waiting(conversations):
        if is_eligible(op, conv, ops):
            return conv
    return None


def plan_assignments(
    conversations: Iterable[ConversationState],
    operators: Iterable[OperatorState],
    now: datetime,
) -> list[tuple[str, str]]:
    """Pairs (conversation id, operator id) to offer/assign now, in queue order.

    One pass suffices: a conversation that finds nobody eligible cannot find somebody later in
    the same pass, because the pass only adds load. The inputs are not modified.
    """
    ops = [replace(op, offered=set(op.offered), active=set(op.active)) for op in operators]
    plan = []
    for conv in waiting(conversations):
        chosen = choose_operator(conv, ops)
        if chosen is None:
            continue
        chosen.offered.add(conv.id)  # reserve the slot for the rest of the pass
        chosen.last_assigned_at = now
        plan.append((conv.id, chosen.id))
    return plan
