"""The in-house comparison: the planner on a business's own traffic, checked against the
planner called directly on the same conversations, beside what its statements say it paid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from billing_helpers import Chat, add_chats, contract_with
from sqlalchemy import select

from livedesk.billing.inhouse import planner_opening
from livedesk.conversations.models import Conversation
from livedesk.db import make_engine, make_sessionmaker, read_only
from livedesk.planning.estimate import estimate_inputs
from livedesk.planning.from_db import to_records
from livedesk.planning.scenario import Scenario, plan
from livedesk.routing.hours import Schedule
from livedesk.settings import Settings
from roles_testing import LoginAs

from livedesk_testing import World

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FEB_START = datetime(2026, 1, 31, 23, tzinfo=UTC)  # 1 February 00:00 local
MAR_START = datetime(2026, 2, 28, 23, tzinfo=UTC)


def february() -> list[Chat]:
    """Four weeks: three answered chats a day (8 min each), an abandoned one every fourth day,
    and one on each side of the month that must not count."""
    chats = []
    for day in range(28):
        midnight = FEB_START + timedelta(days=day)
        for hour in (10.25, 14.5, 20.75):
            chats.append(Chat(midnight + timedelta(hours=hour), handle=timedelta(minutes=8)))
        if day % 4 == 0:
            chats.append(
                Chat(
                    midnight + timedelta(hours=11),
                    state="abandoned",
                    disposition=None,
                    operator_replies=0,
                    wait=None,
                )
            )
    chats.append(Chat(FEB_START - timedelta(hours=2)))
    chats.append(Chat(MAR_START + timedelta(hours=12)))
    return chats


async def planner_directly(settings: Settings, business_id: str) -> Any:
    engine = make_engine(settings)
    try:
        async with read_only(make_sessionmaker(engine)) as session:
            rows = list(
                await session.scalars(
                    select(Conversation).where(
                        Conversation.business_id == business_id,
                        Conversation.queued_at >= FEB_START,
                        Conversation.queued_at < MAR_START,
                    )
                )
            )
    finally:
        await engine.dispose()
    estimates = estimate_inputs(to_records(rows), weeks=4, tz=AMSTERDAM)
    assert estimates.aht_min is not None and estimates.patience_min is not None
    return plan(
        Scenario(
            chats_per_hour=estimates.arrivals_per_hour_of_week.tolist(),
            aht_min=estimates.aht_min,
            patience_min=estimates.patience_min,
            opening="09:00-23:00",  # the business's (default) opening hours
            target_sl=0.9,  # the contract's
            answer_within_s=20,
            prices=[{"kind": "per_chat", "price": 4.5}],
        )
    )


async def test_in_house_staffing_is_the_planners_on_the_same_traffic(
    settings: Settings, world: World, admin: str, login_as: LoginAs
) -> None:
    await add_chats(settings, world.a, february())
    contract = {
        **contract_with({"price": {"kind": "per_chat", "price": 4.5}, "vat_rate": 0.21}),
        "first_reply_seconds": 20,
        "first_reply_share": 0.9,
    }
    async with await login_as(admin) as http:
        r = await http.put(f"/api/v1/businesses/{world.a.business_id}/contract", json=contract)
        assert r.status_code == 200, r.text
        got = await http.get(
            f"/api/v1/billing/in-house/{world.a.business_id}",
            params={"months": 1, "until": "2026-02"},
        )
        english = await http.get(
            f"/api/v1/billing/in-house/{world.a.business_id}",
            params={"months": 1, "until": "2026-02"},
            headers={"Accept-Language": "en"},
        )
    assert got.status_code == 200, got.text
    body = got.json()
    direct = (await planner_directly(settings, world.a.business_id)).summary
    assert body["months"] == ["2026-02"]
    assert body["traffic"]["chats"] == 28 * 3 + 7
    assert body["target"] == {"service_level": 0.9, "answer_within_s": 20.0}
    staffing = body["in_house"]
    for key in ("scheduled_hours_per_week", "fte", "fte_with_absence", "peak_operators"):
        assert staffing[key] == direct[key], key
    assert staffing["monthly_cost"] == f"{direct['monthly_cost_in_house']:.2f}"
    assert staffing["scheduled_hours_per_week"] >= 98  # at least one person every open hour
    # February's statement: 84 answered chats billable, the 7 abandoned ones not; without VAT
    assert body["paid"] == [{"month": "2026-02", "subtotal": "378.00", "total": "457.38"}]
    assert body["paid_per_month"] == "378.00"
    difference = float(staffing["monthly_cost"]) - 378
    assert float(body["difference_per_month"]) == round(difference, 2)
    assert body["outsourcing_planned"][0]["kind"] == "per_chat"
    text = body["explanation"]
    assert "februari 2026" in text and "gemiddeld 23 chats per week" in text
    assert "90% van de chats binnen 20 seconden" in text and "€378,00 per maand" in text
    assert "February 2026" in english.json()["explanation"]


async def test_in_house_needs_traffic_and_sensible_months(
    world: World, admin: str, login_as: LoginAs
) -> None:
    path = f"/api/v1/billing/in-house/{world.a.business_id}"
    async with await login_as(admin) as http:
        empty = await http.get(path, params={"until": "2026-02"})
        too_many = await http.get(path, params={"months": 13})
        bad_until = await http.get(path, params={"until": "feb"})
    assert empty.status_code == 409 and empty.json()["code"] == "in_house_no_traffic"
    assert empty.json()["message"] == "Er zijn in deze maanden geen chats om mee te rekenen."
    assert too_many.status_code == 422 and set(too_many.json()["data"]["fields"]) == {"months"}
    assert bad_until.status_code == 422
    assert bad_until.json()["data"]["fields"] == {"until": "Geef een maand als 2026-03."}


def test_opening_hours_for_the_planner_are_whole_hours_of_the_week() -> None:
    schedule = Schedule.from_dict(
        {
            "weekly": {
                "mon": [["08:30", "12:00"], ["13:00", "17:15"]],
                "sat": [["22:00", "02:00"]],  # into Sunday
                "sun": [["10:00", "11:00"]],
            }
        }
    )
    assert planner_opening(schedule) == {
        "mon": "08:00-12:00,13:00-18:00",
        "tue": None,
        "wed": None,
        "thu": None,
        "fri": None,
        "sat": "22:00-24:00",
        "sun": "00:00-02:00,10:00-11:00",
    }
