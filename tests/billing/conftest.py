"""Billing test support: a provider admin beside the two-business world, clients logged in as
anyone, and one call that tries a request as every role on its own and another business."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from billing_helpers import ADMIN, ROLE_USERS, AccessCheck, Expected, LoginAs, RequestFor

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.settings import Settings

from livedesk_testing import PASSWORD, LiveServer, World, login


@pytest.fixture
async def admin(settings: Settings, world: World) -> str:
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
    async def client(username: str | None) -> httpx.AsyncClient:
        if username is None:
            return server.http()
        return server.http(cookies={"livedesk_session": await login(server, username)})

    return client


@pytest.fixture
async def access_check(admin: str, world: World, login_as: LoginAs) -> AsyncIterator[AccessCheck]:
    """`await access_check(path_for, expected)` GETs `path_for(tenant)` as every role for
    world.a and world.b and returns the answers that differ from `expected`."""
    clients = {role: await login_as(username) for role, username in ROLE_USERS.items()}

    async def check(path_for: RequestFor, expected: Expected) -> list[str]:
        assert set(expected) == set(ROLE_USERS), "name every role"
        wrong = []
        for role, client in clients.items():
            for side, tenant in enumerate((world.a, world.b)):
                path = path_for(tenant)
                r = await client.get(path)
                if r.status_code != expected[role][side]:
                    where = ("own", "other")[side]
                    wrong.append(
                        f"{role}/{where} {path}: {r.status_code} != {expected[role][side]}"
                    )
        return wrong

    yield check
    for client in clients.values():
        await client.aclose()
