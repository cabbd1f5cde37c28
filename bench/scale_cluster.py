"""Livedesk processes on one machine for the scale-out benchmark (bench/scale_out.py): a Redis
of the benchmark's own that can be killed and started again, N `livedesk serve` processes on one
database, and the clients' first steps (an operator's login, a visitor's chat)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
from chat_roundtrip import VENV_BIN, free_port, new_session, open_visitor
from lean_client import LeanClient
from lean_client import connect as ws_connect

CLOSE_RESYNC = 4014  # docs/protocol.md: the bus had a gap, resume from the last seq held
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@dataclass
class Node:
    process: subprocess.Popen[bytes]
    port: int
    http: httpx.AsyncClient

    @property
    def pid(self) -> int:
        return self.process.pid


class OwnRedis:
    def __init__(self, port: int, workdir: Path) -> None:
        self.port, self.workdir = port, workdir
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> float:
        """Starts it; returns the moment it answers PING."""
        self.process = subprocess.Popen(
            [
                *(REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
        )
        while True:
            with contextlib.suppress(OSError):
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.write(b"PING\r\n")
                answer = await reader.readline()
                writer.close()
                if answer.startswith(b"+PONG"):
                    return time.perf_counter()
            await asyncio.sleep(0.005)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@contextlib.asynccontextmanager
async def cluster(env: dict[str, str], count: int, log_dir: Path) -> AsyncIterator[list[Node]]:
    """`count` processes of `livedesk serve`, each logging to log_dir/serve-PORT.log."""
    nodes: list[Node] = []
    try:
        for _ in range(count):
            port = free_port()
            command = [str(VENV_BIN / "livedesk"), "serve", "--port", str(port)]
            with (log_dir / f"serve-{port}.log").open("wb") as log:
                process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30)
            nodes.append(Node(process, port, http))
            try:  # one at a time: on a loaded machine four starting at once take minutes
                await ready(nodes[-1], 200, timeout=180)
            except RuntimeError:
                print((log_dir / f"serve-{port}.log").read_text()[-3000:])
                raise
        yield nodes
    finally:
        for node in nodes:
            node.process.terminate()  # drains; the notice is 0 here
        for node in nodes:
            node.process.wait(30)
            await node.http.aclose()


async def ready(node: Node, status: int, timeout: float) -> float:
    """Polls /readyz until it answers `status`; returns when it did."""
    deadline = time.perf_counter() + timeout
    while True:
        with contextlib.suppress(httpx.TransportError):
            answer = await node.http.get("/readyz")
            if answer.status_code == status:
                return time.perf_counter()
        if time.perf_counter() > deadline or node.process.poll() is not None:
            raise RuntimeError(f"/readyz on :{node.port} never answered {status}")
        await asyncio.sleep(0.02)


async def login(node: Node, business: int) -> dict[str, str]:
    """The operator's session cookie, as a header (the shared HTTP client keeps no cookie: a
    visitor session asked for with a login cookie and a foreign Origin is refused)."""
    r = await node.http.post(
        "/api/v1/auth/login",
        json={"username": f"bench-op-{business}", "password": "bench-password"},
    )
    node.http.cookies.clear()
    return {"Cookie": f"livedesk_session={r.cookies['livedesk_session']}"}


async def operator(node: Node, business: int) -> LeanClient:
    headers = await login(node, business)
    agent = await ws_connect(f"ws://127.0.0.1:{node.port}/ws/agent", headers=headers)
    agent.send('{"type":"hello"}')
    await agent.recv()
    return agent


async def chat(node: Node, business: int) -> tuple[LeanClient, str, str]:
    """A visitor socket on `node` with a new conversation: (socket, conversation id, token)."""
    token = (await new_session(node.http, f"bench-{business}"))["token"]
    ws = await open_visitor(node.port, token)
    ws.send('{"type":"start"}')
    while True:
        frame = orjson.loads(await ws.recv())
        if frame["type"] == "conversation":
            return ws, frame["conversation_id"], token
