"""Shared test support: databases on both backends, a live server, a two-business world, and
protocol clients that speak real WebSockets."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import httpx
import orjson
import pytest
import uvicorn
import websockets
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import create_async_engine

from livedesk import migrate
from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role
from livedesk.app import create_app
from livedesk.businesses.models import Business, Widget
from livedesk.db import Base, make_engine, make_sessionmaker, unit_of_work
from livedesk.realtime.protocol import WS_MAX_BYTES
from livedesk.settings import Settings, normalise_database_url

PASSWORD = "test-password-1"
PG_ENV = "LIVEDESK_TEST_DATABASE_URL"
# The page origins the two fixture businesses' widgets allow (World: https://<slug>.example).
ORIGIN_A = "https://alpha.example"
ORIGIN_B = "https://beta.example"


def missing_component(require_env: str, reason: str) -> NoReturn:
    """A component a test needs is absent: a failure where `require_env` is set (CI sets it
    for Chromium, PostgreSQL and Redis), a skip on a developer's machine without it."""
    if os.environ.get(require_env, "").strip() not in ("", "0"):
        pytest.fail(f"{reason}; {require_env} is set, so it is required", pytrace=False)
    pytest.skip(reason)


def postgres_url() -> str | None:
    url = os.environ.get(PG_ENV)
    return url if url and url.startswith("postgres") else None


class DatabaseTemplate:
    """Migrates once per test session; every test then starts from an empty, migrated schema.

    SQLite: copy the migrated file. PostgreSQL: one database per session, emptied per test.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.pg_base = postgres_url()
        if self.pg_base:
            name = f"livedesk_test_{uuid.uuid4().hex[:10]}"
            admin = normalise_database_url(self.pg_base)

            async def create() -> None:
                engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
                async with engine.connect() as conn:
                    await conn.execute(text(f'CREATE DATABASE "{name}"'))
                await engine.dispose()

            asyncio.run(create())
            self.pg_name = name
            self.url = self.pg_base.rsplit("/", 1)[0] + "/" + name
        else:
            self.url = f"sqlite:///{workdir}/template.db"
        migrate.upgrade(Settings(database_url=self.url))

    @property
    def backend(self) -> str:
        return "postgresql" if self.pg_base else "sqlite"

    async def fresh(self, name: str) -> str:
        if not self.pg_base:
            target = self.workdir / f"{name}.db"
            shutil.copyfile(self.workdir / "template.db", target)
            return f"sqlite:///{target}"
        engine = create_async_engine(normalise_database_url(self.url))
        async with engine.begin() as conn:
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await engine.dispose()
        return self.url

    def drop(self) -> None:
        if not self.pg_base:
            return
        admin = normalise_database_url(self.pg_base)

        async def drop() -> None:
            engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
            async with engine.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))
            await engine.dispose()

        asyncio.run(drop())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """Livedesk on uvicorn (websockets-sansio, like production) in the test's event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self.port = settings.port
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            ws="websockets-sansio",
            ws_per_message_deflate=False,
            ws_max_size=WS_MAX_BYTES,  # as `livedesk serve` does
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def runtime(self):  # type: ignore[no-untyped-def]
        return self.app.state.runtime

    async def start(self) -> None:
        self._task = asyncio.create_task(self.server.serve())
        for _ in range(500):
            if self.server.started:
                return
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)
        raise RuntimeError("server did not start")

    async def stop(self) -> None:
        self.server.should_exit = True
        if self._task:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=10)

    def http(self, **kw: Any) -> httpx.AsyncClient:
        # Generous: on a loaded 2-core CI machine a report page can take seconds; a server
        # that hangs still fails the test.
        return httpx.AsyncClient(base_url=self.url, timeout=30, **kw)


@dataclass
class Tenant:
    business_id: str
    slug: str
    widget_key: str
    widget_id: str
    operator: str  # usernames; password is PASSWORD
    business_user: str


@dataclass
class World:
    """Two businesses, each with its own widget, operator and business user, plus a supervisor."""

    a: Tenant
    b: Tenant
    supervisor: str = "super"
    extra: dict[str, Any] = field(default_factory=dict)


async def seed_world(settings: Settings) -> World:
    engine = make_engine(settings)
    tenants = []
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            for slug in ("alpha", "beta"):
                business = Business(
                    slug=slug, name=f"{slug.title()} BV", guidelines={"tone": f"{slug} tone"}
                )
                session.add(business)
                await session.flush()
                widget = Widget(
                    business_id=business.id,
                    public_key=f"key-{slug}",
                    name=f"{slug} site",
                    allowed_origins=[f"https://{slug}.example"],
                )
                session.add(widget)
                await session.flush()
                await do_create_user(
                    session,
                    username=f"op-{slug}",
                    password=PASSWORD,
                    role=Role.OPERATOR,
                    display_name=f"Op {slug}",
                    serves=[business.id],
                    max_concurrent=6,
                )
                await do_create_user(
                    session,
                    username=f"user-{slug}",
                    password=PASSWORD,
                    role=Role.BUSINESS_USER,
                    business_id=business.id,
                )
                tenants.append(
                    Tenant(
                        business.id,
                        slug,
                        widget.public_key,
                        widget.id,
                        f"op-{slug}",
                        f"user-{slug}",
                    )
                )
            await do_create_user(
                session,
                username="super",
                password=PASSWORD,
                role=Role.SUPERVISOR,
                display_name="Super",
            )
    finally:
        await engine.dispose()
    return World(tenants[0], tenants[1])


