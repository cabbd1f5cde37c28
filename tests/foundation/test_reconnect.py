"""Randomised reconnects: many conversations, clients that drop and resume at random points and
retry their sends. At the end every client holds exactly the committed messages, gap-free, once."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import orjson
import websockets
from sqlalchemy import select

from livedesk.conversations.models import Message

from livedesk_testing import LiveServer, World, connect_agent, login, visitor_token

ORIGIN = "https://alpha.example"


class FlakyVisitor:
    """Holds messages by seq, resumes from the last seq it holds, retries unacknowledged sends."""

    def __init__(self, server: LiveServer, token: str, rng: random.Random, name: str) -> None:
        self.server, self.token, self.rng, self.name = server, token, rng, name
        self.cid = ""
        self.held: dict[int, dict[str, Any]] = {}
        self.duplicates = 0
        self.gaps = 0
        self.unacked: dict[str, str] = {}  # client_msg_id -> body
        self.acked: dict[str, int] = {}
        self.ws: Any = None
        self.reader: asyncio.Task[None] | None = None
        self.counter = 0
        self.generation = 0  # which connection of this client; for diagnosing failures
        self.log: list[tuple[Any, ...]] = []

    def last_seq(self) -> int:
        return max(self.held, default=0)

    async def connect(self) -> None:
        self.generation += 1
        self.ws = await websockets.connect(
            f"{self.server.ws_url}/ws/visitor?token={self.token}", origin=ORIGIN, compression=None
        )
        resume = {self.cid: self.last_seq()} if self.cid else {}
        self.log.append(("hello", resume, self.generation))
        await self.ws.send(orjson.dumps({"type": "hello", "resume": resume}).decode())
        welcome = orjson.loads(await self.ws.recv())
        assert welcome["type"] == "welcome"
        if not self.cid:
            await self.ws.send(orjson.dumps({"type": "start"}).decode())
            while not self.cid:
                frame = orjson.loads(await self.ws.recv())
                if frame["type"] == "conversation":
                    self.cid = frame["conversation_id"]
        self.reader = asyncio.create_task(self._read(self.ws))
        for client_msg_id, body in list(self.unacked.items()):  # retry what was never acked
            await self._send(client_msg_id, body)

    async def _read(self, ws: Any) -> None:
        try:
            async for raw in ws:
                frame = orjson.loads(raw)
                if frame["type"] == "message":
                    seq = frame["seq"]
                    if seq in self.held:
                        self.duplicates += 1
                        self.log.append(("duplicate", seq, self.generation, frame["body"]))
                    elif seq != self.last_seq() + 1:
                        self.gaps += 1
                    self.held[seq] = frame
                elif frame["type"] == "ack":
                    self.unacked.pop(frame["client_msg_id"], None)
                    self.acked[frame["client_msg_id"]] = frame["seq"]
        except websockets.ConnectionClosed:
            pass

    async def _send(self, client_msg_id: str, body: str) -> None:
        try:
            await self.ws.send(
                orjson.dumps(
                    {
                        "type": "send",
                        "conversation_id": self.cid,
                        "client_msg_id": client_msg_id,
                        "body": body,
                    }
                ).decode()
            )
        except websockets.ConnectionClosed:
            pass  # stays in unacked; retried after reconnect

    async def drop(self) -> None:
        await self.ws.close()
        if self.reader:
            await self.reader

    async def act(self) -> None:
        roll = self.rng.random()
        if roll < 0.15:
            await self.drop()
            await asyncio.sleep(self.rng.random() * 0.02)
            await self.connect()
        elif roll < 0.25 and self.acked:
            # A stale retry of something already acknowledged must not create a copy.
            client_msg_id = self.rng.choice(list(self.acked))
            await self._send(client_msg_id, "retry")
        else:
            self.counter += 1
            client_msg_id = f"{self.name}-{self.counter}"
            body = f"{self.name} bericht {self.counter}"
            self.unacked[client_msg_id] = body
            await self._send(client_msg_id, body)
        await asyncio.sleep(self.rng.random() * 0.01)


async def test_random_drops_and_retries_lose_and_duplicate_nothing(
    server: LiveServer, world: World
) -> None:
    rng = random.Random(20261127)
    visitors = []
    for i in range(25):
        token = await visitor_token(server, world.a.widget_key, ORIGIN)
        visitor = FlakyVisitor(server, token, random.Random(rng.random()), f"v{i}")
        await visitor.connect()
        visitors.append(visitor)
    agent = await connect_agent(server, await login(server, world.a.operator))
    await agent.send(type="hello")
    await agent.wait_type("welcome")

    async def drive(visitor: FlakyVisitor) -> None:
        for _ in range(40):
            await visitor.act()

    await asyncio.gather(*(drive(v) for v in visitors))
    # Settle: reconnect once more so every outstanding send is retried, then wait for its ack.
    for visitor in visitors:
        await visitor.drop()
        await visitor.connect()
    for _ in range(600):  # generous: CI machines may be busy
        if not any(v.unacked for v in visitors):
            break
        await asyncio.sleep(0.05)
    assert not any(v.unacked for v in visitors), {v.name: v.unacked for v in visitors if v.unacked}

    async with server.runtime.sessions() as session:
        rows = (
            await session.execute(
                select(
                    Message.conversation_id, Message.seq, Message.body, Message.client_msg_id
                ).order_by(Message.conversation_id, Message.seq)
            )
        ).all()
    committed: dict[str, list[tuple[int, str]]] = {}
    for cid, seq, body, _client_msg_id in rows:
        committed.setdefault(cid, []).append((seq, body))
    for visitor in visitors:
        truth = committed[visitor.cid]
        for _ in range(600):
            if visitor.last_seq() >= truth[-1][0]:
                break
            await asyncio.sleep(0.05)
        assert [s for s, _ in truth] == list(range(1, len(truth) + 1))  # gap-free in the DB
        assert sorted(visitor.held) == [s for s, _ in truth]
        assert [visitor.held[s]["body"] for s, _ in truth] == [b for _, b in truth]
        assert visitor.duplicates == 0 and visitor.gaps == 0, visitor.log
        # Every send the client made is stored exactly once.
        assert len(truth) == visitor.counter
        await visitor.drop()
    # The operator, connected throughout, saw each message exactly once too.
    seen = [(f["conversation_id"], f["seq"]) for f in agent.of_type("message")]
    assert len(seen) == len(set(seen)) == len(rows)
    await agent.close()
