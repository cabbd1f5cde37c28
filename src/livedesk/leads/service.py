"""The leads service a process keeps: the delivery dispatcher, rate limits, the close hook."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from livedesk.leads.delivery import Dispatcher
from livedesk.leads.outbox import enqueue_closed_transcript
from livedesk.leads.settings import LeadsSettings, SmtpSettings
from livedesk.runtime import Runtime
from livedesk.security.address_hash import RotatingHash
from livedesk.security.ratelimit import TokenBucket

log = logging.getLogger(__name__)
EXTENSION = "leads"


@dataclass
class LeadsService:
    runtime: Runtime
    settings: LeadsSettings
    smtp: SmtpSettings
    dispatcher: Dispatcher
    _buckets: dict[bytes, TokenBucket] = field(default_factory=dict)
    # The keys name client addresses: only their keyed hashes are kept, under a daily key.
    _hash: RotatingHash = field(default_factory=RotatingHash)
    _generation: int = 0

    def wake(self) -> None:
        self.dispatcher.wake()

    def rate_limited(self, key: str) -> float:
        """Seconds to wait, or 0. Per client IP (`key` names it), in this process; a proxy must
        pass the IP on."""
        hashed = self._hash(key)
        # bounded: idle buckets are full anyway, and the old key's buckets are unreachable
        if len(self._buckets) > 50_000 or self._generation != self._hash.generation:
            self._buckets.clear()
            self._generation = self._hash.generation
        bucket = self._buckets.get(hashed)
        if bucket is None:
            bucket = self._buckets[hashed] = TokenBucket(
                self.settings.offline_per_ip_per_minute / 60.0,
                self.settings.offline_burst,
                clock=time.monotonic,
            )
        return bucket.take()

    async def on_conversation_closed(self, conversation_id: str) -> None:
        async with self.runtime.transaction() as session:
            queued = await enqueue_closed_transcript(session, conversation_id)
        if queued:
            self.wake()
