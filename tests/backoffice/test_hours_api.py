"""Opening hours in the back office: who may do what, the weekly editor and dated exceptions,
errors by range, what routing then does with them, and the DST-correct preview."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from livedesk.businesses.hours_preview import load_schedule, preview
from livedesk.routing.hours import Schedule

from livedesk_testing import ORIGIN_A, LiveServer, World

LoginAs = Callable[[str | None], Awaitable[httpx.AsyncClient]]  # the fixtures in conftest.py
AccessCheck = Callable[..., Awaitable[list[str]]]

ADMIN_WRITE = {
    "admin": (200, 200),
    "supervisor": (403, 403),
    "operator": (403, 403),
    "business_user": (403, 403),
    "anonymous": (401, 401),
}
MANAGER_READ = {**ADMIN_WRITE, "supervisor": (200, 200)}
WEEK: dict[str, Any] = {
    "timezone": "Europe/Amsterdam",
    "weekly": {
        "mon": [["08:30", "12:00"], ["13:00", "17:30"]],
        "tue": [["08:30", "17:30"]],
        "wed": [["08:30", "17:30"]],
        "thu": [["08:30", "17:30"], ["19:00", "24:00"]],
        "fri": [["08:30", "17:30"]],
        "sat": [["10:00", "14:00"]],
        "sun": [],
    },
    "exceptions": {
        "2026-12-25": {"label": "Eerste kerstdag", "ranges": []},
        "2026-12-24": {"label": "Kerstavond", "ranges": [["08:30", "15:00"]]},
    },
}


def hours_path(business_id: str, suffix: str = "") -> str:
    return f"/api/v1/businesses/{business_id}/opening-hours{suffix}"


async def test_hours_endpoints_answer_each_role_as_agreed(access_check: AccessCheck) -> None:
    wrong = await access_check(lambda t: ("GET", hours_path(t.business_id), None), MANAGER_READ)
    wrong += await access_check(lambda t: ("PUT", hours_path(t.business_id), WEEK), ADMIN_WRITE)
    wrong += await access_check(
        lambda t: ("GET", hours_path(t.business_id, "/preview?days=3"), None), MANAGER_READ
    )
    assert wrong == []


async def test_weekly_hours_and_exceptions_are_stored_as_routing_reads_them(
    admin: str, login_as: LoginAs, server: LiveServer, world: World
) -> None:
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()
    always_open = {day: [["00:00", "24:00"]] for day in WEEK["weekly"]}
    closed_today = {
        "weekly": always_open,  # no timezone: the business's
        "exceptions": {today: {"label": "Inventaris", "ranges": []}},
    }
    path = hours_path(world.a.business_id)
    async with await login_as(admin) as http:
        r = await http.put(path, json=WEEK)
        assert r.status_code == 200, r.text
        assert r.json() == WEEK == (await http.get(path)).json()
        stored = (await http.get(f"/api/v1/businesses/{world.a.business_id}")).json()
        assert Schedule.from_dict(stored["opening_hours"]).exception_labels == {
            date(2026, 12, 24): "Kerstavond",
            date(2026, 12, 25): "Eerste kerstdag",
        }
        assert (await http.put(path, json=closed_today)).status_code == 200
        got = (await http.get(path)).json()
        audit = (
            await http.get(
                "/api/v1/audit",
                params={"business_id": world.a.business_id, "entity": "opening_hours"},
            )
        ).json()
    assert got["timezone"] == "Europe/Amsterdam"
    assert got["exceptions"] == {today: {"label": "Inventaris", "ranges": []}}
    # Routing reads the labelled exception: open around the clock, except today.
    async with server.http(headers={"origin": ORIGIN_A}) as page:
        availability = (await page.get(f"/api/v1/widget/{world.a.widget_key}/availability")).json()
    assert availability["open"] is False and availability["reason"] == "closed"
    assert [e["actor"]["name"] for e in audit] == ["Admin", "Admin"]
    assert audit[0]["before"]["opening_hours"]["weekly"]["mon"] == WEEK["weekly"]["mon"]
    assert audit[0]["after"]["opening_hours"]["exceptions"] == got["exceptions"]
    assert audit[1]["before"]["opening_hours"]["weekly"]["mon"] == [["09:00", "23:00"]]


async def test_wrong_ranges_are_named_and_the_saved_hours_stay(
    admin: str, login_as: LoginAs, world: World
) -> None:
    bad = {
        "weekly": {
            "mon": [["17:00", "09:00"]],
            "tue": [["09:00", "13:00"], ["12:00", "18:00"]],
            "wed": [["25:00", "26:00"]],
            "thu": [["09:00"]],
            "fri": [["24:00", "24:00"]],
        },
        "exceptions": {
            "2026-02-30": {"ranges": []},
            "2026-12-25": {"label": "Kerst", "ranges": [["12:00", "12:00"]]},
        },
    }
    path = hours_path(world.a.business_id)
    async with await login_as(admin) as http:
        before = (await http.get(path)).json()
        shape = await http.put(path, json={**bad, "weekly": {**bad["weekly"], "fun": []}})
        assert shape.status_code == 422
        assert shape.json()["data"]["codes"] == {
            "weekly.thu.0": "time_range_shape",
            "weekly.fun": "extra_forbidden",
        }
        del bad["weekly"]["thu"]
        dutch = await http.put(path, json=bad)
        english = await http.put(path, json=bad, headers={"Accept-Language": "en"})
        assert (await http.get(path)).json() == before
        audit = await http.get("/api/v1/audit", params={"business_id": world.a.business_id})
        assert audit.json() == []
    assert dutch.status_code == english.status_code == 422
    assert dutch.json()["data"]["codes"] == {
        "weekly.mon.0": "hours_end_before_start",
        "weekly.tue.1": "hours_overlap",
        "weekly.wed.0": "time_invalid",
        "weekly.fri.0": "time_invalid",
        "exceptions.2026-02-30": "date_invalid",
        "exceptions.2026-12-25.ranges.0": "hours_end_before_start",
    }
    nl, en = dutch.json()["data"]["fields"], english.json()["data"]["fields"]
    assert nl["weekly.mon.0"].startswith("De eindtijd moet na de begintijd liggen")
    assert en["weekly.mon.0"].startswith("The end time must be after the start time")
    assert nl["weekly.tue.1"] == "Dit blok overlapt met een ander blok op dezelfde dag."
    assert en["exceptions.2026-02-30"] == "Give an existing date like 2026-12-25."


async def test_the_preview_follows_the_clock_changes(
    admin: str, login_as: LoginAs, world: World
) -> None:
    """The last Sundays of March and October 2026 in Amsterdam: 23 and 25 hours long."""
    around_the_clock = {"weekly": {"sun": [["00:00", "24:00"]], "mon": [["09:00", "17:00"]]}}
    async with await login_as(admin) as http:
        r = await http.put(hours_path(world.a.business_id), json=around_the_clock)
        assert r.status_code == 200, r.text
        march = await http.get(
            hours_path(world.a.business_id, "/preview"), params={"days": 3, "start": "2026-03-28"}
        )
        assert march.status_code == 200, march.text
    sat, sun, mon = march.json()["days"]
    assert march.json()["timezone"] == "Europe/Amsterdam"
    assert (sat["weekday"], sat["closed"], sat["utc_offset"]) == ("sat", True, "+01:00")
    assert sun["offset_change"] == {"before": "+01:00", "after": "+02:00"}
    assert sun["ranges"][0]["minutes"] == 23 * 60
    assert (sun["ranges"][0]["start"], sun["ranges"][0]["end"]) == ("00:00", "24:00")
    assert sun["ranges"][0]["start_utc"] == "2026-03-28T23:00:00Z"
    assert mon["utc_offset"] == "+02:00" and mon["offset_change"] is None
    assert mon["ranges"][0]["start_utc"] == "2026-03-30T07:00:00Z"  # 09:00 CEST

    # The same with an injected "now": late on Saturday in UTC is already Sunday there.
    schedule = load_schedule(
        {**around_the_clock, "exceptions": {"2026-10-26": {"label": "Studiedag", "ranges": []}}},
        "Europe/Amsterdam",
    )
    october = preview(schedule, now=datetime(2026, 10, 24, 22, 30, tzinfo=UTC), days=2)
    sun, mon = october.days
    assert sun.date == date(2026, 10, 25) and sun.weekday == "sun"
    assert sun.ranges[0].minutes == 25 * 60 and sun.utc_offset == "+01:00"
    assert sun.offset_change is not None
    assert sun.offset_change.model_dump() == {"before": "+02:00", "after": "+01:00"}
    assert (mon.exception, mon.label, mon.closed) == (True, "Studiedag", True)


def test_a_range_inside_the_spring_gap_previews_as_routing_applies_it() -> None:
    """02:00–03:00 does not exist on 2026-03-29; 01:00–02:00 runs until the clock shows 03:00."""
    schedule = load_schedule(
        {"weekly": {"sun": [["01:00", "02:00"], ["02:00", "03:00"], ["03:00", "04:00"]]}},
        "Europe/Amsterdam",
    )
    (day,) = preview(schedule, now=datetime(2026, 3, 29, 0, 0, tzinfo=UTC), days=1).days
    assert [(r.start, r.end, r.minutes) for r in day.ranges] == [
        ("01:00", "03:00", 60),
        ("03:00", "04:00", 60),
    ]


def test_routing_reads_exceptions_in_both_stored_forms() -> None:
    bare = Schedule.from_dict({"exceptions": {"2026-12-25": [["10:00", "12:00"]]}})
    labelled = Schedule.from_dict(
        {"exceptions": {"2026-12-25": {"label": "Kerst", "ranges": [["10:00", "12:00"]]}}}
    )
    assert bare.exceptions == labelled.exceptions
    assert labelled.exception_labels == {date(2026, 12, 25): "Kerst"}
    assert bare.to_dict()["exceptions"] == {"2026-12-25": [["10:00", "12:00"]]}
    assert Schedule.from_dict(labelled.to_dict()) == labelled
