"""The FAQ bot's success per business in the reports (API and page), worked out by hand from a
few chats: a direct answer an operator corrected, an offer the visitor picked from, an offer
turned down, and a pick in a chat later marked spam (left out)."""

from __future__ import annotations

from datetime import UTC, datetime

from test_knowledge_db_live import RETURNS, SHIPPING, faq

from livedesk.conversations.models import Conversation, Message, Visitor
from livedesk.knowledge.models import FaqEvidence, FaqSuggestionLog

from livedesk_testing import LiveServer, Tenant, World

AT = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
PERIOD = "from=2026-11-01&to=2026-11-30"


async def chat(server: LiveServer, tenant: Tenant, disposition: str | None = None) -> str:
    async with server.runtime.transaction() as session:
        visitor = Visitor(business_id=tenant.business_id, widget_id=tenant.widget_id)
        session.add(visitor)
        await session.flush()
        conversation = Conversation(
            business_id=tenant.business_id,
            widget_id=tenant.widget_id,
            visitor_id=visitor.id,
            last_seq=1,
            disposition=disposition,
        )
        session.add(conversation)
        await session.flush()
        session.add(
            Message(
                conversation_id=conversation.id,
                business_id=tenant.business_id,
                seq=1,
                author_kind="visitor",
                body="verzenden",
                created_at=AT,
            )
        )
        return conversation.id


async def test_bot_success_per_business_from_picks_and_corrections(
    server: LiveServer, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    owner = await as_user(world.a.business_user)
    shipping = (await owner.post(faq(world), json=SHIPPING)).json()["faq_id"]
    returns = (await owner.post(faq(world), json=RETURNS)).json()["faq_id"]
    tenant = world.a
    answered, picked, refused = [await chat(server, tenant) for _ in range(3)]
    spam = await chat(server, tenant, disposition="spam")

    def evidence(conversation_id: str, entry_id: str, kind: str) -> FaqEvidence:
        return FaqEvidence(
            business_id=tenant.business_id,
            conversation_id=conversation_id,
            seq=1,
            query="verzenden",
            entry_id=entry_id,
            kind=kind,
            created_at=AT,
        )

    async with server.runtime.transaction() as session:
        # The bot answered with shipping; the operator then answered with returns instead.
        session.add(
            FaqSuggestionLog(
                business_id=tenant.business_id,
                conversation_id=answered,
                seq=1,
                query="verzenden",
                method="lexical",
                items=[{"faq_id": shipping, "score": 0.95}],
                bot_faq_id=shipping,
                created_at=AT,
            )
        )
        session.add_all(
            [
                evidence(answered, returns, "edited"),
                evidence(picked, returns, "chosen"),
                evidence(refused, shipping, "rejected"),  # "none of these": one row per entry
                evidence(refused, returns, "rejected"),
                evidence(spam, shipping, "chosen"),
            ]
        )

    expected = {
        "business_id": tenant.business_id,
        "name": (await owner.get(f"/api/v1/businesses/{tenant.business_id}")).json()["name"],
        "answers": 1,
        "corrected": 1,
        "offers": 2,
        "chosen": 1,
        "rejected": 1,
        "success": 1 / 3,  # (1 answer - 1 corrected + 1 chosen) / (1 answer + 2 offers)
    }
    manager = await as_user("super")
    everyone = (await manager.get(f"/api/v1/reports/bot?{PERIOD}")).json()["businesses"]
    assert everyone == [expected]  # business b had no bot at all: no row
    own = (await owner.get(f"/api/v1/reports/bot?{PERIOD}")).json()["businesses"]
    assert own == [expected]
    earlier = await owner.get("/api/v1/reports/bot?from=2026-10-01&to=2026-10-31")
    assert earlier.json()["businesses"] == []
    operator = await as_user(tenant.operator)
    refused_op = await operator.get(f"/api/v1/reports/bot?{PERIOD}")
    assert refused_op.status_code == 403 and refused_op.json()["code"] == "report_bot_forbidden"

    page = await owner.get(f"/reports/business/{tenant.business_id}?{PERIOD}")
    assert page.status_code == 200
    assert '<h2 id="h-bot">FAQ-bot</h2>' in page.text and "33" in page.text.split("h-bot")[-1]
