"""Group commit for messages: one writer task per process batches concurrent sends.

Each sender still awaits its own commit, so "acknowledged" always means "on disk"; but a hundred
concurrent senders share one transaction instead of paying for a hundred. `seq` is handed out by
bumping `conversations.last_seq` inside that transaction, which serialises correctly across
processes too (the row update takes the row lock on PostgreSQL, the write lock on SQLite).

Retried sends are recognised under that same lock, not by a unique index: an index on client
message ids puts one more random page into every commit (about a fifth of the store's cost,
docs/benchmarks.md). A send names the last seq its client held when it first went out
(`after_seq`); its original, if stored, has a higher seq, so the check reads only the
conversation's messages after that, nearly always none. Without `after_seq` it reads the whole
conversation. Reading after the lock is what makes it exact: a concurrent writer of the same
conversation has either committed (and is seen) or waits for us.

The batch logic (`store_batch`) is written once against `BatchOps`; a backend supplies the few
statements. `EngineStore` runs them through SQLAlchemy (PostgreSQL, in-memory SQLite);
`livedesk.realtime.sqlite_writer.SqliteStore` runs them on a dedicated sqlite3 connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol, cast

import orjson
from sqlalchemy import (
    Integer,
    String,
    Table,
    and_,
    bindparam,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from livedesk import i18n
from livedesk.conversations.models import AuthorKind, Conversation, Message
from livedesk.db import utcnow
from livedesk.errors import Conflict

log = logging.getLogger(__name__)

MAX_BATCH = 512
# Event-loop rounds the writer lets pass between waking for a message and taking its batch.
# Sends that have already reached the socket then join this commit instead of the next: the
# first round runs the socket reads, the second the reader tasks they woke. A commit has a
# large fixed cost (a message stored alone costs three or more times its share of a big batch,
# more with the CPU cache cold: docs/benchmarks.md). Two rounds lower the p99 at 2,000
# messages/s and raise saturation by about a tenth, for ~0.1 ms more p50 at 200/s; one round
# does no better than none.
GATHER_ROUNDS = 2
# Who answers the visitor: the first such message (not an internal note) is the first reply.
HUMAN_REPLIES = frozenset({AuthorKind.OPERATOR, AuthorKind.EXPERT})

conversations = cast(Table, Conversation.__table__)
messages = cast(Table, Message.__table__)


@dataclass(slots=True)
class NewMessage:
    conversation_id: str
    business_id: str
    author_kind: str
    body: str
    author_id: str | None = None
    author_name: str | None = None
    internal: bool = False
    client_msg_id: str | None = None
    # The last seq of this conversation the client held when it first sent this message: its
    # original, if this is a retry, can only have a higher one (module doc). None: unknown.
    after_seq: int | None = None
    # A file sent as this message ({"id", "type", "size"}; the body is its name): attachments/.
    attachment: dict[str, Any] | None = None


@dataclass(slots=True)
class StoredMessage:
    conversation_id: str
    business_id: str
    seq: int
    author_kind: str
    author_id: str | None
    author_name: str | None
    body: str
    internal: bool
    client_msg_id: str | None
    created_at: datetime
    duplicate: bool = False  # a retried send: this is the original, nothing new was stored
    attachment: dict[str, Any] | None = None

    @classmethod
    def from_row(cls, row: Any) -> StoredMessage:
        return cls(
            row.conversation_id,
            row.business_id,
            row.seq,
            row.author_kind,
            row.author_id,
            row.author_name,
            row.body,
            row.internal,
            row.client_msg_id,
            row.created_at,
            attachment=parsed_attachment(row.attachment),
        )


def parsed_attachment(value: Any) -> dict[str, Any] | None:
    """`messages.attachment` as read: a dict, or JSON text from a raw SQL read."""
    parsed: dict[str, Any] | None = orjson.loads(value) if isinstance(value, str | bytes) else value
    return parsed


class BatchOps(Protocol):
    """The statements `store_batch` needs, inside one open write transaction."""

    async def stored_after(self, bounds: dict[str, int]) -> Iterable[StoredMessage]:
        """The messages of each conversation with a seq above its bound, marked duplicate."""
        ...

    async def reserve_seqs(self, conversation_ids: list[str], count: int) -> dict[str, int]:
        """Adds `count` to each conversation's last_seq; returns the new values (unknown ids
        are missing from the result)."""
        ...

    async def set_last_seq(self, conversation_id: str, seq: int) -> None: ...

    async def insert(self, rows: list[StoredMessage]) -> None: ...

    async def mark_first_reply(self, conversation_ids: set[str], now: datetime) -> None: ...


class BatchStore(Protocol):
    """Runs `store_batch` in one committed transaction."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def store(self, batch: list[NewMessage]) -> list[StoredMessage]: ...


