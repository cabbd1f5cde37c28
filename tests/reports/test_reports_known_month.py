"""The issue's proof: October 2026 (known_month.py) and every figure worked out by hand, on
whichever backend the suite runs (LIVEDESK_TEST_DATABASE_URL=postgresql://… for PostgreSQL).

The hand sums, alpha (Europe/Amsterdam, target 30 s):
  counted chats C1–C8, C10–C12 (C9 arrived on 30 September): 11
  answered C1 C2 C5 C7 C8 C11 = 6; missed C4 = 1; abandoned C3 C6 = 2; closed_unanswered C10;
  open C12
  first replies 20, 60, 15, 30, 25, 60 s → in time (≤ 30) C1 C5 C7 C8 = 4 of the 9 that
  waited for a person (6 + 1 + 2); mean 210/6 = 35.0; sorted 15 20 25 30 60 60: p50 (3rd) 25,
  p90 (6th) 60; buckets 15–30 s: 15 20 25; 30–60 s: 30; 1–2 min: 60 60
  handle times 610 550 610 1796 295 560 → mean 4421/6 = 736.83; p50 (3rd of 295 550 560 610
  610 1796) 560; p90 1796
  held in October: C9 600 + C1 610 + C2 550 + C5 610 + C7 596 + C8 295 + C11 560 = 3821 s;
  online 43,200 + 10,800 + 3,600 = 57,600 s; capacity × 6 = 345,600 → occupancy 0.0111,
  chats at once 0.07, peak 2 (C1 and C2 overlap)
"""

from __future__ import annotations

from typing import Any

import pytest
from known_month import SCRIPT, Seeded, seed_known_month
from reports_helpers import empty_grid

from livedesk.settings import Settings
from roles_testing import ADMIN, client_as

from livedesk_testing import LiveServer, World

OCTOBER = {"from": "2026-10-01", "to": "2026-10-31"}
THU, FRI, SAT, SUN, MON, TUE = 3, 4, 5, 6, 0, 1


def alpha_arrivals() -> list[list[int]]:
    grid = empty_grid()
    grid[THU][10] = 3  # C1 10:00, C2 10:05, C3 10:45 CEST
    grid[THU][11] = 1  # C4 11:00 CEST
    grid[SUN][2] = 2  # C5 02:30 CEST and C6 02:30 CET: the hour that happens twice
    grid[SAT][23] = 1  # C7 23:50 CET, closed after midnight
    grid[TUE][9] = 1  # C8 09:59:50 CEST, answered after 10:00
    grid[MON][21] = 2  # C10, C11 21:00 and 21:10 CEST
    grid[FRI][11] = 1  # C12 11:00 CET
    return grid


def alpha_missed() -> list[list[int]]:
    grid = empty_grid()
    grid[THU][10] = 1  # C3 abandoned
    grid[THU][11] = 1  # C4 missed
    grid[SUN][2] = 1  # C6 abandoned, in the second 02:00 hour
    return grid


def alpha_days() -> dict[str, dict[str, int]]:
    """The days that are not all zeros."""
    zero = {
        "offered": 0,
        "answered": 0,
        "missed": 0,
        "abandoned": 0,
        "within_target": 0,
        "offline_messages": 0,
        "leads": 0,
    }
    return {
        "2026-10-01": {**zero, "offered": 4, "answered": 2, "missed": 1, "abandoned": 1}
        | {"within_target": 1, "leads": 1},
        "2026-10-05": {**zero, "offered": 2, "answered": 1, "leads": 1},
        "2026-10-13": {**zero, "offered": 1, "answered": 1, "within_target": 1},
        "2026-10-25": {**zero, "offered": 2, "answered": 1, "abandoned": 1, "within_target": 1}
        | {"offline_messages": 1},
        "2026-10-30": {**zero, "offered": 1},
        "2026-10-31": {**zero, "offered": 1, "answered": 1, "within_target": 1},
    }


@pytest.fixture
async def seeded(settings: Settings, world: World) -> Seeded:
    return await seed_known_month(settings, world)


