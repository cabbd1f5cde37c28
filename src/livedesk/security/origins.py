"""Which web pages may open a visitor socket for a widget."""

from __future__ import annotations

from urllib.parse import urlsplit


def normalise_origin(origin: str) -> str | None:
    """`https://Example.nl:443/` → `https://example.nl`; None when it is not an http(s) origin."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def origin_allowed(origin: str | None, allowed: list[str]) -> bool:
    if "*" in allowed:
        return True
    if not origin:
        return False
    wanted = normalise_origin(origin)
    return wanted is not None and any(normalise_origin(a) == wanted for a in allowed)


def is_same_origin(origin: str | None, host_header: str | None, scheme: str) -> bool:
    """The page comes from Livedesk itself (its demo pages): always allowed to use a widget.

    A browser always sends the Host it connects to, so a foreign page cannot fake this.
    """
    if not origin or not host_header:
        return False
    return normalise_origin(origin) == normalise_origin(f"{scheme}://{host_header}")