async def store_batch(ops: BatchOps, batch: list[NewMessage], now: datetime) -> list[StoredMessage]:
    """Stores a batch and returns one result per message, in order: the stored message, or for a
    retried send the original (marked duplicate)."""
    # 1. Reserve a seq for every message, which also locks the conversations (module doc).
    counts: dict[str, int] = defaultdict(int)
    for message in batch:
        counts[message.conversation_id] += 1
    by_count: dict[int, list[str]] = defaultdict(list)
    for cid, count in counts.items():
        by_count[count].append(cid)
    last_seq: dict[str, int] = {}
    for count, cids in sorted(by_count.items()):  # nearly always one statement: "+1"
        last_seq.update(await ops.reserve_seqs(sorted(cids), count))
    missing = set(counts) - set(last_seq)
    if missing:
        raise LookupError(f"unknown conversations {sorted(missing)}")
    # 2. Retried sends: find their originals among the messages stored after each bound.
    bounds: dict[str, int] = {}
    for message in batch:
        if message.client_msg_id:
            after = message.after_seq or 0
            cid = message.conversation_id
            bounds[cid] = min(after, bounds.get(cid, after))
    known: dict[tuple[str, str], StoredMessage] = {}
    if bounds:
        for found in await ops.stored_after(bounds):
            if found.client_msg_id:
                known[(found.conversation_id, found.client_msg_id)] = found
    # 3. The new rows, with gap-free seqs; a second copy inside this batch maps to the first.
    results: list[StoredMessage] = []
    rows: list[StoredMessage] = []
    next_seq = {cid: seq - counts[cid] for cid, seq in last_seq.items()}
    first_replies = set()
    for message in batch:
        cid = message.conversation_id
        key = (cid, message.client_msg_id or "")
        original = known.get(key) if message.client_msg_id else None
        if original is not None:  # stored before (marked duplicate) or earlier in this batch
            results.append(original if original.duplicate else replace(original, duplicate=True))
            continue
        next_seq[cid] += 1
        stored = StoredMessage(
            cid,
            message.business_id,
            next_seq[cid],
            message.author_kind,
            message.author_id,
            message.author_name,
            message.body,
            message.internal,
            message.client_msg_id,
            now,
            attachment=message.attachment,
        )
        results.append(stored)
        rows.append(stored)
        if message.client_msg_id:
            known[key] = stored
        if message.author_kind in HUMAN_REPLIES and not message.internal:
            first_replies.add(cid)
    for cid, seq in next_seq.items():
        if seq != last_seq[cid]:
            await ops.set_last_seq(cid, seq)  # retries used fewer seqs than reserved: give back
    if rows:
        await ops.insert(rows)
    if first_replies:
        await ops.mark_first_reply(first_replies, now)
    return results


class ClientMsgIdReused(Conflict):
    """A send whose client_msg_id names an earlier message with another body or author: a client
    bug (ids reused across messages), refused rather than acked as the earlier message."""


i18n.register(
    {
        "nl": {"client_msg_id_reused": "Deze client_msg_id is al voor een ander bericht gebruikt."},
        "en": {"client_msg_id_reused": "This client_msg_id was already used for another message."},
    }
)


def same_message(stored: StoredMessage, sent: NewMessage) -> bool:
    return (
        stored.body == sent.body
        and stored.author_kind == sent.author_kind
        and stored.author_id == sent.author_id
        and stored.internal == sent.internal
        and stored.attachment == sent.attachment
    )


OnCommitted = Callable[[Sequence[StoredMessage]], None]


