"""Which proxies' X-Forwarded-* headers are believed: LIVEDESK_TRUSTED_PROXIES, none by default.

uvicorn's ProxyHeadersMiddleware does the work. Left to itself, uvicorn believes those headers
from 127.0.0.1 and ::1 (or FORWARDED_ALLOW_IPS); Livedesk believes them only from the proxies it
is told about. With a trusted proxy, uvicorn sets the request's scheme from X-Forwarded-Proto
(so the session cookie gets Secure behind a TLS-terminating proxy) and its client address from
X-Forwarded-For (so login throttling counts the client, not the proxy).
"""

from __future__ import annotations

from typing import Any

from livedesk.settings import Settings


def uvicorn_proxy_options(settings: Settings) -> dict[str, Any]:
    """`uvicorn.run(app, ..., **uvicorn_proxy_options(settings))`."""
    proxies = settings.trusted_proxy_list
    if not proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": proxies}
