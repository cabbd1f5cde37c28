"""Request bodies are capped per endpoint and refused before they are read in full: by their
Content-Length, or by counting a chunked body as it arrives."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from security_helpers import running_live

from livedesk import i18n
from livedesk.security.bodylimit import DEFAULT_LIMIT, MIB, TEXT_LIMIT, limit_for
from livedesk.settings import Settings

from livedesk_testing import LiveServer, World


@pytest.fixture
async def server_secured(settings: Settings, world: World) -> AsyncIterator[LiveServer]:
    async with running_live(settings, secured=True) as live:
        yield live


def test_limits_per_endpoint() -> None:
    assert limit_for("/api/v1/auth/login") == DEFAULT_LIMIT == 64 * 1024
    assert limit_for("/api/v1/businesses/b1/faq/import") == 6 * MIB
    assert limit_for("/api/v1/businesses/b1/faq") == TEXT_LIMIT
    assert limit_for("/api/v1/businesses/b1/faq/f1") == TEXT_LIMIT
    assert limit_for("/api/v1/conversations/c1/leads") == TEXT_LIMIT
    assert limit_for("/api/v1/widget/key-a/offline") == TEXT_LIMIT
    assert limit_for("/api/v1/businesses/b1/faq/import/x") == DEFAULT_LIMIT  # no such page
    assert limit_for("/api/v1/businesses/b1/delivery-routes") == DEFAULT_LIMIT


def too_large(r: httpx.Response, limit: int, language: str = "nl") -> None:
    assert r.status_code == 413, r.text
    assert r.json() == {
        "code": "too_large",
        "message": i18n.text("too_large", language),
        "data": {"max_bytes": limit},
    }
    assert r.headers["x-content-type-options"] == "nosniff"  # still behind the headers


def big_login(size: int) -> bytes:
    return b'{"username": "op-alpha", "password": "' + b"x" * size + b'"}'


async def test_a_declared_body_over_the_cap_gets_413(server_secured: LiveServer) -> None:
    async with server_secured.http() as http:
        r = await http.post("/api/v1/auth/login", content=big_login(100_000))
        too_large(r, DEFAULT_LIMIT)
        r = await http.post(
            "/api/v1/auth/login",
            content=big_login(100_000),
            headers={"accept-language": "en"},
        )
        too_large(r, DEFAULT_LIMIT, "en")
        # Just under the cap is read and judged as usual.
        r = await http.post(
            "/api/v1/auth/login", content=big_login(DEFAULT_LIMIT - 100), headers=JSON
        )
        assert r.status_code == 422  # the password is longer than a password may be


JSON = {"content-type": "application/json"}


async def chunks(total: int, size: int = 8192) -> AsyncIterator[bytes]:
    yield b'{"username": "op-alpha", "password": "'
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


async def test_a_chunked_body_is_cut_off_at_the_cap(server_secured: LiveServer) -> None:
    async with server_secured.http() as http:
        # FastAPI reads this body for the login model: the cap stops it mid-read.
        r = await http.post("/api/v1/auth/login", content=chunks(100_000), headers=JSON)
        too_large(r, DEFAULT_LIMIT)
        # The offline form reads its body itself (leads' own parser), with a larger cap.
        path = "/api/v1/widget/key-alpha/offline"
        r = await http.post(path, content=chunks(TEXT_LIMIT + 10_000), headers=JSON)
        too_large(r, TEXT_LIMIT)
        r = await http.post(path, content=chunks(100_000), headers=JSON)
        assert r.status_code != 413  # over the default cap, under this endpoint's


async def raw_exchange(port: int, head: str, parts: list[bytes]) -> tuple[int, bytes]:
    """Sends the head and `parts` and never the rest of the body, then reads the answer: a
    server that waited for the whole body would never answer (the test times out)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head.encode())
        for part in parts:
            writer.write(part)
            await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 5)
        rest = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        return int(status_line.split()[1]), rest
    finally:
        writer.close()


async def test_refused_without_waiting_for_the_rest_of_the_body(
    server_secured: LiveServer,
) -> None:
    port = server_secured.port
    # 10 MB announced, 1 KB sent.
    status, _ = await raw_exchange(
        port,
        "POST /api/v1/auth/login HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\n"
        "content-length: 10000000\r\n\r\n",
        [b"{" + b" " * 1023],
    )
    assert status == 413
    # Chunked: 80 KB arrive (over the 64 KiB cap), the final chunk never does.
    chunk = b"x" * 8192
    status, _ = await raw_exchange(
        port,
        "POST /api/v1/auth/login HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\n"
        "transfer-encoding: chunked\r\n\r\n",
        [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * 10,
    )
    assert status == 413


async def test_the_faq_import_takes_larger_files_up_to_its_own_cap(
    server_secured: LiveServer, world: World
) -> None:
    path = f"/api/v1/businesses/{world.a.business_id}/faq/import?format=csv"
    async with server_secured.http() as http:
        r = await http.post(path, content=b"q,a\n" * 50_000)  # 200 KB: past the default cap
        assert r.status_code == 401  # reached the endpoint (which wants a login first)
        r = await http.post(path, content=b"q,a\n" * (2 * MIB))  # 8 MiB
        too_large(r, 6 * MIB)


async def test_websockets_and_lifespan_pass_through() -> None:
    from livedesk.security.bodylimit import BodyLimitMiddleware

    seen: list[Any] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope["type"], receive, send))

    async def receive() -> Any:
        return {}

    async def send(message: Any) -> None:
        return None

    middleware = BodyLimitMiddleware(inner)
    await middleware({"type": "websocket", "path": "/ws/x", "headers": []}, receive, send)
    await middleware({"type": "lifespan"}, receive, send)
    assert seen == [("websocket", receive, send), ("lifespan", receive, send)]
