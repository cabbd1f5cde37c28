"""A visitor's rights as requests a provider admin (or the command line) makes: find, export,
erase. Each request is found in a read (no write lock while the database is searched) and then
recorded in the audit log, per business it touched: who asked, when, by what kind of
criterion and how many rows, never the address, number or data itself."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.audit.actions import record_change
from livedesk.businesses.access import access_business_by_id
from livedesk.businesses.models import Business
from livedesk.conversations.models import Conversation, Message, Visitor
from livedesk.db import new_id, utcnow
from livedesk.errors import FieldError
from livedesk.leads.models import Lead
from livedesk.privacy import documents
from livedesk.privacy.schemas import (
    ErasureOut,
    FoundConversation,
    FoundLead,
    SubjectFound,
    SubjectQueryIn,
)
from livedesk.privacy.search_index import compact_search_index
from livedesk.privacy.subject import (
    Subject,
    SubjectQuery,
    erase_subject,
    find_subject,
    phone_key,
    secure_delete,
)
from livedesk.runtime import Runtime
from livedesk.security.actors import StaffActor

DATA_SUBJECT = "data_subject"  # the audit log's entity for these requests
EXPORT_FORMAT = "livedesk-subject/1"
LOOSE_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")

i18n.register(
    {
        "nl": {
            "privacy_criterion_missing": "Vul een e-mailadres, telefoonnummer of bezoekers-id in.",
            "privacy_one_criterion": "Zoek op één gegeven tegelijk: e-mailadres, "
            "telefoonnummer of bezoekers-id.",
            "privacy_email_invalid": "Dit is geen e-mailadres.",
            "privacy_phone_invalid": "Een telefoonnummer heeft minstens 8 cijfers.",
        },
        "en": {
            "privacy_criterion_missing": "Fill in an e-mail address, phone number or visitor id.",
            "privacy_one_criterion": "Search by one thing at a time: e-mail address, "
            "phone number or visitor id.",
            "privacy_email_invalid": "This is not an e-mail address.",
            "privacy_phone_invalid": "A phone number has at least 8 digits.",
        },
    }
)


def check_query(body: SubjectQueryIn) -> SubjectQuery:
    given = {
        name: value.strip()
        for name, value in (
            ("email", body.email),
            ("phone", body.phone),
            ("visitor_id", body.visitor_id),
        )
        if value is not None and value.strip()
    }
    if not given:
        raise FieldError({"email": "privacy_criterion_missing"})
    if len(given) > 1:
        raise FieldError({name: "privacy_one_criterion" for name in given})
    if "email" in given and not LOOSE_EMAIL.match(given["email"]):
        raise FieldError({"email": "privacy_email_invalid"})
    if "phone" in given and phone_key(given["phone"]) is None:
        raise FieldError({"phone": "privacy_phone_invalid"})
    return SubjectQuery(**given, business_id=body.business_id or None)


async def _find(runtime: Runtime, actor: StaffActor, query: SubjectQuery) -> Subject:
    async with runtime.reading() as session:
        if query.business_id is not None:
            await access_business_by_id(session, actor, query.business_id)
        return await find_subject(session, query)


def _record(
    session: AsyncSession,
    actor: StaffActor,
    action: str,
    request_id: str,
    subject: Subject,
    changed: dict[str, dict[str, int]] | None = None,
) -> None:
    """One entry per business the request touched (one without a business when it found
    nothing), so each business's own audit trail shows it."""
    businesses: list[str | None] = [*subject.business_ids] or [None]
    for business_id in businesses:
        found = subject.of_business(business_id).summary() if business_id else subject.summary()
        after: dict[str, Any] = {"query": subject.query.kind, "found": found}
        if changed is not None:
            after["erased"] = changed.get(business_id or "", {})
        record_change(
            session,
            actor,
            entity=DATA_SUBJECT,
            entity_id=request_id,
            action=action,
            business_id=business_id,
            after=after,
        )


async def _businesses(session: AsyncSession, ids: list[str]) -> list[dict[str, str]]:
    rows = await session.execute(select(Business.id, Business.name).where(Business.id.in_(ids)))
    return [{"id": b, "name": n} for b, n in sorted(rows.all())]


