"""One visitor as a data subject: find everything about them, and erase it.

A visitor is found by their visitor id, an e-mail address or a phone number. From there the
search follows the links: a visitor's chats, the leads filed from them and the chats those leads
came from, the pre-chat answers and lead contact details holding the address or number, the
chats where the address was typed, and the transcript mails sent to it. `find_subject` shows
exactly what `erase_subject` will change.

Erasing keeps every row, so reports and billing still count the chats, leads and ratings; what
the rows said about the visitor goes: message texts and rating comments become the marker,
contact fields, pre-chat answers, pages and referrers are emptied, leads are anonymised, the FAQ
keeps its figures without the visitor's questions, and deliveries drop their copies. On SQLite
the portal's full-text index is then compacted, so the old words are gone from its pages too
(PostgreSQL's expression index follows the rows by itself).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.attachments.actions import delete_attachments
from livedesk.attachments.storage import storage_of
from livedesk.conversations.models import AuthorKind, Conversation, Message, Visitor
from livedesk.knowledge.models import FaqProposal, FaqSuggestionLog
from livedesk.leads.models import DeliveryAttempt, Lead, OutboxItem
from livedesk.privacy import scrub
from livedesk.privacy.scrub import ERASED

VISITOR_TRANSCRIPT = "visitor.transcript"
MAX_ROUNDS = 4  # visitor → chats → leads → chats → visitors: links are never longer


@dataclass(frozen=True, slots=True)
class SubjectQuery:
    """Exactly one of email, phone and visitor_id; business_id narrows to one business."""

    email: str | None = None
    phone: str | None = None
    visitor_id: str | None = None
    business_id: str | None = None

    @property
    def kind(self) -> str:
        return "email" if self.email else "phone" if self.phone else "visitor_id"


def phone_key(value: str | None) -> str | None:
    """The last nine digits: 06-1234 5678, 0612345678 and +31 6 12345678 are one number."""
    digits = re.sub(r"\D", "", value or "")
    return digits[-9:] if len(digits) >= 8 else None


@dataclass
class Subject:
    """The ids of every row about one visitor, each with its business."""

    query: SubjectQuery
    visitors: dict[str, str] = field(default_factory=dict)
    conversations: dict[str, str] = field(default_factory=dict)
    leads: dict[str, str] = field(default_factory=dict)
    deliveries: dict[str, str] = field(default_factory=dict)
    found_by: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    @property
    def business_ids(self) -> list[str]:
        rows = (self.visitors, self.conversations, self.leads, self.deliveries)
        return sorted({b for row in rows for b in row.values()})

    def of_business(self, business_id: str) -> Subject:
        def mine(rows: dict[str, str]) -> dict[str, str]:
            return {k: v for k, v in rows.items() if v == business_id}

        return Subject(
            self.query,
            mine(self.visitors),
            mine(self.conversations),
            mine(self.leads),
            mine(self.deliveries),
            self.found_by,
        )

    def summary(self) -> dict[str, int]:
        return {
            "visitors": len(self.visitors),
            "conversations": len(self.conversations),
            "leads": len(self.leads),
            "deliveries": len(self.deliveries),
        }


class _Finder:
    def __init__(self, session: AsyncSession, query: SubjectQuery) -> None:
        self.session = session
        self.query = query
        self.subject = Subject(query)

    def _scoped(self, statement: Any, business_column: Any) -> Any:
        if self.query.business_id is None:
            return statement
        return statement.where(business_column == self.query.business_id)

    async def _rows(self, statement: Any, business_column: Any) -> list[Any]:
        return list((await self.session.execute(self._scoped(statement, business_column))).all())

    def _note(self, rows: dict[str, str], found: Iterable[Any], reason: str | None = None) -> None:
        for row_id, business_id, *_ in found:
            rows[row_id] = business_id
            if reason and rows is self.subject.conversations:
                self.subject.found_by[row_id].add(reason)

    async def start(self) -> None:
        """The rows the query names directly."""
        q, s = self.query, self.subject
        if q.visitor_id:
            found = select(Visitor.id, Visitor.business_id).where(Visitor.id == q.visitor_id)
            self._note(s.visitors, await self._rows(found, Visitor.business_id))
        if q.email:
            await self._start_email(q.email.strip().lower())
        if q.phone:
            await self._start_phone(q.phone)

    async def _start_email(self, email: str) -> None:
        s = self.subject
        visitors = select(Visitor.id, Visitor.business_id).where(func.lower(Visitor.email) == email)
        self._note(s.visitors, await self._rows(visitors, Visitor.business_id))
        leads = select(Lead.id, Lead.business_id).where(func.lower(Lead.email) == email)
        self._note(s.leads, await self._rows(leads, Lead.business_id))
        prechat = select(Conversation.id, Conversation.business_id, Conversation.prechat).where(
            func.lower(cast(Conversation.prechat, Text)).contains(email, autoescape=True)
        )
        rows = await self._rows(prechat, Conversation.business_id)
        said = [r for r in rows if any(str(v).strip().lower() == email for v in r[2].values())]
        self._note(s.conversations, said, "prechat")
        typed = (
            select(Message.conversation_id, Message.business_id)
            .where(func.lower(Message.body).contains(email, autoescape=True))
            .distinct()
        )
        self._note(s.conversations, await self._rows(typed, Message.business_id), "message")
        mailed = select(OutboxItem.id, OutboxItem.business_id, OutboxItem.target).where(
            OutboxItem.event == VISITOR_TRANSCRIPT,
            func.lower(cast(OutboxItem.target, Text)).contains(email, autoescape=True),
        )
        rows = await self._rows(mailed, OutboxItem.business_id)
        to_them = [r for r in rows if email in [str(a).lower() for a in r[2].get("emails", [])]]
        self._note(s.deliveries, to_them)

    async def _start_phone(self, phone: str) -> None:
        key = phone_key(phone)
        if key is None:
            return
        s = self.subject
        leads = select(Lead.id, Lead.business_id).where(Lead.phone.like(f"%{key}"))
        self._note(s.leads, await self._rows(leads, Lead.business_id))
        prechat = select(Conversation.id, Conversation.business_id, Conversation.prechat).where(
            cast(Conversation.prechat, Text).contains(key[-4:], autoescape=True)
        )
        rows = await self._rows(prechat, Conversation.business_id)
        said = [r for r in rows if any(phone_key(str(v)) == key for v in r[2].values())]
        self._note(s.conversations, said, "prechat")

    async def follow_links(self) -> None:
        """Visitors to their chats, chats to their leads and visitors, leads to their chats,
        until nothing new turns up."""
        s = self.subject
        for _ in range(MAX_ROUNDS):
            before = s.summary()
            if s.visitors:
                chats = select(Conversation.id, Conversation.business_id).where(
                    Conversation.visitor_id.in_(list(s.visitors))
                )
                found = await self._rows(chats, Conversation.business_id)
                self._note(s.conversations, found, "visitor")
            if s.leads:
                origins = select(Lead.conversation_id, Lead.business_id).where(
                    Lead.id.in_(list(s.leads)), Lead.conversation_id.is_not(None)
                )
                self._note(s.conversations, await self._rows(origins, Lead.business_id), "lead")
            if s.conversations:
                leads = select(Lead.id, Lead.business_id).where(
                    Lead.conversation_id.in_(list(s.conversations))
                )
                self._note(s.leads, await self._rows(leads, Lead.business_id))
                owners = select(Conversation.visitor_id, Conversation.business_id).where(
                    Conversation.id.in_(list(s.conversations))
                )
                self._note(s.visitors, await self._rows(owners, Conversation.business_id))
            if s.summary() == before:
                break
        await self._deliveries()

    async def _deliveries(self) -> None:
        s = self.subject
        links = []
        if s.leads:
            links.append(OutboxItem.lead_id.in_(list(s.leads)))
        if s.conversations:
            links.append(OutboxItem.conversation_id.in_(list(s.conversations)))
        if links:
            items = select(OutboxItem.id, OutboxItem.business_id).where(
                or_(*links), OutboxItem.business_id.is_not(None)
            )
            self._note(s.deliveries, await self._rows(items, OutboxItem.business_id))


async def find_subject(session: AsyncSession, query: SubjectQuery) -> Subject:
    finder = _Finder(session, query)
    await finder.start()
    await finder.follow_links()
    return finder.subject


# -- erasing -----------------------------------------------------------------------------------


async def _erase_messages(session: AsyncSession, conversation_ids: list[str]) -> int:
    await session.execute(
        update(Message)
        .where(
            Message.conversation_id.in_(conversation_ids),
            Message.author_kind == AuthorKind.VISITOR,
            Message.author_name.is_not(None),
        )
        .values(author_name=None),
        execution_options=scrub.NO_SYNC,
    )
    replaced = await session.execute(
        update(Message)
        .where(Message.conversation_id.in_(conversation_ids), Message.body != ERASED)
        .values(body=ERASED, attachment=None),  # the files themselves go in erase_subject
        execution_options=scrub.NO_SYNC,
    )
    return int(replaced.rowcount or 0)  # type: ignore[attr-defined]


async def _erase_deliveries(
    session: AsyncSession, ids: list[str], email: str | None, now: datetime
) -> int:
    """Copies blanked; a transcript mail to the visitor also loses its address, and an attempt
    whose error quotes the address loses the error."""
    mine = OutboxItem.id.in_(ids)
    to_visitor = mine & (OutboxItem.event == VISITOR_TRANSCRIPT)
    count = await scrub.clear_deliveries(session, to_visitor, now, target=True)
    count += await scrub.clear_deliveries(
        session, mine & (OutboxItem.event != VISITOR_TRANSCRIPT), now
    )
    if email:
        attempts = await session.execute(
            select(DeliveryAttempt.id).where(
                DeliveryAttempt.outbox_id.in_(ids),
                func.lower(DeliveryAttempt.error).contains(email, autoescape=True),
            )
        )
        quoted = [row[0] for row in attempts]
        if quoted:
            await session.execute(
                update(DeliveryAttempt).where(DeliveryAttempt.id.in_(quoted)).values(error=ERASED),
                execution_options=scrub.NO_SYNC,
            )
    return count


async def erase_subject(session: AsyncSession, subject: Subject, now: datetime) -> dict[str, int]:
    """Everything `subject` found, in the caller's unit of work; how many rows changed, per
    kind (0 everywhere when it was erased before)."""
    conversations = list(subject.conversations)
    leads = list(subject.leads)
    visitors = list(subject.visitors)
    email = (subject.query.email or "").strip().lower() or None
    counts = {
        "messages": await _erase_messages(session, conversations) if conversations else 0,
        "conversations": await scrub.clear_conversations(session, conversations),
        "rating_comments": await scrub.clear_rating_comments(session, conversations, ERASED),
        # Before the leads: anonymising a lead blanks its deliveries too, uncounted.
        "deliveries": await _erase_deliveries(session, list(subject.deliveries), email, now),
        "leads": await scrub.anonymise_leads(session, leads, ERASED, now) if leads else 0,
        "suggestion_queries": await scrub.clear_suggestion_queries(
            session, FaqSuggestionLog.conversation_id.in_(conversations), ERASED
        ),
        "faq_proposals": await scrub.clear_proposals(
            session, FaqProposal.conversation_id.in_(conversations), ERASED, now
        ),
    }
    cleared = await session.execute(
        update(Visitor)
        .where(Visitor.id.in_(visitors), or_(Visitor.name.is_not(None), Visitor.email.is_not(None)))
        .values(name=None, email=None),
        execution_options=scrub.NO_SYNC,
    )
    counts["visitors"] = int(cleared.rowcount or 0)  # type: ignore[attr-defined]
    # Files sent in the chats: rows now, files once this commits; named only where there were.
    if files := await delete_attachments(session, storage_of(session), conversations):
        counts["attachments"] = files
    return counts


async def secure_delete(session: AsyncSession, on: bool) -> None:
    """SQLite: overwrite what a change removes from a page instead of leaving it in free space
    (for this connection, while an erasure runs)."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(text(f"PRAGMA secure_delete = {1 if on else 0}"))
