"""SQLite's search indexer (portal/indexer.py): stopped between batches it is caught up by the
next one, processes sharing the file never index a message twice, and erasing or deleting
messages the indexer has not reached yet leaves the index exact; migration 0017 both ways."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from portal_helpers import Chat, seed_chats
from sqlalchemy import delete, make_url, update

from livedesk import migrate
from livedesk.conversations.models import Conversation, Message
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.portal.indexer import EXTENSION, SearchIndexer
from livedesk.portal.models import SQLITE_SEARCH_STATE, SQLITE_SEARCH_TABLE
from livedesk.runtime import Runtime
from livedesk.settings import Settings
from roles_testing import LoginAs

from livedesk_testing import LiveServer, World


@pytest.fixture
async def stopped(settings: Settings, server: LiveServer) -> SearchIndexer:
    """The server's indexer, stopped: the test moves the index on itself."""
    if not settings.is_sqlite:
        pytest.skip("PostgreSQL's GIN index follows the rows; there is no indexer")
    indexer: SearchIndexer = server.runtime.extensions[EXTENSION]
    await indexer.stop()
    return indexer


def index_state(settings: Settings) -> dict[str, Any]:
    """Each term of the index with (messages holding it, occurrences), the indexed bound and
    the newest message id; the index's own integrity check must pass."""
    path = str(make_url(settings.database_url).database)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(
            f"INSERT INTO {SQLITE_SEARCH_TABLE}({SQLITE_SEARCH_TABLE}) VALUES ('integrity-check')"
        )
        conn.execute(
            f"CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, {SQLITE_SEARCH_TABLE}, 'row')"
        )
        terms = {t: (doc, cnt) for t, doc, cnt in conn.execute("SELECT term, doc, cnt FROM terms")}
        (last_id,) = conn.execute(f"SELECT last_id FROM {SQLITE_SEARCH_STATE}").fetchone()
        (newest,) = conn.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()
    return {"terms": terms, "last_id": last_id, "newest": newest}


def words_chat(prefix: str, count: int, note_every: int = 0) -> Chat:
    """A chat whose every message holds one word of its own; every note_every-th is a note."""
    return Chat(
        messages=[
            ("visitor", f"{prefix}{n}x", bool(note_every and n % note_every == 0))
            for n in range(1, count + 1)
        ]
    )


async def test_stopped_between_batches_the_next_indexer_continues_and_indexes_each_once(
    settings: Settings, server: LiveServer, world: World, stopped: SearchIndexer
) -> None:
    await seed_chats(settings, world.a, words_chat("alfa", 13, 4), words_chat("bravo", 12, 5))
    crashed = SearchIndexer(server.runtime, batch=4)
    assert await crashed.index_batch() == 4
    assert await crashed.index_batch() == 4
    halfway = index_state(settings)
    assert halfway["last_id"] < halfway["newest"]
    assert set(halfway["terms"]) == {"alfa1x", "alfa2x", "alfa3x", "alfa5x", "alfa6x", "alfa7x"}
    # Restarted, here as two processes at once: this one and another runtime on the same file.
    other = Runtime.create(settings)
    try:
        await asyncio.gather(
            SearchIndexer(server.runtime, batch=3).catch_up(),
            SearchIndexer(other, batch=5).catch_up(),
        )
    finally:
        await other.engine.dispose()
    done = index_state(settings)
    assert done["last_id"] == done["newest"]
    visible = {f"alfa{n}x" for n in range(1, 14) if n % 4} | {
        f"bravo{n}x" for n in range(1, 13) if n % 5
    }
    assert done["terms"] == {word: (1, 1) for word in visible}  # no note, nothing twice
    assert await stopped.index_batch() == 0  # nothing left for the server's own


async def test_under_steady_writes_a_round_stops_at_its_first_short_batch(
    settings: Settings, server: LiveServer, world: World, stopped: SearchIndexer
) -> None:
    await seed_chats(settings, world.a, words_chat("vooraf", 4))
    indexer = SearchIndexer(server.runtime, batch=3)
    index_batch = indexer.index_batch
    passed: list[int] = []

    async def then_a_new_message(look_first: bool = True) -> int:
        # Steady traffic: by the time the indexer could look again, a message has arrived.
        passed.append(await index_batch(look_first))
        await seed_chats(settings, world.a, words_chat(f"later{len(passed)}n", 1))
        return passed[-1]

    indexer.index_batch = then_a_new_message  # type: ignore[method-assign]
    await asyncio.wait_for(indexer.catch_up(), 10)  # chasing every new message never ends
    assert passed == [3, 2]  # a full batch, then the rest with the first newcomer
    state = index_state(settings)
    assert state["newest"] - state["last_id"] == 1  # the second newcomer: the next round's
    assert {term for term in state["terms"] if term.startswith("later")} == {"later1n1x"}


async def edit(settings: Settings, *statements: Any) -> None:
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            for statement in statements:
                await session.execute(statement)
    finally:
        await engine.dispose()


