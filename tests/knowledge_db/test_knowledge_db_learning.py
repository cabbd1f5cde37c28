"""Learning in the running product: evidence in the database becomes near-repeat matching of
the business's suggestions, spam chats teach nothing, and every logged ranking keeps the offer
confidence a business's own offer band is later fitted on."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select, update
from test_knowledge_db_live import RETURNS, SHIPPING, faq, say, start_chat

from livedesk.conversations.models import Conversation, Disposition
from livedesk.knowledge.models import EvidenceKind, FaqEvidence, FaqSuggestionLog

from livedesk_testing import LiveServer, World

# Visitors' words that share nothing with either entry's text.
PHRASING = "mag ik mijn spullen terugbrengen naar de winkel"


async def logged_items(server: LiveServer, cid: str) -> list[dict[str, Any]]:
    for _ in range(100):  # suggestions are worked off the connection: wait for the row
        async with server.runtime.reading() as session:
            items = await session.scalar(
                select(FaqSuggestionLog.items).where(FaqSuggestionLog.conversation_id == cid)
            )
        if items:
            return list(items)
        await asyncio.sleep(0.05)
    raise AssertionError("no suggestion log row")


async def test_an_operators_reply_teaches_the_phrasing_and_a_spam_chat_unteaches_it(
    server: LiveServer, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    owner = await as_user(world.a.business_user)
    returns = (await owner.post(faq(world), json=RETURNS)).json()["faq_id"]
    await owner.post(faq(world), json=SHIPPING)
    visitor, cid = await start_chat(server, world)
    seq = await say(visitor, cid, PHRASING, "v1")
    # Every logged ranking carries the offer confidence on its first item.
    items = await logged_items(server, cid)
    assert 0.0 <= items[0]["offer"] <= 1.0

    service = server.runtime.extensions["knowledge"]
    business = world.a.business_id
    async with server.runtime.transaction() as session:
        session.add(
            FaqEvidence(
                business_id=business,
                conversation_id=cid,
                seq=seq,
                query=PHRASING,
                entry_id=returns,
                kind=EvidenceKind.AS_IS,
            )
        )
    await service.refresh_learned(business)
    # The same words again, with a greeting and a typo: the operator's entry comes first.
    result = await service.suggest(business, "Hoi, mag ik mijn spullen terugbrengn naar de winkel?")
    top = result.suggestions[0]
    assert top.entry_id == returns and "repeat" in top.signals
    assert result.offer_confidence >= top.confidence > 0.5

    async with server.runtime.transaction() as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == cid)
            .values(disposition=Disposition.SPAM.value)
        )
    await service.refresh_learned(business)
    again = await service.suggest(business, PHRASING)
    assert all("repeat" not in s.signals for s in again.suggestions)
