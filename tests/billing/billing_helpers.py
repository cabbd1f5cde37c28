"""Conversations, messages and leads written straight into the database, with the timestamps a
test needs (the month's edges, handle times), as the chat core would have left them; the
roles of the authorization tests; a whole contract with billing terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from livedesk.conversations.models import Conversation, Message, Visitor
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.knowledge.models import FaqBotState
from livedesk.leads.models import Lead
from livedesk.settings import Settings

from livedesk_testing import Tenant

QUESTION = "Wat kost een abonnement bij jullie per maand?"


@dataclass
class Chat:
    at: datetime  # created and queued
    state: str = "closed"
    disposition: str | None = "answered"
    visitor: tuple[str, ...] = (QUESTION,)
    operator_replies: int = 1
    internal_notes: int = 0
    bot_answers: int = 0
    wait: timedelta | None = timedelta(seconds=20)  # queued → accepted; None: never accepted
    handle: timedelta | None = timedelta(minutes=5)  # accepted → closed


def _conversation(tenant: Tenant, visitor_id: str, chat: Chat) -> Conversation:
    accepted = chat.at + chat.wait if chat.wait is not None else None
    closed = accepted + chat.handle if accepted and chat.handle and chat.state == "closed" else None
    gone = chat.at + timedelta(seconds=90)
    return Conversation(
        business_id=tenant.business_id,
        widget_id=tenant.widget_id,
        visitor_id=visitor_id,
        state=chat.state,
        disposition=chat.disposition,
        created_at=chat.at,
        queued_at=chat.at,
        accepted_at=accepted,
        first_reply_at=accepted if chat.operator_replies else None,
        closed_at=closed,
        abandoned_at=gone if chat.state == "abandoned" else None,
        missed_at=gone if chat.state == "missed" else None,
    )


def _messages(tenant: Tenant, conversation: Conversation, chat: Chat) -> list[Message]:
    said: list[tuple[str, str, bool]] = [("visitor", text, False) for text in chat.visitor]
    said += [("operator", "Dat hangt af van het pakket.", False)] * chat.operator_replies
    said += [("operator", "Notitie: vaste klant.", True)] * chat.internal_notes
    said += [("bot", "Een abonnement kost €12 per maand.", False)] * chat.bot_answers
    return [
        Message(
            conversation_id=conversation.id,
            business_id=tenant.business_id,
            seq=seq,
            author_kind=kind,
            body=body,
            internal=internal,
            created_at=chat.at + timedelta(seconds=seq),
        )
        for seq, (kind, body, internal) in enumerate(said, start=1)
    ]


async def add_chats(settings: Settings, tenant: Tenant, chats: list[Chat]) -> list[str]:
    engine = make_engine(settings)
    ids = []
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            visitor = Visitor(business_id=tenant.business_id, widget_id=tenant.widget_id)
            session.add(visitor)
            await session.flush()
            for chat in chats:
                conversation = _conversation(tenant, visitor.id, chat)
                session.add(conversation)
                await session.flush()
                messages = _messages(tenant, conversation, chat)
                session.add_all(messages)
                conversation.last_seq = len(messages)
                if chat.bot_answers:
                    session.add(
                        FaqBotState(
                            conversation_id=conversation.id,
                            business_id=tenant.business_id,
                            answers=chat.bot_answers,
                        )
                    )
                ids.append(conversation.id)
    finally:
        await engine.dispose()
    return ids


async def add_leads(settings: Settings, tenant: Tenant, leads: list[tuple[datetime, str]]) -> None:
    """(filed at, status) each."""
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            for at, status in leads:
                fields: dict[str, Any] = {"kind": "sales_lead", "source": "operator"}
                session.add(
                    Lead(business_id=tenant.business_id, status=status, created_at=at, **fields)
                )
    finally:
        await engine.dispose()


def contract_with(billing: dict[str, Any] | None) -> dict[str, Any]:
    """A whole contract (a PUT names every field) with these billing terms."""
    contract: dict[str, Any] = {
        "first_reply_seconds": 30,
        "first_reply_share": 0.8,
        "max_queue_wait_seconds": 120,
        "outside_hours": "offline_form",
        "overflow": "offline_form",
        "priority": 0,
    }
    if billing is not None:
        contract["billing"] = billing
    return contract
