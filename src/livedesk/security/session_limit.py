"""How many visitor sessions one client address and one widget may open.

A visitor session is free for anyone on the internet to ask for, so it is limited twice, each a
token bucket that refills at a steady rate:

- per client address (IPv6 per /64, as the login throttle counts): a page reload or a visitor
  on a few pages of a site asks for a handful; a script asking for hundreds is stopped after its
  burst. An office behind one address still has room for its colleagues;
- per widget: a bound on what many addresses together can make one client's widget do.

Addresses are kept only as keyed hashes under a key that lives in this process. The buckets are
per process, like the login throttle's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from livedesk.security.throttle import Clock, client_network


@dataclass(frozen=True, slots=True)
class SessionLimits:
    per_address_per_minute: float = 20.0
    address_burst: float = 30.0
    per_widget_per_minute: float = 600.0
    widget_burst: float = 300.0
    max_entries: int = 100_000  # per table; the least recently used go first


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float

    def refill(self, now: float, per_second: float, burst: float) -> None:
        self.tokens = min(burst, self.tokens + (now - self.updated) * per_second)
        self.updated = now

    def wait(self, per_second: float) -> float:
        """Seconds until a token is there (0: one is)."""
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / per_second


class KeyedBuckets:
    """A token bucket per key, the least recently used forgotten first."""

    def __init__(self, per_minute: float, burst: float, max_entries: int) -> None:
        self.per_second = per_minute / 60
        self.burst = burst
        self.max_entries = max_entries
        self._buckets: OrderedDict[bytes, _Bucket] = OrderedDict()

    def bucket(self, key: bytes, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_entries:  # the least recently used half goes
                for old in list(self._buckets)[: len(self._buckets) // 2]:
                    del self._buckets[old]
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        else:
            self._buckets.move_to_end(key)
            bucket.refill(now, self.per_second, self.burst)
        return bucket


class SessionLimiter:
    def __init__(
        self,
        limits: SessionLimits | None = None,
        clock: Clock = time.monotonic,
        key: bytes | None = None,
    ) -> None:
        self.limits = limits = limits or SessionLimits()
        self.clock = clock
        self._key = key or secrets.token_bytes(32)
        self._addresses = KeyedBuckets(
            limits.per_address_per_minute, limits.address_burst, limits.max_entries
        )
        self._widgets = KeyedBuckets(
            limits.per_widget_per_minute, limits.widget_burst, limits.max_entries
        )

    def _address_key(self, host: str | None) -> bytes:
        network = client_network(host).encode()
        return hmac.new(self._key, network, hashlib.sha256).digest()[:16]

    def take(self, host: str | None, widget_id: str) -> float:
        """Spend one session of this address and this widget: 0.0 when allowed, else the
        seconds to wait (and nothing is spent, so a refused client does not drain the widget)."""
        now = self.clock()
        address = self._addresses.bucket(self._address_key(host), now)
        widget = self._widgets.bucket(widget_id.encode(), now)
        wait = max(address.wait(self._addresses.per_second), widget.wait(self._widgets.per_second))
        if wait == 0.0:
            address.tokens -= 1
            widget.tokens -= 1
        return wait


def session_limiter(app: Any) -> SessionLimiter:
    """The app's limiter (`app.state.session_limiter`), made on first use with the configured
    rates; tests put their own there, with a clock of their choosing."""
    limiter: SessionLimiter | None = getattr(app.state, "session_limiter", None)
    if limiter is None:
        per_address = app.state.settings.visitor_sessions_per_address_per_minute
        per_widget = app.state.settings.visitor_sessions_per_widget_per_minute
        limiter = app.state.session_limiter = SessionLimiter(
            SessionLimits(
                per_address_per_minute=per_address,
                address_burst=max(1.0, per_address * 1.5),
                per_widget_per_minute=per_widget,
                widget_burst=max(1.0, per_widget / 2),
            )
        )
    return limiter
