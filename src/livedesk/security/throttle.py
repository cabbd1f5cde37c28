"""Login throttling: back-off per account and per client address, decided before any password
is hashed.

Every wrong password costs the server an argon2 verification (about 280 ms at production cost),
so a refused attempt must be refused before it gets there. Two counters, each a leaky bucket
with exponential back-off once its free failures are used up:

- per account (the username as typed, whether or not it exists): guessing one operator's
  password from many addresses slows to one try a minute at most. The back-off is capped at
  `account_max_seconds`, and an address this account logged in from before is exempt from it
  (it still has its own counter), so an attacker can keep a known operator waiting a minute at
  worst, and not at all at the desk they always use;
- per client address (an IPv6 client counts per /64): one address trying many accounts, also
  capped at a minute.

An attempt that is let through counts as a failure at once and is taken back when it succeeds,
so a burst of parallel guesses cannot all slip in while the first is still being verified.

Nothing here stores a username or an IP address: both become keyed hashes under a random key
that lives only in this process. The state is per process; behind several processes each has
its own, which still bounds what an attacker gets per process.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv6Address, ip_address
from typing import Any

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    account_free_failures: int = 5
    account_leak_seconds: float = 60.0  # one failure forgiven per this many seconds
    account_base_seconds: float = 1.0  # back-off after the first failure past the free ones
    account_max_seconds: float = 60.0  # an attacker can make an operator wait this long at most
    address_free_failures: int = 20
    address_leak_seconds: float = 30.0
    address_base_seconds: float = 1.0
    # A minute too: behind a proxy that is not configured as trusted every client shares one
    # address, and an attacker there must not keep everyone out for long.
    address_max_seconds: float = 60.0
    known_address_days: float = 30.0  # an address an account logged in from is exempt this long
    max_entries: int = 100_000  # per table; the idle ones go first


@dataclass(slots=True)
class _Bucket:
    level: float = 0.0
    updated: float = 0.0
    blocked_until: float = 0.0

    def drain(self, now: float, leak_seconds: float) -> None:
        self.level = max(0.0, self.level - (now - self.updated) / leak_seconds)
        self.updated = now

    def wait(self, now: float) -> float:
        return max(0.0, self.blocked_until - now)

    def fail(self, now: float, free: int, base: float, cap: float) -> None:
        self.level += 1
        over = self.level - free
        if over > 0:
            delay = min(cap, base * 2 ** (math.ceil(over) - 1))
            self.blocked_until = max(self.blocked_until, now + delay)

    def idle(self, now: float) -> bool:
        return self.level <= 0 and self.blocked_until <= now


@dataclass(frozen=True, slots=True)
class Attempt:
    """A login the throttle let through; hand it back to `succeeded` when the password was
    right."""

    account: bytes
    address: bytes


class LoginThrottle:
    def __init__(
        self,
        policy: ThrottlePolicy | None = None,
        clock: Clock = time.monotonic,
        key: bytes | None = None,
    ) -> None:
        self.policy = policy or ThrottlePolicy()
        self.clock = clock
        self._key = key or secrets.token_bytes(32)
        self._accounts: dict[bytes, _Bucket] = {}
        self._addresses: dict[bytes, _Bucket] = {}
        self._known: dict[tuple[bytes, bytes], float] = {}  # (account, address) → until

    # keys: keyed hashes, never the name or address itself

    def _hash(self, kind: bytes, value: str) -> bytes:
        return hmac.new(self._key, kind + b"\0" + value.encode(), hashlib.sha256).digest()[:16]

    def account_key(self, username: str) -> bytes:
        return self._hash(b"account", username.strip().lower())

    def address_key(self, host: str | None) -> bytes:
        return self._hash(b"address", client_network(host))

    # the two calls the login makes

    def begin(self, username: str, host: str | None) -> tuple[Attempt | None, float]:
        """(attempt, 0.0) when this login may be tried now, or (None, seconds to wait).

        A returned attempt already counts as a failure until `succeeded(attempt)`."""
        now = self.clock()
        p = self.policy
        account_key, address_key = self.account_key(username), self.address_key(host)
        account = self._bucket(self._accounts, account_key, now, p.account_leak_seconds)
        address = self._bucket(self._addresses, address_key, now, p.address_leak_seconds)
        wait = address.wait(now)
        if not self._is_known(account_key, address_key, now):
            wait = max(wait, account.wait(now))
        if wait > 0:
            return None, wait
        account.fail(now, p.account_free_failures, p.account_base_seconds, p.account_max_seconds)
        address.fail(now, p.address_free_failures, p.address_base_seconds, p.address_max_seconds)
        return Attempt(account_key, address_key), 0.0

    def succeeded(self, attempt: Attempt) -> None:
        """The password was right: the account starts over, the address gets its attempt back
        and is known for this account from now on."""
        now = self.clock()
        self._accounts.pop(attempt.account, None)
        address = self._addresses.get(attempt.address)
        if address is not None:
            address.level = max(0.0, address.level - 1)
        self._known[(attempt.account, attempt.address)] = (
            now + self.policy.known_address_days * 86400
        )
        if len(self._known) > self.policy.max_entries:
            self._prune_known(now)

    # bookkeeping

    def _is_known(self, account: bytes, address: bytes, now: float) -> bool:
        until = self._known.get((account, address))
        return until is not None and until > now

    def _bucket(
        self, table: dict[bytes, _Bucket], key: bytes, now: float, leak_seconds: float
    ) -> _Bucket:
        bucket = table.get(key)
        if bucket is None:
            if len(table) >= self.policy.max_entries:
                self._prune(table, now, leak_seconds)
            bucket = table[key] = _Bucket(updated=now)
        else:
            bucket.drain(now, leak_seconds)
        return bucket

    def _prune(self, table: dict[bytes, _Bucket], now: float, leak_seconds: float) -> None:
        for key, bucket in list(table.items()):
            bucket.drain(now, leak_seconds)
            if bucket.idle(now):
                del table[key]
        if len(table) >= self.policy.max_entries:  # still full: the oldest half goes
            for key in list(table)[: len(table) // 2]:
                del table[key]

    def _prune_known(self, now: float) -> None:
        for pair, until in list(self._known.items()):
            if until <= now:
                del self._known[pair]
        if len(self._known) > self.policy.max_entries:
            for pair in list(self._known)[: len(self._known) // 2]:
                del self._known[pair]


def client_network(host: str | None) -> str:
    """What counts as one client: its IPv4 address, or its IPv6 /64 (one subscriber usually
    holds a whole /64). Callers hash it before keeping it anywhere."""
    try:
        address = ip_address((host or "").split("%", 1)[0])
    except ValueError:
        return host or "unknown"
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is None:
            return str(IPv6Address(int(address) >> 64 << 64)) + "/64"
        address = address.ipv4_mapped
    return str(address)


def login_throttle(app: Any) -> LoginThrottle:
    """The app's throttle (`app.state.login_throttle`), made on first use; tests put their own
    there, with a clock of their choosing, before the first login."""
    throttle: LoginThrottle | None = getattr(app.state, "login_throttle", None)
    if throttle is None:
        throttle = app.state.login_throttle = LoginThrottle()
    return throttle


def retry_after_seconds(wait: float) -> int:
    """Whole seconds for Retry-After: rounded up, at least 1."""
    return max(1, math.ceil(wait))
