"""Request body caps per endpoint, enforced before a body is read in full.

A declared Content-Length over the cap is answered 413 without reading a byte; a body without
one (chunked) is counted as it arrives and cut off at the cap. Whatever the client still sends
after the answer, uvicorn's parser drops unbuffered, so the client can read its 413 (closing the
connection instead would reset it mid-upload and lose the answer). Pure ASGI: WebSockets and
the lifespan pass straight through.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livedesk.errors import ApiError
from livedesk.i18n import request_language
from livedesk.jsonutil import JsonResponse

KIB = 1024
MIB = 1024 * KIB
DEFAULT_LIMIT = 64 * KIB  # JSON APIs: logins, chats, settings
TEXT_LIMIT = 256 * KIB  # endpoints that take several 10,000-character fields

# First match wins; everything else gets DEFAULT_LIMIT.
LIMITS: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(pattern), limit)
    for pattern, limit in (
        # The import refuses files over 5 MB itself, with its own explanation.
        (r"^/api/v1/businesses/[^/]+/faq/import$", 6 * MIB),
        (r"^/api/v1/businesses/[^/]+/faq(/[^/]+)?$", TEXT_LIMIT),
        (r"^/api/v1/businesses/[^/]+/faq/proposals/[^/]+/approve$", TEXT_LIMIT),
        (r"^/api/v1/conversations/[^/]+/(leads|faq-proposals)$", TEXT_LIMIT),
        (r"^/api/v1/widget/[^/]+/offline$", TEXT_LIMIT),
        # Files sent in a chat: their own setting (10 MiB by default) is checked by the
        # endpoint, with its own explanation; this is the ceiling of that setting.
        (r"^/api/v1/(widget/[^/]+/)?conversations/[^/]+/attachments$", 64 * MIB),
    )
)


def limit_for(path: str, limits: Sequence[tuple[re.Pattern[str], int]] = LIMITS) -> int:
    for pattern, limit in limits:
        if pattern.match(path):
            return limit
    return DEFAULT_LIMIT


def too_large_response(limit: int, accept_language: str | None) -> JsonResponse:
    """413 in the error shape, the message in the request's language (livedesk.i18n)."""
    error = ApiError("request body too large", code="too_large", data={"max_bytes": limit})
    language = request_language(accept_language)
    return JsonResponse(error.to_dict(language), status_code=413)


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the cap. An HTTPException, so FastAPI
    lets it through its body parsing and the app's handlers answer it (see install)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")
        self.limit = limit


async def body_too_large_handler(request: Request, exc: Exception) -> JsonResponse:
    limit = exc.limit if isinstance(exc, BodyTooLarge) else DEFAULT_LIMIT
    return too_large_response(limit, request.headers.get("accept-language"))


class BodyLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        limits: Sequence[tuple[re.Pattern[str], int]] = LIMITS,
    ) -> None:
        self.app = app
        self.limits = tuple(limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"], self.limits)
        declared: int | None = None
        accept_language: str | None = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
            elif name == b"accept-language":
                accept_language = value.decode("latin-1")
        if declared is not None and declared > limit:
            await too_large_response(limit, accept_language)(scope, receive, send)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if started:  # too late for a status: the connection is cut
                raise
            await too_large_response(limit, accept_language)(scope, receive, send)
