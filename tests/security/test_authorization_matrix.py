"""Who may call what: every operation of the OpenAPI document × every role × own or another
business, against a rule table. An operation without a rule fails the test, so a new endpoint
cannot ship without someone deciding who may call it.

Roles: anonymous, the provider admin, a supervisor, business A's operator and business A's
business user. "own" fills the path with business A's things, "other" with business B's. An
expectation is a status class: "ok" (2xx), "401", "403", "404", "409", "422"; "ok/404" means
"ok" for own and 404 for other. Nothing may answer 500.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from authz_requests import BODIES, QUERY, UNDO, Op, params_for
from authz_rules import ROLES, RULES, expected_status
from authz_world import AuthzWorld, build

from livedesk.leads.views import service_of
from livedesk.security.session_limit import SessionLimiter, SessionLimits
from livedesk.security.throttle import LoginThrottle, ThrottlePolicy
from livedesk.settings import Settings
from roles_testing import ADMIN, create_admin

from livedesk_testing import LiveServer, World, login

SIDES = ("own", "other")
# The usernames behind each role; the operator and business user are business A's.
ROLE_USERS = {
    "provider_admin": ADMIN,
    "supervisor": "super",
    "operator": "op-alpha",
    "business_user": "user-alpha",
}
SAFE = ("GET", "HEAD", "OPTIONS")


@dataclass
class Call:
    op: Op
    role: str
    side: str
    status: int
    text: str


def operations(server: LiveServer) -> list[Op]:
    spec = server.app.openapi()
    found = [(m.upper(), path) for path, ops in spec["paths"].items() for m in ops]
    # Reads first, then changes, the ones that switch things off last (each is undone).
    return sorted(found, key=lambda op: (op[0] not in SAFE, op in UNDO, op))


@pytest.fixture
async def clients(
    settings: Settings, world: World, server: LiveServer
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    await create_admin(settings)
    # Every anonymous call comes from 127.0.0.1: the per-address limits are not under test here.
    leads = service_of(server.runtime)
    leads.settings.offline_burst = leads.settings.offline_per_ip_per_minute = 100_000
    server.app.state.session_limiter = SessionLimiter(SessionLimits(1e6, 1e6, 1e6, 1e6))
    lenient = ThrottlePolicy(account_free_failures=10**6, address_free_failures=10**6)
    server.app.state.login_throttle = LoginThrottle(lenient)
    names = ["admin", "super", "op-alpha", "user-alpha", "op-beta", "user-beta"]
    made = {
        name: server.http(cookies={"livedesk_session": await login(server, name)}) for name in names
    }
    made["anonymous"] = server.http()
    try:
        yield made
    finally:
        for client in made.values():
            await client.aclose()


async def _call(
    az: AuthzWorld, clients: dict[str, httpx.AsyncClient], op: Op, role: str, side: str
) -> Call:
    method, template = op
    params = await params_for(az, op, side)
    path = template.format(**{k: v for k, v in params.items()})
    query = QUERY[op](params) if op in QUERY else {}
    body = BODIES[op](params) if op in BODIES else None
    if op == ("POST", "/api/v1/auth/logout") and role != "anonymous":
        # A logout of its own: the role's shared login must survive the sweep.
        secret = await login(az.server, ROLE_USERS[role])
        client = az.server.http(cookies={"livedesk_session": secret})
    else:
        client = clients[ROLE_USERS.get(role, "anonymous")]
    headers = {"origin": "https://alpha.example" if side == "own" else "https://beta.example"}
    if not template.startswith("/api/v1/widget/"):
        headers = {}
    response = await client.request(method, path, params=query, json=body, headers=headers)
    if op in UNDO and 200 <= response.status_code < 300:
        undone = await clients["admin"].post(UNDO[op].format(**params))
        assert undone.status_code == 200, undone.text
    return Call(op, role, side, response.status_code, response.text[:300])


async def test_every_operation_has_a_rule_and_every_role_gets_it(
    server: LiveServer, world: World, clients: dict[str, httpx.AsyncClient]
) -> None:
    ops = operations(server)
    missing = [f"add a rule for {m} {p}" for m, p in ops if (m, p) not in RULES]
    dump = bool(os.environ.get("LIVEDESK_AUTHZ_DUMP"))
    assert dump or not missing, "\n".join(missing)
    az = await build(server, world, clients)
    calls = [
        await _call(az, clients, op, role, side) for op in ops for role in ROLES for side in SIDES
    ]
    crashes = [c for c in calls if c.status >= 500]
    assert not crashes, "\n".join(
        f"{c.op} as {c.role} ({c.side}): {c.status} {c.text}" for c in crashes
    )
    if dump:
        _dump(calls)
        return
    wrong = [
        f"{c.op[0]} {c.op[1]} as {c.role} ({c.side}): expected {expected}, got {c.status} {c.text}"
        for c in calls
        if not _matches(c.status, expected := expected_status(c.op, c.role, c.side))
    ]
    assert not wrong, f"{len(wrong)} answers broke the rules:\n" + "\n".join(wrong)


def _matches(status: int, expected: str) -> bool:
    return any(
        (want == "ok" and 200 <= status < 300) or want == str(status)
        for want in expected.split("|")
    )


def _dump(calls: list[Call]) -> None:
    rows: dict[Op, dict[str, str]] = {}
    for c in calls:
        rows.setdefault(c.op, {})[f"{c.role}:{c.side}"] = str(c.status)
    for op, seen in rows.items():
        cells = []
        for role in ROLES:
            own, other = seen[f"{role}:own"], seen[f"{role}:other"]
            cells.append(f"{role[:5]}={own}" + ("" if own == other else f"/{other}"))
        print(f"{op[0]:6} {op[1]:70} {' '.join(cells)}")
