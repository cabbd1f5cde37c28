"""Privacy test support: a provider admin on top of the two-business world, clients logged in as
anyone, and the authorization matrix every endpoint is checked against."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from privacy_helpers import ADMIN, create_admin

from livedesk.settings import Settings

from livedesk_testing import LiveServer, Tenant, World, login

LoginAs = Callable[[str | None], Awaitable[httpx.AsyncClient]]
# Who asks, as the matrix names them; "own" is world.a (alpha), "other" world.b.
ROLE_USERS: dict[str, str | None] = {
    "admin": ADMIN,
    "supervisor": "super",
    "operator": "op-alpha",
    "business_user": "user-alpha",
    "anonymous": None,
}
Expected = dict[str, tuple[int, int]]  # role → (status for own business, for the other)
RequestFor = Callable[[Tenant], tuple[str, str, dict[str, Any] | None]]
AccessCheck = Callable[[RequestFor, Expected], Awaitable[list[str]]]


@pytest.fixture
async def admin(settings: Settings, world: World) -> str:
    return await create_admin(settings)


@pytest.fixture
def login_as(server: LiveServer) -> LoginAs:
    async def client(username: str | None) -> httpx.AsyncClient:
        if username is None:
            return server.http()
        return server.http(cookies={"livedesk_session": await login(server, username)})

    return client


@pytest.fixture
async def access_check(admin: str, world: World, login_as: LoginAs) -> AsyncIterator[AccessCheck]:
    """`await access_check(request_for, expected)` sends `request_for(tenant)` as every role for
    world.a and world.b and returns every answer that differs from `expected`."""
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