class WsClient:
    """A protocol client: sends frames, collects what arrives, waits for frames by predicate."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self._new = asyncio.Event()
        self._reader = asyncio.create_task(self._read())
        self.closed = asyncio.Event()

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self.frames.append(orjson.loads(raw))
                self._new.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed.set()
            self._new.set()

    async def send(self, **frame: Any) -> None:
        await self.ws.send(orjson.dumps(frame).decode())

    async def send_raw(self, raw: str | bytes) -> None:
        await self.ws.send(raw)

    async def wait_for(
        self, predicate: Any, timeout: float = 5.0, start: int = 0
    ) -> dict[str, Any]:
        async def scan() -> dict[str, Any]:
            seen = start
            while True:
                for f in self.frames[seen:]:
                    if predicate(f):
                        return f
                seen = len(self.frames)
                if self.closed.is_set():
                    raise ConnectionError(f"closed while waiting; got {self.frames[-5:]}")
                self._new.clear()
                await self._new.wait()

        return await asyncio.wait_for(scan(), timeout)

    async def wait_type(self, kind: str, timeout: float = 5.0, **match: Any) -> dict[str, Any]:
        return await self.wait_for(
            lambda f: f.get("type") == kind and all(f.get(k) == v for k, v in match.items()),
            timeout,
        )

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f.get("type") == kind]

    async def close(self) -> None:
        await self.ws.close()
        with contextlib.suppress(Exception):
            await self._reader


async def visitor_token(server: LiveServer, widget_key: str, origin: str) -> str:
    async with server.http() as http:
        r = await http.post(f"/api/v1/widget/{widget_key}/session", headers={"origin": origin})
        r.raise_for_status()
        return str(r.json()["token"])


async def connect_visitor(server: LiveServer, token: str, origin: str) -> WsClient:
    ws = await websockets.connect(
        f"{server.ws_url}/ws/visitor?token={token}", origin=origin, compression=None
    )
    return WsClient(ws)


async def visitor_in_chat(
    server: LiveServer, widget_key: str, origin: str, token: str | None = None, **start: Any
) -> tuple[WsClient, str, str]:
    """A visitor on a new socket who has started a chat (`start` goes into the frame): the
    socket, the conversation id and the token, with which the same visitor can come back."""
    token = token or await visitor_token(server, widget_key, origin)
    visitor = await connect_visitor(server, token, origin)
    await visitor.send(type="hello")
    await visitor.wait_type("welcome")
    await visitor.send(type="start", **start)
    return visitor, (await visitor.wait_type("conversation"))["conversation_id"], token


async def login(server: LiveServer, username: str, password: str = PASSWORD) -> str:
    async with server.http() as http:
        r = await http.post("/api/v1/auth/login", json={"username": username, "password": password})
        r.raise_for_status()
        return str(r.cookies["livedesk_session"])


async def connect_agent(server: LiveServer, session_secret: str) -> WsClient:
    ws = await websockets.connect(
        f"{server.ws_url}/ws/agent",
        compression=None,
        additional_headers={"Cookie": f"livedesk_session={session_secret}"},
    )
    return WsClient(ws)


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[LiveServer]:
    server = LiveServer(settings)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


# Opening hours that keep a test independent of the hour it runs at: the seeded businesses have
# the default, 09:00-23:00 in Amsterdam, so at night they are closed.
AROUND_THE_CLOCK: dict[str, Any] = {
    "timezone": "Europe/Amsterdam",
    "exceptions": {},
    "weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
}


def amsterdam_day(moment: datetime) -> str:
    """The date a business in Amsterdam (the seeded ones) calls `moment`, as a query takes it:
    between 22:00 and 24:00 UTC that is already the next day."""
    return moment.astimezone(ZoneInfo("Europe/Amsterdam")).date().isoformat()


async def open_around_the_clock(server: LiveServer, business_id: str) -> None:
    async with server.runtime.transaction() as session:
        await session.execute(
            update(Business)
            .where(Business.id == business_id)
            .values(opening_hours=AROUND_THE_CLOCK)
        )


async def search_indexed(server: LiveServer) -> None:
    """On SQLite transcript search lags writes by up to a second (portal/indexer.py): index
    everything written so far before searching. Nothing to wait for on PostgreSQL."""
    indexer = server.runtime.extensions.get("search_indexer")
    if indexer is not None:
        await indexer.catch_up()
