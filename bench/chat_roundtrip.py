"""Chat round-trip benchmark: Livedesk against a bare WebSocket relay, measured in the same run.

    .venv/bin/python bench/chat_roundtrip.py [--conversations 200] [--seconds 5] [--idle 2000]

The server under test is pinned to CPU 0 and this load generator to CPU 1 (when the machine has
two). Livedesk runs with persistence (SQLite by default, or --database-url postgresql://…). For
each server it prints: messages/s at saturation (visitor → operator, every message committed
before it is acknowledged), p50/p99 send→deliver latency at a fixed rate and at 80 % of
saturation, memory per idle visitor connection and the server's CPU per message (at saturation
and at the fixed rate: the steadiest figure, to compare code changes by); then the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from lean_client import LeanClient
from lean_client import connect as ws_connect

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
TWO_CORES = (os.cpu_count() or 1) >= 2
TAIL = "--tail" in sys.argv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def new_client_msg_id() -> str:
    # Never repeated: the server treats a repeated id as a retry (acknowledged, not delivered,
    # so not counted). Random, as the widget and the console make them.
    return os.urandom(12).hex()


def storage_bytes(pid: int) -> int:
    """Bytes the process (all its threads) caused to be written to storage, per /proc."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    raise RuntimeError("no write_bytes")


def cpu_seconds(pid: int) -> float:
    """CPU time the process (all its threads) has used, per /proc (10 ms resolution)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def pinned(cmd: list[str]) -> list[str]:
    return (["taskset", "-c", "0", *cmd]) if TWO_CORES and shutil.which("taskset") else cmd


@dataclass
class Pair:
    """One conversation: the visitor's socket sends, the receiving socket gets the message."""

    send: Callable[[str, str], Awaitable[None]]
    conversation: str
    acks: AckWaiter

    async def send_and_wait(self, body: str, client_msg_id: str) -> None:
        acked = self.acks.expect(client_msg_id)
        await self.send(body, client_msg_id)
        await acked


@dataclass
class Figures:
    saturated: float
    p50_fixed: float
    p99_fixed: float
    p50_80: float
    p99_80: float
    idle_kib: float
    disk_kib: float  # written to storage per message at the fixed rate
    # The server's CPU per message (all threads): far steadier from run to run than the
    # saturation figure, so the figure to compare changes by.
    cpu_us_saturated: float = 0.0
    cpu_us_fixed: float = 0.0


class Receiver:
    """Counts message frames and records send→deliver latency from the timestamp in the body."""

    def __init__(self) -> None:
        self.count = 0
        self.latencies: list[float] | None = None
        self.sent_at: list[float] = []

    def on_text(self, raw: str) -> None:
        if not raw.startswith('{"type":"message"'):
            return
        self.count += 1
        if self.latencies is not None:
            sent = float(orjson.loads(raw)["body"].split(" ", 1)[0])
            self.latencies.append(time.perf_counter() - sent)
            self.sent_at.append(sent)


class AckWaiter:
    """The sender's side: reads its acks (and drops echoes) and wakes whoever awaits an ack."""

    def __init__(self) -> None:
        self.waiting: dict[str, asyncio.Future[None]] = {}
        self.last_seq = 0  # sent as after_seq, as the widget does

    def on_text(self, raw: str) -> None:
        if raw.startswith('{"type":"ack"'):
            ack = orjson.loads(raw)
            self.last_seq = max(self.last_seq, ack["seq"])
            future = self.waiting.pop(ack["client_msg_id"], None)
            if future is not None and not future.done():
                future.set_result(None)

    def expect(self, client_msg_id: str) -> asyncio.Future[None]:
        future = asyncio.get_running_loop().create_future()
        self.waiting[client_msg_id] = future
        return future


async def saturate(pairs: list[Pair], receiver: Receiver, seconds: float) -> float:
    """Closed loop: every conversation sends its next message as soon as the last is acked."""
    stop = time.perf_counter() + seconds

    async def loop(pair: Pair) -> None:
        while time.perf_counter() < stop:
            await pair.send_and_wait(f"{time.perf_counter()} saturate", new_client_msg_id())

    start_count = receiver.count
    started = time.perf_counter()
    await asyncio.gather(*(loop(p) for p in pairs))
    await asyncio.sleep(0.5)
    return (receiver.count - start_count) / (time.perf_counter() - started)


