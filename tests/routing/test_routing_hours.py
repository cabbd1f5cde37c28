"""Opening hours: validation, DST behaviour checked minute-by-minute, and properties."""

from __future__ import annotations

import functools
import itertools
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livedesk.routing.hours import (
    WEEKDAYS,
    EmptyScheduleError,
    LocalInterval,
    Schedule,
    ScheduleError,
    is_open,
    next_change,
    open_intervals,
    resolve_local,
)

AMS = ZoneInfo("Europe/Amsterdam")
SPRING = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 02:00 CET -> 03:00 CEST
AUTUMN = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)  # 03:00 CEST -> 02:00 CET
MINUTE = timedelta(minutes=1)


def every_day(*pairs: tuple[str, str], **extra: object) -> Schedule:
    return Schedule.from_dict({"weekly": {d: [list(p) for p in pairs] for d in WEEKDAYS}, **extra})


SCHEDULES = {
    "default": Schedule.default(),
    "night": every_day(("22:00", "02:30")),
    "gap_edges": every_day(("01:00", "02:15"), ("02:45", "24:00")),
    "inside_gap": every_day(("02:30", "03:30")),
    "always_with_exceptions": every_day(
        ("00:00", "24:00"),
        exceptions={
            "2026-03-29": [["02:00", "03:00"]],  # lies entirely in the gap: vanishes
            "2026-10-25": [["02:00", "02:30"], ["12:00", "13:00"]],
        },
    ),
    "weekend_mix": Schedule.from_dict(
        {
            "weekly": {
                "sat": [["09:00", "12:00"], ["23:30", "02:10"]],
                "sun": [["02:10", "02:40"], ["20:00", "24:00"]],
                "mon": [["00:00", "01:00"]],
            }
        }
    ),
}


# --- independent brute force ------------------------------------------------------------------
# Walk instants minute by minute and keep the high-water mark of the local wall clock. A local
# boundary B takes effect at the first instant the wall clock has shown B or later, so at an
# instant t an interval [S, E) is open iff highwater(t) >= S and not highwater(t) >= E. This
# uses naive wall-clock readings only: no fold handling, no UTC resolution, no merging.


def brute_force(schedule: Schedule, start: datetime, minutes: int) -> list[bool]:
    tz = ZoneInfo(schedule.timezone)
    t = start - timedelta(hours=6)
    high = None
    result = []
    while t < start + minutes * MINUTE:
        wall = t.astimezone(tz).replace(tzinfo=None)
        high = wall if high is None or wall > high else high
        if t >= start:
            result.append(_open_at_wall(schedule, high))
        t += MINUTE
    return result


def _open_at_wall(schedule: Schedule, wall: datetime) -> bool:
    for k in (2, 1, 0):
        day = wall.date() - timedelta(days=k)
        midnight = datetime(day.year, day.month, day.day)
        for iv in schedule.intervals_on(day):
            s, e = iv.span()
            if midnight + s * MINUTE <= wall < midnight + e * MINUTE:
                return True
    return False


@pytest.mark.parametrize("name", sorted(SCHEDULES))
@pytest.mark.parametrize("transition", [SPRING, AUTUMN], ids=["spring", "autumn"])
def test_every_minute_around_dst_matches_brute_force(name: str, transition: datetime) -> None:
    schedule = SCHEDULES[name]
    start = transition - timedelta(hours=24)
    expected = brute_force(schedule, start, 48 * 60)
    got = [is_open(schedule, start + i * MINUTE) for i in range(48 * 60)]
    pairs = enumerate(zip(got, expected, strict=True))
    mismatches = [start + i * MINUTE for i, (a, b) in pairs if a != b]
    assert not mismatches, mismatches[:5]

    # open_intervals must describe exactly the same minutes.
    intervals = open_intervals(schedule, start, start + 48 * 60 * MINUTE)
    from_intervals = [
        any(s <= start + i * MINUTE < e for s, e in intervals) for i in range(48 * 60)
    ]
    assert from_intervals == expected

    # next_change must name the first minute where the brute-force state flips.
    for i in range(0, 36 * 60, 7):
        flips = [j for j in range(i + 1, 48 * 60) if expected[j] != expected[i]]
        if not flips:
            continue
        change = next_change(schedule, start + i * MINUTE)
        assert change.at == start + flips[0] * MINUTE
        assert change.is_open is expected[flips[0]]


