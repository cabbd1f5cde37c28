"""Privacy test support: a visitor with data in every table that can hold some, a search of the
whole database for a text, and the provider admin the privacy API needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, String, Text, cast, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

import livedesk.models  # noqa: F401  (every table on Base.metadata)
from livedesk.conversations.models import Conversation, Message, Rating, Visitor
from livedesk.db import Base, make_engine, make_sessionmaker, unit_of_work, utcnow
from livedesk.knowledge.models import FaqEntry, FaqEvidence, FaqProposal, FaqSuggestionLog
from livedesk.leads.models import (
    DeliveryAttempt,
    Lead,
    LeadStatusChange,
    OutboxItem,
    OutboxState,
)
from livedesk.portal.models import SQLITE_SEARCH_TABLE
from livedesk.settings import Settings

from livedesk_testing import Tenant


@dataclass
class Person:
    """What one visitor left behind, and the words that must be gone after their erasure."""

    email: str
    phone: str  # as typed in the pre-chat form
    name: str
    phrase: str  # a word only this visitor ever typed
    visitor_id: str = ""
    conversation_ids: list[str] = field(default_factory=list)
    lead_ids: list[str] = field(default_factory=list)

    @property
    def needles(self) -> list[str]:
        """What a search of the database must not find after the erasure."""
        digits = "".join(c for c in self.phone if c.isdigit())
        return [self.email.lower(), digits[-9:], self.phone, *self.words]

    @property
    def words(self) -> list[str]:
        """Words only this visitor used: what a full-text index must not hold afterwards."""
        return [self.name.split()[-1].lower(), self.phrase.lower()]


async def add_chat(
    session: AsyncSession,
    tenant: Tenant,
    visitor: Visitor,
    bodies: list[tuple[str, str]],
    *,
    at: datetime,
    prechat: dict[str, str] | None = None,
    comment: str | None = None,
) -> Conversation:
    """A closed chat with (author_kind, body) messages, its rating and a suggestion log."""
    conversation = Conversation(
        business_id=tenant.business_id,
        widget_id=tenant.widget_id,
        visitor_id=visitor.id,
        state="closed",
        prechat=prechat or {},
        page_url=f"https://{tenant.slug}.example/contact?from=mail",
        page_title="Contact",
        referrer="https://search.example/?q=contact",
        last_seq=len(bodies),
        created_at=at,
        queued_at=at,
        closed_at=at + timedelta(minutes=5),
    )
    session.add(conversation)
    await session.flush()
    for seq, (kind, body) in enumerate(bodies, 1):
        session.add(
            Message(
                conversation_id=conversation.id,
                business_id=tenant.business_id,
                seq=seq,
                author_kind=kind,
                author_name="Op" if kind == "operator" else None,
                body=body,
                internal=kind == "note",
                created_at=at + timedelta(seconds=seq),
            )
        )
        if kind == "visitor":
            session.add(
                FaqSuggestionLog(
                    business_id=tenant.business_id,
                    conversation_id=conversation.id,
                    seq=seq,
                    query=body,
                    method="lexical",
                    created_at=at,
                )
            )
    session.add(
        Rating(
            conversation_id=conversation.id,
            business_id=tenant.business_id,
            score=4,
            comment=comment,
            created_at=at,
        )
    )
    return conversation


async def add_lead(
    session: AsyncSession,
    tenant: Tenant,
    *,
    kind: str,
    at: datetime,
    conversation_id: str | None = None,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    intent: str = "",
) -> Lead:
    """A lead with its review history and one delivered copy to the business."""
    lead = Lead(
        business_id=tenant.business_id,
        conversation_id=conversation_id,
        kind=kind,
        status="accepted",
        source="operator" if conversation_id else "offline_form",
        name=name,
        email=email,
        phone=phone,
        intent=intent,
        notes=f"belt terug, vraag naar {name}" if name else "",
        qualification={"wens": intent[:40]} if intent else {},
        page_url=f"https://{tenant.slug}.example/contact",
        created_at=at,
        reviewed_at=at,
        review_reason=f"klant {name}" if name else None,
    )
    session.add(lead)
    await session.flush()
    session.add(LeadStatusChange(lead_id=lead.id, to_status="new", at=at))
    session.add(
        LeadStatusChange(
            lead_id=lead.id, from_status="new", to_status="accepted", reason=f"{name} bekend", at=at
        )
    )
    session.add(
        OutboxItem(
            business_id=tenant.business_id,
            lead_id=lead.id,
            conversation_id=conversation_id,
            event="lead.created",
            channel="email",
            target={"emails": [f"leads@{tenant.slug}.example"], "language": "nl"},
            payload={"lead": {"name": name, "email": email, "phone": phone, "intent": intent}},
            idempotency_key=f"lead.{lead.id}",
            state=OutboxState.DELIVERED,
            created_at=at,
            delivered_at=at,
        )
    )
    return lead


async def seed_person(
    settings: Settings, tenant: Tenant, person: Person, other: Tenant, *, at: datetime
) -> Person:
    """Two chats (pre-chat form, page, messages with the phrase, an internal note, a rating
    comment, FAQ traces), a lead from one, an offline message in another business, a transcript
    mailed to the visitor and a failed attempt quoting the address."""
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            visitor = Visitor(
                business_id=tenant.business_id,
                widget_id=tenant.widget_id,
                name=person.name,
                email=person.email,
                created_at=at,
                last_seen_at=at,
            )
            session.add(visitor)
            await session.flush()
            prechat = {"naam": person.name, "e-mail": person.email, "telefoon": person.phone}
            first = await add_chat(
                session,
                tenant,
                visitor,
                [
                    ("visitor", f"Hallo, ik heb een vraag over de {person.phrase}"),
                    ("operator", "Natuurlijk, waar gaat het om?"),
                    ("visitor", f"Mail me op {person.email} of bel {person.phone}"),
                    ("note", f"{person.name} belde eerder over de {person.phrase}"),
                ],
                at=at,
                prechat=prechat,
                comment=f"Fijn geholpen met de {person.phrase}",
            )
            second = await add_chat(
                session,
                tenant,
                visitor,
                [("visitor", f"Nog een vraag over {person.phrase}")],
                at=at + timedelta(days=1),
            )
            entry = FaqEntry(
                business_id=tenant.business_id,
                question="Vraag?",
                answer="Antwoord.",
                status="published",
            )
            session.add(entry)
            await session.flush()
            session.add(  # an operator answered the first question with that entry
                FaqEvidence(
                    business_id=tenant.business_id,
                    conversation_id=first.id,
                    seq=1,
                    query=f"Hallo, ik heb een vraag over de {person.phrase}",
                    entry_id=entry.id,
                    kind="as_is",
                    created_at=at,
                )
            )
            session.add(
                FaqProposal(
                    business_id=tenant.business_id,
                    conversation_id=first.id,
                    question=f"Hoe zit het met de {person.phrase}?",
                    answer="Zo.",
                    source={"visitor_seq": 1},
                    proposed_at=at,
                )
            )
            lead = await add_lead(
                session,
                tenant,
                kind="callback_request",
                at=at,
                conversation_id=first.id,
                name=person.name,
                email=person.email,
                phone="".join(c for c in person.phone if c.isdigit()),
                intent=f"wil een offerte voor de {person.phrase}",
            )
            offline = await add_lead(
                session,
                other,
                kind="offline_message",
                at=at,
                name=person.name,
                email=person.email.upper(),  # typed differently: still the same address
                phone="+31" + "".join(c for c in person.phone if c.isdigit())[1:],
                intent=f"Bel me over de {person.phrase}",
            )
            mail = OutboxItem(
                business_id=tenant.business_id,
                conversation_id=first.id,
                event="visitor.transcript",
                channel="email",
                target={"emails": [person.email], "language": "nl"},
                payload={"transcript": [{"body": f"over de {person.phrase}"}]},
                idempotency_key=f"visitor-transcript.{first.id}",
                state=OutboxState.FAILED,
                created_at=at,
            )
            session.add(mail)
            await session.flush()
            session.add(
                DeliveryAttempt(
                    outbox_id=mail.id,
                    number=1,
                    outcome="failed",
                    error=f"550 mailbox {person.email} unavailable",
                    started_at=at,
                )
            )
    finally:
        await engine.dispose()
    person.visitor_id = visitor.id
    person.conversation_ids = [first.id, second.id]
    person.lead_ids = [lead.id, offline.id]
    return person


def _text_columns() -> list[tuple[Any, Any]]:
    return [
        (table, column)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String | Text | JSON)
    ]


async def find_anywhere(
    settings: Settings, needles: list[str], words: list[str] | None = None
) -> list[str]:
    """Every (table.column, needle) of the whole database whose text holds a needle, case
    folded; on SQLite also the `words` among the full-text index's terms."""
    found = []
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            for table, column in _text_columns():
                for needle in needles:
                    hits = await session.scalar(
                        select(func.count())
                        .select_from(table)
                        .where(func.lower(cast(column, Text)).contains(needle.lower()))
                    )
                    if hits:
                        found.append(f"{table.name}.{column.name}: {needle}")
            if settings.is_sqlite and words:
                found += await _search_index_words(session, words)
    finally:
        await engine.dispose()
    return found


async def _search_index_words(session: AsyncSession, words: list[str]) -> list[str]:
    """The index's own list of terms (fts5vocab): it counts only entries not deleted."""
    vocabulary = f"fts5vocab(main, {SQLITE_SEARCH_TABLE}, 'row')"
    await session.execute(text(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.words USING {vocabulary}"))
    terms = set(await session.scalars(text("SELECT term FROM temp.words")))
    return [f"{SQLITE_SEARCH_TABLE}: {word}" for word in words if word in terms]


async def count_rows(settings: Settings) -> dict[str, Any]:
    """What reports and billing count: rows and rating scores."""
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            return {
                "conversations": await session.scalar(
                    select(func.count()).select_from(Conversation)
                ),
                "messages": await session.scalar(select(func.count()).select_from(Message)),
                "leads": await session.scalar(select(func.count()).select_from(Lead)),
                "accepted": await session.scalar(
                    select(func.count()).select_from(Lead).where(Lead.status == "accepted")
                ),
                "scores": await session.scalar(select(func.sum(Rating.score))),
                "visitors": await session.scalar(select(func.count()).select_from(Visitor)),
            }
    finally:
        await engine.dispose()


def long_ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)
