"""The router's tunables: offer timeout, heartbeat timeout, visitor and operator grace, refresh
intervals."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from livedesk.routing.engine import RoutingConfig

ENV_PREFIX = "LIVEDESK_ROUTING_"


@dataclass(frozen=True)
class RouterOptions:
    engine: RoutingConfig = field(default_factory=RoutingConfig)
    visitor_grace: timedelta = timedelta(seconds=30)  # a page reload must not abandon a chat
    # An operator whose last console closed is offline this long after, unless a console is
    # back (a reload takes a second or two): their chats go back to the queue within seconds.
    disconnect_grace: timedelta = timedelta(seconds=5)
    queue_interval: float = 0.5  # seconds between queue-frame refreshes (debounce)
    sweep_interval: float = 5.0  # safety tick: timers of other processes, lost wake-ups
    # How long the timers' lease lasts: a killed holder's timers move within about this long.
    lease_seconds: float = 6.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RouterOptions:
        """LIVEDESK_ROUTING_OFFER_TIMEOUT, _MAX_EXPIRED, _HEARTBEAT_TIMEOUT, _VISITOR_GRACE,
        _DISCONNECT_GRACE (seconds), _QUEUE_INTERVAL, _SWEEP_INTERVAL, _LEASE_SECONDS."""
        env = os.environ if env is None else env

        def num(name: str, default: float) -> float:
            return float(env.get(ENV_PREFIX + name, default))

        base = RoutingConfig()
        return cls(
            engine=RoutingConfig(
                offer_timeout=timedelta(seconds=num("OFFER_TIMEOUT", 20)),
                max_consecutive_expired=int(num("MAX_EXPIRED", base.max_consecutive_expired)),
                heartbeat_timeout=timedelta(seconds=num("HEARTBEAT_TIMEOUT", 60)),
            ),
            visitor_grace=timedelta(seconds=num("VISITOR_GRACE", 30)),
            disconnect_grace=timedelta(seconds=num("DISCONNECT_GRACE", 5)),
            queue_interval=num("QUEUE_INTERVAL", 0.5),
            sweep_interval=num("SWEEP_INTERVAL", 5.0),
            lease_seconds=num("LEASE_SECONDS", 6.0),
        )
