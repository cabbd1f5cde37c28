"""The ASGI application: HTTP API, WebSockets and the static front ends."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from livedesk import __version__, migrate
from livedesk.errors import install_error_handlers
from livedesk.jsonutil import JsonResponse
from livedesk.runtime import Runtime
from livedesk.settings import Settings, get_settings

log = logging.getLogger(__name__)


# Every domain plugs itself in the same way: its `install` module's install(app) includes its
# routers and appends its start/stop callables (which receive the Runtime) to
# app.state.on_start / on_stop. Order matters only for start-up: routing registers the
# `accept`/`close` extensions the sockets use, so it starts before the front ends are served.
DOMAIN_MODULES = (
    "livedesk.accounts.install",
    "livedesk.audit.install",
    "livedesk.businesses.install",
    "livedesk.conversations.install",
    "livedesk.attachments.install",
    "livedesk.realtime.install",
    "livedesk.planning.install",
    "livedesk.routing.install",
    "livedesk.knowledge.install",
    "livedesk.leads.install",
    "livedesk.canned.install",
    "livedesk.billing.install",
    "livedesk.portal.install",
    "livedesk.reports.install",
    "livedesk.privacy.install",
    "livedesk.web.install",
    "livedesk.security.install",  # last: its middleware wraps every page and endpoint above
)


def install_domains(app: FastAPI) -> None:
    for name in DOMAIN_MODULES:
        importlib.import_module(name).install(app)


SocketEndpoint = Callable[[WebSocket], Awaitable[None]]


class LivedeskApp(FastAPI):
    """FastAPI, except that the chat sockets bypass the middleware stack and the router.

    Every frame a socket sends would otherwise pass through Starlette's per-send exception
    wrapper and the layers above it; none of them does anything for these sockets, which handle
    their own errors and take no dependencies. Straight to the endpoint, the server spent 88–91
    instead of 94–105 µs per message at saturation (three alternating pairs of
    `bench/chat_roundtrip.py --only livedesk`, docs/benchmarks.md).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.chat_sockets: dict[str, SocketEndpoint] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            endpoint = self.chat_sockets.get(scope["path"])
            if endpoint is not None:
                scope["app"] = self  # what FastAPI sets, for `websocket.app`
                await endpoint(WebSocket(scope, receive, send))
                return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime.create(settings)
        app.state.runtime = runtime
        await runtime.start()
        for start in app.state.on_start:
            await start(runtime)
        try:
            yield
        finally:
            for stop in reversed(app.state.on_stop):
                await stop(runtime)
            await runtime.stop()

    app = LivedeskApp(
        title="Livedesk",
        version=__version__,
        lifespan=lifespan,
        default_response_class=JsonResponse,
    )
    app.state.settings = settings
    app.state.on_start = []  # extension hooks: each gets the Runtime
    app.state.on_stop = []
    install_error_handlers(app)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, Any]:
        """The process is alive."""
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", tags=["health"])
    async def readyz() -> JsonResponse:
        """The database answers, its schema is at the latest migration, and the bus between
        processes (when scaled out) is up; its fields also count outages and lost publishes."""
        runtime: Runtime = app.state.runtime
        if runtime.draining:  # first sign of a deploy: send new clients elsewhere
            return JsonResponse({"status": "draining"}, 503)
        bus = runtime.broker.status()
        if bus and bus["bus"] != "up":
            return JsonResponse({"status": "unavailable", **bus}, 503)
        try:
            async with runtime.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            current = await migrate.is_current(runtime.engine, settings)
        except Exception as exc:
            log.warning("readiness check failed: %s", exc)
            return JsonResponse({"status": "unavailable", "database": "unreachable"}, 503)
        if not current:
            return JsonResponse({"status": "unavailable", "database": "migrations pending"}, 503)
        return JsonResponse({"status": "ok", "database": "ok", **bus})

    install_domains(app)
    return app
