"""The plain records reports are computed from, and the period they cover (pure: no I/O).

`queries.py` loads these from the database; `metrics.py` turns them into figures. Every time here
is an aware UTC datetime; a `Period` maps local dates (in an injected timezone) onto UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PROVIDER_TIMEZONE = "Europe/Amsterdam"  # the provider's clock, for provider-wide reports


@dataclass(frozen=True, slots=True)
class Period:
    """Local dates `first`..`last` (both included) in `tz`: the days a report covers."""

    first: date
    last: date
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        """Local midnight starting `first`, in UTC."""
        return local_midnight(self.first, self.tz)

    @property
    def end(self) -> datetime:
        """Local midnight after `last`, in UTC (excluded). A DST day is 23 or 25 hours long."""
        return local_midnight(self.last + timedelta(days=1), self.tz)

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.tz)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def month_period(year: int, month: int, tz: ZoneInfo) -> Period:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(first, following - timedelta(days=1), tz)


@dataclass(frozen=True, slots=True)
class Event:
    """One row of the conversation event log: queued, offered, accepted, first_reply, …"""

    kind: str
    operator_id: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class RatingRecord:
    score: int  # 1..5
    comment: str | None  # the visitor's words, as typed
    at: datetime


@dataclass(frozen=True, slots=True)
class ChatRecord:
    id: str
    business_id: str
    events: tuple[Event, ...]  # in the order they happened
    target_seconds: float  # the business contract's first-reply target
    bot_messages: int = 0  # messages the FAQ bot wrote in the chat
    bot_answers: int = 0  # of which answers from the FAQ (FaqBotState.answers)
    human_requested: bool = False  # the visitor asked the bot for a person
    rating: RatingRecord | None = None


@dataclass(frozen=True, slots=True)
class LeadRecord:
    id: str
    business_id: str
    kind: str
    source: str  # operator | offline_form
    status: str
    created_by: str | None
    created_at: datetime
    from_chat: bool  # filed from a conversation (not the offline form)


@dataclass(frozen=True, slots=True)
class PresenceRecord:
    operator_id: str
    at: datetime
    new: str  # online | away | offline


@dataclass(frozen=True, slots=True)
class OperatorRecord:
    id: str
    name: str
    max_concurrent: int


@dataclass(frozen=True, slots=True)
class FaqRecord:
    kind: str  # entry_added | proposal_approved
    business_id: str
    at: datetime
    by: str | None  # who created the entry / proposed what was approved


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose figures: provider-wide (both None), one business, one operator, or both."""

    business_id: str | None = None
    operator_id: str | None = None


@dataclass(slots=True)
class Records:
    """Everything one report needs, already limited to the period's neighbourhood."""

    chats: list[ChatRecord] = field(default_factory=list)
    leads: list[LeadRecord] = field(default_factory=list)
    presence: list[PresenceRecord] = field(default_factory=list)
    operators: list[OperatorRecord] = field(default_factory=list)
    faq: list[FaqRecord] = field(default_factory=list)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))  # ends what is still open