async def _found(runtime: Runtime, subject: Subject, request_id: str) -> SubjectFound:
    conversation_ids = list(subject.conversations)
    async with runtime.reading() as session:
        counts = dict(
            (
                await session.execute(
                    select(Message.conversation_id, func.count())
                    .where(Message.conversation_id.in_(conversation_ids))
                    .group_by(Message.conversation_id)
                )
            ).all()
        )
        chats = await session.scalars(
            select(Conversation)
            .where(Conversation.id.in_(conversation_ids))
            .order_by(Conversation.created_at)
        )
        leads = await session.scalars(
            select(Lead).where(Lead.id.in_(list(subject.leads))).order_by(Lead.created_at)
        )
        return SubjectFound(
            request_id=request_id,
            query=subject.query.kind,
            businesses=await _businesses(session, subject.business_ids),
            summary=subject.summary(),
            visitor_ids=sorted(subject.visitors),
            conversations=[
                FoundConversation(
                    id=c.id,
                    business_id=c.business_id,
                    state=c.state,
                    created_at=c.created_at,
                    messages=counts.get(c.id, 0),
                    found_by=sorted(subject.found_by.get(c.id, ())),
                )
                for c in chats
            ],
            leads=[
                FoundLead(
                    id=x.id,
                    business_id=x.business_id,
                    kind=x.kind,
                    status=x.status,
                    created_at=x.created_at,
                )
                for x in leads
            ],
        )


async def search(runtime: Runtime, actor: StaffActor, query: SubjectQuery) -> SubjectFound:
    subject = await _find(runtime, actor, query)
    request_id = new_id()
    async with runtime.transaction() as session:
        _record(session, actor, "search", request_id, subject)
    return await _found(runtime, subject, request_id)


async def export(runtime: Runtime, actor: StaffActor, query: SubjectQuery) -> dict[str, Any]:
    """Everything found, as stored, in one JSON document (`livedesk-subject/1`)."""
    subject = await _find(runtime, actor, query)
    request_id = new_id()
    conversation_ids = list(subject.conversations)
    async with runtime.reading() as session:
        visitors = await session.scalars(
            select(Visitor).where(Visitor.id.in_(list(subject.visitors))).order_by(Visitor.id)
        )
        suggestions, proposals, evidence = await documents.load_faq_traces(
            session, conversation_ids
        )
        document = {
            "format": EXPORT_FORMAT,
            "request_id": request_id,
            "exported_at": utcnow(),
            "query": {query.kind: getattr(query, query.kind), "business_id": query.business_id},
            "businesses": await _businesses(session, subject.business_ids),
            "visitors": [documents.visitor_document(v) for v in visitors],
            "conversations": await documents.load_conversations(session, conversation_ids),
            "leads": await documents.load_leads(session, list(subject.leads)),
            "deliveries": await documents.load_deliveries(session, list(subject.deliveries)),
            "faq_suggestions": suggestions,
            "faq_proposals": proposals,
            "faq_evidence": evidence,
        }
    async with runtime.transaction() as session:
        _record(session, actor, "export", request_id, subject)
    return document


async def erase(runtime: Runtime, actor: StaffActor, query: SubjectQuery) -> ErasureOut:
    """Erase what `search` finds, business by business, in one unit of work with its audit
    entries; then compact the search index so the words are gone from its pages too."""
    subject = await _find(runtime, actor, query)
    request_id = new_id()
    now = utcnow()
    erased: dict[str, dict[str, int]] = {}
    async with runtime.transaction() as session:
        await secure_delete(session, True)
        for business_id in subject.business_ids:
            erased[business_id] = await erase_subject(
                session, subject.of_business(business_id), now
            )
        await secure_delete(session, False)
        _record(session, actor, "erase", request_id, subject, erased)
    await compact_search_index(runtime)
    totals: Counter[str] = Counter()
    for counts in erased.values():
        totals.update(counts)
    return ErasureOut(
        request_id=request_id,
        erased=erased,
        totals={kind: totals.get(kind, 0) for kind in sorted(totals)},
    )
