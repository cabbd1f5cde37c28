"""Refuse text no database can store before it reaches one: NUL characters and unpaired UTF-16
surrogates.

JSON may spell both (`\\u0000`, a lone `\\ud800`) and Python takes them as text, but PostgreSQL
refuses a NUL in any text value and neither backend can encode a lone surrogate, so such a
request used to end in a 500 wherever it was stored (the fuzz run found it through the login).
Checked once here for every request, it is a 422 in the usual shape, naming the field: a JSON
body's path (`prechat.name`) or the query parameter. Bodies are read here in full only when
they could hold such an escape; the body caps (bodylimit.py, outside this) apply first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livedesk import i18n
from livedesk.errors import field_errors
from livedesk.jsonutil import JsonResponse

CODE = "invalid_character"
# A NUL as a raw byte or JSON escape, or a JSON escape of a surrogate (paired ones are checked
# after decoding, where a pair has become one character).
_SUSPECT = re.compile(rb"\x00|\\u0000|\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
# Bodies that are files, not text: passed on unread.
BINARY = ("application/octet-stream", "image/", "application/pdf")
_SUSPECT_QUERY = re.compile(rb"%00", re.IGNORECASE)

i18n.register(
    {
        "nl": {CODE: "Dit bevat een teken dat niet kan worden opgeslagen (zoals een nul-teken)."},
        "en": {CODE: "This contains a character that cannot be stored (such as a NUL character)."},
    }
)


def _unstorable(text: str) -> bool:
    return "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def _strings(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*path, str(key)), str(key)
            yield from _strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, str(index)))


def body_field(body: bytes, content_type: str = "") -> str | None:
    """The path of the first unstorable string in a JSON body ("body" for the whole) or the
    name of a form field holding a NUL, or None."""
    if content_type.startswith("application/x-www-form-urlencoded"):
        return _form_field(body)
    if not _SUSPECT.search(body):
        return None
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "body" if b"\x00" in body else None  # FastAPI answers for broken JSON
    for path, text in _strings(document):
        if _unstorable(text):
            return ".".join(path) or "body"
    return None


def _form_field(raw: bytes) -> str | None:
    if b"\x00" not in raw and not _SUSPECT_QUERY.search(raw):
        return None
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "") or "body"
    return None


def query_field(scope: Scope) -> str | None:
    if "\x00" in scope["path"]:
        return "path"
    return _form_field(scope.get("query_string", b""))


def refusal(field: str, accept_language: str | None) -> JsonResponse:
    language = i18n.request_language(accept_language)
    body = {
        "code": "invalid",
        "message": i18n.text("invalid", language),
        "data": field_errors({field: CODE}, language),
    }
    return JsonResponse(body, status_code=422)


class TextInputMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        language = headers.get(b"accept-language", b"").decode("latin-1") or None
        field = query_field(scope)
        if field is not None:
            await refusal(field, language)(scope, receive, send)
            return
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        # A file's bytes (attachments) are no text: NULs belong in them.
        if scope["method"] in ("GET", "HEAD", "OPTIONS") or content_type.startswith(BINARY):
            await self.app(scope, receive, send)
            return
        messages, body = await _read_body(receive)
        field = body_field(body, content_type)
        if field is not None:
            await refusal(field, language)(scope, receive, send)
            return
        await self.app(scope, _replay(messages, receive), send)


async def _read_body(receive: Receive) -> tuple[list[Message], bytes]:
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
    return messages, body


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay
