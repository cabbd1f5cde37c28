"""Real parts for the leads tests: an SMTP server (aiosmtpd), a webhook receiver (http.server in
a thread) and a live Livedesk with short back-off settings."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from leads_helpers import (
    Mailbox,
    Receiver,
    _handler,
    make_server,
)

from livedesk.settings import Settings

from livedesk_testing import LiveServer, World, free_port


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(rec))
    server.daemon_threads = True
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/livedesk"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def leads_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
async def live(
    settings: Settings, world: World, mailbox: tuple[Mailbox, int], leads_overrides: dict[str, Any]
) -> AsyncIterator[LiveServer]:
    server = make_server(settings, mailbox[1], **leads_overrides)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
