"""The group-committing message writer, on whichever backend the suite runs (the SQLite file
backend has its own connection on the event loop; PostgreSQL goes through SQLAlchemy)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import make_url, select, text, update

from livedesk.conversations.models import Conversation, Message, Visitor
from livedesk.realtime import sqlite_writer
from livedesk.realtime.sqlite_writer import SqliteStore
from livedesk.realtime.writer import EngineStore, NewMessage, StoredMessage
from livedesk.runtime import Runtime
from livedesk.settings import Settings

from livedesk_testing import World


@pytest.fixture
async def runtime(settings: Settings, world: World) -> AsyncIterator[Runtime]:
    runtime = Runtime.create(settings)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


async def new_conversation(runtime: Runtime, world: World) -> str:
    async with runtime.transaction() as session:
        visitor = Visitor(business_id=world.a.business_id, widget_id=world.a.widget_id)
        session.add(visitor)
        await session.flush()
        conversation = Conversation(
            business_id=world.a.business_id, widget_id=world.a.widget_id, visitor_id=visitor.id
        )
        session.add(conversation)
        await session.flush()
        return conversation.id


def message(
    cid: str, world: World, body: str, client_msg_id: str | None = None, **kw
) -> NewMessage:  # type: ignore[no-untyped-def]
    return NewMessage(cid, world.a.business_id, "visitor", body, client_msg_id=client_msg_id, **kw)


async def stored_rows(runtime: Runtime, cid: str) -> list[Message]:
    async with runtime.sessions() as session:
        query = select(Message).where(Message.conversation_id == cid).order_by(Message.seq)
        return list(await session.scalars(query))


async def test_concurrent_sends_share_batches_and_get_gap_free_seqs(
    runtime: Runtime, world: World
) -> None:
    cids = [await new_conversation(runtime, world) for _ in range(4)]
    sends = [
        runtime.writer.write(message(cids[i % 4], world, f"m{i}", f"c{i}")) for i in range(200)
    ]
    results = await asyncio.gather(*sends)
    assert runtime.writer.batches < 200  # concurrent senders were grouped
    for cid in cids:
        rows = await stored_rows(runtime, cid)
        assert [r.seq for r in rows] == list(range(1, 51))
        mine = sorted((r.seq, r.body) for r in results if r.conversation_id == cid)
        assert mine == [(r.seq, r.body) for r in rows]
    async with runtime.sessions() as session:
        last = dict((await session.execute(select(Conversation.id, Conversation.last_seq))).all())
    assert all(last[cid] == 50 for cid in cids)


async def test_stored_fields_read_back_identically_through_the_orm(
    runtime: Runtime, world: World
) -> None:
    cid = await new_conversation(runtime, world)
    sent = await runtime.writer.write(
        NewMessage(
            cid,
            world.a.business_id,
            "operator",
            "<b>niet vet</b> & 'quotes' 🙂",
            author_id=None,
            author_name="Op alpha",
            internal=True,
            client_msg_id="note-1",
        )
    )
    (row,) = await stored_rows(runtime, cid)
    assert StoredMessage.from_row(row) == sent
    assert row.created_at.tzinfo is not None and row.internal is True
    # An internal note is not a first reply; a visible operator message is.
    await runtime.writer.write(NewMessage(cid, world.a.business_id, "operator", "Hallo"))
    async with runtime.sessions() as session:
        conversation = await session.get(Conversation, cid)
        assert conversation is not None and conversation.first_reply_at is not None
        assert conversation.first_reply_at >= sent.created_at


async def test_retries_return_the_original_within_and_across_batches(
    runtime: Runtime, world: World
) -> None:
    cid = await new_conversation(runtime, world)
    first, again_same_batch = await asyncio.gather(
        runtime.writer.write(message(cid, world, "hoi", "same")),
        runtime.writer.write(message(cid, world, "hoi", "same")),
    )
    later = await runtime.writer.write(message(cid, world, "hoi", "same"))
    assert first.seq == again_same_batch.seq == later.seq == 1
    assert not first.duplicate and again_same_batch.duplicate and later.duplicate
    assert later.body == "hoi" and later.created_at == first.created_at
    nxt = await runtime.writer.write(message(cid, world, "next", "other"))
    assert nxt.seq == 2  # the retry inside the batch gave its reserved seq back
    assert [r.body for r in await stored_rows(runtime, cid)] == ["hoi", "next"]


async def test_a_late_retry_batched_with_new_messages_costs_no_seq(
    runtime: Runtime, world: World
) -> None:
    # A retry found in the same transaction as new messages must cost them no seq: the new
    # messages around it still get gap-free seqs.
    a, b = await new_conversation(runtime, world), await new_conversation(runtime, world)
    original = await runtime.writer.write(message(a, world, "hoi", "same"))
    batches_before = runtime.writer.batches
    retry, new_a, new_b = await asyncio.gather(
        runtime.writer.write(message(a, world, "hoi", "same")),
        runtime.writer.write(message(a, world, "daarna", "x")),
        runtime.writer.write(message(b, world, "elders", "y")),
    )
    assert runtime.writer.batches == batches_before + 1  # all three in one transaction
    assert retry.duplicate and retry.seq == original.seq == 1 and retry.body == "hoi"
    assert (new_a.seq, new_a.duplicate, new_b.seq, new_b.duplicate) == (2, False, 1, False)
    assert [(r.seq, r.body) for r in await stored_rows(runtime, a)] == [(1, "hoi"), (2, "daarna")]
    assert [(r.seq, r.body) for r in await stored_rows(runtime, b)] == [(1, "elders")]
    async with runtime.sessions() as session:
        last = dict((await session.execute(select(Conversation.id, Conversation.last_seq))).all())
    assert (last[a], last[b]) == (2, 1)


async def test_a_row_written_through_the_orm_is_found_by_a_retry(
    runtime: Runtime, world: World
) -> None:
    cid = await new_conversation(runtime, world)
    async with runtime.transaction() as session:
        row = Message(
            conversation_id=cid,
            business_id=world.a.business_id,
            seq=1,
            author_kind="visitor",
            body="geïmporteerd",
            client_msg_id="imported-1",
        )
        session.add(row)
        await session.execute(update(Conversation).where(Conversation.id == cid).values(last_seq=1))
    retried = await runtime.writer.write(message(cid, world, "geïmporteerd", "imported-1"))
    assert retried.duplicate and retried.seq == 1 and retried.body == "geïmporteerd"


async def test_a_retry_is_found_after_the_seq_its_client_held(
    runtime: Runtime, world: World
) -> None:
    # The client sent "vraag" holding seq 1; its ack was lost while others wrote on. Its retry
    # names the same after_seq and gets the original back, however far the chat has moved.
    cid = await new_conversation(runtime, world)
    await runtime.writer.write(message(cid, world, "hallo", "v1"))
    original = await runtime.writer.write(message(cid, world, "vraag", "v2", after_seq=1))
    for i in range(3):
        await runtime.writer.write(message(cid, world, f"verder {i}", f"o{i}", after_seq=2 + i))
    retried = await runtime.writer.write(message(cid, world, "vraag", "v2", after_seq=1))
    assert retried.duplicate and retried.seq == original.seq == 2 and retried.body == "vraag"
    without_bound = await runtime.writer.write(message(cid, world, "vraag", "v2"))
    assert without_bound.duplicate and without_bound.seq == 2
    assert [r.seq for r in await stored_rows(runtime, cid)] == [1, 2, 3, 4, 5]


async def test_the_sqlalchemy_store_finds_retries_the_same_way(
    runtime: Runtime, world: World
) -> None:
    # PostgreSQL's statement on PostgreSQL; on SQLite the portable one (a database without a
    # file, e.g. ":memory:", is stored through SQLAlchemy too).
    store = EngineStore(runtime.engine)
    cid = await new_conversation(runtime, world)
    first = await store.store([message(cid, world, "een", "e1"), message(cid, world, "twee", "e2")])
    again = await store.store(
        [message(cid, world, "twee", "e2", after_seq=1), message(cid, world, "drie", "e3")]
    )
    assert [(m.seq, m.duplicate) for m in first] == [(1, False), (2, False)]
    assert [(m.seq, m.duplicate, m.body) for m in again] == [(2, True, "twee"), (3, False, "drie")]
    assert [r.body for r in await stored_rows(runtime, cid)] == ["een", "twee", "drie"]


async def test_after_seq_is_the_clients_word(runtime: Runtime, world: World) -> None:
    # A bound past the original is a client's mistake (it had seen its own message, so it knew
    # the send was stored): the check trusts it and stores the text again, never another's.
    cid = await new_conversation(runtime, world)
    await runtime.writer.write(message(cid, world, "eerste", "same"))
    again = await runtime.writer.write(message(cid, world, "eerste", "same", after_seq=1))
    assert not again.duplicate and again.seq == 2


async def test_concurrent_retries_from_two_processes_store_one_message(
    settings: Settings, runtime: Runtime, world: World
) -> None:
    # Without a unique index, the conversation's lock must keep a retry that reaches another
    # process at the same moment from being stored twice.
    other = Runtime.create(settings)
    await other.start()
    try:
        cid = await new_conversation(runtime, world)
        for round_ in range(5):
            sends = [
                writer.write(message(cid, world, f"ronde {round_}", f"r{round_}"))
                for writer in (runtime.writer, other.writer, runtime.writer, other.writer)
            ]
            results = await asyncio.gather(*sends)
            assert len({r.seq for r in results}) == 1
            assert sum(not r.duplicate for r in results) == 1
    finally:
        await other.stop()
    assert [r.seq for r in await stored_rows(runtime, cid)] == [1, 2, 3, 4, 5]


async def test_an_unknown_conversation_fails_alone(runtime: Runtime, world: World) -> None:
    cid = await new_conversation(runtime, world)
    good, bad = await asyncio.gather(
        runtime.writer.write(message(cid, world, "ok", "g")),
        runtime.writer.write(message("0" * 32, world, "lost", "b")),
        return_exceptions=True,
    )
    assert isinstance(good, StoredMessage) and good.seq == 1
    assert isinstance(bad, RuntimeError)
    assert [r.body for r in await stored_rows(runtime, cid)] == ["ok"]


async def test_sqlite_writer_waits_for_another_process_without_blocking_the_loop(
    settings: Settings, runtime: Runtime, world: World
) -> None:
    if not settings.is_sqlite:
        pytest.skip("SQLite's file lock")
    assert isinstance(runtime.writer._store, SqliteStore)
    cid = await new_conversation(runtime, world)
    # Another process's connection takes the write lock and keeps it for a while.
    other = sqlite3.connect(make_url(settings.database_url).database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    loop = asyncio.get_running_loop()
    write = asyncio.ensure_future(runtime.writer.write(message(cid, world, "waits", "w")))
    # While the lock is held (0.4 s), the loop keeps ticking: the longest gap between ticks
    # stays far below the hold time (a busy handler sleeping on the loop would stall it).
    longest, last, held_until = 0.0, loop.time(), loop.time() + 0.4
    while loop.time() < held_until:
        await asyncio.sleep(0.005)
        longest, last = max(longest, loop.time() - last), loop.time()
    assert not write.done()  # still waiting for the lock
    assert longest < 0.2
    other.execute("COMMIT")
    other.close()
    stored = await asyncio.wait_for(write, 5)
    assert stored.seq == 1


async def test_sqlite_wal_is_rewound_under_steady_traffic(
    settings: Settings, runtime: Runtime, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under steady traffic a pass never finds the WAL quiet, so SQLite would never rewind it;
    a long WAL gets a last pass with this process's writers held in the write gate."""
    if not settings.is_sqlite:
        pytest.skip("SQLite's WAL")
    store = runtime.writer._store
    assert isinstance(store, SqliteStore)
    store._checkpoints.cancel()  # this test runs the passes itself
    path = make_url(settings.database_url).database
    assert path
    cid = await new_conversation(runtime, world)
    for i in range(60):
        await runtime.writer.write(message(cid, world, f"m{i}", f"c{i}"))

    # Traffic lands during every pass that runs while the gate is open. (Played here by a
    # reader that pins the snapshot from before a write, so the pass cannot copy that write.)
    real_pass, passes = sqlite_writer._checkpoint, []

    def pass_with_traffic(db_path: str) -> int:
        gated = runtime.write_gate._lock.locked()
        passes.append(gated)
        if gated:
            return real_pass(db_path)
        reader = sqlite3.connect(db_path, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM messages").fetchone()
        writer = sqlite3.connect(db_path, isolation_level=None)
        writer.execute("UPDATE conversations SET priority = priority + 1 WHERE id = ?", (cid,))
        writer.close()
        try:
            return real_pass(db_path)
        finally:
            reader.execute("COMMIT")
            reader.close()

    monkeypatch.setattr(sqlite_writer, "_checkpoint", pass_with_traffic)
    monkeypatch.setattr(sqlite_writer, "REWIND_AFTER_FRAMES", 10**9)  # a short WAL: one pass
    await store.checkpoint()
    await runtime.writer.write(message(cid, world, "after a pass", "p"))
    assert passes == [False]

    monkeypatch.setattr(sqlite_writer, "REWIND_AFTER_FRAMES", 10)  # a long WAL
    await store.checkpoint()
    assert passes[-1] is True and passes.count(True) == 1
    await runtime.writer.write(message(cid, world, "rewinds", "r"))
    monkeypatch.setattr(sqlite_writer, "_checkpoint", real_pass)
    with sqlite3.connect(path) as conn:
        frames = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    assert frames < 20  # the write started the WAL from the beginning
    assert [r.seq for r in await stored_rows(runtime, cid)] == list(range(1, 63))


async def test_sqlite_wal_is_synced_soon_after_commits_and_never_while_idle(
    settings: Settings, runtime: Runtime, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit leaves the WAL unsynced (synchronous=NORMAL); the flusher syncs it within a
    fraction of a second, a little at a time, and does nothing while nothing is committed."""
    if not settings.is_sqlite:
        pytest.skip("SQLite's WAL")
    path = make_url(settings.database_url).database
    real_flush, synced = sqlite_writer._flush_wal, []

    def recording_flush(db_path: str) -> None:
        synced.append(db_path)
        real_flush(db_path)

    monkeypatch.setattr(sqlite_writer, "_flush_wal", recording_flush)
    cid = await new_conversation(runtime, world)
    await runtime.writer.write(message(cid, world, "first", "c1"))
    await asyncio.sleep(2 * sqlite_writer.FLUSH_EVERY_SECONDS)
    synced.clear()

    await asyncio.sleep(3 * sqlite_writer.FLUSH_EVERY_SECONDS)
    assert synced == []  # idle: no syncs

    await runtime.writer.write(message(cid, world, "second", "c2"))
    for _ in range(100):
        if synced:
            break
        await asyncio.sleep(0.01)
    assert synced == [path]


async def test_sqlite_checkpoints_of_other_commits_are_left_to_the_writers_task(
    settings: Settings, runtime: Runtime, world: World
) -> None:
    """The process's other connections never checkpoint inside their own commits (that copied
    and synced the WAL's hot pages again and again: twice the bytes to storage per message);
    their commits wake the writer's checkpoint task instead."""
    if not settings.is_sqlite:
        pytest.skip("SQLite's WAL")
    store = runtime.writer._store
    assert isinstance(store, SqliteStore)
    async with runtime.reading() as session:
        automatic = (await session.execute(text("PRAGMA wal_autocheckpoint"))).scalar()
    assert automatic == 0
    for task in (store._checkpoints, store._flusher):
        assert task is not None
        task.cancel()  # they would take the wake-ups this test looks for
    store._dirty.clear()
    store._unflushed.clear()
    async with runtime.reading() as session:
        await session.execute(text("SELECT 1"))
    assert not store._dirty.is_set()  # a read commits nothing
    await new_conversation(runtime, world)  # a write through the engine, not the writer
    assert store._dirty.is_set() and store._unflushed.is_set()
