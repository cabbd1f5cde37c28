"""Fixtures every test can use. Point the suite at PostgreSQL with
LIVEDESK_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres (see README)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from livedesk.settings import Settings
from redis_testing import OwnRedis, require_redis_server
from roles_testing import (
    ROLE_USERS,
    AccessCheck,
    Expected,
    LoginAs,
    RequestFor,
    answers_that_differ,
    client_as,
    create_admin,
)

from livedesk_testing import (
    DatabaseTemplate,
    LiveServer,
    World,
    free_port,
    missing_component,
    postgres_url,
    running,
    seed_world,
)

# Where the Redis tests find Redis (.ci/run starts one on its own port when none answers here).
REDIS_URL_ENV = "LIVEDESK_TEST_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"


@pytest.fixture
def redis_url() -> str:
    """A Redis that answers; without one the test skips, or fails under LIVEDESK_REQUIRE_REDIS."""
    url = os.environ.get(REDIS_URL_ENV) or DEFAULT_REDIS_URL
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        answers = bool(client.ping())
    except redis.RedisError:
        answers = False
    finally:
        client.close()
    if not answers:
        missing_component("LIVEDESK_REQUIRE_REDIS", f"no Redis answers at {url}")
    return url


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, run only the tests that touch a database: the others (pure engines,
    planners, parsers) would run exactly as they did on SQLite."""
    if postgres_url() is None:
        return
    touches_db = [i for i in items if "db_template" in getattr(i, "fixturenames", ())]
    if len(touches_db) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in touches_db])
        items[:] = touches_db


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Iterator[None]:
    """How many tests were skipped and why, grouped by reason, after pytest's own summary
    (what did not run is the last thing CI shows)."""
    yield
    reasons: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    total = sum(reasons.values())
    terminalreporter.section(f"{total} skipped, by reason", sep="-")
    for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0])):
        terminalreporter.write_line(f"{count:5d}  {reason}")


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing() -> Iterator[None]:
    """Argon2 at production cost makes every seeded user take a third of a second; tests only
    need real argon2id hashes, not expensive ones."""
    from argon2 import PasswordHasher

    from livedesk.security import passwords

    production = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = production


@pytest.fixture(scope="session")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseTemplate]:
    template = DatabaseTemplate(tmp_path_factory.mktemp("db"))
    yield template
    template.drop()


@pytest.fixture
async def settings(db_template: DatabaseTemplate, request: pytest.FixtureRequest) -> Settings:
    """A fresh, migrated, empty database for this test."""
    url = await db_template.fresh(request.node.name.replace("[", "_").replace("]", "")[:80])
    return Settings(
        database_url=url, port=free_port(), secret_key="test-secret", frames_per_second=1000.0
    )


@pytest.fixture
async def world(settings: Settings) -> World:
    return await seed_world(settings)


@pytest.fixture
async def server(settings: Settings, world: World) -> AsyncIterator[LiveServer]:
    async with running(settings) as live:
        yield live


@pytest.fixture
def artifacts_dir() -> Path:
    path = Path(__file__).parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
async def admin(settings: Settings, world: World) -> str:
    """The username of a provider admin (password: livedesk_testing.PASSWORD)."""
    return await create_admin(settings)


@pytest.fixture
def login_as(server: LiveServer) -> LoginAs:
    """`async with await login_as("op-alpha") as http:` a client with that user's session
    cookie; `login_as(None)` is anonymous."""

    async def client(username: str | None) -> httpx.AsyncClient:
        return await client_as(server, username)

    return client


@pytest.fixture
async def access_check(admin: str, world: World, login_as: LoginAs) -> AsyncIterator[AccessCheck]:
    """`await access_check(request_for, expected)`: the answers, as every role to its own and the
    other business, that differ from `expected` (roles_testing.answers_that_differ)."""
    clients = {role: await login_as(username) for role, username in ROLE_USERS.items()}

    async def check(request_for: RequestFor, expected: Expected) -> list[str]:
        return await answers_that_differ(clients, world, request_for, expected)

    yield check
    for client in clients.values():
        await client.aclose()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    """A Redis of this test's own (redis_testing.OwnRedis), started; killed at the end."""
    require_redis_server()
    server = OwnRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()
