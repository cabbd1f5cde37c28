"""Logged-in clients for each role of the two-business world, plus a provider admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from roles_testing import ADMIN

from livedesk_testing import LiveServer, World, login


def role_users(world: World) -> dict[str, str]:
    """Username per role; the operator and business user are business A's."""
    return {
        "provider_admin": ADMIN,
        "supervisor": world.supervisor,
        "operator": world.a.operator,
        "business_user": world.a.business_user,
    }


@asynccontextmanager
async def client_as(server: LiveServer, username: str | None) -> AsyncIterator[httpx.AsyncClient]:
    """A client logged in as `username` (its session cookie), or anonymous for None."""
    cookies = {"livedesk_session": await login(server, username)} if username else {}
    async with server.http(cookies=cookies) as http:
        yield http