async def fixed_rate(
    pairs: list[Pair], receiver: Receiver, rate: float, seconds: float
) -> tuple[float, float]:
    receiver.latencies, receiver.sent_at = [], []
    interval = 1 / rate
    total = int(rate * seconds)
    # The figure is the server's: keep this process's own garbage collections out of it.
    gc.disable()
    cpu_started = time.process_time()
    started = time.perf_counter()
    for i in range(total):
        target = started + i * interval
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        pair = pairs[i % len(pairs)]
        asyncio.ensure_future(pair.send(f"{time.perf_counter()} fixed", new_client_msg_id()))
    await asyncio.sleep(1.0)
    busy = (time.process_time() - cpu_started) / (time.perf_counter() - started)
    gc.enable()
    if busy > 0.9 or TAIL:
        # Near 100 % the load generator's own queueing is part of the latency.
        print(f"    load generator {busy:.0%} busy at {rate:.0f}/s")
    latencies, sent_at = receiver.latencies, receiver.sent_at
    receiver.latencies = None
    got = sorted(latencies)
    if len(got) < total * 0.99:
        print(f"    warning: only {len(got)}/{total} delivered at {rate:.0f}/s")
    p50 = statistics.median(got) * 1000
    p99 = got[int(len(got) * 0.99) - 1] * 1000
    if TAIL:
        # Stalls or spread? How many 10 ms windows hold the slowest 1 %, and the worst figures.
        slow = [s for s, lat in zip(sent_at, latencies, strict=True) if lat * 1000 >= p99]
        windows = len({int((s - started) * 100) for s in slow})
        offset = time.time() - time.perf_counter()
        print("    slow at", sorted({round(s + offset, 2) for s in slow}))
        print(
            f"    {rate:.0f}/s: p99.9 {got[int(len(got) * 0.999) - 1] * 1000:.1f} ms,"
            f" max {got[-1] * 1000:.1f} ms; the slowest {len(slow)} were sent in"
            f" {windows} distinct 10 ms windows"
        )
    return p50, p99


async def idle_memory(pid: int, open_idle: Callable[[], Awaitable[Any]], count: int) -> float:
    """KiB of server memory per idle connection: RSS before and after opening `count`."""
    await asyncio.sleep(0.5)
    before = rss_kib(pid)
    idle_sockets = [await open_idle() for _ in range(count)]
    await asyncio.sleep(1.0)
    per = (rss_kib(pid) - before) / count
    for ws in idle_sockets:
        await ws.close()
    return per


async def measure(
    pid: int,
    pairs: list[Pair],
    receiver: Receiver,
    seconds: float,
    rate: float,
    idle: Callable[[], Awaitable[float]],
) -> Figures:
    # Everything set up so far lives through the run: out of the load generator's collections.
    gc.collect()
    gc.freeze()
    await saturate(pairs, receiver, 1.0)  # warm up
    cpu, delivered = cpu_seconds(pid), receiver.count
    saturated = await saturate(pairs, receiver, seconds)
    cpu_us_saturated = (cpu_seconds(pid) - cpu) / (receiver.count - delivered) * 1e6
    written, cpu, delivered = storage_bytes(pid), cpu_seconds(pid), receiver.count
    p50, p99 = await fixed_rate(pairs, receiver, rate, seconds)
    disk_kib = (storage_bytes(pid) - written) / 1024 / (rate * seconds)
    cpu_us_fixed = (cpu_seconds(pid) - cpu) / (receiver.count - delivered) * 1e6
    p50_80, p99_80 = await fixed_rate(pairs, receiver, saturated * 0.8, seconds)
    return Figures(
        saturated,
        p50,
        p99,
        p50_80,
        p99_80,
        await idle(),
        disk_kib,
        cpu_us_saturated,
        cpu_us_fixed,
    )


# -- Livedesk ---------------------------------------------------------------------------------


async def seed(database_url: str, businesses: int) -> None:
    from livedesk.accounts.actions import do_create_user
    from livedesk.businesses.models import Business, Widget
    from livedesk.db import make_engine, make_sessionmaker, unit_of_work
    from livedesk.settings import Settings

    engine = make_engine(Settings(database_url=database_url))
    async with unit_of_work(make_sessionmaker(engine)) as session:
        for b in range(businesses):
            business = Business(slug=f"bench-{b}", name=f"Bench {b}")
            session.add(business)
            await session.flush()
            session.add(
                Widget(
                    business_id=business.id,
                    public_key=f"bench-{b}",
                    name="w",
                    allowed_origins=["*"],
                )
            )
            await do_create_user(
                session,
                username=f"bench-op-{b}",
                password="bench-password",
                role="operator",
                serves=[business.id],
                max_concurrent=20,
            )
    await engine.dispose()


