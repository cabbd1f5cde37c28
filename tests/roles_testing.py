"""Who asks, for every test that checks access: the provider admin, clients logged in as anyone,
and one call that sends a request as every role to its own and to the other business.

The roles are the two-business world's users (livedesk_testing.seed_world) plus the admin the
`admin` fixture creates; "own" is world.a (alpha), "other" world.b. Fixtures in tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.settings import Settings

from livedesk_testing import PASSWORD, LiveServer, Tenant, World, login

ADMIN = "admin"  # the provider admin the `admin` fixture creates
ROLE_USERS: dict[str, str | None] = {
    "admin": ADMIN,
    "supervisor": "super",
    "operator": "op-alpha",
    "business_user": "user-alpha",
    "anonymous": None,
}
Expected = dict[str, tuple[int, int]]  # role → (status for its own business, for the other)
RequestFor = Callable[[Tenant], tuple[str, str, dict[str, Any] | None]]  # method, path, JSON
AccessCheck = Callable[[RequestFor, Expected], Awaitable[list[str]]]
LoginAs = Callable[[str | None], Awaitable[httpx.AsyncClient]]


async def create_admin(
    settings: Settings, username: str = ADMIN, display_name: str = "Admin"
) -> str:
    """A provider admin with livedesk_testing.PASSWORD; returns the username."""
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            await do_create_user(
                session,
                username=username,
                password=PASSWORD,
                role=Role.PROVIDER_ADMIN,
                display_name=display_name,
            )
    finally:
        await engine.dispose()
    return username


async def client_as(server: LiveServer, username: str | None, **kw: Any) -> httpx.AsyncClient:
    """A client with that user's session cookie; None: anonymous."""
    if username is None:
        return server.http(**kw)
    return server.http(cookies={"livedesk_session": await login(server, username)}, **kw)


def get(path_for: Callable[[Tenant], str]) -> RequestFor:
    """A GET request for `access_check` from a function giving the path for a business."""
    return lambda tenant: ("GET", path_for(tenant), None)


async def answers_that_differ(
    clients: Mapping[str, httpx.AsyncClient],
    world: World,
    request_for: RequestFor,
    expected: Expected,
) -> list[str]:
    """Send `request_for(tenant)` as every role for world.a and world.b; every answer that differs
    from `expected`, so one assertion shows the whole matrix's failures."""
    assert set(expected) == set(clients), "name every role"
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
