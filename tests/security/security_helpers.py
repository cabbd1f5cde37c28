"""Security test support: a raw TCP/HTTP listener that records every connection, a live
Livedesk whose uvicorn takes proxy headers as `livedesk serve` does, and a clock to move."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from livedesk.security.proxies import uvicorn_proxy_options
from livedesk.settings import Settings

from livedesk_testing import LiveServer


@dataclass
class Listener:
    """Answers every HTTP request with `status` (and `headers`) and counts connections."""

    host: str
    port: int = 0
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)  # each request's head, raw

    @property
    def authority(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            self.requests.append(head)
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            extra = "".join(f"{k}: {v}\r\n" for k, v in self.headers.items())
            writer.write(
                f"HTTP/1.1 {self.status} X\r\ncontent-length: 0\r\n{extra}"
                "connection: close\r\n\r\n".encode()
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def listening(
    host: str = "127.0.0.1", *, ssl: Any = None, **kw: Any
) -> AsyncIterator[Listener]:
    listener = Listener(host, **kw)
    server = await asyncio.start_server(listener._handle, host, 0, ssl=ssl)
    listener.port = server.sockets[0].getsockname()[1]
    try:
        yield listener
    finally:
        server.close()
        await server.wait_closed()


def live_server(
    settings: Settings,
    *,
    secured: bool = False,
    app_state: dict[str, Any] | None = None,
    **uvicorn_options: Any,
) -> LiveServer:
    """A LiveServer whose uvicorn takes proxy headers exactly as `livedesk serve` should
    (security/proxies.py), with `app_state` set on the app before start-up and, when
    `secured`, the security middleware installed (a no-op once create_app installs it)."""
    server = LiveServer(settings)
    if secured:
        from livedesk.security.install import install_security

        install_security(server.app)
    for name, value in (app_state or {}).items():
        setattr(server.app.state, name, value)
    config = uvicorn.Config(
        server.app,
        host="127.0.0.1",
        port=server.port,
        log_level="warning",
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        lifespan="on",
        **uvicorn_proxy_options(settings),
        **uvicorn_options,
    )
    server.server = uvicorn.Server(config)
    return server


@contextlib.asynccontextmanager
async def running_live(
    settings: Settings,
    *,
    secured: bool = False,
    app_state: dict[str, Any] | None = None,
    **uvicorn_options: Any,
) -> AsyncIterator[LiveServer]:
    server = live_server(settings, secured=secured, app_state=app_state, **uvicorn_options)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
