"""Opening-hours arithmetic for a business, in the business's own IANA time zone.

Model
-----
* A weekly schedule gives, per weekday (Monday = 0), a list of local (open, close) intervals
  at minute resolution. ``close`` may be ``24:00``. If ``close <= open`` the interval crosses
  midnight and ends on the next day (``22:00–02:00``). ``00:00–24:00`` is a whole day.
* An interval belongs to the day on which it *starts*. A date exception replaces the intervals
  starting on that date (an empty list = closed all day); the spill-over of the previous day's
  interval past midnight is not cut off by an exception on the next date. An exception is
  either the list of intervals or ``{"label": "Kerst", "ranges": [...]}``; the label is kept
  for the people who read the schedule and changes nothing in the arithmetic.
* Touching intervals (``Mon 22:00–24:00`` and ``Tue 00:00–02:00``) merge; overlapping ones are
  rejected by validation.

DST rule (one rule for both kinds of transition)
-------------------------------------------------
A local boundary time ``B`` takes effect at the *first instant at which the wall clock shows
``B`` or later*:

* nonexistent time (spring forward, Europe/Amsterdam 2026-03-29 02:00→03:00): a boundary at
  02:30 takes effect at 03:00 CEST, the moment the gap ends;
* ambiguous time (fall back, 2026-10-25 03:00→02:00): a boundary at 02:30 takes effect at the
  first occurrence (02:30 CEST, ``fold=0``); the repeated hour does not re-open or re-close.

This keeps every interval a single contiguous UTC interval and makes boundaries monotone in
local time, so no interval can turn negative. All returned datetimes are aware UTC.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DEFAULT_TIMEZONE",
    "WEEKDAYS",
    "Change",
    "EmptyScheduleError",
    "LocalInterval",
    "Schedule",
    "ScheduleError",
    "is_open",
    "next_change",
    "open_intervals",
    "resolve_local",
]

DEFAULT_TIMEZONE = "Europe/Amsterdam"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
_TIME_RE = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class ScheduleError(ValueError):
    """A schedule (or its JSON form) is invalid."""


class EmptyScheduleError(ScheduleError):
    """The operation needs a schedule that opens (and closes) at least once."""


class Change(NamedTuple):
    """Result of :func:`next_change`: the state after the change and when it happens (UTC)."""

    is_open: bool
    at: datetime


@dataclass(frozen=True, order=True)
class LocalInterval:
    """Local opening interval in minutes since midnight; ``close <= open`` crosses midnight."""

    open: int
    close: int

    def __post_init__(self) -> None:
        if not 0 <= self.open < MINUTES_PER_DAY:
            raise ScheduleError(f"opening time {_fmt(self.open)} must be within 00:00–23:59")
        if not 0 <= self.close <= MINUTES_PER_DAY:
            raise ScheduleError(f"closing time {_fmt(self.close)} must be within 00:00–24:00")
        if self.open == self.close:
            raise ScheduleError(
                f"interval {_fmt(self.open)}–{_fmt(self.close)} is empty (use 00:00–24:00 for "
                "a whole day)"
            )

    @classmethod
    def parse(cls, open_: str, close: str) -> LocalInterval:
        return cls(_parse_time(open_, allow_24=False), _parse_time(close, allow_24=True))

    @property
    def crosses_midnight(self) -> bool:
        return self.close < self.open

    def span(self) -> tuple[int, int]:
        """Minutes from the start of the owning day; the end may exceed 1440."""
        end = self.close + MINUTES_PER_DAY if self.crosses_midnight else self.close
        return self.open, end

    def to_json(self) -> list[str]:
        return [_fmt(self.open), _fmt(self.close)]


@dataclass(frozen=True, eq=True)
class Schedule:
    """Weekly opening hours plus date exceptions in one IANA time zone."""

    weekly: tuple[tuple[LocalInterval, ...], ...]
    exceptions: Mapping[date, tuple[LocalInterval, ...]] = field(default_factory=dict)
    timezone: str = DEFAULT_TIMEZONE
    # Names of exception dates ("Kerstmis"); only dates that have an exception.
    exception_labels: Mapping[date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ScheduleError("weekly schedule needs exactly 7 days (Monday first)")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ScheduleError(f"unknown time zone {self.timezone!r}") from exc
        # Normalise ordering so equality does not depend on input order.
        object.__setattr__(self, "weekly", tuple(tuple(sorted(d)) for d in self.weekly))
        object.__setattr__(
            self, "exceptions", {d: tuple(sorted(v)) for d, v in sorted(self.exceptions.items())}
        )
        object.__setattr__(
            self,
            "exception_labels",
            {d: t for d, t in sorted(self.exception_labels.items()) if t and d in self.exceptions},
        )
        self._validate_overlaps()

    # --- construction -----------------------------------------------------------------

    @classmethod
    def default(cls, timezone: str = DEFAULT_TIMEZONE) -> Schedule:
        """09:00–23:00 every day, the product default for a new business."""
        day = (LocalInterval(9 * 60, 23 * 60),)
        return cls(weekly=(day,) * 7, timezone=timezone)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, require_hours: bool = False) -> Schedule:
        """Parse the JSON form; raise :class:`ScheduleError` with the offending path."""
        if not isinstance(data, Mapping):
            raise ScheduleError("schedule must be a JSON object")
        unknown = set(data) - {"timezone", "weekly", "exceptions"}
        if unknown:
            raise ScheduleError(f"unknown schedule keys: {', '.join(sorted(unknown))}")
        tz = data.get("timezone", DEFAULT_TIMEZONE)
        if not isinstance(tz, str):
            raise ScheduleError("timezone must be a string")
        weekly_raw = data.get("weekly", {})
        if not isinstance(weekly_raw, Mapping):
            raise ScheduleError("weekly must be an object keyed by mon..sun")
        bad_days = set(weekly_raw) - set(WEEKDAYS)
        if bad_days:
            raise ScheduleError(f"weekly: unknown weekday keys {', '.join(sorted(bad_days))}")
        weekly = tuple(
            _parse_intervals(weekly_raw.get(day, []), f"weekly.{day}") for day in WEEKDAYS
        )
        exc_raw = data.get("exceptions", {})
        if not isinstance(exc_raw, Mapping):
            raise ScheduleError("exceptions must be an object keyed by YYYY-MM-DD")
        exceptions: dict[date, tuple[LocalInterval, ...]] = {}
        labels: dict[date, str] = {}
        for key, value in exc_raw.items():
            try:
                day = date.fromisoformat(key)
            except (TypeError, ValueError) as exc:
                raise ScheduleError(f"exceptions: {key!r} is not a YYYY-MM-DD date") from exc
            ranges, labels[day] = _exception_entry(value, f"exceptions.{key}")
            exceptions[day] = _parse_intervals(ranges, f"exceptions.{key}")
        schedule = cls(weekly=weekly, exceptions=exceptions, timezone=tz, exception_labels=labels)
        if require_hours:
            schedule.require_hours()
        return schedule

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form; round-trips through :meth:`from_dict`."""
        return {
            "timezone": self.timezone,
            "weekly": {
                WEEKDAYS[i]: [iv.to_json() for iv in day]
                for i, day in enumerate(self.weekly)
                if day
            },
            "exceptions": {
                d.isoformat(): self._exception_json(d, ivs) for d, ivs in self.exceptions.items()
            },
        }

    def _exception_json(self, day: date, intervals: tuple[LocalInterval, ...]) -> Any:
        ranges = [iv.to_json() for iv in intervals]
        label = self.exception_labels.get(day)
        return {"label": label, "ranges": ranges} if label else ranges

    def require_hours(self) -> None:
        """Raise :class:`EmptyScheduleError` when the weekly schedule never opens."""
        if not any(self.weekly):
            raise EmptyScheduleError("schedule has no opening hours on any weekday")

    # --- queries ------------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def intervals_on(self, day: date) -> tuple[LocalInterval, ...]:
        """Intervals starting on ``day`` (exception if any, else the weekday's)."""
        if day in self.exceptions:
            return self.exceptions[day]
        return self.weekly[day.weekday()]

    def _validate_overlaps(self) -> None:
        # Weekly: lay the week out twice in minutes so Sunday's spill-over meets Monday.
        spans: list[tuple[int, int, str]] = []
        for i, day in enumerate(self.weekly):
            for iv in day:
                s, e = iv.span()
                for week in (0, 7):
                    off = (i + week) * MINUTES_PER_DAY
                    spans.append((s + off, e + off, f"weekly.{WEEKDAYS[i]} {_fmt_iv(iv)}"))
        _check_disjoint(spans)
        # Exceptions: check each against the effective neighbours on both sides.
        for d in self.exceptions:
            spans = []
            for k in (-1, 0, 1):
                near = d + timedelta(days=k)
                where = (
                    f"exceptions.{near.isoformat()}"
                    if near in self.exceptions
                    else f"weekly.{WEEKDAYS[near.weekday()]}"
                )
                for iv in self.intervals_on(near):
                    s, e = iv.span()
                    off = (k + 1) * MINUTES_PER_DAY
                    spans.append((s + off, e + off, f"{where} {_fmt_iv(iv)}"))
            _check_disjoint(spans)


