"""Fixtures every test can use. Point the suite at PostgreSQL with
LIVEDESK_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres (see README)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from livedesk.settings import Settings

from livedesk_testing import DatabaseTemplate, LiveServer, World, free_port, running, seed_world


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
