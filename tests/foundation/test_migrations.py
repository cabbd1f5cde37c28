"""Migrations are the only way the schema is made: the migrated database must equal the models."""

from __future__ import annotations

import asyncio
import importlib.util
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import livedesk.models  # noqa: F401  (every table on Base.metadata)
from livedesk import migrate
from livedesk.businesses.models import Business, Widget
from livedesk.conversations.models import Conversation, Visitor
from livedesk.db import SQLITE_PAGE_SIZE, Base, make_engine, make_sessionmaker, unit_of_work
from livedesk.portal.models import SEARCH_SCHEMA_OBJECTS
from livedesk.settings import Settings


def modelled(name: str | None, type_: str, parent_names: object) -> bool:
    """Leaves out what only a migration can describe (one backend's search index)."""
    return name not in SEARCH_SCHEMA_OBJECTS


async def test_migrated_schema_matches_the_models(settings: Settings) -> None:
    engine = make_engine(settings)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"include_name": modelled}), Base.metadata
            )
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


async def test_the_retry_key_goes_and_comes_back_with_its_values(
    settings: Settings, tmp_path: Path
) -> None:
    """0008 drops messages.retry_key; its downgrade recomputes every key as 0007 did."""
    if not settings.is_sqlite:
        pytest.skip("a scratch SQLite file")
    import livedesk.migrations.versions as versions

    path = Path(versions.__file__).parent / "0007_messages_retry_key.py"
    spec = importlib.util.spec_from_file_location("migration_0007", path)
    assert spec is not None and spec.loader is not None
    migration_0007 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration_0007)

    fresh = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path}/round.db"})
    config = migrate.alembic_config(fresh)
    step = asyncio.to_thread  # Alembic runs its own event loop
    await step(command.upgrade, config, "heads")
    engine = make_engine(fresh)
    async with unit_of_work(make_sessionmaker(engine)) as session:
        business = Business(slug="round-trip", name="Round trip")
        session.add(business)
        await session.flush()
        widget = Widget(business_id=business.id, public_key="round-trip", name="w")
        session.add(widget)
        await session.flush()
        visitor = Visitor(business_id=business.id, widget_id=widget.id)
        session.add(visitor)
        await session.flush()
        chat = Conversation(business_id=business.id, widget_id=widget.id, visitor_id=visitor.id)
        session.add(chat)
        await session.flush()
        cid, business_id = chat.id, business.id
    await engine.dispose()
    client_ids = ["c1", "ü" * 64, None]
    with sqlite3.connect(tmp_path / "round.db") as conn:
        conn.executemany(
            "INSERT INTO messages (conversation_id, business_id, seq, author_kind, body,"
            " internal, client_msg_id, created_at) VALUES (?, ?, ?, 'visitor', 'x', 0, ?, '')",
            [(cid, business_id, seq, client_id) for seq, client_id in enumerate(client_ids, 1)],
        )

    await step(command.downgrade, config, "0008_messages_no_retry_index-1")
    with sqlite3.connect(tmp_path / "round.db") as conn:
        keys = [k for (k,) in conn.execute("SELECT retry_key FROM messages ORDER BY seq")]
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(messages)")}
    assert keys == [migration_0007._retry_key(cid, c) if c else None for c in client_ids]
    assert "uq_messages_retry_key" in indexes

    await step(command.upgrade, config, "heads")
    with sqlite3.connect(tmp_path / "round.db") as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(messages)")}
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 3
    assert "retry_key" not in columns


async def test_shortcuts_that_slipped_past_the_check_are_numbered_before_the_index(
    settings: Settings, tmp_path: Path
) -> None:
    """0021 makes shortcuts unique; duplicates saved earlier by crossing requests keep their
    text under a numbered shortcut, the oldest keeping the plain one."""
    if not settings.is_sqlite:
        pytest.skip("a scratch SQLite file")
    fresh = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path}/canned.db"})
    config = migrate.alembic_config(fresh)
    step = asyncio.to_thread  # Alembic runs its own event loop
    await step(command.upgrade, config, "0021_canned_shortcut_unique-1")
    engine = make_engine(fresh)
    async with unit_of_work(make_sessionmaker(engine)) as session:
        session.add(Business(id="b1", slug="b1", name="B1"))
    await engine.dispose()
    with sqlite3.connect(tmp_path / "canned.db") as conn:
        conn.executemany(
            "INSERT INTO canned_responses (id, business_id, shortcut, title, body, language,"
            " created_at, updated_at) VALUES (?, ?, ?, 't', ?, 'nl', ?, ?)",
            [
                (row_id, business_id, shortcut, row_id, at, at)
                for row_id, business_id, shortcut, at in (
                    ("c1", "b1", "groet", "2026-01-01"),
                    ("c2", "b1", "groet", "2026-01-02"),
                    ("c3", "b1", "groet-2", "2026-01-03"),
                    ("c4", None, "groet", "2026-01-01"),
                    ("c5", None, "groet", "2026-01-02"),
                )
            ],
        )
    await step(command.upgrade, config, "heads")
    with sqlite3.connect(tmp_path / "canned.db") as conn:
        rows = dict(conn.execute("SELECT id, shortcut FROM canned_responses"))
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(
                "INSERT INTO canned_responses (id, business_id, shortcut, title, body, language,"
                " created_at, updated_at) VALUES ('c6', NULL, 'groet', 't', 'b', 'nl', '', '')"
            )
    assert rows == {"c1": "groet", "c2": "groet-3", "c3": "groet-2", "c4": "groet", "c5": "groet-2"}
