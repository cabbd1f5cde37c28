"""`queue` frames: each waiting visitor's place in line and expected wait, kept current.

A unit of work marks its pool dirty; at most every ``queue_interval`` seconds the dirty pools
are read (without a lock) and a frame goes to each visitor whose position or estimate changed.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Iterable

from livedesk.db import utcnow
from livedesk.realtime import protocol
from livedesk.routing.batching import CommandBatcher
from livedesk.routing.estimates import queue_estimates
from livedesk.runtime import conversation_topic

log = logging.getLogger(__name__)


class QueueAnnouncer:
    def __init__(self, batcher: CommandBatcher) -> None:
        self.batcher = batcher
        self.options = batcher.options
        self._dirty: set[str] = set()  # businesses whose queue frames need a refresh
        self._dirty_event = asyncio.Event()
        self._last_queue: dict[str, tuple[int, int | None]] = {}
        # Positions may move even when nothing was assigned.
        batcher.listeners.append(lambda scope, deadline: self.mark_dirty(scope))

    def mark_dirty(self, business_ids: Iterable[str]) -> None:
        self._dirty.update(business_ids)
        self._dirty_event.set()

    async def run(self) -> None:
        while True:
            await self._dirty_event.wait()
            await asyncio.sleep(self.options.queue_interval)
            self._dirty_event.clear()
            dirty, self._dirty = self._dirty, set()
            try:
                await self.publish_queue(dirty)
            except Exception:
                log.exception("queue refresh failed")

    async def publish_queue(
        self, business_ids: Iterable[str]
    ) -> dict[str, tuple[int, float | None]]:
        """Send `queue` frames to visitors whose position or estimate changed."""
        snap = await self.batcher.snapshot(business_ids)
        engine = snap.engine(utcnow(), self.batcher.options.engine)
        estimates = queue_estimates(
            engine.conversations,
            engine.operators.values(),
            engine.handle_time,
            engine.accept_latency.mean,
        )
        for conv_id, (position, seconds) in estimates.items():
            eta = None if seconds is None else math.ceil(seconds)
            if self._last_queue.get(conv_id) == (position, eta):
                continue
            self._last_queue[conv_id] = (position, eta)
            self.batcher.runtime.broker.publish(
                conversation_topic(conv_id),
                protocol.frame(
                    "queue", conversation_id=conv_id, position=position, eta_seconds=eta
                ),
            )
        # Chats of this pool that left the queue: a later return must be announced again.
        for conv_id in [
            c for c in snap.conversations if c in self._last_queue and c not in estimates
        ]:
            del self._last_queue[conv_id]
        if len(self._last_queue) > 100_000:
            self._last_queue.clear()
        return estimates
