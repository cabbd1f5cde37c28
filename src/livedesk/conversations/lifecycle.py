"""The conversation lifecycle: one state enum and one table of legal moves.

Pure (no I/O, no SQLAlchemy), so the routing engine, the conversation actions and the ORM model
all check the same table. A write of a state the table does not allow raises
``IllegalTransition`` wherever it happens (see ``Conversation.state`` in models.py).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Protocol


class ConversationState(enum.StrEnum):
    QUEUED = "queued"
    OFFERED = "offered"
    ACTIVE = "active"
    CLOSED = "closed"
    ABANDONED = "abandoned"  # the visitor left before the first reply
    MISSED = "missed"  # an offer nobody accepted before the visitor left


QUEUED, OFFERED, ACTIVE = (
    ConversationState.QUEUED,
    ConversationState.OFFERED,
    ConversationState.ACTIVE,
)
CLOSED, ABANDONED, MISSED = (
    ConversationState.CLOSED,
    ConversationState.ABANDONED,
    ConversationState.MISSED,
)

OPEN_STATES = frozenset({QUEUED, OFFERED, ACTIVE})
TERMINAL_STATES = frozenset({CLOSED, ABANDONED, MISSED})

TRANSITIONS: dict[ConversationState, frozenset[ConversationState]] = {
    # -> active: auto-accept, or staff take a waiting chat by hand.
    # -> missed: the visitor left after an offer that nobody took (it was re-queued since).
    # -> closed: staff closed it, or a visitor who was already served left while re-queued.
    QUEUED: frozenset({OFFERED, ACTIVE, ABANDONED, MISSED, CLOSED}),
    # -> queued: declined, expired or withdrawn.
    OFFERED: frozenset({QUEUED, ACTIVE, MISSED, CLOSED}),
    # -> queued: the operator dropped or transferred to the queue; -> offered: a transfer to a
    # named operator who is not on auto-accept; -> abandoned: the visitor left before a reply.
    ACTIVE: frozenset({QUEUED, OFFERED, ABANDONED, CLOSED}),
    CLOSED: frozenset(),
    ABANDONED: frozenset(),
    MISSED: frozenset(),
}

# The conversations column stamped when a conversation enters each state.
TIMESTAMP_OF: dict[ConversationState, str] = {
    QUEUED: "queued_at",
    OFFERED: "offered_at",
    ACTIVE: "accepted_at",
    CLOSED: "closed_at",
    ABANDONED: "abandoned_at",
    MISSED: "missed_at",
}


class IllegalTransition(ValueError):
    """A move the lifecycle table does not allow: a bug in the caller, never user input."""


def is_legal(current: str, to: str) -> bool:
    return ConversationState(to) in TRANSITIONS[ConversationState(current)]


def check_transition(current: str, to: str, *, what: str = "conversation") -> ConversationState:
    """The target state, or ``IllegalTransition`` when the table does not allow the move."""
    if not is_legal(current, to):
        raise IllegalTransition(f"{what}: {current} -> {to}")
    return ConversationState(to)


class HasLifecycle(Protocol):
    id: str
    state: str


def enter_state(conversation: HasLifecycle, to: str, at: datetime) -> ConversationState:
    """Move ``conversation`` along the table and stamp the moment it first entered ``to``.

    A re-queued chat keeps its first ``queued_at`` (its place in line) and a re-accepted one its
    first ``accepted_at``; ``offered_at`` records the latest offer. Staying in the same state
    (an active chat transferred to an operator who accepts automatically) is no move.
    """
    if conversation.state == to:
        return ConversationState(to)
    target = check_transition(conversation.state, to, what=f"conversation {conversation.id}")
    conversation.state = target
    column = TIMESTAMP_OF[target]
    if target is OFFERED or getattr(conversation, column, None) is None:
        setattr(conversation, column, at)
    return target
