"""Reads never take SQLite's write lock.

On SQLite a session's first statement is BEGIN IMMEDIATE unless it is marked read-only
(`db._sqlite_begin`). A read path that forgot this took the single write lock outside the write
gate, and the message writer's commit then failed with SQLITE_BUSY and retried after a sleep: a
stall for every chat of the process. Here another connection holds the write lock for the whole
test, and every read path must still answer at once (the busy timeout is 10 s).

The server runs on the test's event loop, so the lock is taken from a worker thread: taken on the
loop, it waited for a write transaction already in flight (the search indexer's round, say), which
needs that same loop to finish, and failed with "database is locked" after sqlite3's 5 s.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy import make_url, text

from livedesk.settings import Settings

from livedesk_testing import (
    ORIGIN_A,
    LiveServer,
    World,
    connect_agent,
    connect_visitor,
    login,
    visitor_in_chat,
)


@pytest.fixture
def hold_write_lock(settings: Settings) -> Iterator[object]:
    if not settings.is_sqlite:
        pytest.skip("SQLite's write lock")
    database = make_url(settings.database_url).database
    assert database
    path: str = database  # narrowed for the nested function

    class Holder:
        conn: sqlite3.Connection | None = None

        async def take(self) -> None:
            def begin() -> sqlite3.Connection:
                conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
                conn.execute("BEGIN IMMEDIATE")
                return conn

            self.conn = await asyncio.to_thread(begin)

    holder = Holder()
    try:
        yield holder
    finally:
        if holder.conn is not None:
            holder.conn.execute("ROLLBACK")
            holder.conn.close()


async def test_read_paths_answer_while_another_connection_holds_the_write_lock(
    server: LiveServer, world: World, hold_write_lock: object
) -> None:
    # Everything that writes happens first: a visitor session, a chat with one message, a login.
    visitor, cid, token = await visitor_in_chat(server, world.a.widget_key, ORIGIN_A)
    await visitor.send(type="send", conversation_id=cid, client_msg_id="v1", body="Hallo?")
    await visitor.wait_type("ack", client_msg_id="v1")
    await visitor.close()
    secret = await login(server, world.a.operator)

    # A write transaction of the server's own still in flight when the lock is wanted: the lock
    # is ours once it has committed.
    writing = asyncio.Event()

    async def write_in_flight() -> None:
        async with server.runtime.transaction() as session:
            await session.execute(text("UPDATE conversations SET priority = priority"))
            writing.set()  # it holds the write lock now
            await asyncio.sleep(0.05)
            await session.execute(text("UPDATE conversations SET priority = priority"))

    in_flight = asyncio.create_task(write_in_flight())
    await writing.wait()
    await hold_write_lock.take()  # type: ignore[attr-defined]
    await in_flight  # committed before the lock was ours
    async with asyncio.timeout(5):
        # HTTP: the actor lookup and the request's read session.
        async with server.http(cookies={"livedesk_session": secret}) as http:
            businesses = (await http.get("/api/v1/businesses")).json()
            assert [b["id"] for b in businesses] == [world.a.business_id]
            messages = await http.get(f"/api/v1/conversations/{cid}/messages")
            assert messages.status_code == 200
        # The operator's socket: authentication and the welcome with the open chat.
        agent = await connect_agent(server, secret)
        await agent.send(type="hello")
        welcome = await agent.wait_type("welcome")
        assert [c["conversation_id"] for c in welcome["conversations"]] == [cid]
        await agent.close()
        # The visitor comes back: token check, welcome, and the replay of what it missed.
        again = await connect_visitor(server, token, ORIGIN_A)
        await again.send(type="hello", resume={cid: 0})
        await again.wait_type("welcome")
        replayed = await again.wait_type("message", conversation_id=cid)
        assert replayed["body"] == "Hallo?" and replayed["seq"] == 1
        await again.close()
        # The lead dispatcher's idle poll finds nothing due without asking for the lock.
        assert await server.runtime.extensions["leads"].dispatcher.claim(5) == []