async def get(server: LiveServer, path: str, **params: Any) -> dict[str, Any]:
    async with await client_as(server, ADMIN) as http:
        r = await http.get(path, params=params)
        assert r.status_code == 200, r.text
        return dict(r.json())


async def test_every_figure_of_the_known_month(
    server: LiveServer, world: World, seeded: Seeded, admin: str
) -> None:
    report = await get(
        server, "/api/v1/reports/summary", business_id=world.a.business_id, **OCTOBER
    )
    assert report["period"] == {
        "from": "2026-10-01",
        "to": "2026-10-31",
        "timezone": "Europe/Amsterdam",
        "start": "2026-09-30T22:00:00+00:00",  # local midnight in CEST
        "end": "2026-10-31T23:00:00+00:00",  # local midnight in CET: October has 745 hours
    }
    assert report["target_seconds"] == 30
    assert report["chats"] == {
        "offered": 11,
        "answered": 6,
        "missed": 1,
        "abandoned": 2,
        "closed_unanswered": 1,
        "open": 1,
    }
    assert report["abandoned_by_wait"] == [
        {"bucket": "0-30s", "abandoned": 1, "missed": 0},  # C3 after 20 s
        {"bucket": "30-60s", "abandoned": 0, "missed": 0},
        {"bucket": "1-2min", "abandoned": 0, "missed": 1},  # C4 after 105 s
        {"bucket": "2-5min", "abandoned": 0, "missed": 0},
        {"bucket": ">5min", "abandoned": 1, "missed": 0},  # C6 after 400 s
    ]
    assert report["offline_messages"] == 1  # L2; L4 is September's, L5 November's
    assert report["bot"] == {"answered": 1, "handed_over": 1}  # C10; C11
    assert report["first_reply"] == {
        "count": 6,
        "within_target": 4,
        "waited_for_a_person": 9,
        "within_target_share": 0.4444,
        "mean": 35.0,
        "p50": 25.0,
        "p90": 60.0,
        "buckets": [
            {"bucket": "0-15s", "count": 0},
            {"bucket": "15-30s", "count": 3},
            {"bucket": "30-60s", "count": 1},
            {"bucket": "1-2min", "count": 2},
            {"bucket": "2-5min", "count": 0},
            {"bucket": ">5min", "count": 0},
        ],
    }
    assert report["handle_time"] == {"count": 6, "mean": 736.8, "p50": 560.0, "p90": 1796.0}
    assert report["occupancy"] == {
        "online_seconds": 57600.0,
        "held_seconds": 3821.0,
        "capacity_seconds": 345600.0,
        "occupancy": 0.0111,
        "concurrency_mean": 0.07,
        "concurrency_peak": 2,
    }
    assert report["heatmap"] == {"arrivals": alpha_arrivals(), "missed": alpha_missed()}
    ids = seeded.conversations
    assert report["csat"] == {
        "count": 3,  # C1 5, C2 2, C11 4 (C9's 1 is September's)
        "mean": 3.67,
        "satisfied_share": 0.6667,
        "scores": [{"score": s, "count": int(s in (2, 4, 5))} for s in range(1, 6)],
        "comments": [
            {
                "conversation_id": ids["C1"],
                "business_id": world.a.business_id,
                "score": 5,
                "comment": "Top service",
                "at": "2026-10-01T10:11:00+02:00",
            },
            {
                "conversation_id": ids["C2"],
                "business_id": world.a.business_id,
                "score": 2,
                "comment": SCRIPT,
                "at": "2026-10-01T10:16:00+02:00",
            },
        ],
    }
    assert report["leads"] == {
        "count": 2,  # L1, L3
        "from_chats": 2,
        "accepted": 1,
        "lead_rate": 0.3333,  # 2 of 6 answered
        "by_kind": [
            {"kind": "callback_request", "count": 1},
            {"kind": "sales_lead", "count": 1},
        ],
    }
    assert report["faq"] == {"entries_added": 2, "proposals_approved": 1}
    days = report["days"]
    assert [d["date"] for d in days] == [f"2026-10-{d:02d}" for d in range(1, 32)]
    nonzero = {d["date"]: {k: v for k, v in d.items() if k != "date"} for d in days}
    expected = alpha_days()
    for date, row in nonzero.items():
        assert row == expected.get(date, dict.fromkeys(row, 0)), date


