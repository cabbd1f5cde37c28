"""Client addresses without keeping them: keyed hashes under a rotating key where a limit needs
to recognise a client again, and truncated addresses where a log line names one.

- `RotatingHash`: HMAC-SHA-256 (cut to 16 bytes, as the login throttle's) under a random key that
  lives only in this process and is replaced every `rotate_seconds`. Nobody, the provider
  included, can turn a stored hash back into an address, and after a rotation not even this
  process can link a new hash to an old one. A rotation also forgets every bucket keyed by the
  old key, which bounds how long anything about a client is held.
- `truncate_address`: an IPv4 address to its /24 and an IPv6 address to its /48, as analytics
  tools anonymise them; the port goes. uvicorn's access and WebSocket log lines get this through
  `truncate_log_addresses`, so a log file never holds a visitor's full address (nor the token
  a visitor socket's address carries).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address

Clock = Callable[[], float]
DAY = 24 * 3600.0
# A visitor socket's address carries its token (/ws/visitor?token=…): a credential, and the
# visitor's id inside it.
TOKEN_IN_QUERY = re.compile(r"(token=)[^&\s]+")


class RotatingHash:
    def __init__(self, rotate_seconds: float = DAY, clock: Clock = time.monotonic) -> None:
        self.rotate_seconds = rotate_seconds
        self.clock = clock
        self._key = secrets.token_bytes(32)
        self._since = clock()
        self.generation = 0  # raised at each rotation: callers drop what the old key made

    def __call__(self, value: str) -> bytes:
        now = self.clock()
        if now - self._since >= self.rotate_seconds:
            self._key = secrets.token_bytes(32)
            self._since = now
            self.generation += 1
        return hmac.new(self._key, value.encode(), hashlib.sha256).digest()[:16]


def truncate_address(host: str | None) -> str:
    """1.2.3.4 → 1.2.3.0, 2001:db8:1:2::5 → 2001:db8:1::; what is no address stays as it is
    (a Unix socket's path, "unknown")."""
    try:
        address = ip_address((host or "").split("%", 1)[0])
    except ValueError:
        return host or ""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, IPv6Address):
        return str(IPv6Network(f"{address}/48", strict=False).network_address)
    return str(IPv4Network(f"{address}/24", strict=False).network_address)


def _split_client(client: str) -> str:
    """uvicorn writes "host:port" (an IPv6 host unbracketed): the host, without the port."""
    host, _, port = client.rpartition(":")
    return host if host and port.isdigit() else client


def _without_token(value: object) -> object:
    return TOKEN_IN_QUERY.sub(r"\1…", value) if isinstance(value, str) else value


class TruncateClientAddress(logging.Filter):
    """For uvicorn's lines that start with the client ('%s - "GET …" 200'): the first argument
    becomes the truncated address, and a token in the path is left out."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args and isinstance(record.msg, str):
            if record.msg.startswith('%s - "') and isinstance(args[0], str):
                client = truncate_address(_split_client(args[0])) if args[0] else args[0]
                record.args = (client, *(_without_token(a) for a in args[1:]))
        return True


def truncate_log_addresses() -> None:
    """Once per process, on the loggers uvicorn names clients in."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, TruncateClientAddress) for f in logger.filters):
            logger.addFilter(TruncateClientAddress())