class MessageWriter:
    def __init__(self, store: BatchStore, on_committed: OnCommitted) -> None:
        self._store = store
        self._on_committed = on_committed
        self._queue: asyncio.Queue[tuple[NewMessage, asyncio.Future[StoredMessage]]] = (
            asyncio.Queue()
        )
        self._task: asyncio.Task[None] | None = None
        self._committing = False  # a batch is between taken from the queue and settled
        self.batches = 0  # for benchmarks and tests
        self.rows = 0

    async def start(self) -> None:
        await self._store.start()
        self._task = asyncio.create_task(self._run(), name="message-writer")

    async def idle(self, timeout: float) -> bool:
        """Waits (at most `timeout`) until every message handed over so far is committed and
        settled; False if time ran out. A process that stops waits for this before cancelling."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._committing or not self._queue.empty():
            if asyncio.get_running_loop().time() >= deadline:
                return False
            await asyncio.sleep(0.005)
        return True

    async def stop(self, grace: float = 5.0) -> None:
        if self._task:
            await self.idle(grace)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._store.stop()

    async def write(self, message: NewMessage) -> StoredMessage:
        """Stores a message, or for a retried send returns its original (marked duplicate).
        Raises ClientMsgIdReused when the "retry" is in fact another message."""
        future: asyncio.Future[StoredMessage] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((message, future))
        stored = await future
        if stored.duplicate and not same_message(stored, message):  # compared for retries only
            raise ClientMsgIdReused(
                "this client_msg_id was already used for another message",
                code="client_msg_id_reused",
                data={
                    "conversation_id": stored.conversation_id,
                    "client_msg_id": stored.client_msg_id,
                    "seq": stored.seq,
                },
            )
        return stored

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            self._committing = True
            try:
                for _ in range(GATHER_ROUNDS):
                    await asyncio.sleep(0)
                while len(batch) < MAX_BATCH and not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                await self._commit_batch(batch)
            finally:
                self._committing = False

    def _publish(self, fresh: list[StoredMessage]) -> None:
        try:
            self._on_committed(fresh)
        except Exception:  # publishing is best effort: the database already has the truth
            log.exception("publishing committed messages failed")

    async def _commit_batch(
        self, batch: list[tuple[NewMessage, asyncio.Future[StoredMessage]]]
    ) -> None:
        try:
            stored = await self._store.store([m for m, _ in batch])
        except Exception:
            if len(batch) == 1:
                log.exception("storing a message failed")
                if not batch[0][1].done():
                    batch[0][1].set_exception(RuntimeError("message could not be stored"))
                return
            # One bad row must not fail its neighbours: retry each on its own.
            for item in batch:
                await self._commit_batch([item])
            return
        self.batches += 1
        fresh = [s for s in stored if not s.duplicate]
        self.rows += len(fresh)
        if fresh:
            # Published from the loop's next round rather than here, so the writer goes on to
            # the next batch at once: on PostgreSQL the fan-out then overlaps the next commit's
            # round trips. call_soon is FIFO, so batches still go out in commit order, and the
            # acks (woken by the results below) follow their own batch's frames.
            asyncio.get_running_loop().call_soon(self._publish, fresh)
        for (_, future), result in zip(batch, stored, strict=True):
            if not future.done():
                future.set_result(result)


# -- through SQLAlchemy (PostgreSQL; SQLite without a file) -----------------------------------


class EngineStore:
    def __init__(self, engine: AsyncEngine, write_gate: Any = None) -> None:
        self._engine = engine
        self._gate = write_gate if write_gate is not None else contextlib.nullcontext()

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def store(self, batch: list[NewMessage]) -> list[StoredMessage]:
        async with self._gate, self._engine.begin() as conn:
            return await store_batch(_EngineOps(conn), batch, utcnow())


# On PostgreSQL the bounds travel as two arrays: one statement, compiled and planned once,
# however many conversations a batch holds. OFFSET 0 keeps the planner from flattening the
# lateral subquery into a hash join over the whole table (it guesses a third of the rows match
# `seq >`); this way each conversation is one range scan of the (conversation_id, seq) index.
_PG_STORED_AFTER = text(
    "SELECT stored.* FROM unnest(:conversation_ids, :seqs) AS bound(conversation_id, seq)"
    " CROSS JOIN LATERAL (SELECT * FROM messages"
    " WHERE messages.conversation_id = bound.conversation_id AND messages.seq > bound.seq"
    " OFFSET 0) AS stored"
).bindparams(
    bindparam("conversation_ids", type_=ARRAY(String)), bindparam("seqs", type_=ARRAY(Integer))
)


class _EngineOps:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def stored_after(self, bounds: dict[str, int]) -> list[StoredMessage]:
        if self._conn.dialect.name == "postgresql":
            parameters = {"conversation_ids": list(bounds), "seqs": list(bounds.values())}
            rows = await self._conn.execute(_PG_STORED_AFTER, parameters)
        else:  # SQLite without a file (tests): few conversations per batch
            after = [
                and_(messages.c.conversation_id == cid, messages.c.seq > seq)
                for cid, seq in bounds.items()
            ]
            rows = await self._conn.execute(select(messages).where(or_(*after)))
        return [replace(StoredMessage.from_row(row), duplicate=True) for row in rows]

    async def reserve_seqs(self, conversation_ids: list[str], count: int) -> dict[str, int]:
        returned = await self._conn.execute(
            update(conversations)
            .where(conversations.c.id.in_(conversation_ids))
            .values(last_seq=conversations.c.last_seq + count)
            .returning(conversations.c.id, conversations.c.last_seq)
        )
        return {cid: seq for cid, seq in returned}

    async def set_last_seq(self, conversation_id: str, seq: int) -> None:
        await self._conn.execute(
            update(conversations).where(conversations.c.id == conversation_id).values(last_seq=seq)
        )

    async def insert(self, rows: list[StoredMessage]) -> None:
        values: list[dict[str, Any]] = [
            {
                "conversation_id": r.conversation_id,
                "business_id": r.business_id,
                "seq": r.seq,
                "author_kind": r.author_kind,
                "author_id": r.author_id,
                "author_name": r.author_name,
                "body": r.body,
                "internal": r.internal,
                "client_msg_id": r.client_msg_id,
                "created_at": r.created_at,
            }
            for r in rows
        ]
        if any(r.attachment is not None for r in rows):  # text-only batches insert as before
            for value, row in zip(values, rows, strict=True):
                value["attachment"] = row.attachment
        await self._conn.execute(insert(messages), values)

    async def mark_first_reply(self, conversation_ids: set[str], now: datetime) -> None:
        await self._conn.execute(
            update(conversations)
            .where(
                conversations.c.id.in_(conversation_ids), conversations.c.first_reply_at.is_(None)
            )
            .values(first_reply_at=now)
        )