async def test_operator_figures_of_the_known_month(
    server: LiveServer, world: World, seeded: Seeded, admin: str
) -> None:
    op = seeded.operators["a"]
    rows = (
        await get(server, "/api/v1/reports/operators", business_id=world.a.business_id, **OCTOBER)
    )["operators"]
    assert rows == [
        {
            "operator_id": op,
            "name": "Op alpha",
            "offers_received": 6,  # C1 C2 C4 C5 C8 C11 (C7 was taken without an offer)
            "accepted": 6,  # C1 C2 C5 C7 C8 C11
            "offered": 7,  # responsible: those six and C4, whose last offer was theirs
            "answered": 6,
            "missed": 1,
            "abandoned": 0,
            "within_target": 4,
            "within_target_share": 0.5714,  # 4 of 7
            "first_reply_p50": 25.0,
            "handle_time_mean": 736.8,
            "online_seconds": 57600.0,
            "held_seconds": 3821.0,
            "capacity_seconds": 345600.0,
            "occupancy": 0.0111,
            "concurrency_mean": 0.07,
            "concurrency_peak": 2,
            "csat_count": 3,
            "csat_mean": 3.67,
            "leads": 2,  # L1, L3 filed by op-alpha
        }
    ]
    # The operator's own summary holds the same chats.
    own = await get(
        server,
        "/api/v1/reports/summary",
        business_id=world.a.business_id,
        operator_id=op,
        **OCTOBER,
    )
    assert own["chats"] == {
        "offered": 7,
        "answered": 6,
        "missed": 1,
        "abandoned": 0,
        "closed_unanswered": 0,
        "open": 0,
    }
    assert own["faq"] == {"entries_added": 2, "proposals_approved": 1}  # created/proposed by op
    assert own["offline_messages"] == 0  # offline messages belong to no operator


async def test_provider_wide_uses_each_business_target(
    server: LiveServer, world: World, seeded: Seeded, admin: str
) -> None:
    report = await get(server, "/api/v1/reports/summary", **OCTOBER)
    assert report["scope"] == {"business_id": None, "business_name": None, "operator_id": None}
    assert report["target_seconds"] is None
    assert report["chats"]["offered"] == 12  # alpha's 11 and B1
    assert report["chats"]["answered"] == 7
    # B1's reply after 45 s is in time under beta's 60 s target
    assert report["first_reply"]["within_target"] == 5
    assert report["first_reply"]["within_target_share"] == 0.5  # 5 of 10
    assert report["occupancy"]["held_seconds"] == 3821.0 + 595.0  # B1 12:00:05–12:10:00
    arrivals = alpha_arrivals()
    arrivals[FRI][14] = 1  # B1, Friday 2 October 14:00 CEST
    heat = await get(server, "/api/v1/reports/heatmap", **OCTOBER)
    assert heat["arrivals"] == arrivals and heat["missed"] == alpha_missed()
    names = [
        r["name"] for r in (await get(server, "/api/v1/reports/operators", **OCTOBER))["operators"]
    ]
    assert names == ["Op alpha", "Op beta"]


async def test_a_dst_day_has_its_own_length(
    server: LiveServer, world: World, seeded: Seeded, admin: str
) -> None:
    """25 October alone: 25 hours, both 02:30 chats in the Sunday 02:00 cell."""
    day = {"from": "2026-10-25", "to": "2026-10-25"}
    report = await get(server, "/api/v1/reports/summary", business_id=world.a.business_id, **day)
    assert report["period"]["start"] == "2026-10-24T22:00:00+00:00"
    assert report["period"]["end"] == "2026-10-25T23:00:00+00:00"
    assert report["chats"]["offered"] == 2
    grid = empty_grid()
    grid[SUN][2] = 2
    assert report["heatmap"]["arrivals"] == grid
    assert report["occupancy"]["online_seconds"] == 10800.0  # 23:00–02:00 UTC, across the change
