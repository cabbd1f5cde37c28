"""Text no database can store (a NUL character, an unpaired surrogate) is a 422 naming its field,
before it reaches the database; it used to be a 500 on PostgreSQL."""

from __future__ import annotations

import pytest
from authz_helpers import client_as

from livedesk.settings import Settings
from roles_testing import create_admin

from livedesk_testing import LiveServer, World


@pytest.fixture
async def admin(settings: Settings, world: World) -> str:
    return await create_admin(settings)


def _refused(response, field: str) -> bool:  # type: ignore[no-untyped-def]
    body = response.json()
    return (
        response.status_code == 422
        and body["code"] == "invalid"
        and body["data"]["codes"] == {field: "invalid_character"}
        and body["data"]["fields"][field].startswith("Dit bevat een teken")
    )


async def test_a_nul_or_a_lone_surrogate_in_a_json_body_is_refused_by_field(
    server: LiveServer, world: World
) -> None:
    json = {"content-type": "application/json", "accept-language": "nl"}
    async with server.http(headers=json) as http:
        nul = await http.post(
            "/api/v1/auth/login", content=b'{"username": "a\\u0000b", "password": "x"}'
        )
        assert _refused(nul, "username"), nul.text
        lone = await http.post(
            "/api/v1/auth/login", content=b'{"username": "a\\ud800", "password": "x"}'
        )
        assert _refused(lone, "username"), lone.text
        # A surrogate pair is one character (an emoji): an ordinary wrong login.
        pair = await http.post(
            "/api/v1/auth/login", content=b'{"username": "a\\ud83d\\ude00", "password": "x"}'
        )
        assert pair.status_code == 401


async def test_nested_fields_queries_and_paths_are_named_and_nothing_is_stored(
    server: LiveServer, world: World, admin: str
) -> None:
    async with client_as(server, admin) as http:
        before = (await http.get("/api/v1/canned-responses")).json()
        body = {"shortcut": "hoi", "title": "Hoi\x00", "body": "Hallo"}
        assert _refused(await http.post("/api/v1/canned-responses", json=body), "title")
        assert (await http.get("/api/v1/canned-responses")).json() == before
        widget = {"prechat": {"fields": [{"name": "naam\x00", "label_nl": "Naam"}]}}
        refused = await http.patch(f"/api/v1/widgets/{world.a.widget_id}", json=widget)
        assert _refused(refused, "prechat.fields.0.name"), refused.text
        assert _refused(await http.get("/api/v1/leads?status=%00"), "status")
        assert _refused(await http.get("/api/v1/leads/abc%00def"), "path")
        csv = b"question,answer\nOpen?,Ja\x00\n"
        imported = await http.post(
            f"/api/v1/businesses/{world.a.business_id}/faq/import?format=csv",
            content=csv,
            headers={"content-type": "text/csv"},
        )
        assert _refused(imported, "body"), imported.text
        assert (await http.get(f"/api/v1/businesses/{world.a.business_id}/faq")).json()[
            "items"
        ] == []
