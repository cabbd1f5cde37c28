"""Portal test support: a provider admin on top of the two-business world, clients logged in as
anyone, and one call that tries an endpoint as every role on its own and another business."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from portal_helpers import ROLE_USERS, AccessCheck, Expected, LoginAs, RequestFor, create_admin

from livedesk.settings import Settings

from livedesk_testing import LiveServer, World, login


@pytest.fixture
async def admin(settings: Settings, world: World) -> str:
    """The username of a provider admin (password: livedesk_testing.PASSWORD)."""
    return await create_admin(settings)


@pytest.fixture
def login_as(server: LiveServer) -> LoginAs:
    """`async with await login_as("user-alpha") as http:`; `login_as(None)` is anonymous."""

    async def client(username: str | None):  # type: ignore[no-untyped-def]
        if username is None:
            return server.http()
        return server.http(cookies={"livedesk_session": await login(server, username)})

    return client


@pytest.fixture
async def access_check(admin: str, world: World, login_as: LoginAs) -> AsyncIterator[AccessCheck]:
    """`await access_check(request_for, expected)` sends `request_for(tenant)` (method, path,
    JSON body) as every role for world.a (own) and world.b (other) and returns the answers that
    differ from `expected`, so one assertion shows the whole matrix's failures."""
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