def _check_disjoint(spans: list[tuple[int, int, str]]) -> None:
    spans.sort()
    for (_s1, e1, n1), (s2, _e2, n2) in itertools.pairwise(spans):
        if s2 < e1:
            raise ScheduleError(f"overlapping intervals: {n1} and {n2}")


def _exception_entry(raw: Any, path: str) -> tuple[Any, str]:
    """An exception's intervals and label: a bare list, or {"label": ..., "ranges": [...]}."""
    if not isinstance(raw, Mapping):
        return raw, ""
    unknown = set(raw) - {"label", "ranges"}
    if unknown:
        raise ScheduleError(f"{path}: unknown keys {', '.join(sorted(unknown))}")
    label = raw.get("label") or ""
    if not isinstance(label, str):
        raise ScheduleError(f"{path}.label: must be a string")
    return raw.get("ranges", []), label


def _parse_intervals(raw: Any, path: str) -> tuple[LocalInterval, ...]:
    if not isinstance(raw, list):
        raise ScheduleError(f"{path}: must be a list of [open, close] pairs")
    out = []
    for i, pair in enumerate(raw):
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or not all(isinstance(x, str) for x in pair)
        ):
            raise ScheduleError(f'{path}[{i}]: must be ["HH:MM", "HH:MM"]')
        try:
            out.append(LocalInterval.parse(pair[0], pair[1]))
        except ScheduleError as exc:
            raise ScheduleError(f"{path}[{i}]: {exc}") from None
    return tuple(out)


