"""The pure parts: periods on DST days, holds and online time, buckets, and how numbers and
CSV cells are written. No database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from livedesk.reports.charts import bars_svg, heatmap_svg
from livedesk.reports.chats import ANSWERED, MISSED, OPEN, ChatFacts, Hold, chat_facts, holds_of
from livedesk.reports.metrics import REPLY_BUCKETS, WAIT_BUCKETS, bucket_of, percentile
from livedesk.reports.monthly_mail import top_hours
from livedesk.reports.occupancy import online_intervals, operator_time, peak_at_once
from livedesk.reports.records import (
    ChatRecord,
    Event,
    OperatorRecord,
    Period,
    PresenceRecord,
    month_period,
)
from livedesk.reports.sections import table_html
from livedesk.reports.tables import csv_cell, render_csv
from livedesk.reports.texts import duration, fmt, percent

AMS = ZoneInfo("Europe/Amsterdam")


def at(hour: int, minute: int = 0, second: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 10, day, hour, minute, second, tzinfo=UTC)


def test_dst_days_are_23_and_25_hours_long() -> None:
    spring = Period(date(2026, 3, 29), date(2026, 3, 29), AMS)
    autumn = Period(date(2026, 10, 25), date(2026, 10, 25), AMS)
    assert spring.end - spring.start == timedelta(hours=23)
    assert autumn.end - autumn.start == timedelta(hours=25)
    october = month_period(2026, 10, AMS)
    assert (october.first, october.last) == (date(2026, 10, 1), date(2026, 10, 31))
    assert october.end - october.start == timedelta(days=31, hours=1)
    assert month_period(2026, 12, AMS).last == date(2026, 12, 31)
    assert not october.contains(october.end) and october.contains(october.start)


def test_holds_follow_accepts_transfers_and_releases() -> None:
    events = (
        Event("queued", None, at(10)),
        Event("offered", "a", at(10, 0, 5)),
        Event("accepted", "a", at(10, 1)),
        Event("accepted", "b", at(10, 5)),  # transferred to b, who accepts at once
        Event("requeued", "b", at(10, 7)),
        Event("accepted", "c", at(10, 8)),
    )
    assert holds_of(events) == [
        Hold("a", at(10, 1), at(10, 5)),
        Hold("b", at(10, 5), at(10, 7)),
        Hold("c", at(10, 8), None),  # still held
    ]


def test_outcome_and_responsible_operator() -> None:
    def facts(*events: Event) -> ChatFacts:
        found = chat_facts(ChatRecord("c", "biz", events, target_seconds=30))
        assert found is not None
        return found

    answered = facts(
        Event("queued", None, at(9)),
        Event("offered", "a", at(9, 0, 1)),
        Event("offer_expired", "a", at(9, 0, 31)),
        Event("offered", "b", at(9, 0, 40)),
        Event("accepted", "b", at(9, 0, 45)),
        Event("first_reply", "b", at(9, 0, 50)),
    )
    assert answered.outcome == ANSWERED and answered.responsible == "b"
    assert answered.first_reply_seconds == 50 and not answered.within_target
    missed = facts(
        Event("queued", None, at(9)),
        Event("offered", "a", at(9, 1)),
        Event("missed", None, at(9, 2)),
    )
    assert missed.outcome == MISSED and missed.wait_seconds == 120
    assert missed.responsible == "a"
    waiting = facts(Event("queued", None, at(9)))
    assert waiting.outcome == OPEN and waiting.responsible is None
    never_queued = ChatRecord("c", "biz", (Event("offered", "a", at(9)),), target_seconds=30)
    assert chat_facts(never_queued) is None  # not a chat to count


def test_online_time_runs_to_now_and_peaks_count_overlaps() -> None:
    presence = [
        PresenceRecord("a", at(8), "online"),
        PresenceRecord("a", at(9), "away"),
        PresenceRecord("a", at(10), "online"),  # still online
    ]
    assert online_intervals(presence, until=at(11)) == {"a": [(at(8), at(9)), (at(10), at(11))]}
    assert peak_at_once([(at(8), at(9)), (at(9), at(10))]) == 1  # one ends as the next starts
    assert peak_at_once([(at(8), at(10)), (at(9), at(11)), (at(9, 30), at(9, 40))]) == 3
    time = operator_time(
        [Hold("a", at(10, 30), None)],
        presence,
        [OperatorRecord("a", "A", 2)],
        start=at(0),
        end=at(0, day=2),
        now=at(11),  # injected: nothing runs past it
    )
    assert time.online_seconds == 7200 and time.held_seconds == 1800
    assert time.capacity_seconds == 14400 and time.occupancy == 0.125


def test_bucket_boundaries_belong_to_the_longer_bucket() -> None:
    assert [bucket_of(s, WAIT_BUCKETS) for s in (0, 29.9, 30, 60, 119, 120, 300, 9999)] == [
        "0-30s",
        "0-30s",
        "30-60s",
        "1-2min",
        "1-2min",
        "2-5min",
        ">5min",
        ">5min",
    ]
    assert bucket_of(15, REPLY_BUCKETS) == "15-30s" and bucket_of(-1, REPLY_BUCKETS) == "0-15s"
    assert percentile([15, 20, 25, 30, 60, 60], 0.5) == 25
    assert percentile([15, 20, 25, 30, 60, 60], 0.9) == 60
    assert percentile([], 0.5) is None


def test_numbers_for_people_in_dutch_and_english() -> None:
    assert fmt(1029, "count", "nl") == "1.029" and fmt(1029, "count", "en") == "1,029"
    assert percent(0.125, "nl") == "12,5 %" and percent(0.125, "en") == "12.5%"
    assert fmt(0.4444, "share", "nl") == "44,4 %"
    assert fmt(None, "share", "nl") == "–"
    assert fmt(3.665, "decimal", "nl") == "3,67"  # half up, as a person rounds
    assert duration(42.4, "nl") == "42 s" and duration(736.8, "en") == "12 min 17 s"
    assert duration(57600, "nl") == "16,0 uur" and duration(57600, "en") == "16.0 h"


def test_csv_cells_are_machine_readable_and_never_formulas() -> None:
    assert csv_cell(0.4444, "nl") == "0,4444" and csv_cell(0.4444, "en") == "0.4444"
    assert csv_cell(35.0, "nl") == "35" and csv_cell(1029, "nl") == "1029"
    assert csv_cell(None, "en") == ""
    assert csv_cell("=HYPERLINK(1)", "nl") == "'=HYPERLINK(1)"
    assert csv_cell("@cmd", "en") == "'@cmd"
    body = render_csv((("a", "b"), [["x;y", 1.5]]), "nl")
    assert body == '\ufeffa;b\r\n"x;y";1,5\r\n'.encode()


def test_visitor_text_never_becomes_markup() -> None:
    html = table_html("<b>cap</b>", ("at", "comment"), [["<i>", "<script>x</script>"]], "nl")
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "&lt;b&gt;cap&lt;/b&gt;" in html and '<th scope="row">&lt;i&gt;</th>' in html
    svg = bars_svg(["<a>"], [("<b>", [3])], "<title>", "nl")
    assert "<a>" not in svg and "&lt;a&gt;" in svg and "&lt;title&gt;" in svg
    grid = [[0] * 24 for _ in range(7)]
    grid[6][2] = 2
    heat = heatmap_svg(grid, "Drukte", "nl")
    assert heat.count("<rect") == 168 and "zondag 02:00–02:59: 2" in heat
    assert top_hours(grid, "en") == [("Sunday 02:00–02:59", 2)]
