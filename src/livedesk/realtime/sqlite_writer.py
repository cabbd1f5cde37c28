"""The message writer's SQLite backend: a dedicated sqlite3 connection on the event loop.

Through aiosqlite every statement is a hop to a worker thread, and on a busy single core that
thread waits for the GIL each time (up to the 5 ms switch interval), so a five-statement batch
could take tens of milliseconds. Here a batch runs synchronously: a few cached, prepared
statements in one transaction, typically well under a millisecond — shorter than the hops were.

Blocking the loop is safe because the loop never waits on SQLite's lock: this process's write
transactions queue in the write gate first, and the connection has no busy timeout, so if
another process holds the lock we get SQLITE_BUSY at once and retry after an asynchronous sleep.

WAL checkpoints copy megabytes and fsync twice, so they run in worker threads on connections of
their own, never inside a commit on the loop:
- The regular pass runs every two seconds in a thread of the lowest CPU class (SCHED_IDLE on
  Linux): at normal priority on a busy core it takes the loop's CPU in slices of several
  milliseconds, the largest part of the chat's p99 at a fixed rate (bench/chat_roundtrip.py
  --tail).
- Under steady traffic SQLite never rewinds the WAL on its own: it does so only when a write
  transaction starts with every frame checkpointed, and new frames always land while a pass runs.
  The file then grows without end and page lookups slow down (a 1-row commit takes 48 µs at a
  small WAL, 121 µs at 100k frames). So once the WAL is long, passes at normal priority catch up,
  and a last one copies the remainder while this process's writers wait in the write gate: the
  messages pause (not the loop) and the next write starts the WAL from the beginning.

With `synchronous=NORMAL` a commit does not sync the WAL, so its pages stay dirty in the page
cache until a checkpoint syncs them: tens of megabytes at once under load, and the slowest
messages at 80 % of saturation in bench/chat_roundtrip.py fall on those passes. A flusher thread
syncs the WAL every 100 ms instead, so each sync is small (as PostgreSQL's `wal_writer_delay`
and `*_flush_after` do; measured in docs/benchmarks.md). It also bounds what an operating-system
crash or power loss can take: about the last 0.1 s of acknowledged messages rather than
everything since the last checkpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from livedesk.db import sqlite_pragmas
from livedesk.realtime.writer import NewMessage, StoredMessage, parsed_attachment, store_batch

log = logging.getLogger(__name__)

BUSY_RETRY_SECONDS = 30.0
CHECKPOINT_EVERY_SECONDS = 2.0
# About 200 MB of WAL: at 2,000 messages/s a rewind every few seconds, each pausing the messages
# for about 10 ms (mostly the two fsyncs), which stays out of the p99.
REWIND_AFTER_FRAMES = 50_000
CATCH_UP_PASSES = 3
LEFT_FOR_GATED_PASS = 256  # frames that landed during the last catch-up pass
FLUSH_EVERY_SECONDS = 0.1  # the WAL sync: small syncs, and at most this much unsynced (module doc)

_COLUMNS = (
    "conversation_id, business_id, seq, author_kind, author_id, author_name, body, internal,"
    " client_msg_id, created_at"
)
# Pairs [conversation_id, seq] in: each conversation's messages after that seq, by the unique
# (conversation_id, seq) index.
_STORED_AFTER = (
    f"SELECT {_COLUMNS}, attachment FROM json_each(?) AS bound JOIN messages"
    " ON messages.conversation_id = json_extract(bound.value, '$[0]')"
    " AND messages.seq > json_extract(bound.value, '$[1]')"
)
_RESERVE = (
    "UPDATE conversations SET last_seq = last_seq + ?"
    " WHERE id IN (SELECT value FROM json_each(?)) RETURNING id, last_seq"
)
_SET_LAST_SEQ = "UPDATE conversations SET last_seq = ? WHERE id = ?"
_INSERT = f"INSERT INTO messages ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
# A batch with a file in it (rare): the same with `attachment`, so text-only batches keep the
# statement they had.
_INSERT_ATTACHED = (
    f"INSERT INTO messages ({_COLUMNS}, attachment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_FIRST_REPLY = (
    "UPDATE conversations SET first_reply_at = ?"
    " WHERE id IN (SELECT value FROM json_each(?)) AND first_reply_at IS NULL"
)


def sqlite_timestamp(moment: datetime) -> str:
    """The text SQLAlchemy's SQLite DateTime stores (UTC, naive, always with microseconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _from_row(row: tuple[Any, ...]) -> StoredMessage:
    return StoredMessage(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        bool(row[7]),
        row[8],
        datetime.fromisoformat(row[9]).replace(tzinfo=UTC),
        True,
        parsed_attachment(row[10]),
    )