def test_dst_decisions_concretely() -> None:
    # Nonexistent 02:30 on the spring-forward day takes effect when the gap ends (03:00 CEST).
    assert resolve_local(datetime(2026, 3, 29, 2, 30), AMS) == datetime(
        2026, 3, 29, 3, 0, tzinfo=AMS
    )
    # Ambiguous 02:30 on the fall-back day resolves to the first (CEST, fold=0) occurrence.
    first = resolve_local(datetime(2026, 10, 25, 2, 30), AMS)
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    night = SCHEDULES["night"]
    # 22:00–02:30 closes at the first 02:30 and stays closed through the repeated hour.
    assert is_open(night, datetime(2026, 10, 25, 0, 29, tzinfo=UTC))
    assert not is_open(night, datetime(2026, 10, 25, 1, 15, tzinfo=UTC))  # 02:15 CET
    # On the spring day it closes at 03:00 CEST: the night is one wall-hour shorter.
    assert next_change(night, datetime(2026, 3, 28, 23, 0, tzinfo=AMS)) == (
        False,
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    )
    # The default 09:00–23:00 day is 14 real hours on both transition days.
    for day in (date(2026, 3, 29), date(2026, 10, 25)):
        start = datetime(day.year, day.month, day.day, tzinfo=AMS)
        ((s, e),) = open_intervals(Schedule.default(), start, start + timedelta(hours=24))
        assert e - s == timedelta(hours=14)
    # A slot wholly inside the gap does not exist; the rest of that day stays closed.
    always = SCHEDULES["always_with_exceptions"]
    day = datetime(2026, 3, 29, tzinfo=AMS)
    assert open_intervals(always, day, day + timedelta(hours=23)) == []


def test_midnight_crossing_and_24h() -> None:
    s = Schedule.from_dict({"weekly": {"fri": [["18:00", "24:00"]], "sat": [["00:00", "03:00"]]}})
    fri = datetime(2026, 6, 5, 18, 0, tzinfo=AMS)
    assert open_intervals(s, fri - timedelta(days=1), fri + timedelta(days=2)) == [
        (fri.astimezone(UTC), (fri + timedelta(hours=9)).astimezone(UTC))
    ]
    # Touching intervals merge, so there is no spurious change at midnight.
    assert next_change(s, fri) == (False, (fri + timedelta(hours=9)).astimezone(UTC))
    cross = Schedule.from_dict({"weekly": {"sun": [["22:00", "02:00"]]}})
    mon_0130 = datetime(2026, 6, 8, 1, 30, tzinfo=AMS)
    assert is_open(cross, mon_0130)
    assert not is_open(cross, mon_0130 + timedelta(minutes=30))


def test_exception_replaces_only_intervals_starting_that_day() -> None:
    s = every_day(("20:00", "02:00"), exceptions={"2026-12-25": []})
    assert is_open(s, datetime(2026, 12, 25, 1, 0, tzinfo=AMS))  # spill-over from the 24th
    assert not is_open(s, datetime(2026, 12, 25, 21, 0, tzinfo=AMS))
    assert next_change(s, datetime(2026, 12, 25, 3, 0, tzinfo=AMS)) == (
        True,
        datetime(2026, 12, 26, 20, 0, tzinfo=AMS).astimezone(UTC),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weekly": {"mon": [["9:00", "17:00"]]}}, "weekly.mon[0]: '9:00' is not a HH:MM"),
        ({"weekly": {"mon": [["09:00", "24:01"]]}}, "not a HH:MM"),
        ({"weekly": {"mon": [["24:00", "02:00"]]}}, "only allowed as a closing time"),
        ({"weekly": {"mon": [["09:00", "09:00"]]}}, "is empty"),
        ({"weekly": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}, "overlapping"),
        ({"weekly": {"mon": [["22:00", "02:00"]], "tue": [["01:00", "05:00"]]}}, "overlapping"),
        ({"weekly": {"sun": [["22:00", "02:00"]], "mon": [["00:00", "01:00"]]}}, "overlapping"),
        (
            {
                "weekly": {"sun": [["20:00", "03:00"]]},
                "exceptions": {"2026-06-08": [["02:00", "04:00"]]},
            },
            "overlapping",
        ),
        ({"weekly": {"funday": []}}, "unknown weekday"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"exceptions": {"25-12-2026": []}}, "not a YYYY-MM-DD"),
        ({"weekly": {"mon": ["09:00-17:00"]}}, 'must be ["HH:MM", "HH:MM"]'),
        ({"hours": {}}, "unknown schedule keys"),
    ],
)
def test_validation_errors_are_clear(data: dict, message: str) -> None:
    with pytest.raises(ScheduleError, match=re.escape(message)):
        Schedule.from_dict(data)


