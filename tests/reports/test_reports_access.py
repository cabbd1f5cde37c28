"""Who sees which report: every endpoint and page, as every role, on its own and another
business (own = alpha, other = beta), with the exact status."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from livedesk.accounts.models import User
from livedesk.db import make_engine, make_sessionmaker, read_only
from livedesk.reports.tables import BUSINESS_TABLES
from livedesk.settings import Settings
from roles_testing import ADMIN, client_as

from livedesk_testing import LiveServer, Tenant, World

ROLES: dict[str, str | None] = {
    "admin": ADMIN,
    "supervisor": "super",
    "operator": "op-alpha",
    "business_user": "user-alpha",
    "anonymous": None,
}
PERIOD = "from=2026-10-01&to=2026-10-31"
# (own, other) per role
BY_BUSINESS = {
    "admin": (200, 200),
    "supervisor": (200, 200),
    "operator": (200, 404),  # their own figures within a business they serve
    "business_user": (200, 404),
    "anonymous": (401, 401),
}
PER_OPERATOR = {
    "admin": (200, 200),
    "supervisor": (200, 200),
    "operator": (200, 404),
    "business_user": (403, 403),  # never the provider's staff list
    "anonymous": (401, 401),
}
BUSINESS_PAGE = {
    "admin": (200, 200),
    "supervisor": (200, 200),
    "operator": (403, 403),  # operators have /reports with their own figures
    "business_user": (200, 404),
    "anonymous": (303, 303),  # to the login page
}
PROVIDER_PAGE = {
    "admin": (200, 200),
    "supervisor": (200, 200),
    "operator": (200, 404),
    "business_user": (303, 303),  # on to their own business's page
    "anonymous": (303, 303),
}
Path = Callable[[Tenant], str]


@pytest.fixture
async def clients(server: LiveServer, admin: str) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    made = {role: await client_as(server, user) for role, user in ROLES.items()}
    yield made
    for client in made.values():
        await client.aclose()


async def wrong_answers(
    clients: dict[str, httpx.AsyncClient], world: World, path: Path, expected: dict[str, Any]
) -> list[str]:
    wrong = []
    for role, client in clients.items():
        for side, tenant in enumerate((world.a, world.b)):
            r = await client.get(path(tenant))
            if r.status_code != expected[role][side]:
                where = ("own", "other")[side]
                wrong.append(f"{role}/{where} {path(tenant)}: {r.status_code}")
    return wrong


async def test_every_endpoint_for_every_role(
    clients: dict[str, httpx.AsyncClient], world: World
) -> None:
    cases: list[tuple[Path, dict[str, Any]]] = [
        (lambda t: f"/api/v1/reports/summary?business_id={t.business_id}&{PERIOD}", BY_BUSINESS),
        (lambda t: f"/api/v1/reports/heatmap?business_id={t.business_id}&{PERIOD}", BY_BUSINESS),
        (
            lambda t: f"/api/v1/reports/operators?business_id={t.business_id}&{PERIOD}",
            PER_OPERATOR,
        ),
        (
            lambda t: f"/api/v1/reports/operators.csv?business_id={t.business_id}&{PERIOD}",
            PER_OPERATOR,
        ),
    ]
    for table in BUSINESS_TABLES:
        cases.append(
            (
                lambda t, table=table: (  # type: ignore[misc]
                    f"/api/v1/reports/{table}.csv?business_id={t.business_id}&{PERIOD}"
                ),
                BY_BUSINESS,
            )
        )
    wrong = []
    for path, expected in cases:
        wrong += await wrong_answers(clients, world, path, expected)
    assert wrong == []


async def test_every_page_for_every_role(
    clients: dict[str, httpx.AsyncClient], world: World
) -> None:
    cases: list[tuple[Path, dict[str, Any]]] = [
        (lambda t: f"/reports/business/{t.business_id}?{PERIOD}", BUSINESS_PAGE),
        (lambda t: f"/reports/business/{t.business_id}/monthly/2026-10", BUSINESS_PAGE),
        (lambda t: f"/reports?business_id={t.business_id}&{PERIOD}", PROVIDER_PAGE),
    ]
    wrong = []
    for path, expected in cases:
        wrong += await wrong_answers(clients, world, path, expected)
    assert wrong == []


async def operator_ids(settings: Settings) -> dict[str, str]:
    engine = make_engine(settings)
    try:
        async with read_only(make_sessionmaker(engine)) as session:
            rows = await session.execute(select(User.username, User.id))
            return {name: uid for name, uid in rows.all()}
    finally:
        await engine.dispose()


async def test_operator_figures_are_their_own(
    clients: dict[str, httpx.AsyncClient], world: World, settings: Settings
) -> None:
    """An operator's figures: managers see anyone's, an operator their own only (403 for a
    colleague's), a business user nobody's (403). Own = op-alpha, other = op-beta."""
    ids = await operator_ids(settings)
    expected = {
        "admin": (200, 200),
        "supervisor": (200, 200),
        "operator": (200, 403),
        "business_user": (403, 403),
        "anonymous": (401, 401),
    }
    wrong = []
    for path in ("summary", "heatmap", "operators", "days.csv"):
        for role, client in clients.items():
            for side, username in enumerate(("op-alpha", "op-beta")):
                r = await client.get(f"/api/v1/reports/{path}?operator_id={ids[username]}&{PERIOD}")
                if r.status_code != expected[role][side]:
                    wrong.append(f"{role} {path} of {username}: {r.status_code}")
    assert wrong == []
    # Without operator_id an operator gets their own figures, not the business's.
    r = await clients["operator"].get(f"/api/v1/reports/summary?{PERIOD}")
    assert r.json()["scope"]["operator_id"] == ids["op-alpha"]
    rows = (await clients["operator"].get(f"/api/v1/reports/operators?{PERIOD}")).json()
    assert [row["name"] for row in rows["operators"]] == ["Op alpha"]
    refused = await clients["operator"].get(
        f"/api/v1/reports/summary?operator_id={ids['op-beta']}&{PERIOD}",
        headers={"accept-language": "en"},
    )
    assert refused.json() == {
        "code": "report_other_operator",
        "message": "You only see your own figures.",
        "data": {},
    }


async def test_redirects_say_where(clients: dict[str, httpx.AsyncClient], world: World) -> None:
    r = await clients["anonymous"].get(f"/reports/business/{world.a.business_id}?{PERIOD}")
    assert r.status_code == 303
    assert r.headers["location"].startswith("/console/login?next=%2Freports%2Fbusiness%2F")
    r = await clients["business_user"].get(f"/reports?{PERIOD}")
    assert r.headers["location"] == f"/reports/business/{world.a.business_id}?{PERIOD}"
    # Unknown and another's business look the same.
    for business in ("0" * 32, world.b.business_id):
        r = await clients["business_user"].get(
            f"/api/v1/reports/summary?business_id={business}&{PERIOD}"
        )
        assert (r.status_code, r.json()["code"]) == (404, "not_found")
