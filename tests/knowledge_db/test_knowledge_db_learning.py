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


async def test_visitors_picks_and_turn_downs_are_outcomes_for_the_business_bands(
    server: LiveServer, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    owner = await as_user(world.a.business_user)
    await owner.post(faq(world), json=RETURNS)
    await owner.post(faq(world), json=SHIPPING)
    visitor, cid = await start_chat(server, world)
    picked_seq = await say(visitor, cid, "bestelling terugsturen", "v1")
    picked_items = await logged_items(server, cid)
    declined_seq = await say(visitor, cid, "wat kost verzenden", "v2")
    for _ in range(100):
        async with server.runtime.reading() as session:
            declined_items = await session.scalar(
                select(FaqSuggestionLog.items).where(
                    FaqSuggestionLog.conversation_id == cid, FaqSuggestionLog.seq == declined_seq
                )
            )
        if declined_items:
            break
        await asyncio.sleep(0.05)
    assert declined_items
    business = world.a.business_id
    second = picked_items[1]["faq_id"]
    async with server.runtime.transaction() as session:
        session.add(  # the visitor picked the second entry offered
            FaqEvidence(
                business_id=business,
                conversation_id=cid,
                seq=picked_seq,
                query="bestelling terugsturen",
                entry_id=second,
                kind=EvidenceKind.CHOSEN,
            )
        )
        for item in declined_items:  # "none of these": a row for every offered entry
            session.add(
                FaqEvidence(
                    business_id=business,
                    conversation_id=cid,
                    seq=declined_seq,
                    query="wat kost verzenden",
                    entry_id=item["faq_id"],
                    kind=EvidenceKind.REJECTED,
                )
            )
    service = server.runtime.extensions["knowledge"]
    record = await service.recorded_evidence(business)
    assert sorted((e.rank or 0) for e in record) == [0, 2]
    by_rank = {e.rank: e for e in record}
    assert by_rank[2].confidence == picked_items[0]["score"]
    assert by_rank[2].offer_confidence == picked_items[0]["offer"]
    assert by_rank[None].offer_confidence == declined_items[0]["offer"]
