"""The message writer's SQLite transaction in isolation: µs per stored message, by phase.

    .venv/bin/python bench/message_store.py [--messages 100000] [--batch 60] [--conversations 200]

`bench/chat_roundtrip.py` measures the whole path through sockets, and on a shared machine its
figures move by tens of percent from run to run. This one times only `SqliteStore.store` (the
group commit every chat message goes through) on a migrated database, pinned to one CPU, with
batches of `--batch` messages spread over `--conversations` chats and random 24-hex client
message ids, as the widget and the console send them. It prints each phase of the transaction
per stored message (retry lookup, seq reservation, the row insert; the rest is BEGIN, COMMIT
and the batch logic), and as the baseline the same rows written by one plain INSERT and COMMIT
into a table of the same columns without keys or indexes, in the same database: the floor for
writing the rows at all. The ratio is what the protocol's guarantees (no duplicates on retry,
gap-free seqs, conversation checks) cost on top.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from livedesk.realtime import sqlite_writer
from livedesk.realtime.sqlite_writer import SqliteStore, sqlite_timestamp
from livedesk.realtime.writer import NewMessage, StoredMessage

VENV_BIN = Path(sys.executable).parent

PHASES = ("stored_after", "reserve_seqs", "insert")
spent: dict[str, float] = defaultdict(float)
loop_cpu: list[float] = []  # CPU of the loop's thread over the timed stores (not the WAL threads)


class TimedOps(sqlite_writer._SqliteOps):
    """The store's statements with a stopwatch around each (swapped in below)."""

    async def stored_after(self, bounds: dict[str, int]) -> Iterable[StoredMessage]:
        started = time.perf_counter()
        try:
            return list(await super().stored_after(bounds))
        finally:
            spent["stored_after"] += time.perf_counter() - started

    async def reserve_seqs(self, conversation_ids: list[str], count: int) -> dict[str, int]:
        started = time.perf_counter()
        try:
            return await super().reserve_seqs(conversation_ids, count)
        finally:
            spent["reserve_seqs"] += time.perf_counter() - started

    async def insert(self, rows: list[StoredMessage]) -> None:
        started = time.perf_counter()
        try:
            await super().insert(rows)
        finally:
            spent["insert"] += time.perf_counter() - started


async def seed(database_url: str, conversations: int) -> tuple[str, list[str]]:
    from livedesk.db import make_engine, make_sessionmaker, unit_of_work
    from livedesk.models import Business, Conversation, Visitor, Widget  # every table mapped
    from livedesk.settings import Settings

    engine = make_engine(Settings(database_url=database_url))
    async with unit_of_work(make_sessionmaker(engine)) as session:
        business = Business(slug="store-bench", name="Store bench")
        session.add(business)
        await session.flush()
        widget = Widget(business_id=business.id, public_key="store-bench", name="w")
        session.add(widget)
        await session.flush()
        chats = []
        for _ in range(conversations):
            visitor = Visitor(business_id=business.id, widget_id=widget.id)
            session.add(visitor)
            await session.flush()
            chat = Conversation(business_id=business.id, widget_id=widget.id, visitor_id=visitor.id)
            session.add(chat)
            chats.append(chat)
        await session.flush()
        ids = (business.id, [c.id for c in chats])
    await engine.dispose()
    return ids


def batches(business_id: str, chats: list[str], args: argparse.Namespace) -> list[list[NewMessage]]:
    """Made up front, so that building them is not timed."""
    out = []
    held: dict[str, int] = defaultdict(int)  # the seq each chat's client holds, as after_seq
    for _ in range(args.messages // args.batch):
        batch = []
        for chat in random.sample(chats, args.batch):
            batch.append(
                NewMessage(
                    chat,
                    business_id,
                    "visitor",
                    "Kan ik zonder verwijzing bij jullie terecht?",
                    client_msg_id=os.urandom(12).hex(),
                    after_seq=held[chat],
                )
            )
            held[chat] += 1
        out.append(batch)
    return out


async def measure_store(path: str, work: list[list[NewMessage]]) -> float:
    sqlite_writer._SqliteOps = TimedOps  # type: ignore[misc]
    store = SqliteStore(path)
    await store.start()  # with its checkpoint and WAL-sync threads, as in the server
    try:
        started, cpu_started = time.perf_counter(), time.thread_time()
        for batch in work:
            await store.store(batch)
            await asyncio.sleep(0)  # let the checkpoint loop run, as the server's loop would
        loop_cpu.append(time.thread_time() - cpu_started)
        return time.perf_counter() - started
    finally:
        await store.stop()


def measure_floor(path: str, work: list[list[NewMessage]]) -> float:
    """The same rows, one plain INSERT per batch into a table without keys or indexes."""
    conn = sqlite_writer._connect(path)
    conn.isolation_level = None
    conn.execute("CREATE TABLE floor_messages AS SELECT * FROM messages WHERE 0")
    columns = "conversation_id, business_id, seq, author_kind, body, internal, client_msg_id"
    statement = f"INSERT INTO floor_messages ({columns}, created_at) VALUES (?,?,?,?,?,?,?,?)"
    try:
        started = time.perf_counter()
        for seq, batch in enumerate(work, 1):
            now = sqlite_timestamp(datetime.now(UTC))
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                statement,
                [
                    (
                        m.conversation_id,
                        m.business_id,
                        seq,
                        "visitor",
                        m.body,
                        0,
                        m.client_msg_id,
                        now,
                    )
                    for m in batch
                ],
            )
            conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=60, help="messages per transaction")
    parser.add_argument("--conversations", type=int, default=200)
    args = parser.parse_args()
    if args.batch > args.conversations:
        parser.error("--batch cannot exceed --conversations (one message per chat per batch)")
    os.sched_setaffinity(0, {0})
    workdir = Path(tempfile.mkdtemp(prefix="livedesk-store-bench-"))
    try:
        path = str(workdir / "store.db")
        url = f"sqlite:///{path}"
        env = {**os.environ, "LIVEDESK_DATABASE_URL": url}
        subprocess.run(
            [str(VENV_BIN / "livedesk"), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL
        )
        import uvloop

        business_id, chats = uvloop.run(seed(url, args.conversations))
        work = batches(business_id, chats, args)
        total = uvloop.run(measure_store(path, work))
        floor = measure_floor(path, work)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    stored = len(work) * args.batch
    per = 1e6 / stored
    print(
        f"\n{stored} messages in batches of {args.batch} over {args.conversations} chats,"
        " SQLite, one CPU"
    )
    for phase in PHASES:
        print(f"  {phase:<34}{spent[phase] * per:8.1f} µs/message")
    rest = total - sum(spent.values())
    print(f"  {'BEGIN, COMMIT, batch logic':<34}{rest * per:8.1f} µs/message")
    print(f"{'SqliteStore.store':<36}{total * per:8.1f} µs/message")
    print(f"{'  of it CPU on the loop thread':<36}{loop_cpu[0] * per:8.1f} µs/message")
    print(f"{'baseline: plain INSERT + COMMIT':<36}{floor * per:8.1f} µs/message")
    print(f"{'ratio':<36}{total / floor:8.2f}")


if __name__ == "__main__":
    main()
