"""Migrations are the only way the schema is made: the migrated database must equal the models."""

from __future__ import annotations

import asyncio
import importlib.util
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import livedesk.models  # noqa: F401  (every table on Base.metadata)
from livedesk import migrate
from livedesk.conversations.models import retry_key
from livedesk.db import SQLITE_PAGE_SIZE, Base, make_engine
from livedesk.settings import Settings


async def test_migrated_schema_matches_the_models(settings: Settings) -> None:
    engine = make_engine(settings)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
        )
        heads = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_heads())
    await engine.dispose()
    assert diff == []
    assert set(heads) == migrate.head_revisions(settings)


async def test_a_new_sqlite_database_gets_small_pages_and_wal(
    settings: Settings, tmp_path: Path
) -> None:
    """The page size must be set before WAL mode, which fixes it for the file's lifetime."""
    if not settings.is_sqlite:
        pytest.skip("SQLite's page size")
    fresh = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path}/fresh.db"})
    await asyncio.to_thread(migrate.upgrade, fresh)  # Alembic runs its own event loop
    with sqlite3.connect(tmp_path / "fresh.db") as conn:
        assert conn.execute("PRAGMA page_size").fetchone()[0] == SQLITE_PAGE_SIZE
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_retry_key_backfill_computes_what_the_writer_does() -> None:
    """Migration 0007 keeps a frozen copy of the hash: rows it backfilled must be found by the
    writer's retry lookup."""
    import livedesk.migrations.versions as versions

    path = Path(versions.__file__).parent / "0007_messages_retry_key.py"
    spec = importlib.util.spec_from_file_location("migration_0007", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    for conversation_id, client_msg_id in [("a" * 32, "c1"), ("0" * 32, "ü" * 64), ("x", "")]:
        expected = retry_key(conversation_id, client_msg_id)
        assert migration._retry_key(conversation_id, client_msg_id) == expected
    assert retry_key("a" * 32, "one") != retry_key("a" * 32, "two")
    assert retry_key("a" * 32, None) is None
