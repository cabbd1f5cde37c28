"""Report test support: clients logged in as anyone, and the shapes the tests compare."""

from __future__ import annotations

import httpx

from livedesk_testing import LiveServer, login

ADMIN = "admin"  # the provider admin the `admin` fixture creates


def empty_grid() -> list[list[int]]:
    return [[0] * 24 for _ in range(7)]


async def client_as(server: LiveServer, username: str | None, **kw: object) -> httpx.AsyncClient:
    """A client with that user's session cookie; None: anonymous."""
    if username is None:
        return server.http(**kw)  # type: ignore[arg-type]
    cookie = await login(server, username)
    return server.http(cookies={"livedesk_session": cookie}, **kw)  # type: ignore[arg-type]
