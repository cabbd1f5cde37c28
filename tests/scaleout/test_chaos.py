"""Three real `livedesk serve` processes on PostgreSQL and a Redis of the test's own, visitors
and staff spread over them, messages flowing all along: random socket drops, a kill -9 of the
node holding routing's timers, a Redis restart, and a rolling restart (SIGTERM one by one,
start again). At the end every client holds exactly the committed messages, in order, once,
and the conversations' states as the database has them; no chat is stuck and the timers moved
to a living node."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from chaos_support import Client, Node
from sqlalchemy import select

from livedesk.conversations.models import Conversation, Message
from livedesk.db import make_engine, make_sessionmaker, read_only
from livedesk.privacy.models import Lease as LeaseRow
from livedesk.settings import Settings
from redis_testing import OwnRedis

from livedesk_testing import ORIGIN_A, PASSWORD, World, postgres_url

VISITORS = 5
NODES = 3


@pytest.fixture
async def cluster(
    settings: Settings, tmp_path: Path, own_redis: OwnRedis
) -> AsyncIterator[tuple[list[Node], OwnRedis]]:
    if postgres_url() is None:
        pytest.skip("needs PostgreSQL (several processes on one database): the PostgreSQL run")
    nodes = [
        Node(settings.database_url, own_redis.url, tmp_path / f"node{i}.log") for i in range(NODES)
    ]
    try:
        for node in nodes:
            node.start()
        await asyncio.gather(*(node.ready() for node in nodes))
        yield nodes, own_redis
    finally:
        for node in nodes:
            node.kill()
        own_redis.kill()


T0 = [time.monotonic()]


def phase(what: str) -> None:
    """Printed with -s: where the time goes."""
    print(f"chaos {time.monotonic() - T0[0]:6.2f}s {what}")


async def until(check: Callable[[], Awaitable[bool] | bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, f"timed out: {what}"
        await asyncio.sleep(0.05)


def has_a_chat(client: Client) -> bool:
    return bool(client.states)


async def visitor_session(node: Node) -> str:
    async with httpx.AsyncClient(base_url=node.url, timeout=5) as http:
        response = await http.post("/api/v1/widget/key-alpha/session", headers={"origin": ORIGIN_A})
        response.raise_for_status()
        return str(response.json()["token"])


async def staff_cookie(node: Node, username: str) -> str:
    async with httpx.AsyncClient(base_url=node.url, timeout=5) as http:
        response = await http.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        )
        response.raise_for_status()
        return str(response.cookies["livedesk_session"])


class Database:
    def __init__(self, settings: Settings) -> None:
        self.engine = make_engine(settings)
        self.sessions = make_sessionmaker(self.engine)

    async def lease_holder_pid(self) -> int | None:
        async with read_only(self.sessions) as session:
            row = await session.get(LeaseRow, "routing-timers")
            if row is None:
                return None
            return int(row.holder.split(":")[1])

    async def messages(self) -> dict[str, list[tuple[int, str | None]]]:
        async with read_only(self.sessions) as session:
            rows = await session.execute(
                select(Message.conversation_id, Message.seq, Message.client_msg_id).order_by(
                    Message.conversation_id, Message.seq
                )
            )
            out: dict[str, list[tuple[int, str | None]]] = {}
            for conversation_id, seq, msg_id in rows:
                out.setdefault(conversation_id, []).append((seq, msg_id))
            return out

    async def explain_ended(self, chats: dict[str, Client]) -> None:
        """Debugging aid: the events of chats that are no longer active."""
        from livedesk.conversations.models import ConversationEvent

        async with read_only(self.sessions) as session:
            for cid in chats:
                rows = await session.execute(
                    select(ConversationEvent.kind, ConversationEvent.at, ConversationEvent.data)
                    .where(ConversationEvent.conversation_id == cid)
                    .order_by(ConversationEvent.id)
                )
                print("chaos events", cid[:8], [(k, str(a)[11:23], d) for k, a, d in rows])

    async def states(self) -> dict[str, str]:
        async with read_only(self.sessions) as session:
            rows = await session.execute(select(Conversation.id, Conversation.state))
            return {cid: str(state) for cid, state in rows}


async def traffic(clients: list[Client], chats: dict[str, Client], stop: asyncio.Event) -> None:
    """Every visitor, and the operator in every chat but the last (a visitor still waiting for
    a first answer), says something a few times a second."""
    operator = clients[0]
    unanswered = list(chats)[-1]
    while not stop.is_set():
        for cid, visitor in chats.items():
            if not visitor.away:
                await visitor.say(cid)
            if cid != unanswered:
                await operator.say(cid)
        for client in clients:
            await client.retry()
        await asyncio.sleep(0.25)


async def all_acknowledged(clients: list[Client], timeout: float) -> None:
    """Waits until every client's sends are acknowledged, resending as the widget does."""
    deadline = time.monotonic() + timeout
    while any(c.pending for c in clients):
        unacked = {c.name: (sorted(c.pending)[:3], c.recent[-3:]) for c in clients if c.pending}
        assert time.monotonic() < deadline, f"not acknowledged: {unacked}"
        for client in clients:
            await client.retry()
        await asyncio.sleep(0.2)


