"""Draining a process for a deploy: on SIGTERM `livedesk serve` goes away without losing a
message or dropping the floor.

1. `/readyz` answers 503 `{"status":"draining"}` for `drain_notice_seconds`, so a proxy or
   load balancer that polls it stops sending new clients here while the port still answers.
2. The listener closes: new connections are refused and a proxy tries its next upstream.
3. Every socket is closed with 4015 and a reason naming a random delay of up to
   `drain_spread_seconds` ("draining: reconnect after 1234 ms"): the clients reconnect, through
   the proxy, to the processes that stay, spread out rather than all in the same millisecond.
   A frame being handled finishes first, so a message stored now is acknowledged before the
   close; a frame read after that is not handled, and its client sends it again elsewhere
   (sends are idempotent by `client_msg_id`).
4. The message writer finishes the batches it was handed; then uvicorn's own shutdown runs
   (open HTTP requests, then each domain's stop: routing's timers, the leads outbox, …), all
   within `drain_grace_seconds` of the signal, and the process exits 0.

A second SIGTERM or SIGINT stops at once, as plain uvicorn does.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import time
from types import FrameType
from typing import Any

import uvicorn

from livedesk.realtime.connection import Connection
from livedesk.runtime import Runtime

log = logging.getLogger(__name__)

# What the end of the grace period leaves for uvicorn's shutdown and the domains' stops.
SHUTDOWN_SHARE = 0.4


async def drain_runtime(runtime: Runtime, close_listeners: Any, deadline: float) -> None:
    """Steps 1–4 above against one process's runtime; `close_listeners()` stops accepting."""
    settings = runtime.settings
    runtime.draining = True
    log.info(
        "draining: /readyz says 503; the listener closes in %.1f s", settings.drain_notice_seconds
    )
    await asyncio.sleep(settings.drain_notice_seconds)
    close_listeners()
    sockets = [s for s in runtime.hub.sockets if isinstance(s, Connection)]
    spread_ms = int(settings.drain_spread_seconds * 1000)
    for socket in sockets:
        socket.drain(random.randint(0, spread_ms))
    log.info("draining: listener closed, %d sockets told to reconnect elsewhere", len(sockets))
    await _sockets_closed(runtime, deadline)
    if not await runtime.writer.idle(max(0.0, deadline - time.monotonic())):
        log.warning("draining: the message writer did not finish within the grace period")
    left = len(runtime.hub.sockets)
    log.info("draining: done, %d sockets still open; shutting down", left)


async def _sockets_closed(runtime: Runtime, deadline: float) -> None:
    """Each socket closes once its current frame's ack is out (a few ms), or gives up after
    its flush timeout on a peer that does not read."""
    while time.monotonic() < deadline:
        if not runtime.hub.sockets:
            return
        await asyncio.sleep(0.01)


class DrainingServer(uvicorn.Server):
    """uvicorn's server, except that the first SIGTERM drains (module doc) before it exits."""

    def __init__(self, config: uvicorn.Config, runtime_of: Any) -> None:
        super().__init__(config)
        self._runtime_of = runtime_of  # () -> Runtime, once the app's lifespan has started
        self._loop: asyncio.AbstractEventLoop | None = None
        self._drain: asyncio.Task[None] | None = None

    async def startup(self, sockets: Any = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().startup(sockets=sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # uvicorn re-raises the signals it handled once it has shut down, which would end the
        # process by SIGTERM; a drain is a clean exit, so SIGTERM is kept out of that list.
        if sig == signal.SIGTERM and self._drain is None and self.started and self._loop:
            self._runtime_of().draining = True  # /readyz says so from the next request on
            self._loop.call_soon_threadsafe(self._start_drain)
            return
        super().handle_exit(sig, frame)

    def _start_drain(self) -> None:
        if self._drain is not None:
            return
        runtime: Runtime = self._runtime_of()
        grace = runtime.settings.drain_grace_seconds
        deadline = time.monotonic() + grace * (1 - SHUTDOWN_SHARE)
        self.config.timeout_graceful_shutdown = max(1, int(grace * SHUTDOWN_SHARE))
        self._drain = asyncio.ensure_future(self._run_drain(deadline))

    async def _run_drain(self, deadline: float) -> None:
        try:
            await drain_runtime(self._runtime_of(), self._close_listeners, deadline)
        except Exception:
            log.exception("draining failed; shutting down")
        finally:
            self.should_exit = True

    def _close_listeners(self) -> None:
        for server in self.servers:
            server.close()