def test_empty_schedule_errors() -> None:
    empty = Schedule.from_dict({})
    assert not is_open(empty, SPRING)
    with pytest.raises(EmptyScheduleError):
        empty.require_hours()
    with pytest.raises(EmptyScheduleError):
        Schedule.from_dict({"weekly": {}}, require_hours=True)
    with pytest.raises(EmptyScheduleError):
        next_change(empty, SPRING)
    with pytest.raises(EmptyScheduleError):
        next_change(every_day(("00:00", "24:00")), SPRING)
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(Schedule.default(), datetime(2026, 1, 1, 12, 0))


def test_default_and_round_trip() -> None:
    d = Schedule.default()
    assert d.to_dict() == {
        "timezone": "Europe/Amsterdam",
        "weekly": {day: [["09:00", "23:00"]] for day in WEEKDAYS},
        "exceptions": {},
    }
    for s in SCHEDULES.values():
        assert Schedule.from_dict(s.to_dict()) == s


# --- properties -------------------------------------------------------------------------------

ZONES = [
    "Europe/Amsterdam",
    "America/New_York",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "UTC",
]
WEEK = 7 * 1440


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    points = sorted(draw(st.lists(st.integers(0, WEEK - 1), unique=True, max_size=10)))
    weekly: list[list[LocalInterval]] = [[] for _ in range(7)]
    for a, b in zip(points[::2], points[1::2], strict=False):
        if b - a > 1440 or (b - a == 1440 and a % 1440):
            continue  # longer than a day (or a noon-to-noon empty pair): not expressible
        day, open_ = divmod(a, 1440)
        close = b - day * 1440
        weekly[day].append(LocalInterval(open_, close - 1440 if close > 1440 else close))
    exceptions = {}
    for d in draw(st.lists(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=2)):
        exceptions[d] = ()  # closures never overlap anything
    return Schedule(
        weekly=tuple(tuple(d) for d in weekly),
        exceptions=exceptions,
        timezone=draw(st.sampled_from(ZONES)),
    )


instants = st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC))


@settings(max_examples=150, deadline=None)
@given(schedules(), instants)
def test_round_trip_and_consistency(schedule: Schedule, at: datetime) -> None:
    assert Schedule.from_dict(schedule.to_dict()) == schedule
    intervals = open_intervals(schedule, at - timedelta(days=3), at + timedelta(days=3))
    assert is_open(schedule, at) == any(s <= at < e for s, e in intervals)
    for (_, e1), (s2, _) in itertools.pairwise(intervals):
        assert e1 < s2  # merged, sorted, disjoint
    try:
        change = next_change(schedule, at)
    except EmptyScheduleError:
        # Only possible if nothing ever flips: constant over the sampled window.
        assert intervals in ([], [(at - timedelta(days=3), at + timedelta(days=3))])
        return
    assert change.at > at
    assert change.is_open is not is_open(schedule, at)
    assert is_open(schedule, change.at) is change.is_open
    before = change.at - timedelta(microseconds=1)
    assert is_open(schedule, before) is is_open(schedule, at)
    assert is_open(schedule, at + (change.at - at) / 2) is is_open(schedule, at)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedules(), st.sampled_from(ZONES), st.integers(0, 1))
def test_brute_force_around_each_zones_transition(
    schedule: Schedule, zone: str, which: int
) -> None:
    schedule = Schedule(weekly=schedule.weekly, exceptions=schedule.exceptions, timezone=zone)
    transitions = _transitions_2026(ZoneInfo(zone)) or [datetime(2026, 6, 1, tzinfo=UTC)]
    centre = transitions[which % len(transitions)]
    start = centre - timedelta(hours=6)
    expected = brute_force(schedule, start, 12 * 60)
    got = [is_open(schedule, start + i * MINUTE) for i in range(12 * 60)]
    assert got == expected


@functools.cache
def _transitions_2026(tz: ZoneInfo) -> list[datetime]:
    out = []
    t = datetime(2026, 1, 1, tzinfo=UTC)
    prev = t.astimezone(tz).utcoffset()
    while t.year == 2026:
        t += timedelta(minutes=30)
        off = t.astimezone(tz).utcoffset()
        if off != prev:
            out.append(t)
            prev = off
    return out