async def heartbeats(operator: Client, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await operator.send_raw(type="heartbeat")
        await asyncio.sleep(1.0)


async def test_chaos_loses_nothing_doubles_nothing_and_keeps_order(
    settings: Settings, world: World, cluster: tuple[list[Node], OwnRedis]
) -> None:
    nodes, own_redis = cluster
    T0[0] = time.monotonic()
    db = Database(settings)
    stop = asyncio.Event()
    operator = Client("op", nodes, cookie=await staff_cookie(nodes[0], world.a.operator))
    operator.operator = True
    supervisor = Client("sup", nodes, cookie=await staff_cookie(nodes[1], world.supervisor))
    visitors = [
        Client(f"v{i}", nodes, token=await visitor_session(nodes[i % NODES]))
        for i in range(VISITORS)
    ]
    clients = [operator, supervisor, *visitors]
    tasks = [asyncio.create_task(c.run()) for c in clients]
    fresh: list[Node] = []  # the rolling restart's new processes
    figures: list[dict[str, Any]] = []  # each process's /readyz counters before it goes
    tasks.append(asyncio.create_task(heartbeats(operator, stop)))
    try:
        for client in clients:
            await asyncio.wait_for(client.welcomed.wait(), 10)
        await operator.send_raw(type="presence", state="online")
        chats: dict[str, Client] = {}
        for visitor in visitors:
            await visitor.send_raw(type="start")
            await until(partial(has_a_chat, visitor), 5, "the chat started")
            chats[next(iter(visitor.states))] = visitor
        await until(
            lambda: all(operator.states.get(c) == "active" for c in chats),
            10,
            f"all accepted; the operator got {operator.recent}",
        )
        phase("chats accepted")
        load = asyncio.create_task(traffic(clients, chats, stop))
        tasks.append(load)
        await asyncio.sleep(1.0)

        # Random socket drops, for two seconds.
        for _ in range(10):
            await random.choice(clients).drop()
            await asyncio.sleep(0.2)

        phase("drops done")
        # kill -9 of the node holding routing's timers: another takes them over.
        holder = await db.lease_holder_pid()
        victim = next(n for n in nodes if n.pid == holder)
        victim.kill()
        living = {n.pid for n in nodes if n is not victim}
        await until(lambda: _in(db.lease_holder_pid(), living), 2 * 2 + 3, "the timers moved on")
        phase("lease moved")
        nodes.remove(victim)

        # Redis goes away for a second and comes back.
        own_redis.kill()
        await asyncio.sleep(1.0)
        own_redis.start()
        await asyncio.sleep(1.0)
        phase("redis back")

        # A rolling restart: the new processes start, then the old ones get SIGTERM one by
        # one and drain while traffic flows (clients reconnect to whichever node answers).
        fresh += [
            Node(settings.database_url, own_redis.url, Path(victim.log_path.parent / f"new{i}.log"))
            for i in range(NODES)
        ]
        for node in fresh:
            node.start()
        await asyncio.gather(*(node.ready() for node in fresh))
        phase("new nodes ready")
        old_nodes = list(nodes)
        nodes.extend(fresh)
        for node in old_nodes:
            figures.append(await node.figures())
            await node.terminate()
            nodes.remove(node)
            phase("old node drained")
            await asyncio.sleep(0.5)

        stop.set()
        await load
        phase("traffic stopped")
        await db.explain_ended(chats)
        await all_acknowledged(clients, timeout=15)

        # Two visitors and the supervisor are away while the operator closes their chats (and
        # one more): when they come back, resume tells them.
        away = visitors[:2]
        for client in (*away, supervisor):
            client.away = True
            await client.drop()
        to_close = [cid for cid, v in chats.items() if v in (*away, visitors[2])]
        for cid in to_close:
            await operator.send_raw(type="close", conversation_id=cid, disposition="answered")
        await until(lambda: all(operator.states.get(c) == "closed" for c in to_close), 5, "closed")
        for client in (*away, supervisor):
            client.away = False
        await until(lambda: all(c.welcomed.is_set() for c in clients), 10, "all back")

        # No chat is stuck: a new one is offered and accepted through the restarted cluster.
        newcomer = Client("v-new", nodes, token=await visitor_session(nodes[2]))
        tasks.append(asyncio.create_task(newcomer.run()))
        await asyncio.wait_for(newcomer.welcomed.wait(), 10)
        await newcomer.send_raw(type="start")
        await until(lambda: bool(newcomer.states), 5, "the new chat started")
        new_cid = next(iter(newcomer.states))
        await until(lambda: newcomer.states[new_cid] == "active", 10, "the new chat accepted")
        await asyncio.sleep(0.5)  # anything late or doubled would have arrived by now

        stored = await db.messages()
        states = await db.states()
        figures.extend([await node.figures() for node in fresh])
        phase(
            f"{sum(len(rows) for rows in stored.values())} messages; put back in order "
            f"{sum(f.get('bus_reordered', 0) for f in figures)}, late "
            f"{sum(f.get('bus_late', 0) for f in figures)}, holes "
            f"{sum(f.get('bus_holes', 0) for f in figures)}, longest wait "
            f"{max(f.get('bus_longest_wait_ms', 0) for f in figures)} ms"
        )
        # What was stored: every committed message once, gap-free, with the seq its ack named.
        for cid in chats:
            committed = [seq for seq, _ in stored[cid]]
            assert committed == list(range(1, len(committed) + 1))
        by_id = {msg_id: (cid, seq) for cid, rows in stored.items() for seq, msg_id in rows}
        for client in clients:
            for msg_id, place in client.stored.items():
                assert by_id.get(msg_id) == place, f"{msg_id} stored as {by_id.get(msg_id)}"
        ids = [msg_id for rows in stored.values() for _, msg_id in rows if msg_id]
        assert len(ids) == len(set(ids))
        assert sum(len(c.stored) for c in clients) >= 200  # traffic did flow
        assert sorted(set(states[c] for c in chats)) == ["active", "closed"]
        assert await db.lease_holder_pid() in {n.pid for n in fresh}
        # What every client holds: each message once, in order, and the database's states.
        for cid, visitor in chats.items():
            for client in (visitor, operator, supervisor):
                assert client.states.get(cid) == states[cid], f"{client.name} in {cid[:8]}"
        violations = [v for c in clients for v in c.violations]
        assert violations == []
        for cid, visitor in chats.items():
            for client in (visitor, operator, supervisor):
                held = client.seqs.get(cid)
                assert held == [seq for seq, _ in stored[cid]], f"{client.name} in {cid[:8]}"
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for client in clients:
            await client.drop()
        for node in [*nodes, *fresh]:
            node.kill()
        await db.engine.dispose()


async def _in(value: Awaitable[int | None], allowed: set[int | None]) -> bool:
    return (await value) in allowed
