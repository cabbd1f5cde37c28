"""What the chaos test drives: `livedesk serve` processes, a Redis of its own, and protocol
clients that behave as the widget and console do (reconnect to any node, resume by seq, resend
what was not acknowledged with the same id) and write down every violation of the protocol's
promise: each conversation's messages in seq order, without a hole, once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets

from livedesk_testing import ORIGIN_A, free_port

SECRET = "chaos-secret"


class Node:
    """One `livedesk serve` on a fixed port, so clients find it again after a restart."""

    def __init__(self, database_url: str, redis_url: str, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            **os.environ,
            "LIVEDESK_DATABASE_URL": database_url,
            "LIVEDESK_REDIS_URL": redis_url,
            "LIVEDESK_PORT": str(self.port),
            "LIVEDESK_SECRET_KEY": SECRET,
            "LIVEDESK_FRAMES_PER_SECOND": "1000",
            "LIVEDESK_FAQ_EMBEDDINGS": "0",  # the FAQ's model is not what is tested here
            "LIVEDESK_ROUTING_LEASE_SECONDS": "2",
            "LIVEDESK_ROUTING_OFFER_TIMEOUT": "2",
            # Short, so a process that saw a visitor's socket close ends its grace within the
            # test: the visitor is back on another process, and their chat must not end.
            "LIVEDESK_ROUTING_VISITOR_GRACE": "3",
            "LIVEDESK_DRAIN_NOTICE_SECONDS": "0.2",
            "LIVEDESK_DRAIN_SPREAD_SECONDS": "0.3",
            "LIVEDESK_DRAIN_GRACE_SECONDS": "5",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "livedesk"), "serve"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    async def ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as http:
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/readyz")).status_code == 200:
                        return
                assert self.process is not None and self.process.poll() is None, (
                    self.log_path.read_text()[-3000:]
                )
                assert time.monotonic() < deadline, (
                    f"livedesk serve did not become ready: {self.log_path.read_text()[-2000:]}"
                )
                await asyncio.sleep(0.1)

    async def figures(self) -> dict[str, Any]:
        """What /readyz counts: bus outages, messages put back in order, the longest wait."""
        with contextlib.suppress(httpx.HTTPError):
            async with httpx.AsyncClient(base_url=self.url, timeout=5) as http:
                return dict((await http.get("/readyz")).json())
        return {}

    def kill(self) -> None:
        """kill -9: no draining, no goodbye, the lease is not released."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    async def terminate(self) -> None:
        """SIGTERM, as a deploy does; waits for the process to drain and exit."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        while self.process.poll() is None:
            assert time.monotonic() < deadline, "livedesk serve did not exit after SIGTERM"
            await asyncio.sleep(0.05)
        self.process = None


@dataclass
class Pending:
    conversation_id: str
    body: str
    after_seq: int
    sent_at: float = 0.0


@dataclass
class Client:
    """A visitor (token) or a staff member (session cookie) that keeps itself connected.

    `seqs` holds every message seq applied per conversation, `violations` every frame that
    broke the order promise; `states` the last state heard per conversation."""

    name: str
    nodes: list[Node]
    token: str | None = None
    cookie: str | None = None
    operator: bool = False  # accepts offers and keeps its presence alive
    seqs: dict[str, list[int]] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)  # of each conversation's state
    states: dict[str, str] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    pending: dict[str, Pending] = field(default_factory=dict)
    stored: dict[str, tuple[str, int]] = field(default_factory=dict)  # id → (conversation, seq)
    connects: int = 0
    away: bool = False  # kept disconnected on purpose
    ws: Any = None
    welcomed: asyncio.Event = field(default_factory=asyncio.Event)
    recent: list[str] = field(default_factory=list)  # the last frames, for failure messages
    _counter: int = 0

    @property
    def url_path(self) -> str:
        return f"/ws/visitor?token={self.token}" if self.token else "/ws/agent"

    async def _connect(self) -> Any:
        nodes = list(self.nodes)  # the test adds and removes nodes meanwhile
        start = random.randrange(len(nodes))
        for i in range(len(nodes)):
            node = nodes[(start + i) % len(nodes)]
            with contextlib.suppress(OSError, websockets.InvalidHandshake, TimeoutError):
                if self.token:
                    return await websockets.connect(
                        node.ws_url + self.url_path,
                        origin=ORIGIN_A,
                        compression=None,
                        open_timeout=2,
                    )
                return await websockets.connect(
                    node.ws_url + self.url_path,
                    compression=None,
                    open_timeout=2,
                    additional_headers={"Cookie": f"livedesk_session={self.cookie}"},
                )
        return None

    async def run(self) -> None:
        """Connect, resume, resend; on any close, do it again (unless sent away)."""
        while True:
            if self.away:
                await asyncio.sleep(0.05)
                continue
            ws = await self._connect()
            if ws is None:
                await asyncio.sleep(0.1)
                continue
            self.ws, self.connects = ws, self.connects + 1
            with contextlib.suppress(websockets.ConnectionClosed):
                await self._session(ws)
            self.ws = None
            self.welcomed.clear()
            await asyncio.sleep(random.uniform(0.02, 0.2))

    async def _session(self, ws: Any) -> None:
        resume = {cid: seqs[-1] if seqs else 0 for cid, seqs in self.seqs.items()}
        await ws.send(orjson.dumps({"type": "hello", "resume": resume}).decode())
        async for raw in ws:
            frame = orjson.loads(raw)
            self.recent = [*self.recent[-19:], str(raw)[:200]]
            await self._apply(ws, frame)

    async def _apply(self, ws: Any, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "welcome":
            for conversation in frame["conversations"]:
                self.states[conversation["conversation_id"]] = conversation["state"]
                self.versions[conversation["conversation_id"]] = conversation["version"]
            self.welcomed.set()
            if self.operator:  # as the console does: the new socket proves it is there
                await ws.send('{"type":"heartbeat"}')
            for msg_id, item in list(self.pending.items()):  # resend what was not acked
                await self._send_frame(ws, msg_id, item)
        elif kind == "message":
            self._message(frame)
        elif kind == "ack":
            self.pending.pop(frame["client_msg_id"], None)
            self.stored[frame["client_msg_id"]] = (frame["conversation_id"], frame["seq"])
        elif kind == "conversation":
            cid = frame["conversation_id"]
            if frame["version"] < self.versions.get(cid, 0):  # an older state after a newer
                self.violations.append(f"{self.name}: {cid[:8]} state {frame}")
            self.versions[cid] = frame["version"]
            self.states[cid] = frame["state"]
            self.seqs.setdefault(frame["conversation_id"], [])
        elif kind == "offer" and self.operator:
            await ws.send(
                orjson.dumps(
                    {"type": "accept", "conversation_id": frame["conversation_id"]}
                ).decode()
            )
        elif kind in ("error", "resync"):
            self.violations.append(f"{self.name}: unexpected {frame}")

    def _message(self, frame: dict[str, Any]) -> None:
        seqs = self.seqs.setdefault(frame["conversation_id"], [])
        expected = (seqs[-1] if seqs else 0) + 1
        if frame["seq"] != expected:
            self.violations.append(
                f"{self.name}: {frame['conversation_id'][:8]} seq {frame['seq']} after {seqs[-3:]}"
            )
            if frame["seq"] <= (seqs[-1] if seqs else 0):
                return  # a duplicate or an old one: not applied twice
        seqs.append(frame["seq"])

    async def _send_frame(self, ws: Any, msg_id: str, item: Pending) -> None:
        if ws is None:
            return
        item.sent_at = time.monotonic()
        payload = {
            "type": "send",
            "conversation_id": item.conversation_id,
            "client_msg_id": msg_id,
            "body": item.body,
            "after_seq": item.after_seq,
        }
        with contextlib.suppress(Exception):  # closing meanwhile: resent on the next socket
            await ws.send(orjson.dumps(payload).decode())

    async def say(self, conversation_id: str) -> None:
        """A new message; it goes out now if connected, or with the next welcome. Like the
        widget, a client has only a few messages of a chat unacknowledged at a time."""
        if sum(p.conversation_id == conversation_id for p in self.pending.values()) >= 3:
            return
        self._counter += 1
        msg_id = f"{self.name}-{self._counter}"
        seqs = self.seqs.get(conversation_id) or [0]
        item = Pending(conversation_id, msg_id, seqs[-1])
        self.pending[msg_id] = item
        if self.welcomed.is_set():
            await self._send_frame(self.ws, msg_id, item)

    async def retry(self) -> None:
        """Sends again what has waited a second for its ack on an open socket."""
        ws = self.ws
        if ws is None or not self.welcomed.is_set():
            return
        for msg_id, item in list(self.pending.items()):
            if time.monotonic() - item.sent_at > 1.0:
                await self._send_frame(ws, msg_id, item)

    async def send_raw(self, **frame: Any) -> None:
        ws = self.ws
        if ws is not None:
            with contextlib.suppress(Exception):  # closing meanwhile: the next socket resends
                await ws.send(orjson.dumps(frame).decode())

    async def drop(self) -> None:
        """The network goes: the socket closes from the client's side."""
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
