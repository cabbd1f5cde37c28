"""FAQ storage/API tests run lexical (fast) unless a test asks for embeddings itself."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from livedesk_testing import LiveServer, World, login


@pytest.fixture(autouse=True)
def lexical_faq(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LIVEDESK_FAQ_EMBEDDINGS", "0")
    yield


class Clients:
    """One logged-in HTTP client per user of the test world."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self._open: dict[str, httpx.AsyncClient] = {}

    async def __call__(self, username: str) -> httpx.AsyncClient:
        if username not in self._open:
            secret = await login(self.server, username)
            self._open[username] = self.server.http(cookies={"livedesk_session": secret})
        return self._open[username]

    async def close(self) -> None:
        for client in self._open.values():
            await client.aclose()


@pytest.fixture
async def as_user(server: LiveServer, world: World) -> AsyncIterator[Clients]:
    clients = Clients(server)
    yield clients
    await clients.close()