def _parse_time(text: str, *, allow_24: bool) -> int:
    m = _TIME_RE.match(text)
    if not m:
        raise ScheduleError(f"{text!r} is not a HH:MM time")
    hours, minutes = int(m.group(1)), int(m.group(2))
    if hours == 24 and minutes:
        raise ScheduleError(f"{text!r} is not a HH:MM time (the latest is 24:00)")
    if hours == 24 and not allow_24:
        raise ScheduleError(f"{text!r}: 24:00 is only allowed as a closing time")
    return hours * 60 + minutes


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _fmt_iv(iv: LocalInterval) -> str:
    return f"{_fmt(iv.open)}–{_fmt(iv.close)}"


# --- time-zone resolution -------------------------------------------------------------------


def resolve_local(local: datetime, tz: ZoneInfo) -> datetime:
    """UTC instant at which a naive local wall-clock time takes effect (see module DST rule)."""
    if local.tzinfo is not None:
        raise ValueError("resolve_local expects a naive local datetime")
    first = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == local:
        return first  # exists; fold=0 is the first occurrence when ambiguous
    # Nonexistent: fold=0 applies the pre-gap offset and lands after the gap's end; fold=1
    # lands before it. The transition instant (= end of the gap) lies in between.
    lo = local.replace(tzinfo=tz, fold=1).astimezone(UTC)
    hi = first
    after = hi.astimezone(tz).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid.astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("timezone-aware datetime required")
    return at.astimezone(UTC)


def _day_intervals(schedule: Schedule, first: date, last: date) -> list[tuple[datetime, datetime]]:
    """Resolved UTC intervals for intervals starting on first..last (inclusive), merged."""
    tz = schedule.tz
    raw: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        midnight = datetime.combine(day, time())
        for iv in schedule.intervals_on(day):
            s, e = iv.span()
            start = resolve_local(midnight + timedelta(minutes=s), tz)
            end = resolve_local(midnight + timedelta(minutes=e), tz)
            if start < end:  # a slot entirely inside a DST gap vanishes
                raw.append((start, end))
        day += timedelta(days=1)
    return _merge(raw)


def _merge(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def open_intervals(
    schedule: Schedule, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Merged open intervals clipped to ``[start, end)``, as aware UTC datetimes."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return []
    tz = schedule.tz
    # Intervals last at most 48 h of wall time, so two days of look-back suffice.
    first = start.astimezone(tz).date() - timedelta(days=2)
    last = end.astimezone(tz).date() + timedelta(days=1)
    out = []
    for s, e in _day_intervals(schedule, first, last):
        s, e = max(s, start), min(e, end)
        if s < e:
            out.append((s, e))
    return out


def is_open(schedule: Schedule, at: datetime) -> bool:
    """Whether the business is open at the instant ``at`` (intervals are half-open)."""
    at = _utc(at)
    local_day = at.astimezone(schedule.tz).date()
    return any(
        s <= at < e for s, e in _day_intervals(schedule, local_day - timedelta(days=2), local_day)
    )


def next_change(schedule: Schedule, at: datetime) -> Change:
    """First instant strictly after ``at`` at which open/closed flips, and the new state.

    Raises :class:`EmptyScheduleError` if the state never changes again (never opens, or is
    open around the clock with no future closing exception).
    """
    cursor = _utc(at)
    tz = schedule.tz
    last_exception = max(schedule.exceptions, default=cursor.astimezone(tz).date())
    # After the last exception the pattern is weekly, so 9 more days settle the question.
    horizon = max(cursor.astimezone(tz).date(), last_exception) + timedelta(days=9)
    while (day := cursor.astimezone(tz).date()) <= horizon:
        last = day + timedelta(days=_WINDOW_DAYS)
        # An interval ending at/after this instant may merge with one starting after `last`.
        limit = resolve_local(datetime.combine(last + timedelta(days=1), time()), tz)
        for s, e in _day_intervals(schedule, day - timedelta(days=2), last):
            if s > cursor:
                return Change(True, s)
            if s <= cursor < e:
                if e < limit:
                    return Change(False, e)
                # Open beyond the window: continue scanning from just before its end.
                cursor = e - timedelta(microseconds=1)
                break
        else:
            cursor = limit
    raise EmptyScheduleError("schedule never changes between open and closed after this time")


_WINDOW_DAYS = 14
