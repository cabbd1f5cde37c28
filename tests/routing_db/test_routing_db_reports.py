"""Routing measurements per business and hour, from the stored events; scoped by actor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from livedesk.conversations.models import Conversation, ConversationEvent, Visitor
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.settings import Settings

from livedesk_testing import LiveServer, World, login

HOUR = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return HOUR + timedelta(minutes=minutes)


# (events as (kind, minutes after 10:00)) for three chats of business alpha
CHATS = [
    [
        ("queued", 0),
        ("offered", 0.05),
        ("accepted", 10 / 60),
        ("first_reply", 20 / 60),
        ("closed", 5 + 20 / 60),
    ],  # answered within 30 s, handled 310 s
    [
        ("queued", 10),
        ("offered", 10.1),
        ("accepted", 10 + 50 / 60),
        ("first_reply", 11),
        ("closed", 20),
    ],  # first reply after 60 s, handled 550 s
    [("queued", 30), ("offered", 30.05), ("abandoned", 31)],  # the visitor left
]


async def seed_events(settings: Settings, world: World) -> None:
    engine = make_engine(settings)
    async with unit_of_work(make_sessionmaker(engine)) as session:
        visitor = Visitor(business_id=world.a.business_id, widget_id=world.a.widget_id)
        session.add(visitor)
        await session.flush()
        for events in CHATS:
            conversation = Conversation(
                business_id=world.a.business_id,
                widget_id=world.a.widget_id,
                visitor_id=visitor.id,
                state=events[-1][0],
                queued_at=at(events[0][1]),
            )
            session.add(conversation)
            await session.flush()
            for kind, minutes in events:
                session.add(
                    ConversationEvent(
                        business_id=world.a.business_id,
                        conversation_id=conversation.id,
                        kind=kind,
                        at=at(minutes),
                    )
                )
    await engine.dispose()


async def test_hourly_report_counts_and_times(
    server: LiveServer, world: World, settings: Settings
) -> None:
    await seed_events(settings, world)
    params = {
        "business_id": world.a.business_id,
        "start": HOUR.isoformat(),
        "end": (HOUR + timedelta(hours=2)).isoformat(),
    }
    async with server.http(
        cookies={"livedesk_session": await login(server, world.a.business_user)}
    ) as http:
        report = (await http.get("/api/v1/reports/routing", params=params)).json()
    assert report["first_reply_target_seconds"] == 30
    assert report["totals"] == {
        "offered": 3,
        "answered": 2,
        "answered_within_target": 1,
        "abandoned": 1,
        "missed": 0,
    }
    ten, eleven = report["hours"]
    assert ten["offered"] == 3 and eleven["offered"] == 0
    assert ten["handle_time_mean"] == pytest.approx((310 + 550) / 2)
    assert 20 <= ten["first_response_p50"] <= 60 and ten["first_response_p90"] <= 60


async def test_report_of_another_business_is_not_found(
    server: LiveServer, world: World, settings: Settings
) -> None:
    await seed_events(settings, world)
    params = {"start": HOUR.isoformat(), "end": (HOUR + timedelta(hours=1)).isoformat()}
    async with server.http(
        cookies={"livedesk_session": await login(server, world.b.business_user)}
    ) as http:
        foreign = await http.get(
            "/api/v1/reports/routing", params={**params, "business_id": world.a.business_id}
        )
        unknown = await http.get(
            "/api/v1/reports/routing", params={**params, "business_id": "0" * 32}
        )
        assert foreign.status_code == unknown.status_code == 404
        assert foreign.json() == unknown.json()
        bad = await http.get(
            "/api/v1/reports/routing",
            params={
                "business_id": world.b.business_id,
                "start": params["end"],
                "end": params["start"],
            },
        )
        assert bad.status_code == 422 and bad.json()["code"] == "invalid_range"


async def test_availability_closed_outside_opening_hours(
    server: LiveServer, world: World, settings: Settings
) -> None:
    from livedesk.businesses.models import Business

    engine = make_engine(settings)
    async with unit_of_work(make_sessionmaker(engine)) as session:
        business = await session.get(Business, world.a.business_id)
        assert business is not None
        business.opening_hours = {"timezone": "Europe/Amsterdam", "weekly": {}, "exceptions": {}}
        beta = await session.get(Business, world.b.business_id)
        assert beta is not None
        beta.opening_hours = {  # open around the clock, so only the empty floor closes it
            "timezone": "Europe/Amsterdam",
            "weekly": {
                d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
            "exceptions": {},
        }
    await engine.dispose()
    async with server.http() as http:
        closed = (
            await http.get(
                f"/api/v1/widget/{world.a.widget_key}/availability",
                headers={"origin": "https://alpha.example"},
            )
        ).json()
        # Business beta is open but nobody is online.
        nobody = (
            await http.get(
                f"/api/v1/widget/{world.b.widget_key}/availability",
                headers={"origin": "https://beta.example"},
            )
        ).json()
        refused = await http.get(
            f"/api/v1/widget/{world.a.widget_key}/availability",
            headers={"origin": "https://evil.example"},
        )
    assert closed["open"] is False and closed["reason"] == "closed"
    assert closed["overflow_action"] == "offline_form"
    assert nobody["open"] is False and nobody["reason"] == "no_operators"
    assert refused.status_code == 403