async def test_erasing_or_deleting_messages_not_yet_indexed_leaves_the_index_exact(
    settings: Settings, server: LiveServer, world: World, stopped: SearchIndexer, login_as: LoginAs
) -> None:
    (first,) = await seed_chats(settings, world.a, words_chat("eerste", 2))
    await stopped.catch_up()
    gone, erased = await seed_chats(settings, world.a, words_chat("weg", 2), words_chat("wis", 2))
    # Not indexed yet: the triggers must leave the index alone (a contentless FTS5 table would
    # be corrupted by a 'delete' of a row it does not hold).
    await edit(
        settings,
        delete(Conversation).where(Conversation.id == gone),
        update(Message).where(Message.conversation_id == erased).values(body="gewist"),
    )
    assert set(index_state(settings)["terms"]) == {"eerste1x", "eerste2x"}
    await stopped.catch_up()
    assert index_state(settings)["terms"] == {
        "eerste1x": (1, 1),
        "eerste2x": (1, 1),
        "gewist": (2, 2),
    }
    # The newest messages deleted after indexing: SQLite hands their ids out again, and the
    # messages that get them must still be indexed.
    await edit(settings, delete(Conversation).where(Conversation.id == erased))
    state = index_state(settings)
    assert state["last_id"] == state["newest"]
    (reused,) = await seed_chats(settings, world.a, words_chat("nieuw", 2))
    await stopped.catch_up()
    assert index_state(settings)["terms"] == {
        "eerste1x": (1, 1),
        "eerste2x": (1, 1),
        "nieuw1x": (1, 1),
        "nieuw2x": (1, 1),
    }
    async with await login_as(world.a.business_user) as http:
        r = await http.get("/api/v1/portal/transcripts", params={"q": "nieuw2x"})
        assert [item["conversation_id"] for item in r.json()["items"]] == [reused]
        r = await http.get("/api/v1/portal/transcripts", params={"q": "eerste1x"})
        assert [item["conversation_id"] for item in r.json()["items"]] == [first]


async def test_the_server_indexes_new_messages_within_a_second_by_itself(
    settings: Settings, server: LiveServer, world: World, login_as: LoginAs
) -> None:
    if not settings.is_sqlite:
        pytest.skip("PostgreSQL's GIN index follows the rows at once")
    (chat,) = await seed_chats(settings, world.a, words_chat("vanzelf", 1))
    async with await login_as(world.a.business_user) as http:
        found: list[str] = []
        for _ in range(40):  # polls for at most two seconds; the indexer looks every 0.5 s
            r = await http.get("/api/v1/portal/transcripts", params={"q": "vanzelf1x"})
            found = [item["conversation_id"] for item in r.json()["items"]]
            if found:
                break
            await asyncio.sleep(0.05)
        assert found == [chat]


def triggers_and_terms(path: Path) -> tuple[set[str], set[str], int | None]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        triggers = {
            n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
        conn.execute(
            f"CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, {SQLITE_SEARCH_TABLE}, 'row')"
        )
        terms = {t for (t,) in conn.execute("SELECT term FROM terms")}
        state = conn.execute(
            "SELECT name FROM sqlite_master WHERE name = ?", (SQLITE_SEARCH_STATE,)
        ).fetchone()
        last_id = (
            conn.execute(f"SELECT last_id FROM {SQLITE_SEARCH_STATE}").fetchone()[0]
            if state
            else None
        )
    return triggers, terms, last_id


async def test_the_migration_hands_unindexed_messages_back_to_the_trigger_and_back(
    settings: Settings, tmp_path: Path
) -> None:
    if not settings.is_sqlite:
        pytest.skip("a scratch SQLite file")
    path = tmp_path / "round.db"
    config = migrate.alembic_config(
        settings.model_copy(update={"database_url": f"sqlite:///{path}"})
    )
    await asyncio.to_thread(command.upgrade, config, "0017_search_indexer")
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:  # no foreign keys here
        conn.executemany(
            "INSERT INTO messages (conversation_id, business_id, seq, author_kind, body, internal,"
            " created_at) VALUES ('c', 'b', ?, 'visitor', ?, ?, '')",
            [(1, "eenx", 0), (2, "notitiex", 1), (3, "driex", 0)],
        )
    assert triggers_and_terms(path)[1:] == (set(), 0)  # waiting for the indexer
    await asyncio.to_thread(command.downgrade, config, "0016_api_tokens")
    triggers, terms, last_id = triggers_and_terms(path)
    assert f"{SQLITE_SEARCH_TABLE}_insert" in triggers and last_id is None
    assert terms == {"eenx", "driex"}
    await asyncio.to_thread(command.upgrade, config, "0017_search_indexer")
    triggers, terms, last_id = triggers_and_terms(path)
    assert f"{SQLITE_SEARCH_TABLE}_insert" not in triggers and last_id == 3
    assert terms == {"eenx", "driex"}
