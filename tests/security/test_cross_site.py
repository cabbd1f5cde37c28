"""A foreign page cannot use a logged-in staff member's cookie to change anything."""

from __future__ import annotations

from sqlalchemy import func, select

from livedesk.accounts.models import AuthToken
from livedesk.db import read_only

from livedesk_testing import ORIGIN_A, LiveServer, World, login


async def _api_tokens(server: LiveServer) -> int:
    async with read_only(server.runtime.sessions) as session:
        count = await session.scalar(
            select(func.count()).select_from(AuthToken).where(AuthToken.kind == "api")
        )
    return int(count or 0)


async def test_a_cookie_request_from_another_origin_is_refused_and_changes_nothing(
    server: LiveServer, world: World
) -> None:
    secret = await login(server, world.supervisor)
    async with server.http() as http:
        http.cookies.set("livedesk_session", secret)
        foreign = await http.post(
            "/api/v1/auth/tokens",
            json={"name": "stolen"},
            headers={"Origin": "https://evil.example", "Accept-Language": "nl"},
        )
        assert foreign.status_code == 403
        assert foreign.json()["code"] == "cross_site"
        assert foreign.json()["message"].startswith("Dit verzoek komt van een andere website")
        assert await _api_tokens(server) == 0
        own = await http.post(
            "/api/v1/auth/tokens", json={"name": "mine"}, headers={"Origin": server.url}
        )
        assert own.status_code == 201, own.text
        script = await http.post("/api/v1/auth/tokens", json={"name": "script"})
        assert script.status_code == 201  # no Origin: not a browser acting for the user
        reading = await http.get("/api/v1/auth/me", headers={"Origin": "https://evil.example"})
        assert reading.status_code == 200  # reads change nothing (CORS keeps their answers)
    assert await _api_tokens(server) == 2


async def test_the_widget_from_its_client_site_and_api_tokens_are_not_cross_site(
    server: LiveServer, world: World
) -> None:
    async with server.http() as http:
        session = await http.post(
            f"/api/v1/widget/{world.a.widget_key}/session", json={}, headers={"Origin": ORIGIN_A}
        )
        assert session.status_code == 200, session.text
        secret = await login(server, world.supervisor)
        http.cookies.set("livedesk_session", secret)
        token = (await http.post("/api/v1/auth/tokens", json={"name": "ci"})).json()["token"]
        http.cookies.clear()
        with_token = await http.post(
            "/api/v1/auth/tokens",
            json={"name": "from a script"},
            headers={"Authorization": f"Bearer {token}", "Origin": "https://tools.example"},
        )
        assert with_token.status_code == 201, with_token.text
