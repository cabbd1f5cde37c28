"""Operator time within a period: online time from presence changes, chat slots held, and the
occupancy and concurrency they give (pure).

* held seconds — accepted → released intervals of the chats in scope, cut to the period;
* online seconds — time with presence "online" (away and offline are not), cut to the period;
* occupancy — held seconds ÷ (online seconds × each operator's max concurrent chats): the share
  of the operators' chat capacity in use. Operators serving several businesses share their
  capacity, so the occupancies of businesses sharing operators add up;
* concurrency — mean: held seconds ÷ online seconds (chats at once per online operator);
  peak: the most chats one operator held at the same moment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from livedesk.reports.chats import Hold
from livedesk.reports.records import OperatorRecord, PresenceRecord

Interval = tuple[datetime, datetime]


def clip(a: datetime, b: datetime, start: datetime, end: datetime) -> Interval | None:
    lo, hi = max(a, start), min(b, end)
    return (lo, hi) if lo < hi else None


def online_intervals(
    presence: Iterable[PresenceRecord], until: datetime
) -> dict[str, list[Interval]]:
    """Per operator, the intervals they were online; one still online runs to `until`."""
    since: dict[str, datetime] = {}
    out: dict[str, list[Interval]] = defaultdict(list)
    for p in sorted(presence, key=lambda p: p.at):
        if p.new == "online":
            since.setdefault(p.operator_id, p.at)
        elif p.operator_id in since:
            out[p.operator_id].append((since.pop(p.operator_id), p.at))
    for operator_id, at in since.items():
        if at < until:
            out[operator_id].append((at, until))
    return out


def peak_at_once(intervals: Iterable[Interval]) -> int:
    """The most intervals open at one moment (one ending as another starts: not overlapping)."""
    edges = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals])
    best = current = 0
    for _, step in edges:  # at equal times -1 sorts before +1
        current += step
        best = max(best, current)
    return best


@dataclass(frozen=True, slots=True)
class OperatorTime:
    online_seconds: float
    held_seconds: float
    capacity_seconds: float
    peak: int

    @property
    def occupancy(self) -> float | None:
        return self.held_seconds / self.capacity_seconds if self.capacity_seconds else None

    @property
    def concurrency_mean(self) -> float | None:
        return self.held_seconds / self.online_seconds if self.online_seconds else None


def operator_time(
    holds: Iterable[Hold],
    presence: Iterable[PresenceRecord],
    operators: Iterable[OperatorRecord],
    start: datetime,
    end: datetime,
    now: datetime,
) -> OperatorTime:
    """Held, online and capacity seconds of `operators` within [start, end)."""
    until = min(end, now)
    capacity_of = {o.id: o.max_concurrent for o in operators}
    online = online_intervals((p for p in presence if p.operator_id in capacity_of), until)
    online_seconds = capacity = 0.0
    for operator_id, spans in online.items():
        for a, b in spans:
            cut = clip(a, b, start, end)
            if cut is not None:
                seconds = (cut[1] - cut[0]).total_seconds()
                online_seconds += seconds
                capacity += seconds * capacity_of[operator_id]
    held: dict[str, list[Interval]] = defaultdict(list)
    for h in holds:
        cut = clip(h.start, h.end or until, start, end)
        if cut is not None:
            held[h.operator_id].append(cut)
    held_seconds = sum((b - a).total_seconds() for spans in held.values() for a, b in spans)
    peak = max((peak_at_once(spans) for spans in held.values()), default=0)
    return OperatorTime(online_seconds, held_seconds, capacity, peak)
