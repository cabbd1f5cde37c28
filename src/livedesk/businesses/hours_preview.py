"""The next days' opening hours as a visitor will meet them, in the business's time zone.

Each day's ranges are resolved the way routing resolves them (`routing/hours.py`, one DST rule),
then shown in local time again: a range inside the spring-forward gap shrinks or vanishes, and
a day's UTC offset is the one that day really has, so what the back office previews is what
routing will do.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from livedesk.routing.hours import Schedule, ScheduleError, resolve_local

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class PreviewRange(BaseModel):
    start: str  # local "HH:MM"
    end: str  # local "HH:MM"; "24:00" for midnight at the end of the day
    ends_next_day: bool  # a range stored as crossing midnight (22:00–02:00)
    start_utc: datetime
    end_utc: datetime
    minutes: int  # real length: one hour more or less across a DST change


class OffsetChange(BaseModel):
    before: str
    after: str


class PreviewDay(BaseModel):
    date: date
    weekday: str  # mon..sun
    closed: bool
    ranges: list[PreviewRange]
    exception: bool
    label: str | None
    utc_offset: str  # at noon, e.g. "+01:00"
    offset_change: OffsetChange | None  # the day the clocks change


class HoursPreview(BaseModel):
    timezone: str
    days: list[PreviewDay]


def load_schedule(stored: dict[str, Any] | None, timezone: str) -> Schedule:
    """The schedule routing uses; hours that no longer parse preview as routing's default."""
    try:
        return Schedule.from_dict({"timezone": timezone, **(stored or {})})
    except ScheduleError:
        return Schedule.default(timezone)


def _offset(at: datetime, tz: ZoneInfo) -> str:
    delta = at.astimezone(tz).utcoffset() or timedelta()
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _local_text(at: datetime, tz: ZoneInfo, day: date) -> tuple[str, bool]:
    """ "HH:MM" of an instant on `day`'s clock; midnight ending the day reads as 24:00."""
    local = at.astimezone(tz)
    if local.date() > day and local.time() == time() and local.date() == day + timedelta(days=1):
        return "24:00", False
    return local.strftime("%H:%M"), local.date() > day


def _ranges(schedule: Schedule, day: date, tz: ZoneInfo) -> list[PreviewRange]:
    midnight = datetime.combine(day, time())
    out = []
    for interval in schedule.intervals_on(day):
        start_minute, end_minute = interval.span()
        start = resolve_local(midnight + timedelta(minutes=start_minute), tz)
        end = resolve_local(midnight + timedelta(minutes=end_minute), tz)
        if start >= end:  # wholly inside the spring-forward gap: that range does not happen
            continue
        start_text, _ = _local_text(start, tz, day)
        end_text, next_day = _local_text(end, tz, day)
        out.append(
            PreviewRange(
                start=start_text,
                end=end_text,
                ends_next_day=next_day,
                start_utc=start,
                end_utc=end,
                minutes=int((end - start).total_seconds() // 60),
            )
        )
    return out


def preview_day(schedule: Schedule, day: date) -> PreviewDay:
    tz = schedule.tz
    midnight = datetime.combine(day, time())
    day_start = resolve_local(midnight, tz)
    day_end = resolve_local(midnight + timedelta(days=1), tz)
    before, after = _offset(day_start, tz), _offset(day_end - timedelta(seconds=1), tz)
    ranges = _ranges(schedule, day, tz)
    return PreviewDay(
        date=day,
        weekday=WEEKDAYS[day.weekday()],
        closed=not ranges,
        ranges=ranges,
        exception=day in schedule.exceptions,
        label=schedule.exception_labels.get(day) if day in schedule.exceptions else None,
        utc_offset=_offset(resolve_local(midnight + timedelta(hours=12), tz), tz),
        offset_change=OffsetChange(before=before, after=after) if before != after else None,
    )


def preview(
    schedule: Schedule, *, now: datetime, days: int, start: date | None = None
) -> HoursPreview:
    """`days` local days from `start`, or from today in the schedule's zone at `now`."""
    first = start or now.astimezone(schedule.tz).date()
    return HoursPreview(
        timezone=schedule.timezone,
        days=[preview_day(schedule, first + timedelta(days=i)) for i in range(days)],
    )