class _SqliteOps:
    """BatchOps on a sqlite3 connection; nothing here awaits, so a batch never yields."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def stored_after(self, bounds: dict[str, int]) -> Iterable[StoredMessage]:
        pairs = orjson.dumps(list(bounds.items())).decode()
        return map(_from_row, self._conn.execute(_STORED_AFTER, (pairs,)))

    async def reserve_seqs(self, conversation_ids: list[str], count: int) -> dict[str, int]:
        rows = self._conn.execute(_RESERVE, (count, orjson.dumps(conversation_ids).decode()))
        return dict(rows.fetchall())

    async def set_last_seq(self, conversation_id: str, seq: int) -> None:
        self._conn.execute(_SET_LAST_SEQ, (seq, conversation_id))

    async def insert(self, rows: list[StoredMessage]) -> None:
        created = sqlite_timestamp(rows[0].created_at)  # one batch, one timestamp
        if any(r.attachment is not None for r in rows):
            self._conn.executemany(
                _INSERT_ATTACHED,
                [(*_values(r, created), _attachment_json(r)) for r in rows],
            )
            return
        self._conn.executemany(_INSERT, [_values(r, created) for r in rows])

    async def mark_first_reply(self, conversation_ids: set[str], now: datetime) -> None:
        self._conn.execute(
            _FIRST_REPLY, (sqlite_timestamp(now), orjson.dumps(sorted(conversation_ids)).decode())
        )


def _no_automatic_checkpoint(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _connect(path: str, busy_timeout_ms: int = 10_000) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False)
    sqlite_pragmas(conn, busy_timeout_ms)
    return conn


class SqliteStore:
    def __init__(self, path: str, write_gate: Any = None) -> None:
        self._path = path
        self._gate = write_gate if write_gate is not None else contextlib.nullcontext()
        self._conn: sqlite3.Connection | None = None
        self._checkpoints: asyncio.Task[None] | None = None
        self._dirty = asyncio.Event()  # committed since the last checkpoint pass
        self._unflushed = asyncio.Event()  # committed since the last WAL sync
        self._flusher: asyncio.Task[None] | None = None
        # Threads of their own: checkpoints never queue behind other to_thread work, and the
        # regular pass can run at the lowest CPU priority without slowing anything else.
        self._idle_thread = ThreadPoolExecutor(
            1, thread_name_prefix="wal-checkpoint-idle", initializer=_lowest_cpu_priority
        )
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="wal-checkpoint")
        self._flush_thread = ThreadPoolExecutor(1, thread_name_prefix="wal-flush")

    def take_over_checkpoints(self, engine: AsyncEngine) -> None:
        """The other connections of the process (the engine's: routing, leases, the search
        indexer, every domain) leave checkpoints to this store's task as well, and wake it when
        they commit. With SQLite's automatic checkpoint they ran one inside each of their commits
        once the WAL passed 1,000 frames, which under steady traffic is nearly always (the WAL is
        rewound only at REWIND_AFTER_FRAMES): every hot page was copied and synced far more often,
        about twice the bytes to storage per chat message (docs/benchmarks.md, chat round trip)."""
        event.listen(engine.sync_engine, "connect", _no_automatic_checkpoint)
        event.listen(engine.sync_engine, "commit", self._committed_elsewhere)

    def _committed_elsewhere(self, _connection: Any) -> None:
        self._dirty.set()
        self._unflushed.set()

    async def start(self) -> None:
        conn = _connect(self._path, busy_timeout_ms=0)  # never sleep on the loop: module doc
        conn.execute("PRAGMA wal_autocheckpoint=0")  # the checkpoint task does it off the loop
        self._conn = conn
        self._checkpoints = asyncio.create_task(self._checkpoint_loop(), name="wal-checkpoints")
        self._flusher = asyncio.create_task(self._flush_loop(), name="wal-flush")

    async def stop(self) -> None:
        for task in (self._checkpoints, self._flusher):
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for thread in (self._idle_thread, self._thread, self._flush_thread):
            thread.shutdown(wait=False)
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def store(self, batch: list[NewMessage]) -> list[StoredMessage]:
        conn = self._conn
        if conn is None:
            raise RuntimeError("the message store is not started")
        now = datetime.now(UTC)
        async with self._gate:
            await self._begin(conn)
            try:
                stored = await store_batch(_SqliteOps(conn), batch, now)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        self._dirty.set()
        self._unflushed.set()
        return stored

    async def _begin(self, conn: sqlite3.Connection) -> None:
        delay, waited = 0.001, 0.0
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                # Another process (or an ungated connection) holds the write lock.
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if waited >= BUSY_RETRY_SECONDS:
                    raise RuntimeError("waited too long for the SQLite write lock") from exc
                await asyncio.sleep(delay)
                waited += delay
                delay = min(delay * 2, 0.05)

    async def _checkpoint_loop(self) -> None:
        """Moves committed pages from the WAL into the database file, in a worker thread."""
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                await self.checkpoint()
            except sqlite3.Error:
                log.warning("WAL checkpoint failed; retrying later", exc_info=True)
            await asyncio.sleep(CHECKPOINT_EVERY_SECONDS)

    async def _flush_loop(self) -> None:
        """Syncs the WAL a little at a time (module doc), only after something was committed."""
        loop = asyncio.get_running_loop()
        while True:
            await self._unflushed.wait()
            self._unflushed.clear()
            try:
                await loop.run_in_executor(self._flush_thread, _flush_wal, self._path)
            except OSError:
                log.warning("WAL sync failed; retrying later", exc_info=True)
            await asyncio.sleep(FLUSH_EVERY_SECONDS)

    async def checkpoint(self) -> None:
        """A pass alongside the writers; a long WAL is then rewound (module doc)."""
        frames = await self._pass(self._idle_thread)
        if frames < REWIND_AFTER_FRAMES:
            return
        # Catch up first, so that the pass without writers has little left to copy and sync.
        for _ in range(CATCH_UP_PASSES):
            previous, frames = frames, await self._pass(self._thread)
            if frames - previous <= LEFT_FOR_GATED_PASS:
                break
        async with self._gate:
            await self._pass(self._thread)

    async def _pass(self, thread: ThreadPoolExecutor) -> int:
        return await asyncio.get_running_loop().run_in_executor(thread, _checkpoint, self._path)


def _lowest_cpu_priority() -> None:
    # Only Linux has SCHED_IDLE; elsewhere the pass runs at normal priority.
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def _flush_wal(path: str) -> None:
    try:
        fd = os.open(path + "-wal", os.O_RDONLY)
    except FileNotFoundError:
        return  # nothing written yet (or the last connection closed and removed it)
    try:
        getattr(os, "fdatasync", os.fsync)(fd)  # fdatasync: Linux; the file's data is enough
    finally:
        os.close(fd)


def _checkpoint(path: str) -> int:
    # Its own short-lived connection: a cancelled task cannot stop the thread, so nothing the
    # thread uses may be closed under it.
    conn = _connect(path)
    try:
        # PASSIVE never blocks writers; busy readers just leave part of it for the next round.
        _busy, frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(frames)
    finally:
        conn.close()


def _values(r: StoredMessage, created: str) -> tuple[Any, ...]:
    """A message's columns in _INSERT's order."""
    return (
        r.conversation_id,
        r.business_id,
        r.seq,
        r.author_kind,
        r.author_id,
        r.author_name,
        r.body,
        r.internal,
        r.client_msg_id,
        created,
    )


def _attachment_json(r: StoredMessage) -> str | None:
    return None if r.attachment is None else orjson.dumps(r.attachment).decode()
