"""What the API fuzz run found, kept as plain tests: each answered 500 or left the error shape."""

from __future__ import annotations

import pytest
from authz_helpers import client_as

from livedesk.settings import Settings
from roles_testing import create_admin

from livedesk_testing import LiveServer, World

HUGE = 234824328290300198912  # past any database integer


@pytest.fixture
async def admin(settings: Settings, world: World) -> str:
    return await create_admin(settings)


async def test_a_page_offset_past_any_database_integer_is_a_422_naming_it(
    server: LiveServer, world: World, admin: str
) -> None:
    a = world.a.business_id
    lists = [
        ("/api/v1/conversations", {}),
        ("/api/v1/conversations/search", {"q": "afspraak", "business_id": a}),
        ("/api/v1/leads", {}),
        (f"/api/v1/businesses/{a}/faq", {}),
        ("/api/v1/portal/transcripts", {"business_id": a}),
    ]
    async with client_as(server, admin) as http:
        for path, params in lists:
            r = await http.get(path, params={**params, "offset": HUGE})
            assert r.status_code == 422, (path, r.text)
            assert list(r.json()["data"]["fields"]) == ["offset"], path
            assert (await http.get(path, params={**params, "offset": 0})).status_code == 200


async def test_an_hours_preview_at_the_ends_of_the_calendar_is_a_422_naming_the_day(
    server: LiveServer, world: World, admin: str
) -> None:
    path = f"/api/v1/businesses/{world.a.business_id}/opening-hours/preview"
    async with client_as(server, admin) as http:
        for day in ("0001-01-01", "9999-12-31"):
            r = await http.get(path, params={"start": day, "days": 62})
            assert r.status_code == 422, r.text
            assert list(r.json()["data"]["fields"]) == ["start"]
        assert (await http.get(path, params={"start": "2026-03-29"})).status_code == 200


async def test_an_unknown_planner_file_is_a_404_in_the_error_shape(server: LiveServer) -> None:
    async with server.http() as http:
        r = await http.get("/plan/static/nope.js")
    assert r.status_code == 404
    assert set(r.json()) == {"code", "message", "data"} and r.json()["code"] == "not_found"
