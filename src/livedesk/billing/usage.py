"""A business's usage in one month, from plain records (pure: no I/O).

`queries.py` loads the records; `statement.py` prices the usage. A month is a calendar month in
the business's own time zone, from local midnight on the 1st to local midnight on the 1st of
the next (so a month with a DST change is an hour shorter or longer). A chat belongs to the
month it started in, a lead to the month it was filed in.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from livedesk.billing.greetings import Greetings
from livedesk.billing.terms import BillableRule
from livedesk.planning.costs import Quantities

# A visitor message longer than this is never a greeting nor a "short message" (the rule's
# greeting_max_chars is at most 200), so the queries load only the bodies up to this length.
SCAN_CHARS = 200
# Why a chat is not billable, in the order the rule looks: the first that applies is counted.
EXCLUSIONS = ("spam", "test", "unanswered", "greeting_only")
_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2026-03' → Month(2026, 3); anything else raises ValueError."""
        match = _MONTH_RE.match(text.strip())
        if match is None:
            raise ValueError(f"not a month: {text!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def containing(cls, at: datetime, tz: ZoneInfo) -> Month:
        local = at.astimezone(tz)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight on the 1st to local midnight on the next 1st."""
        start = datetime.combine(self.first_day, time(0), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(self.next().first_day, time(0), tzinfo=tz).astimezone(UTC)
        return start, end


@dataclass(frozen=True, slots=True)
class ChatRecord:
    """One conversation, as much of it as billing needs."""

    created_at: datetime
    disposition: str | None = None
    accepted_at: datetime | None = None
    closed_at: datetime | None = None
    visitor_messages: int = 0
    operator_replies: int = 0  # messages to the visitor, internal notes not counted
    bot_answers: int = 0  # FAQ answers the bot gave (not its "a colleague will answer")
    # The visitor's messages of at most SCAN_CHARS characters, in any order.
    short_visitor_texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Usage:
    month: Month
    chats: int
    billable_chats: int
    excluded: dict[str, int]  # not billable, by the first reason that applied (EXCLUSIONS)
    accepted_leads: int
    handled_minutes: Decimal  # accepted → closed, summed (each chat rounded up, if so agreed)
    covered_hours: Decimal  # hours open per the schedule
    bot_answers: int

    def quantities(self) -> Quantities:
        return Quantities(
            billable_chats=Decimal(self.billable_chats),
            accepted_leads=Decimal(self.accepted_leads),
            covered_hours=self.covered_hours,
        )


class BillableCheck:
    """The contract's billable rule, ready to apply to many chats."""

    def __init__(self, rule: BillableRule) -> None:
        self.rule = rule
        self.greetings = Greetings(rule.greetings)

    def only_greeted(self, chat: ChatRecord) -> bool:
        texts = chat.short_visitor_texts
        if chat.visitor_messages == 0:
            return False  # nothing said at all: "unanswered" or a real chat, not a greeting
        if len(texts) == chat.visitor_messages and all(self.greetings.matches(t) for t in texts):
            return True
        one_short = (
            chat.visitor_messages == 1
            and len(texts) == 1
            and len(texts[0].strip()) <= self.rule.greeting_max_chars
        )
        return one_short and chat.operator_replies == 0

    def exclusion(self, chat: ChatRecord) -> str | None:
        """Why this chat is not billable (one of EXCLUSIONS), or None when it is."""
        rule = self.rule
        if rule.exclude_spam and chat.disposition == "spam":
            return "spam"
        if rule.exclude_test and chat.disposition == "test":
            return "test"
        if rule.exclude_unanswered and chat.operator_replies == 0 and chat.bot_answers == 0:
            return "unanswered"
        if rule.exclude_greeting_only and self.only_greeted(chat):
            return "greeting_only"
        return None


def handled_minutes(chats: Iterable[ChatRecord], *, round_up: bool) -> Decimal:
    """Minutes from accepted to closed, summed over the chats that were both; with ``round_up``
    each chat counts in whole minutes, any part of a minute as a whole one."""
    per_minute = 60_000_000  # microseconds
    total = Decimal(0)
    for chat in chats:
        if chat.accepted_at is None or chat.closed_at is None:
            continue
        micros = max(0, (chat.closed_at - chat.accepted_at) // timedelta(microseconds=1))
        if round_up:
            total += -(-micros // per_minute)  # whole minutes, rounded up
        else:
            total += Decimal(micros) / per_minute
    return total


def covered_hours(open_spans: Iterable[tuple[datetime, datetime]]) -> Decimal:
    """The length of the open intervals, in hours (exact: seconds / 3600)."""
    micros = sum((end - start) // timedelta(microseconds=1) for start, end in open_spans)
    return Decimal(micros) / Decimal(3_600_000_000)


def measure_usage(
    month: Month,
    chats: Sequence[ChatRecord],
    *,
    accepted_leads: int,
    open_spans: Iterable[tuple[datetime, datetime]],
    rule: BillableRule | None = None,
    round_minutes_up: bool = True,
) -> Usage:
    check = BillableCheck(rule or BillableRule())
    reasons = Counter(check.exclusion(chat) for chat in chats)
    billable = reasons.pop(None, 0)
    return Usage(
        month=month,
        chats=len(chats),
        billable_chats=billable,
        excluded={reason: reasons.get(reason, 0) for reason in EXCLUSIONS},
        accepted_leads=accepted_leads,
        handled_minutes=handled_minutes(chats, round_up=round_minutes_up),
        covered_hours=covered_hours(open_spans),
        bot_answers=sum(chat.bot_answers for chat in chats),
    )
