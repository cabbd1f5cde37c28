"""Scale-out benchmark: 1, 2 and 4 `livedesk serve` processes on PostgreSQL and Redis.

    .venv/bin/python bench/scale_out.py [--processes 1,2,4] [--conversations 200] [--seconds 5]
        [--rate 200] [--idle 5000] [--outage-conversations 100] [--redis-port 6395]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]

Everything runs on this machine: a redis-server of the benchmark's own (on --redis-port, never
a shared one), a scratch database next to the one named (dropped afterwards), the processes and
this load generator, nothing pinned. For each process count it prints messages/s at saturation
(visitor → operator, committed before acknowledged, closed loop), p50/p99 send→deliver at a
fixed rate and at 80 % of saturation, and the servers' CPU per message (all processes). Each
conversation's visitor is on process c mod N and its operator on the next one, so with two or
more processes every message crosses Redis.

Then: memory per idle visitor socket in one fresh process (RSS before and after --idle sockets),
and a Redis restart under two processes with clients on both: Redis is killed, every visitor
sends a message while it is down (stored and acknowledged, heard by nobody), Redis is started
again, and the clock runs from Redis answering to every client being in sync: each socket told
to resync (4014) has reconnected, and each operator holds every message of its conversations.

The per-connection limits are raised as in bench/chat_roundtrip.py (whose helpers this uses).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from chat_roundtrip import (
    BENCH_LIMITS,
    BENCH_ORIGIN,
    VENV_BIN,
    AckWaiter,
    Pair,
    Receiver,
    _livedesk_sender,
    admin_sql,
    cpu_seconds,
    fixed_rate,
    limits_env,
    new_session,
    open_visitor,
    rss_kib,
    saturate,
    seed,
)
from lean_client import LeanClient
from lean_client import connect as ws_connect
from scale_cluster import CLOSE_RESYNC, Node, OwnRedis, chat, cluster, login, operator, ready


@dataclass
class Round:
    processes: int
    saturated: float
    p50: float
    p99: float
    p50_80: float
    p99_80: float
    cpu_us: float
    load: tuple[float, float, float] = field(default_factory=os.getloadavg)


async def throughput(nodes: list[Node], first: int, args: argparse.Namespace) -> Round:
    """Visitor of conversation c on node c mod N; its business's operator on the next node."""
    n, businesses = len(nodes), max(1, args.conversations // 10)
    receiver, refused = Receiver(), Counter[str]()
    sockets: list[LeanClient] = []
    try:
        agents = []
        for b in range(businesses):
            agent = await operator(nodes[(b + 1) % n], first + b)
            agent.on_text = receiver.on_text
            agents.append(agent)
        sockets += agents
        pairs = []
        for c in range(args.conversations):
            ws, conversation, _ = await chat(nodes[c % n], first + c % businesses)
            sockets.append(ws)
            agents[c % businesses].send(
                orjson.dumps({"type": "accept", "conversation_id": conversation}).decode()
            )
            acks = AckWaiter(refused)
            ws.on_text = acks.on_text
            pairs.append(Pair(_livedesk_sender(ws, conversation, acks), conversation, acks))
        gc.collect()
        gc.freeze()
        await saturate(pairs, receiver, 1.0)  # warm up
        cpu, delivered = sum(cpu_seconds(x.pid) for x in nodes), receiver.count
        saturated = await saturate(pairs, receiver, args.seconds)
        cpu_us = (sum(cpu_seconds(x.pid) for x in nodes) - cpu) / (receiver.count - delivered)
        p50, p99 = await fixed_rate(pairs, receiver, args.rate, args.seconds)
        p50_80, p99_80 = await fixed_rate(pairs, receiver, saturated * 0.8, args.seconds)
        if refused:
            print(f"    refused: {dict(refused)}")
        return Round(n, saturated, p50, p99, p50_80, p99_80, cpu_us * 1e6)
    finally:
        for ws in sockets:
            with contextlib.suppress(Exception):
                await ws.close()


async def idle_memory(node: Node, count: int) -> tuple[int, int]:
    """RSS (KiB) of a fresh process before and after `count` idle visitor sockets."""
    token = (await new_session(node.http, "bench-0"))["token"]

    async def open_idle() -> LeanClient:
        ws = await open_visitor(node.port, token)
        ws.send('{"type":"hello"}')
        await ws.recv()
        return ws

    warm = await open_idle()  # the first socket's one-off costs stay out of the figure
    await asyncio.sleep(0.5)
    before = rss_kib(node.pid)
    sockets = [await open_idle() for _ in range(count)]
    await asyncio.sleep(1.0)
    after = rss_kib(node.pid)
    for ws in [warm, *sockets]:
        await ws.close()
    return before, after


class Resuming:
    """A socket that resumes as the widget and the console do: after a close it reconnects to
    the same process and says hello with the last seq it holds of each conversation."""

    def __init__(self, node: Node, path: str, origin: bool, headers: dict[str, str]) -> None:
        self.url = f"ws://127.0.0.1:{node.port}{path}"
        self.origin = BENCH_ORIGIN if origin else None
        self.headers = headers
        self.held: dict[str, int] = {}
        self.told_to_resync = 0  # closes with 4014
        self.resumed = asyncio.Event()  # welcome'd again after a 4014
        self.acks: dict[str, int] = {}
        self.errors: Counter[str] = Counter()
        self.ws: LeanClient | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._connect()
        self._task = asyncio.create_task(self._keep())

    async def _connect(self) -> None:
        self.ws = await ws_connect(self.url, origin=self.origin, headers=self.headers)
        self.ws.on_text = self.on_text
        self.ws.send(orjson.dumps({"type": "hello", "resume": self.held}).decode())

    async def _keep(self) -> None:
        while True:
            assert self.ws is not None
            await self.ws.wait_closed()
            if self.ws.close_code == CLOSE_RESYNC:
                self.told_to_resync += 1
            await self._connect()

    def on_text(self, raw: str) -> None:
        frame = orjson.loads(raw)
        kind = frame["type"]
        if kind == "message":
            cid = frame["conversation_id"]
            self.held[cid] = max(self.held.get(cid, 0), frame["seq"])
        elif kind == "ack":
            self.acks[frame["client_msg_id"]] = frame["seq"]
        elif kind == "welcome" and self.told_to_resync:
            self.resumed.set()
        elif kind == "error":
            self.errors[frame["code"]] += 1

    def send(self, frame: dict[str, Any]) -> None:
        assert self.ws is not None
        self.ws.send(orjson.dumps(frame).decode())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self.ws is not None:
            await self.ws.close()


async def until(condition: Any, timeout: float, clients: list[Resuming]) -> float:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            errors = sum((c.errors for c in clients), Counter[str]())
            closes = sum(c.told_to_resync for c in clients)
            raise RuntimeError(f"timed out; errors {dict(errors)}, {closes} closes with 4014")
        await asyncio.sleep(0.005)
    return time.perf_counter()


async def redis_restart(
    nodes: list[Node], redis: OwnRedis, first: int, businesses: int, conversations: int
) -> None:
    """Visitors on one process, their operators on the other; Redis killed and started again."""
    agents: list[Resuming] = []
    for b in range(businesses):
        agents.append(Resuming(nodes[1], "/ws/agent", False, await login(nodes[1], first + b)))
    visitors: list[tuple[Resuming, str, Resuming]] = []
    for c in range(conversations):
        _, cid, token = await chat(nodes[0], first + c % businesses)
        visitors.append(
            (
                Resuming(nodes[0], f"/ws/visitor?token={token}", True, {}),
                cid,
                agents[c % businesses],
            )
        )
    clients = [*agents, *(v for v, _, _ in visitors)]
    for client in clients:
        await client.start()
    for visitor, cid, agent in visitors:
        agent.send({"type": "accept", "conversation_id": cid})
        visitor.send(
            {
                "type": "send",
                "conversation_id": cid,
                "client_msg_id": f"{cid}-before",
                "body": "voor",
            }
        )
    await until(lambda: all(a.held.get(cid, 0) >= 1 for _, cid, a in visitors), 30, clients)

    redis.kill()
    for node in nodes:
        await ready(node, 503, timeout=15)
    for visitor, cid, _ in visitors:
        visitor.send(
            {
                "type": "send",
                "conversation_id": cid,
                "client_msg_id": f"{cid}-during",
                "body": "tijdens",
            }
        )
    await until(lambda: all(f"{cid}-during" in v.acks for v, cid, _ in visitors), 30, clients)
    await asyncio.sleep(1.0)
    back = await redis.start()
    bus_up = max([await ready(node, 200, timeout=15) for node in nodes])
    resynced = await until(lambda: all(c.resumed.is_set() for c in clients), 30, clients)
    in_sync = await until(
        lambda: all(a.held.get(cid, 0) >= v.acks[f"{cid}-during"] for v, cid, a in visitors),
        30,
        clients,
    )
    print(
        f"Redis restart, 2 processes, {len(clients)} sockets ({len(agents)} operators on one,"
        f" {len(visitors)} visitors on the other): bus up on both {bus_up - back:.2f} s after"
        f" Redis answered; every socket reconnected after 4014 at {resynced - back:.2f} s;"
        f" every operator holding every message at {max(in_sync, resynced) - back:.2f} s"
        f" (load {os.getloadavg()[0]:.2f})",
        flush=True,
    )
    for client in clients:
        await client.stop()


async def main_async(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="livedesk-scale-"))
    scratch = f"livedesk_scale_{os.getpid()}"
    await admin_sql(args.database_url, f'CREATE DATABASE "{scratch}"')
    database_url = args.database_url.rsplit("/", 1)[0] + "/" + scratch
    redis = OwnRedis(args.redis_port, workdir)
    counts = [int(n) for n in args.processes.split(",") if n]  # "": only idle and outage
    per_round = max(1, args.conversations // 10)
    env = {
        **os.environ,
        "LIVEDESK_DATABASE_URL": database_url,
        "LIVEDESK_REDIS_URL": f"redis://127.0.0.1:{args.redis_port}",
        "LIVEDESK_SECRET_KEY": "bench",
        "LIVEDESK_VISITOR_SESSIONS_PER_ADDRESS_PER_MINUTE": "1000000",
        "LIVEDESK_VISITOR_SESSIONS_PER_WIDGET_PER_MINUTE": "1000000",
        "LIVEDESK_DRAIN_NOTICE_SECONDS": "0",
        **limits_env(BENCH_LIMITS),
    }
    try:
        subprocess.run(
            [str(VENV_BIN / "livedesk"), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL
        )
        await seed(database_url, per_round * (len(counts) + 1) + 1)
        await redis.start()
        print(f"load before: {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores", flush=True)
        for i, n in enumerate(counts):
            async with cluster(env, n, workdir) as nodes:
                r = await throughput(nodes, i * per_round, args)
            print(
                f"{n} process(es): {r.saturated:,.0f} msg/s saturated, {r.cpu_us:.0f} µs CPU/msg;"
                f" at {args.rate:.0f}/s p50 {r.p50:.1f} ms p99 {r.p99:.1f} ms;"
                f" at {r.saturated * 0.8:,.0f}/s p50 {r.p50_80:.1f} ms p99 {r.p99_80:.1f} ms"
                f" (load {r.load[0]:.2f})",
                flush=True,
            )
        if args.idle:
            async with cluster(env, 1, workdir) as nodes:
                before, after = await idle_memory(nodes[0], args.idle)
            print(
                f"idle: {args.idle:,} visitor sockets on one process: RSS {before / 1024:.0f} →"
                f" {after / 1024:.0f} MiB, {(after - before) / args.idle:.1f} KiB per socket",
                flush=True,
            )
        async with cluster(env, 2, workdir) as nodes:
            first = len(counts) * per_round
            await redis_restart(nodes, redis, first, per_round, args.outage_conversations)
        print(f"load after: {os.getloadavg()[0]:.2f}")
    finally:
        redis.kill()
        shutil.rmtree(workdir, ignore_errors=True)
        await admin_sql(args.database_url, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=200.0, help="the fixed rate, messages/s")
    parser.add_argument("--idle", type=int, default=5000, help="idle visitor sockets (0: skip)")
    parser.add_argument("--outage-conversations", type=int, default=100)
    parser.add_argument("--redis-port", type=int, default=6395)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    import uvloop

    uvloop.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
