"""Back-office test support: a provider admin on top of the two-business world, and clients
logged in as anyone."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.settings import Settings

from livedesk_testing import PASSWORD, LiveServer, Tenant, World, login

ADMIN = "admin"
LoginAs = Callable[[str | None], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def admin(settings: Settings, world: World) -> str:
    """The username of a provider admin (password: livedesk_testing.PASSWORD)."""
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            await do_create_user(
                session,
                username=ADMIN,
                password=PASSWORD,
                role=Role.PROVIDER_ADMIN,
                display_name="Admin",
            )
    finally:
        await engine.dispose()
    return ADMIN


@pytest.fixture
def login_as(server: LiveServer) -> LoginAs:
    """`async with await login_as("op-alpha") as http:` a client with that user's session
    cookie; `login_as(None)` is anonymous."""

    async def client(username: str | None) -> httpx.AsyncClient:
        if username is None:
            return server.http()
        return server.http(cookies={"livedesk_session": await login(server, username)})

    return client


# Who asks, as the authorization tests name them; "own" is world.a (alpha), "other" world.b.
ROLE_USERS: dict[str, str | None] = {
    "admin": ADMIN,
    "supervisor": "super",
    "operator": "op-alpha",
    "business_user": "user-alpha",
    "anonymous": None,
}
# The expected status per role for (own business, other business).
Expected = dict[str, tuple[int, int]]
RequestFor = Callable[[Tenant], tuple[str, str, dict[str, Any] | None]]
AccessCheck = Callable[[RequestFor, Expected], Awaitable[list[str]]]


@pytest.fixture
async def access_check(admin: str, world: World, login_as: LoginAs) -> AsyncIterator[AccessCheck]:
    """`await access_check(request_for, expected)` sends `request_for(tenant)` (method, path,
    JSON body) as every role for world.a and world.b and returns the answers that differ from
    `expected`, so one assertion shows the whole matrix's failures."""
    clients = {role: await login_as(username) for role, username in ROLE_USERS.items()}

    async def check(request_for: RequestFor, expected: Expected) -> list[str]:
        assert set(expected) == set(ROLE_USERS), "name every role"
        wrong = []
        for role, client in clients.items():
            for side, tenant in enumerate((world.a, world.b)):
                method, path, body = request_for(tenant)
                r = await client.request(method, path, json=body)
                want = expected[role][side]
                if r.status_code != want:
                    where = ("own", "other")[side]
                    wrong.append(f"{role}/{where} {method} {path}: {r.status_code} != {want}")
        return wrong

    yield check
    for client in clients.values():
        await client.aclose()
