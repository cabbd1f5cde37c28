"""Lead delivery benchmark: N leads committed one per transaction while the outbox dispatcher
delivers them to a local webhook receiver (uvicorn, in its own thread and event loop).

Prints deliveries per second and the outbox latency from the lead's commit to the receiver
getting it (p50/p99). Usage:

    .venv/bin/python bench/leads_delivery.py [--leads 10000] [--concurrency 32] [--rate N]
        [--prefill] [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from livedesk import migrate
from livedesk.businesses.models import Business
from livedesk.db import make_engine, make_sessionmaker, unit_of_work, utcnow
from livedesk.leads.actions import do_create_offline_lead
from livedesk.leads.delivery import Dispatcher, verify_signature
from livedesk.leads.models import DeliveryRoute
from livedesk.leads.schemas import OfflineIn
from livedesk.leads.settings import LeadsSettings, SmtpSettings
from livedesk.settings import Settings, normalise_database_url


class Receiver:
    """A bare ASGI webhook endpoint: checks the signature, records when each key arrived."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.arrived: dict[str, float] = {}
        self.duplicates = 0
        self.bad_signatures = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        if not verify_signature(
            self.secret, headers.get(b"livedesk-signature", b"").decode(), body
        ):
            self.bad_signatures += 1
        key = headers.get(b"idempotency-key", b"").decode()
        if key in self.arrived:
            self.duplicates += 1
        else:
            self.arrived[key] = time.time()
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]}
        )
        await send({"type": "http.response.body", "body": b""})


def start_receiver(receiver: Receiver, port: int) -> uvicorn.Server:
    config = uvicorn.Config(
        receiver, host="127.0.0.1", port=port, log_level="warning", lifespan="off", access_log=False
    )
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server


async def fresh_database(url: str | None, workdir: Path) -> str:
    if url is None:
        return f"sqlite:///{workdir}/bench.db"
    name = f"livedesk_bench_{uuid.uuid4().hex[:8]}"
    engine = create_async_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


async def run(
    leads: int,
    concurrency: int,
    database_url: str | None,
    port: int,
    prefill: bool,
    rate: float = 0.0,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = await fresh_database(database_url, Path(tmp))
        settings = Settings(database_url=url)
        await asyncio.to_thread(migrate.upgrade, settings)
        engine = make_engine(settings)
        sessions = make_sessionmaker(engine)
        async with unit_of_work(sessions) as session:
            business = Business(slug="bench", name="Bench BV")
            session.add(business)
            await session.flush()
            route = DeliveryRoute(
                business_id=business.id,
                kind="webhook",
                name="bench",
                url=f"http://127.0.0.1:{port}/hook",
                secret="bench-secret",
                created_at=utcnow(),
            )
            session.add(route)
        receiver = Receiver("bench-secret")
        server = start_receiver(receiver, port)
        lead_settings = LeadsSettings(
            concurrency=concurrency,
            poll_seconds=0.05,
            backoff_base_seconds=0.2,
            http_timeout_seconds=5,
        )
        dispatcher = Dispatcher(sessions, engine.dialect.name, lead_settings, SmtpSettings())
        if not prefill:  # live: the dispatcher runs while leads are being committed
            dispatcher.start()

        committed: dict[str, float] = {}
        started = time.perf_counter()
        for i in range(leads):
            if rate:  # paced: latency at a sustainable rate rather than behind a backlog
                delay = started + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            async with unit_of_work(sessions) as session:
                lead = await do_create_offline_lead(
                    session,
                    business,
                    OfflineIn(
                        name=f"Bezoeker {i}",
                        email=f"v{i}@example.nl",
                        question="Kunt u mij bellen?",
                        consent=True,
                    ),
                    language="nl",
                    conversation_id=None,
                )
            committed[f"lead.{lead.id}.{route.id}"] = time.time()
            dispatcher.wake()
        produced = time.perf_counter() - started
        if prefill:  # drain: how fast a backlog goes out (latency then includes the wait)
            started = time.perf_counter()
            dispatcher.start()
        while len(receiver.arrived) < leads:  # noqa: ASYNC110  (the receiver is in a thread)
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
        await dispatcher.stop()
        server.should_exit = True
        await engine.dispose()

    latencies = sorted((receiver.arrived[k] - t) * 1000 for k, t in committed.items())
    quantiles = statistics.quantiles(latencies, n=100)
    backend = "postgresql" if database_url else "sqlite"
    mode = "drain a backlog" if prefill else "live"
    print(f"backend {backend}, {leads} leads, dispatcher concurrency {concurrency}, {mode}")
    print(f"producer: {leads / produced:,.0f} leads committed/s (one per transaction)")
    print(f"delivered: {leads / elapsed:,.0f} deliveries/s end to end ({elapsed:.1f} s)")
    print(
        f"outbox latency commit -> receiver: p50 {quantiles[49]:.1f} ms, "
        f"p99 {quantiles[98]:.1f} ms, max {latencies[-1]:.1f} ms"
    )
    print(
        f"duplicates at receiver: {receiver.duplicates}, bad signatures: {receiver.bad_signatures}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="pace the producer to this many leads/s (0: as fast as it can)",
    )
    parser.add_argument(
        "--prefill",
        action="store_true",
        help="commit every lead first, then time the dispatcher alone",
    )
    args = parser.parse_args()
    asyncio.run(
        run(args.leads, args.concurrency, args.database_url, args.port, args.prefill, args.rate)
    )


if __name__ == "__main__":
    main()
