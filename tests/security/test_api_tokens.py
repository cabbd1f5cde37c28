"""API tokens: made with a lifetime, refused once expired, listed with when they were last used,
revoked by their owner only, outliving a logout, and ended by deactivation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from authz_helpers import client_as, role_users
from sqlalchemy import update

from livedesk.accounts.models import AuthToken
from livedesk.db import utcnow
from livedesk.settings import Settings
from roles_testing import create_admin

from livedesk_testing import LiveServer, World, login


@pytest.fixture
async def admin(settings: Settings, world: World) -> str:
    return await create_admin(settings)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _set(server: LiveServer, token_id: str, **values: Any) -> None:
    async with server.runtime.transaction() as session:
        await session.execute(update(AuthToken).where(AuthToken.id == token_id).values(**values))


async def _mine(server: LiveServer, username: str) -> list[dict[str, Any]]:
    async with client_as(server, username) as http:
        r = await http.get("/api/v1/auth/tokens")
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def _within(value: str, expected: datetime, slack: timedelta = timedelta(minutes=1)) -> bool:
    return abs(datetime.fromisoformat(value.replace("Z", "+00:00")) - expected) < slack


async def test_a_token_lives_90_days_unless_asked_and_at_most_a_year(
    server: LiveServer, world: World
) -> None:
    async with client_as(server, world.a.operator) as http:
        default = (await http.post("/api/v1/auth/tokens", json={"name": "ci"})).json()
        year = await http.post("/api/v1/auth/tokens", json={"name": "y", "expires_in_days": 365})
        assert year.status_code == 201
        assert _within(default["expires_at"], utcnow() + timedelta(days=90))
        assert _within(year.json()["expires_at"], utcnow() + timedelta(days=365))
        assert default["token"] and default["name"] == "ci" and default["last_used_at"] is None
        for days in (0, 366, "lang"):
            bad = await http.post(
                "/api/v1/auth/tokens",
                json={"name": "x", "expires_in_days": days},
                headers={"accept-language": "nl"},
            )
            assert bad.status_code == 422
            assert list(bad.json()["data"]["fields"]) == ["expires_in_days"]
    assert [t["name"] for t in await _mine(server, world.a.operator)] == ["ci", "y"]


async def test_the_list_shows_last_use_written_at_most_once_a_minute(
    server: LiveServer, world: World
) -> None:
    async with client_as(server, world.a.operator) as http:
        made = (await http.post("/api/v1/auth/tokens", json={"name": "script"})).json()
    async with server.http(headers=bearer(made["token"])) as script:
        assert (await script.get("/api/v1/auth/me")).status_code == 200
        (listed,) = (await script.get("/api/v1/auth/tokens")).json()["items"]
        assert set(listed) == {"id", "name", "created_at", "expires_at", "last_used_at", "expired"}
        assert listed["id"] == made["id"] and listed["expired"] is False
        first = listed["last_used_at"]
        assert first is not None and _within(first, utcnow())
        for _ in range(3):  # within the minute: no more writes
            await script.get("/api/v1/auth/me")
        assert (await script.get("/api/v1/auth/tokens")).json()["items"][0]["last_used_at"] == first
        earlier = utcnow() - timedelta(minutes=2)
        await _set(server, made["id"], last_used_at=earlier)
        await script.get("/api/v1/auth/me")
        again = (await script.get("/api/v1/auth/tokens")).json()["items"][0]["last_used_at"]
        assert _within(again, utcnow())


async def test_an_expired_token_is_refused_and_listed_as_expired(
    server: LiveServer, world: World
) -> None:
    async with client_as(server, world.a.operator) as http:
        made = (await http.post("/api/v1/auth/tokens", json={"name": "old"})).json()
    await _set(server, made["id"], expires_at=utcnow() - timedelta(seconds=1))
    async with server.http(headers=bearer(made["token"])) as script:
        assert (await script.get("/api/v1/auth/me")).status_code == 401
    (listed,) = await _mine(server, world.a.operator)
    assert listed["expired"] is True


async def test_revoking_stops_the_token_at_once_and_only_the_owner_may(
    server: LiveServer, world: World
) -> None:
    async with client_as(server, world.a.operator) as http:
        mine = (await http.post("/api/v1/auth/tokens", json={"name": "mine"})).json()
        other = (await http.post("/api/v1/auth/tokens", json={"name": "other"})).json()
    async with client_as(server, world.b.operator) as stranger:
        r = await stranger.delete(f"/api/v1/auth/tokens/{mine['id']}")
        assert r.status_code == 404 and r.json()["code"] == "token_not_found"
        assert (await stranger.get("/api/v1/auth/tokens")).json()["items"] == []
    async with server.http(headers=bearer(mine["token"])) as script:
        assert (await script.get("/api/v1/auth/me")).status_code == 200
        assert (await script.delete(f"/api/v1/auth/tokens/{mine['id']}")).status_code == 204
        assert (await script.get("/api/v1/auth/me")).status_code == 401
    async with client_as(server, world.a.operator) as http:
        again = await http.delete(f"/api/v1/auth/tokens/{mine['id']}")
        assert again.status_code == 404
        assert [t["name"] for t in (await http.get("/api/v1/auth/tokens")).json()["items"]] == [
            "other"
        ]
    async with server.http(headers=bearer(other["token"])) as script:
        assert (await script.get("/api/v1/auth/me")).status_code == 200


async def test_logging_out_ends_the_session_only(server: LiveServer, world: World) -> None:
    secret = await login(server, world.a.operator)
    async with server.http(cookies={"livedesk_session": secret}) as http:
        token = (await http.post("/api/v1/auth/tokens", json={"name": "ci"})).json()["token"]
        assert (await http.post("/api/v1/auth/logout")).status_code == 200
    async with server.http(cookies={"livedesk_session": secret}) as http:
        assert (await http.get("/api/v1/auth/me")).status_code == 401
    async with server.http(headers=bearer(token)) as script:
        # A logout sent with the token itself does not revoke it either: DELETE does.
        assert (await script.post("/api/v1/auth/logout")).status_code == 200
        assert (await script.get("/api/v1/auth/me")).status_code == 200


async def test_deactivating_a_user_stops_their_token_at_once(
    server: LiveServer, world: World
) -> None:
    async with client_as(server, world.a.operator) as http:
        token = (await http.post("/api/v1/auth/tokens", json={"name": "ci"})).json()["token"]
        user_id = (await http.get("/api/v1/auth/me")).json()["id"]
    async with server.http(headers=bearer(token)) as script:
        assert (await script.get("/api/v1/auth/me")).status_code == 200
        async with client_as(server, world.supervisor) as boss:
            assert (await boss.post(f"/api/v1/users/{user_id}/deactivate")).status_code == 200
        assert (await script.get("/api/v1/auth/me")).status_code == 401
        assert (await script.get("/api/v1/auth/tokens")).status_code == 401


@pytest.mark.parametrize("role", ["provider_admin", "supervisor", "operator", "business_user"])
async def test_every_role_manages_its_own_tokens_and_no_one_elses(
    server: LiveServer, world: World, admin: str, role: str
) -> None:
    username = role_users(world)[role]
    async with client_as(server, world.b.business_user) as other_business:
        theirs = (await other_business.post("/api/v1/auth/tokens", json={"name": "b"})).json()
    async with client_as(server, username) as http:
        made = await http.post("/api/v1/auth/tokens", json={"name": role})
        assert made.status_code == 201
        listed = (await http.get("/api/v1/auth/tokens")).json()["items"]
        assert [t["name"] for t in listed] == [role]
        assert (await http.delete(f"/api/v1/auth/tokens/{theirs['id']}")).status_code == 404
        assert (await http.delete(f"/api/v1/auth/tokens/{made.json()['id']}")).status_code == 204
    async with server.http(headers=bearer(theirs["token"])) as script:
        assert (await script.get("/api/v1/auth/me")).status_code == 200


async def test_anonymous_callers_get_401(server: LiveServer, world: World) -> None:
    async with client_as(server, world.a.operator) as http:
        made = (await http.post("/api/v1/auth/tokens", json={"name": "ci"})).json()
    async with server.http() as anonymous:
        assert (await anonymous.get("/api/v1/auth/tokens")).status_code == 401
        assert (await anonymous.post("/api/v1/auth/tokens", json={"name": "x"})).status_code == 401
        assert (await anonymous.delete(f"/api/v1/auth/tokens/{made['id']}")).status_code == 401
    assert len(await _mine(server, world.a.operator)) == 1