async def livedesk_run(args: argparse.Namespace) -> Figures:
    workdir = Path(tempfile.mkdtemp(prefix="livedesk-bench-"))
    database_url = args.database_url or f"sqlite:///{workdir}/bench.db"
    scratch = None
    if database_url.startswith("postgres"):
        # A scratch database next to the one named, dropped afterwards: never touch its data.
        scratch = f"livedesk_bench_{os.getpid()}"
        await admin_sql(database_url, f'CREATE DATABASE "{scratch}"')
        database_url = database_url.rsplit("/", 1)[0] + "/" + scratch
    env = {
        **os.environ,
        "LIVEDESK_DATABASE_URL": database_url,
        "LIVEDESK_FRAMES_PER_SECOND": "100000",
        "LIVEDESK_OUTBOUND_QUEUE_SIZE": "100000",
    }
    subprocess.run(
        [str(VENV_BIN / "livedesk"), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    businesses = max(1, args.conversations // 10)
    await seed(database_url, businesses)
    port = free_port()
    command = [str(VENV_BIN / "livedesk"), "serve", "--port", str(port)]
    if args.profile:
        command = [
            sys.executable,
            str(ROOT / "bench" / "profile_server.py"),
            args.profile,
            "--port",
            str(port),
        ]
    server = subprocess.Popen(
        pinned(command), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    sockets = []
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for _ in range(200):
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.05)
            receiver = Receiver()
            agents = []
            for b in range(businesses):
                r = await http.post(
                    "/api/v1/auth/login",
                    json={"username": f"bench-op-{b}", "password": "bench-password"},
                )
                agent = await ws_connect(
                    f"ws://127.0.0.1:{port}/ws/agent",
                    headers={"Cookie": f"livedesk_session={r.cookies['livedesk_session']}"},
                )
                agent.send('{"type":"hello"}')
                await agent.recv()
                sockets.append(agent)
                agents.append(agent)
                agent.on_text = receiver.on_text
            pairs = []
            for c in range(args.conversations):
                key = f"bench-{c % businesses}"
                token = (await http.post(f"/api/v1/widget/{key}/session")).json()["token"]
                ws = await ws_connect(
                    f"ws://127.0.0.1:{port}/ws/visitor?token={token}",
                    origin="https://bench.example",
                )
                ws.send('{"type":"start"}')
                conversation = ""
                while not conversation:
                    frame = orjson.loads(await ws.recv())
                    if frame["type"] == "conversation":
                        conversation = frame["conversation_id"]
                sockets.append(ws)
                # The business's operator takes the chat, as in real life: visitor ↔ operator.
                agents[c % businesses].send(
                    orjson.dumps({"type": "accept", "conversation_id": conversation}).decode()
                )
                acks = AckWaiter()
                ws.on_text = acks.on_text
                pairs.append(Pair(_livedesk_sender(ws, conversation, acks), conversation, acks))

            token = (await http.post("/api/v1/widget/bench-0/session")).json()["token"]

            async def open_idle() -> Any:
                ws = await ws_connect(
                    f"ws://127.0.0.1:{port}/ws/visitor?token={token}",
                    origin="https://bench.example",
                )
                ws.send('{"type":"hello"}')
                await ws.recv()
                return ws

            async def idle() -> float:
                return await idle_memory(server.pid, open_idle, args.idle)

            return await measure(server.pid, pairs, receiver, args.seconds, args.rate, idle)
    finally:
        for ws in sockets:
            with contextlib.suppress(Exception):
                await ws.close()
        server.terminate()
        server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
        if scratch:
            await admin_sql(args.database_url, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def _livedesk_sender(ws: LeanClient, conversation: str, acks: AckWaiter):  # type: ignore[no-untyped-def]
    async def send(body: str, client_msg_id: str) -> None:
        ws.send(
            orjson.dumps(
                {
                    "type": "send",
                    "conversation_id": conversation,
                    "client_msg_id": client_msg_id,
                    "body": body,
                    "after_seq": acks.last_seq,
                }
            ).decode()
        )

    return send


async def admin_sql(url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


# -- the bare relay ---------------------------------------------------------------------------


async def relay_run(args: argparse.Namespace) -> Figures:
    port = free_port()
    server = subprocess.Popen(
        pinned([sys.executable, str(ROOT / "bench" / "relay_server.py"), str(port)]),
        stdout=subprocess.PIPE,
    )
    assert server.stdout is not None
    server.stdout.readline()
    sockets = []
    try:
        receiver = Receiver()
        pairs = []
        for c in range(args.conversations):
            visitor = await ws_connect(f"ws://127.0.0.1:{port}/room/{c}")
            operator = await ws_connect(f"ws://127.0.0.1:{port}/room/{c}")
            sockets += [visitor, operator]
            acks = AckWaiter()
            visitor.on_text = acks.on_text
            operator.on_text = receiver.on_text
            pairs.append(Pair(_relay_sender(visitor), str(c), acks))

        async def open_idle() -> Any:
            return await ws_connect(f"ws://127.0.0.1:{port}/room/idle")

        async def idle() -> float:
            return await idle_memory(server.pid, open_idle, args.idle)

        return await measure(server.pid, pairs, receiver, args.seconds, args.rate, idle)
    finally:
        for ws in sockets:
            with contextlib.suppress(Exception):
                await ws.close()
        server.terminate()
        server.wait(10)


def _relay_sender(ws: LeanClient):  # type: ignore[no-untyped-def]
    async def send(body: str, client_msg_id: str) -> None:
        ws.send(
            orjson.dumps({"type": "send", "client_msg_id": client_msg_id, "body": body}).decode()
        )

    return send


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=2000.0, help="the fixed rate, messages/s")
    parser.add_argument("--idle", type=int, default=2000, help="idle visitor connections")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", default=None, help="write Livedesk's cProfile stats here")
    parser.add_argument(
        "--tail", action="store_true", help="say whether the p99 tail is stalls or spread"
    )
    parser.add_argument(
        "--only", choices=["relay", "livedesk"], help="measure one server (no ratios)"
    )
    args = parser.parse_args()
    if TWO_CORES:
        os.sched_setaffinity(0, {1})
    import uvloop

    skipped = Figures(0, 0, 0, 0, 0, 0, 0)
    relay = uvloop.run(relay_run(args)) if args.only != "livedesk" else skipped
    live = uvloop.run(livedesk_run(args)) if args.only != "relay" else skipped
    backend = "PostgreSQL" if (args.database_url or "").startswith("postgres") else "SQLite"
    print(
        f"\n{args.conversations} conversations, {args.seconds:.0f} s per phase, "
        f"server on CPU 0, load on CPU 1: {TWO_CORES}; Livedesk on {backend}"
    )
    print(f"{'':34}{'bare relay':>12}{'Livedesk':>12}{'ratio':>8}")
    rows = [
        ("messages/s at saturation", relay.saturated, live.saturated, "{:.0f}"),
        (
            "server CPU µs/message, saturated",
            relay.cpu_us_saturated,
            live.cpu_us_saturated,
            "{:.0f}",
        ),
        (
            f"server CPU µs/message at {args.rate:.0f}/s",
            relay.cpu_us_fixed,
            live.cpu_us_fixed,
            "{:.0f}",
        ),
        (f"p50 ms at {args.rate:.0f}/s", relay.p50_fixed, live.p50_fixed, "{:.2f}"),
        (f"p99 ms at {args.rate:.0f}/s", relay.p99_fixed, live.p99_fixed, "{:.2f}"),
        ("p50 ms at 80 % of own saturation", relay.p50_80, live.p50_80, "{:.2f}"),
        ("p99 ms at 80 % of own saturation", relay.p99_80, live.p99_80, "{:.2f}"),
        (f"KiB per idle socket ({args.idle})", relay.idle_kib, live.idle_kib, "{:.1f}"),
        (
            f"KiB to storage per message at {args.rate:.0f}/s",
            relay.disk_kib,
            live.disk_kib,
            "{:.1f}",
        ),
    ]
    for label, a, b, fmt in rows:
        print(f"{label:34}{fmt.format(a):>12}{fmt.format(b):>12}{b / a if a else 0:>8.2f}")


if __name__ == "__main__":
    main()
