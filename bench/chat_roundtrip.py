"""Chat round-trip benchmark: Livedesk against a bare WebSocket relay, measured in the same run.

    .venv/bin/python bench/chat_roundtrip.py [--conversations 200] [--seconds 5] [--idle 2000]
        [--limits both|bench|production] [--only relay|livedesk] [--database-url postgresql://…]

The server under test is pinned to CPU 0 and this load generator to CPU 1 (when the machine has
two). Livedesk runs with persistence (SQLite by default, or --database-url postgresql://…). For
each server it prints: messages/s at saturation (visitor → operator, every message committed
before it is acknowledged), p50/p99 send→deliver latency at a fixed rate and at 80 % of
saturation, and the server's CPU per message (at saturation and at the fixed rate: the steadiest
figure, to compare code changes by); then the ratios.

Livedesk is measured twice. With bench limits, the per-connection frame limit is raised from
10/s to 100,000/s and the outbound queue from 1,000 to 100,000 frames, so that 200 closed-loop
senders measure the server rather than the rate limiter. With production limits (the settings'
defaults) every figure is measured again: a send refused as `rate_limited` waits the
`retry_after` the server names, as a client should, so 200 conversations can carry at most
200 × 10 messages/s. Both sets of limits are printed with the figures.

Memory per idle connection is measured last, in a fresh server process of each kind (Livedesk
with production limits), not in the process the saturation phases have grown.
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
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
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

# The limits of the throughput run: high enough that the closed loop never meets them.
BENCH_LIMITS = {"frames_per_second": 100_000.0, "outbound_queue_size": 100_000}
BENCH_ORIGIN = "https://bench.example"  # the site the bench's widgets are embedded on


def production_limits() -> dict[str, Any]:
    """The per-connection limits a server runs with unless configured otherwise."""
    from livedesk.settings import Settings

    return {name: Settings.model_fields[name].default for name in BENCH_LIMITS}


def limits_env(limits: dict[str, Any]) -> dict[str, str]:
    return {f"LIVEDESK_{name.upper()}": str(value) for name, value in limits.items()}


def describe(limits: dict[str, Any]) -> str:
    rate = limits["frames_per_second"]
    return (
        f"{rate:,.0f} frames/s per connection (bursts of {rate * 2:,.0f}),"
        f" {limits['outbound_queue_size']:,} queued frames"
    )


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

    async def send_and_wait(self, body: str, client_msg_id: str) -> float:
        """0 once acknowledged; the seconds to wait when the server refused the send."""
        answered = self.acks.expect(client_msg_id)
        await self.send(body, client_msg_id)
        return await answered


@dataclass
class Figures:
    saturated: float
    p50_fixed: float
    p99_fixed: float
    p50_80: float
    p99_80: float
    disk_kib: float  # written to storage per message at the fixed rate
    # The server's CPU per message (all threads): far steadier from run to run than the
    # saturation figure, so the figure to compare changes by.
    cpu_us_saturated: float = 0.0
    cpu_us_fixed: float = 0.0
    refused: Counter[str] = field(default_factory=Counter)  # error frames, by code
    closed: int = 0  # sockets the server closed (rate limit, slow consumer)


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

    def __init__(self, refused: Counter[str]) -> None:
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.last_seq = 0  # sent as after_seq, as the widget does
        self.refused = refused  # shared by the run's senders

    def on_text(self, raw: str) -> None:
        if raw.startswith('{"type":"ack"'):
            ack = orjson.loads(raw)
            self.last_seq = max(self.last_seq, ack["seq"])
            future = self.waiting.pop(ack["client_msg_id"], None)
            if future is not None and not future.done():
                future.set_result(0.0)
        elif raw.startswith('{"type":"error"'):
            error = orjson.loads(raw)
            self.refused[error["code"]] += 1
            # An error frame names no message; in the closed loop the one send in flight is it.
            wait = float(error.get("data", {}).get("retry_after", 0.0))
            for future in self.waiting.values():
                if not future.done():
                    future.set_result(wait)
            self.waiting.clear()

    def expect(self, client_msg_id: str) -> asyncio.Future[float]:
        future = asyncio.get_running_loop().create_future()
        self.waiting[client_msg_id] = future
        return future


async def saturate(pairs: list[Pair], receiver: Receiver, seconds: float) -> float:
    """Closed loop: every conversation sends its next message as soon as the last is acked
    (or, when the server refused it, after the wait the server named)."""
    stop = time.perf_counter() + seconds

    async def loop(pair: Pair) -> None:
        while time.perf_counter() < stop:
            wait = await pair.send_and_wait(f"{time.perf_counter()} saturate", new_client_msg_id())
            if wait:
                await asyncio.sleep(wait)

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
    if not got:
        return float("nan"), float("nan")
    p50 = statistics.median(got) * 1000
    p99 = got[max(0, int(len(got) * 0.99) - 1)] * 1000
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
) -> Figures:
    # Everything set up so far lives through the run: out of the load generator's collections.
    gc.collect()
    gc.freeze()
    await saturate(pairs, receiver, 1.0)  # warm up
    cpu, delivered = cpu_seconds(pid), receiver.count
    saturated = await saturate(pairs, receiver, seconds)
    cpu_us_saturated = (cpu_seconds(pid) - cpu) / max(1, receiver.count - delivered) * 1e6
    written, cpu, delivered = storage_bytes(pid), cpu_seconds(pid), receiver.count
    p50, p99 = await fixed_rate(pairs, receiver, rate, seconds)
    disk_kib = (storage_bytes(pid) - written) / 1024 / (rate * seconds)
    cpu_us_fixed = (cpu_seconds(pid) - cpu) / max(1, receiver.count - delivered) * 1e6
    p50_80, p99_80 = await fixed_rate(pairs, receiver, saturated * 0.8, seconds)
    return Figures(saturated, p50, p99, p50_80, p99_80, disk_kib, cpu_us_saturated, cpu_us_fixed)


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


@dataclass
class Server:
    pid: int
    port: int
    http: httpx.AsyncClient


@contextlib.asynccontextmanager
async def livedesk_server(
    args: argparse.Namespace, limits: dict[str, Any], businesses: int, profile: str | None = None
) -> AsyncIterator[Server]:
    """`livedesk serve` on a fresh, migrated and seeded database, with these limits."""
    workdir = Path(tempfile.mkdtemp(prefix="livedesk-bench-"))
    database_url = args.database_url or f"sqlite:///{workdir}/bench.db"
    scratch = None
    if database_url.startswith("postgres"):
        # A scratch database next to the one named, dropped afterwards: never touch its data.
        scratch = f"livedesk_bench_{os.getpid()}_{time.monotonic_ns()}"
        await admin_sql(database_url, f'CREATE DATABASE "{scratch}"')
        database_url = database_url.rsplit("/", 1)[0] + "/" + scratch
    env = {
        **os.environ,
        "LIVEDESK_DATABASE_URL": database_url,
        "LIVEDESK_SECRET_KEY": "bench",
        # Every bench visitor comes from 127.0.0.1 at once: not what the session limit is for.
        "LIVEDESK_VISITOR_SESSIONS_PER_ADDRESS_PER_MINUTE": "1000000",
        "LIVEDESK_VISITOR_SESSIONS_PER_WIDGET_PER_MINUTE": "1000000",
        **limits_env(limits),
    }
    server = None
    try:
        subprocess.run(
            [str(VENV_BIN / "livedesk"), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL
        )
        await seed(database_url, businesses)
        port = free_port()
        command = [str(VENV_BIN / "livedesk"), "serve", "--port", str(port)]
        if profile:
            command = [
                sys.executable,
                str(ROOT / "bench" / "profile_server.py"),
                profile,
                "--port",
                str(port),
            ]
        server = subprocess.Popen(
            pinned(command), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            # Start-up loads the FAQ index: 20 s at a load of 9 on two cores.
            deadline = time.monotonic() + 120
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/healthz")).status_code == 200:
                        break
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"livedesk serve did not start (exit {server.poll()})")
                await asyncio.sleep(0.05)
            yield Server(server.pid, port, http)
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
        if scratch:
            await admin_sql(args.database_url, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


async def new_session(http: httpx.AsyncClient, key: str) -> dict[str, Any]:
    """A visitor session as a page on the bench's site asks for it (browsers send Origin)."""
    r = await http.post(f"/api/v1/widget/{key}/session", headers={"origin": BENCH_ORIGIN})
    r.raise_for_status()
    return dict(r.json())


