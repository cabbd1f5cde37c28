"""A deploy's SIGTERM to a real `livedesk serve`: it drains mid-traffic and loses nothing.

The process says 503 "draining" on /readyz first, then closes every socket with 4015 and a
reason naming a jittered reconnect delay, acknowledges what it stored (and stores nothing it did
not acknowledge), and exits 0 within its grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from livedesk.conversations.models import Message
from livedesk.db import make_engine, make_sessionmaker
from livedesk.realtime.connection import CLOSE_DRAINING
from livedesk.settings import Settings

from livedesk_testing import (
    ORIGIN_A,
    World,
    WsClient,
    connect_agent,
    connect_visitor,
    free_port,
    login,
    visitor_token,
)

GRACE = 8.0
SPREAD_MS = 1000
VISITORS = 4
REASON = re.compile(r"^draining: reconnect after (\d+) ms$")


class ServeProcess:
    """`livedesk serve` in its own process, answering where the test helpers expect a server."""

    def __init__(self, settings: Settings, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "LIVEDESK_DATABASE_URL": settings.database_url,
            "LIVEDESK_PORT": str(self.port),
            "LIVEDESK_SECRET_KEY": "test-secret",
            "LIVEDESK_FRAMES_PER_SECOND": "1000",
            "LIVEDESK_DRAIN_NOTICE_SECONDS": "0.5",
            "LIVEDESK_DRAIN_SPREAD_SECONDS": str(SPREAD_MS / 1000),
            "LIVEDESK_DRAIN_GRACE_SECONDS": str(GRACE),
        }
        env.pop("LIVEDESK_REDIS_URL", None)
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "livedesk"), "serve"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def http(self, **kw: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=10, **kw)

    async def ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        async with self.http() as http:
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/readyz")).status_code == 200:
                        return
                assert self.process.poll() is None, self.log_path.read_text()
                assert time.monotonic() < deadline, "livedesk serve did not become ready"
                await asyncio.sleep(0.1)


@pytest.fixture
async def serve(settings: Settings, tmp_path: Path) -> AsyncIterator[ServeProcess]:
    node = ServeProcess(settings, tmp_path / "serve.log")
    try:
        await node.ready()
        yield node
    finally:
        if node.process.poll() is None:
            node.process.kill()
            node.process.wait()


async def chatting_visitor(node: ServeProcess, world: World) -> tuple[WsClient, str]:
    token = await visitor_token(node, world.a.widget_key, ORIGIN_A)  # type: ignore[arg-type]
    visitor = await connect_visitor(node, token, ORIGIN_A)  # type: ignore[arg-type]
    await visitor.send(type="hello")
    await visitor.send(type="start")
    return visitor, (await visitor.wait_type("conversation"))["conversation_id"]


async def keep_sending(client: WsClient, conversation_id: str, sent: list[str]) -> None:
    """Sends until the socket closes, a few in flight at a time, as a busy chat does."""
    with contextlib.suppress(Exception):
        while not client.closed.is_set():
            msg_id = f"{conversation_id[:8]}-{len(sent)}"
            sent.append(msg_id)
            await client.send(
                type="send", conversation_id=conversation_id, client_msg_id=msg_id, body=msg_id
            )
            await asyncio.sleep(0.004)


async def test_sigterm_drains_mid_traffic_and_loses_nothing(
    settings: Settings, world: World, serve: ServeProcess
) -> None:
    agent = await connect_agent(serve, await login(serve, world.a.operator))  # type: ignore[arg-type]
    await agent.send(type="hello")
    await agent.wait_type("welcome")
    chats = [await chatting_visitor(serve, world) for _ in range(VISITORS)]
    sent: dict[str, list[str]] = {cid: [] for _, cid in chats}
    senders = [asyncio.create_task(keep_sending(v, cid, sent[cid])) for v, cid in chats]
    await asyncio.sleep(0.5)
    acked_before = sum(len(v.of_type("ack")) for v, _ in chats)
    assert acked_before > 0

    started = time.monotonic()
    serve.process.send_signal(signal.SIGTERM)
    async with serve.http() as http:  # the proxy's first sign, while the port still answers
        answer = await http.get("/readyz")
        while answer.status_code == 200 and time.monotonic() - started < 0.4:  # signal in flight
            answer = await http.get("/readyz")
    assert (answer.status_code, answer.json()) == (503, {"status": "draining"})

    for client in [agent, *(v for v, _ in chats)]:
        await asyncio.wait_for(client.closed.wait(), timeout=GRACE)
        assert client.ws.close_code == CLOSE_DRAINING
        delay = REASON.match(client.ws.close_reason)
        assert delay is not None and 0 <= int(delay[1]) <= SPREAD_MS
    await asyncio.gather(*senders)
    returncode = await asyncio.to_thread(serve.process.wait, GRACE + 2)
    assert returncode == 0, serve.log_path.read_text()
    assert time.monotonic() - started < GRACE
    with pytest.raises(httpx.TransportError):
        async with serve.http() as http:
            await http.get("/healthz")

    # Traffic went on during the notice; every ack is a stored message with the acked seq, and
    # nothing is stored that was not acknowledged (a frame read after the close began is not
    # handled: its client sends it again to another process).
    acked = {
        (a["conversation_id"], a["client_msg_id"], a["seq"])
        for v, _ in chats
        for a in v.of_type("ack")
    }
    assert len(acked) > acked_before
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as db:
            rows = await db.execute(
                select(Message.conversation_id, Message.client_msg_id, Message.seq).where(
                    Message.conversation_id.in_(sent), Message.author_kind == "visitor"
                )
            )
            stored = {tuple(row) for row in rows}
    finally:
        await engine.dispose()
    assert stored == acked
    assert "draining: done, 0 sockets still open" in serve.log_path.read_text()
