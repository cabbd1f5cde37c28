"""Logged-in clients for each role of the two-business world, plus a provider admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.settings import Settings

from livedesk_testing import PASSWORD, LiveServer, World, login

ADMIN = "admin"


async def create_provider_admin(settings: Settings, username: str = ADMIN) -> str:
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            await do_create_user(
                session,
                username=username,
                password=PASSWORD,
                role=Role.PROVIDER_ADMIN,
                display_name="Anna Admin",
            )
    finally:
        await engine.dispose()
    return username


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
