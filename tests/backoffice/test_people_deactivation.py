"""Deactivating someone stops everything at once: their session cookie, their API token and
their open console socket, and an operator online in routing goes offline."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import websockets
from sqlalchemy import select

from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.routing.models import RoutingOperator
from livedesk.settings import Settings

from livedesk_testing import LiveServer, World, connect_agent, login

LoginAs = Callable[[str | None], Awaitable[httpx.AsyncClient]]  # the fixtures in conftest.py


async def presence(settings: Settings, user_id: str) -> str | None:
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            return await session.scalar(
                select(RoutingOperator.presence).where(RoutingOperator.user_id == user_id)
            )
    finally:
        await engine.dispose()


async def test_deactivation_ends_cookie_token_and_socket_at_once(
    server: LiveServer, settings: Settings, world: World, admin: str, login_as: LoginAs
) -> None:
    cookie = await login(server, world.a.operator)
    async with server.http(cookies={"livedesk_session": cookie}) as op_http:
        token = (await op_http.post("/api/v1/auth/tokens", json={"name": "script"})).json()["token"]
        op_id = (await op_http.get("/api/v1/auth/me")).json()["id"]
    bearer = {"Authorization": f"Bearer {token}"}
    console = await connect_agent(server, cookie)
    await console.send(type="hello")
    await console.wait_type("welcome")
    await console.send(type="presence", state="online")
    await console.wait_type("presence", state="online")
    assert await presence(settings, op_id) == "online"
    # A colleague's console stays open: only the deactivated user's sockets close.
    colleague = await connect_agent(server, await login(server, world.b.operator))
    await colleague.send(type="hello")
    await colleague.wait_type("welcome")

    async with await login_as(admin) as boss:
        async with server.http(headers=bearer) as script:
            assert (await script.get("/api/v1/auth/me")).status_code == 200
            r = await boss.post(f"/api/v1/users/{op_id}/deactivate")
            assert r.status_code == 200 and r.json()["is_active"] is False
            # No waiting: the very next request with either credential is refused.
            assert (await script.get("/api/v1/auth/me")).status_code == 401
        async with server.http(cookies={"livedesk_session": cookie}) as op_http:
            assert (await op_http.get("/api/v1/auth/me")).status_code == 401
        ended = await console.wait_type("error", code="account_deactivated", timeout=3)
        assert ended["message"] == "this account was deactivated"
        await asyncio.wait_for(console.closed.wait(), 3)
        assert console.ws.close_code == 4003
        assert await presence(settings, op_id) == "offline"
        # A new socket with the old cookie is refused, and so is a login.
        try:
            again = await connect_agent(server, cookie)
        except websockets.InvalidStatus as exc:  # refused before the handshake completes
            assert exc.response.status_code == 403
        else:
            await asyncio.wait_for(again.closed.wait(), 3)
            assert again.ws.close_code == 1008
        r = await server.http().post(
            "/api/v1/auth/login", json={"username": world.a.operator, "password": "x" * 12}
        )
        assert r.status_code == 401
        await colleague.send(type="ping", t=1)
        await colleague.wait_type("pong")
        assert not colleague.closed.is_set()

        # Activated again, the account works with a fresh login (the old ones stay ended).
        r = await boss.post(f"/api/v1/users/{op_id}/activate")
        assert r.json()["is_active"] is True
        async with await login_as(world.a.operator) as op_http:
            assert (await op_http.get("/api/v1/auth/me")).status_code == 200
        async with server.http(headers=bearer) as script:
            assert (await script.get("/api/v1/auth/me")).status_code == 401
        audit = (await boss.get("/api/v1/audit", params={"entity_id": op_id})).json()
    assert [(e["action"], e["actor"]["name"]) for e in audit] == [
        ("activate", "Admin"),
        ("deactivate", "Admin"),
    ]
    await colleague.close()


async def test_changed_businesses_make_an_open_console_reconnect(
    server: LiveServer, world: World, admin: str, login_as: LoginAs
) -> None:
    """A socket listens to the businesses its user served when it opened; after a change it is
    closed so the console reconnects with the new set (and no longer sees the old business)."""
    cookie = await login(server, world.a.operator)
    console = await connect_agent(server, cookie)
    await console.send(type="hello")
    welcome = await console.wait_type("welcome")
    async with await login_as(world.supervisor) as sup:
        # The same businesses again: nothing to reconnect for.
        path = f"/api/v1/users/{welcome['user']['id']}/operator"
        r = await sup.put(path, json={"businesses": [world.a.business_id], "max_concurrent": 6})
        assert r.status_code == 200
        await console.send(type="ping", t=1)
        await console.wait_type("pong")
        r = await sup.put(path, json={"businesses": [world.b.business_id], "max_concurrent": 6})
        assert r.status_code == 200
    await console.wait_type("error", code="access_changed", timeout=3)
    await asyncio.wait_for(console.closed.wait(), 3)
    assert console.ws.close_code == 4012
    again = await connect_agent(server, cookie)  # the session itself is still good
    await again.send(type="hello")
    await again.wait_type("welcome")
    await again.close()
