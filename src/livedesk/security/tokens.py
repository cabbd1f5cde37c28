"""Signed, expiring visitor tokens and random bearer secrets.

A visitor token is `base64url(payload).base64url(hmac_sha256(key, payload))`; the payload names
the widget and the visitor, so a token from one widget never opens another's conversations.
Tokens are signed with one key and read with any of several, so the signing key can be rotated
without logging every visitor out (LIVEDESK_SECRET_KEY="new,old").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

import orjson


class InvalidToken(Exception):
    pass


@dataclass(frozen=True, slots=True)
class VisitorClaims:
    widget_id: str
    visitor_id: str
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, b"visitor." + payload.encode(), hashlib.sha256).digest())


def issue_visitor_token(
    key: bytes, widget_id: str, visitor_id: str, ttl_seconds: int, now: float | None = None
) -> str:
    expires = int((now if now is not None else time.time()) + ttl_seconds)
    payload = _b64(orjson.dumps({"w": widget_id, "v": visitor_id, "exp": expires}))
    return f"{payload}.{_sign(key, payload)}"


def read_visitor_token(
    keys: bytes | Sequence[bytes], token: str, now: float | None = None
) -> VisitorClaims:
    """The claims of a token signed with any of `keys` (one key, or the current and previous)."""
    try:
        payload, signature = token.split(".", 1)
    except (ValueError, AttributeError):
        raise InvalidToken("malformed token") from None
    candidates = [keys] if isinstance(keys, bytes) else list(keys)
    # Every key is tried, so the time taken does not tell which one matched.
    matches = [hmac.compare_digest(signature, _sign(key, payload)) for key in candidates]
    if not any(matches):
        raise InvalidToken("bad signature")
    try:
        data = orjson.loads(_unb64(payload))
        claims = VisitorClaims(str(data["w"]), str(data["v"]), int(data["exp"]))
    except (ValueError, KeyError, TypeError):
        raise InvalidToken("malformed payload") from None
    if claims.expires_at < (now if now is not None else time.time()):
        raise InvalidToken("expired")
    return claims


def new_bearer_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_bearer_secret(secret: str) -> str:
    # Bearer secrets are 256 random bits, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(secret.encode()).hexdigest()