async def open_visitor(port: int, token: str) -> LeanClient:
    return await ws_connect(f"ws://127.0.0.1:{port}/ws/visitor?token={token}", origin=BENCH_ORIGIN)


async def livedesk_run(
    args: argparse.Namespace, limits: dict[str, Any], profile: str | None
) -> Figures:
    businesses = max(1, args.conversations // 10)
    sockets: list[LeanClient] = []
    async with livedesk_server(args, limits, businesses, profile) as server:
        http, port = server.http, server.port
        try:
            receiver = Receiver()
            refused: Counter[str] = Counter()
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
                # The visitors' calls below come from the client's site, without the staff
                # cookie (with it and a foreign Origin they would be refused as cross-site).
                http.cookies.clear()
                agent.send('{"type":"hello"}')
                await agent.recv()
                sockets.append(agent)
                agents.append(agent)
                agent.on_text = receiver.on_text
            pairs = []
            for c in range(args.conversations):
                key = f"bench-{c % businesses}"
                token = (await new_session(http, key))["token"]
                ws = await open_visitor(port, token)
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
                acks = AckWaiter(refused)
                ws.on_text = acks.on_text
                pairs.append(Pair(_livedesk_sender(ws, conversation, acks), conversation, acks))

            figures = await measure(server.pid, pairs, receiver, args.seconds, args.rate)
            figures.refused = refused
            figures.closed = sum(ws.close_code is not None for ws in sockets)
            return figures
        finally:
            for ws in sockets:
                with contextlib.suppress(Exception):
                    await ws.close()


async def livedesk_idle(args: argparse.Namespace) -> float:
    """KiB per idle visitor socket in a server process that has served nothing else."""
    async with livedesk_server(args, production_limits(), businesses=1) as server:
        token = (await new_session(server.http, "bench-0"))["token"]

        async def open_idle() -> Any:
            ws = await open_visitor(server.port, token)
            ws.send('{"type":"hello"}')
            await ws.recv()
            return ws

        warm = await open_idle()  # the first connection's one-off costs stay out of the figure
        try:
            return await idle_memory(server.pid, open_idle, args.idle)
        finally:
            await warm.close()


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


@contextlib.asynccontextmanager
async def relay_server() -> AsyncIterator[tuple[int, int]]:
    port = free_port()
    server = subprocess.Popen(
        pinned([sys.executable, str(ROOT / "bench" / "relay_server.py"), str(port)]),
        stdout=subprocess.PIPE,
    )
    assert server.stdout is not None
    server.stdout.readline()
    try:
        yield server.pid, port
    finally:
        server.terminate()
        server.wait(10)


async def relay_run(args: argparse.Namespace) -> Figures:
    sockets = []
    async with relay_server() as (pid, port):
        try:
            receiver = Receiver()
            pairs = []
            for c in range(args.conversations):
                visitor = await ws_connect(f"ws://127.0.0.1:{port}/room/{c}")
                operator = await ws_connect(f"ws://127.0.0.1:{port}/room/{c}")
                sockets += [visitor, operator]
                acks = AckWaiter(Counter())
                visitor.on_text = acks.on_text
                operator.on_text = receiver.on_text
                pairs.append(Pair(_relay_sender(visitor), str(c), acks))
            return await measure(pid, pairs, receiver, args.seconds, args.rate)
        finally:
            for ws in sockets:
                with contextlib.suppress(Exception):
                    await ws.close()


async def relay_idle(args: argparse.Namespace) -> float:
    async with relay_server() as (pid, port):

        async def open_idle() -> Any:
            return await ws_connect(f"ws://127.0.0.1:{port}/room/idle")

        warm = await open_idle()
        try:
            return await idle_memory(pid, open_idle, args.idle)
        finally:
            await warm.close()


def _relay_sender(ws: LeanClient):  # type: ignore[no-untyped-def]
    async def send(body: str, client_msg_id: str) -> None:
        ws.send(
            orjson.dumps({"type": "send", "client_msg_id": client_msg_id, "body": body}).decode()
        )

    return send


# -- the report -------------------------------------------------------------------------------


def cell(value: float | None, fmt: str) -> str:
    return "–" if value is None else fmt.format(value)


def report(
    args: argparse.Namespace,
    relay: Figures | None,
    bench: Figures | None,
    production: Figures | None,
    idle: dict[str, float],
) -> None:
    backend = "PostgreSQL" if (args.database_url or "").startswith("postgres") else "SQLite"
    limits = production_limits()
    print(
        f"\n{args.conversations} conversations, {args.seconds:g} s per phase, "
        f"server on CPU 0, load on CPU 1: {TWO_CORES}; Livedesk on {backend}"
    )
    print(f"Livedesk, bench limits:      {describe(BENCH_LIMITS)}")
    print(f"Livedesk, production limits: {describe(limits)} (the settings' defaults)")
    # The bench itself keeps about two cores busy: what was there before it is the machine's.
    one, five, _ = args.load_before
    print(f"load average before the run: {one:.2f} (1 min), {five:.2f} (5 min)")
    print(f"\n{'':34}{'bare relay':>12}{'Livedesk':>14}{'ratio':>8}{'Livedesk':>14}")
    print(f"{'':34}{'':>12}{'bench limits':>14}{'':>8}{'production':>14}")
    rate = f"{args.rate:.0f}/s"
    rows: list[tuple[str, str, Callable[[Figures], float]]] = [
        ("messages/s at saturation", "{:.0f}", lambda f: f.saturated),
        ("server CPU µs/message, saturated", "{:.0f}", lambda f: f.cpu_us_saturated),
        (f"server CPU µs/message at {rate}", "{:.0f}", lambda f: f.cpu_us_fixed),
        (f"p50 ms at {rate}", "{:.2f}", lambda f: f.p50_fixed),
        (f"p99 ms at {rate}", "{:.2f}", lambda f: f.p99_fixed),
        ("p50 ms at 80 % of own saturation", "{:.2f}", lambda f: f.p50_80),
        ("p99 ms at 80 % of own saturation", "{:.2f}", lambda f: f.p99_80),
        (f"KiB to storage per message at {rate}", "{:.1f}", lambda f: f.disk_kib),
    ]
    for label, fmt, get in rows:
        a = get(relay) if relay else None
        b = get(bench) if bench else None
        c = get(production) if production else None
        ratio = f"{b / a:.2f}" if a and b else "–"
        print(f"{label:34}{cell(a, fmt):>12}{cell(b, fmt):>14}{ratio:>8}{cell(c, fmt):>14}")
    for name, figures in (("bench limits", bench), ("production limits", production)):
        if figures is not None:
            refused = ", ".join(f"{n} {code}" for code, n in figures.refused.items()) or "none"
            print(
                f"Livedesk, {name}: sends refused: {refused};"
                f" sockets closed by the server: {figures.closed}"
            )
    if production is not None:
        cap = args.conversations * limits["frames_per_second"]
        print(
            f"  (production limits let {args.conversations} conversations send at most"
            f" {cap:,.0f} messages/s sustained)"
        )
    if idle:
        print(f"\nidle sockets, each server in a fresh process ({args.idle} after one warm-up):")
        a, b = idle.get("relay"), idle.get("livedesk")
        ratio = f"{b / a:.2f}" if a and b else "–"
        label = "KiB per idle socket"
        print(f"{label:34}{cell(a, '{:.1f}'):>12}{cell(b, '{:.1f}'):>14}{ratio:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=2000.0, help="the fixed rate, messages/s")
    parser.add_argument("--idle", type=int, default=2000, help="idle visitor connections (0: skip)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", default=None, help="write Livedesk's cProfile stats here")
    parser.add_argument(
        "--tail", action="store_true", help="say whether the p99 tail is stalls or spread"
    )
    parser.add_argument(
        "--only", choices=["relay", "livedesk"], help="measure one server (no ratios)"
    )
    parser.add_argument(
        "--limits",
        choices=["both", "bench", "production"],
        default="both",
        help="Livedesk's per-connection limits: raised for throughput, the defaults, or both",
    )
    args = parser.parse_args()
    args.load_before = os.getloadavg()
    if TWO_CORES:
        os.sched_setaffinity(0, {1})
    import uvloop

    relay = bench = production = None
    idle: dict[str, float] = {}
    # Warnings printed during a run belong to the server named last.
    if args.only != "livedesk":
        print("bare relay", flush=True)
        relay = uvloop.run(relay_run(args))
    if args.only != "relay":
        if args.limits != "production":
            print("Livedesk, bench limits", flush=True)
            bench = uvloop.run(livedesk_run(args, BENCH_LIMITS, args.profile))
        if args.limits != "bench":
            print("Livedesk, production limits", flush=True)
            production = uvloop.run(livedesk_run(args, production_limits(), None))
    if args.idle:
        if args.only != "livedesk":
            idle["relay"] = uvloop.run(relay_idle(args))
        if args.only != "relay":
            idle["livedesk"] = uvloop.run(livedesk_idle(args))
    report(args, relay, bench, production, idle)


if __name__ == "__main__":
    main()
