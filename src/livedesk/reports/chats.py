"""What one chat's event log says: its outcome, waits and times, and who held it (pure).

Outcomes partition the chats: **answered** (an operator replied), **missed** (an offer was out
when the visitor left), **abandoned** (the visitor left before any reply, no offer out),
**closed_unanswered** (staff or the bot ended it without an operator's reply) and **open**.

A chat is attributed to one operator, its *responsible* operator: whoever sent the first reply,
otherwise the last operator it was offered to or accepted by. So per-operator figures add up to
the figures of every chat that reached an operator; a chat that never did belongs to no one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from livedesk.reports.records import ChatRecord, Event

ANSWERED, MISSED, ABANDONED = "answered", "missed", "abandoned"
CLOSED_UNANSWERED, OPEN = "closed_unanswered", "open"
OUTCOMES = (ANSWERED, MISSED, ABANDONED, CLOSED_UNANSWERED, OPEN)
ENDINGS = ("closed", "abandoned", "missed")
# What ends an operator's hold on a chat (the slot is free again).
HOLD_ENDS = frozenset({"closed", "abandoned", "missed", "requeued", "transfer", "offer_withdrawn"})


@dataclass(frozen=True, slots=True)
class Hold:
    operator_id: str
    start: datetime
    end: datetime | None  # None: still held


@dataclass(slots=True)
class ChatFacts:
    chat: ChatRecord
    queued_at: datetime
    outcome: str
    ended_at: datetime | None = None
    wait_seconds: float | None = None  # queued → the visitor left (missed and abandoned)
    first_reply_seconds: float | None = None
    first_reply_by: str | None = None
    handle_seconds: float | None = None  # first accepted → the end
    responsible: str | None = None
    offered_to: set[str] = field(default_factory=set)
    accepted_by: list[str] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)

    @property
    def within_target(self) -> bool:
        return (
            self.first_reply_seconds is not None
            and self.first_reply_seconds <= self.chat.target_seconds
        )

    @property
    def waited_for_a_person(self) -> bool:
        """Got an operator's reply or gave up waiting: the chats a first-reply target is for."""
        return self.outcome in (ANSWERED, MISSED, ABANDONED)

    @property
    def bot_handed_over(self) -> bool:
        """The bot spoke, then a person was asked for or an operator took the chat."""
        return self.chat.bot_messages > 0 and (self.chat.human_requested or bool(self.accepted_by))

    @property
    def bot_answered(self) -> bool:
        """The bot answered from the FAQ and the chat stayed with the bot."""
        return self.chat.bot_answers > 0 and not self.bot_handed_over


def _first(events: tuple[Event, ...], *kinds: str) -> Event | None:
    return next((e for e in events if e.kind in kinds), None)


def _seconds(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds()


def holds_of(events: tuple[Event, ...]) -> list[Hold]:
    """Accepted → released intervals per operator; a transfer to a named operator who accepts
    at once ends the first hold when the second starts."""
    holds: list[Hold] = []
    holder: tuple[str, datetime] | None = None
    for e in events:
        if e.kind == "accepted" and e.operator_id:
            if holder is not None and holder[0] != e.operator_id:
                holds.append(Hold(holder[0], holder[1], e.at))
                holder = None
            if holder is None:
                holder = (e.operator_id, e.at)
        elif e.kind in HOLD_ENDS and holder is not None:
            holds.append(Hold(holder[0], holder[1], e.at))
            holder = None
    if holder is not None:
        holds.append(Hold(holder[0], holder[1], None))
    return holds


def _outcome(reply: Event | None, end: Event | None) -> str:
    if reply is not None:
        return ANSWERED
    if end is None:
        return OPEN
    return {"missed": MISSED, "abandoned": ABANDONED}.get(end.kind, CLOSED_UNANSWERED)


def _responsible(events: tuple[Event, ...], reply: Event | None) -> str | None:
    if reply is not None and reply.operator_id:
        return reply.operator_id
    last = None
    for e in events:
        if e.kind in ENDINGS:
            break
        if e.kind in ("offered", "accepted") and e.operator_id:
            last = e.operator_id
    return last


def chat_facts(chat: ChatRecord) -> ChatFacts | None:
    """None for a chat without a `queued` event: it never entered the queue."""
    events = chat.events
    queued = _first(events, "queued")
    if queued is None:
        return None
    reply = _first(events, "first_reply")
    end = _first(events, *ENDINGS)
    accepted = [e for e in events if e.kind == "accepted" and e.operator_id]
    facts = ChatFacts(chat, queued.at, _outcome(reply, end), end.at if end else None)
    if facts.outcome in (MISSED, ABANDONED) and end is not None:
        facts.wait_seconds = _seconds(queued.at, end.at)
    if reply is not None:
        facts.first_reply_seconds = _seconds(queued.at, reply.at)
        facts.first_reply_by = reply.operator_id
    handle_end = _first(events, "closed", "abandoned")
    if accepted and handle_end is not None:
        facts.handle_seconds = _seconds(accepted[0].at, handle_end.at)
    facts.offered_to = {e.operator_id for e in events if e.kind == "offered" and e.operator_id}
    facts.accepted_by = [e.operator_id for e in accepted if e.operator_id]
    facts.responsible = _responsible(events, reply)
    facts.holds = holds_of(events)
    return facts
