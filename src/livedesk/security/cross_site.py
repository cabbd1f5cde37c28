"""Refuse state-changing requests that a foreign page makes with a staff member's cookie.

The session cookie is `SameSite=Strict`, which modern browsers honour; this is the second lock
for the rest. A browser names the page that made a request in `Origin` on every cross-origin
POST, PUT, PATCH and DELETE, so a cookie-carrying request whose `Origin` is not this server's
own is refused with 403. Requests without a session cookie (the widget's token calls, API
tokens in `Authorization`) and requests without `Origin` (scripts, curl) are not a browser
acting for a logged-in user, and pass.

The same check guards the staff socket's handshake (`staff_socket_origin_ok`): a cookie rides
along on a WebSocket handshake from any page, and browsers always name that page in `Origin`.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from livedesk import i18n
from livedesk.jsonutil import dumps
from livedesk.security.origins import is_same_origin

SESSION_COOKIE = "livedesk_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

i18n.register(
    {
        "nl": {"cross_site": "Dit verzoek komt van een andere website en is geweigerd."},
        "en": {"cross_site": "This request comes from another website and was refused."},
    }
)


def is_own_origin(headers: Headers, scheme: str) -> bool:
    """The request names this server (the Host it was sent to) as the page that made it."""
    return is_same_origin(headers.get("origin"), headers.get("host"), scheme)


def staff_socket_origin_ok(websocket: WebSocket) -> bool:
    """May this staff socket handshake go on? Yes without `Origin` (a script or another server:
    no browser carrying someone's cookie) or when `Origin` is this server itself."""
    if websocket.headers.get("origin") is None:
        return True
    scheme = "https" if websocket.url.scheme in ("wss", "https") else "http"
    return is_own_origin(websocket.headers, scheme)


def _has_session_cookie(headers: Headers) -> bool:
    raw = headers.get("cookie")
    if not raw or SESSION_COOKIE not in raw:
        return False
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(raw)
    except Exception:  # a malformed header carries no usable session either
        return False
    return SESSION_COOKIE in cookie


class CrossSiteMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        scheme = "https" if scope.get("scheme") == "https" else "http"
        if (
            headers.get("origin") is None
            or not _has_session_cookie(headers)
            or headers.get("authorization", "").lower().startswith("bearer ")
            or is_own_origin(headers, scheme)
        ):
            await self.app(scope, receive, send)
            return
        language = i18n.request_language(headers.get("accept-language"))
        body = dumps(
            {
                "code": "cross_site",
                "message": i18n.text("cross_site", language),
                "data": {"origin": headers.get("origin")},
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
