"""Rows as plain JSON-ready data, for a visitor's export and a business's end-of-contract export.

Everything is exported as stored, internal notes included (marked `internal`): an export answers
"what do you hold", and the business, as the controller, decides what it passes on. Loaders
read in chunks of ids, so a business with many chats is never one giant IN list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.conversations.models import Conversation, Message, Rating, Visitor
from livedesk.knowledge.models import FaqEvidence, FaqProposal, FaqSuggestionLog
from livedesk.leads.models import Lead, LeadStatusChange, OutboxItem
from livedesk.leads.schemas import lead_payload, status_change_payload

CHUNK = 500


def chunks(ids: Sequence[str], size: int = CHUNK) -> list[Sequence[str]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def visitor_document(v: Visitor) -> dict[str, Any]:
    return {
        "id": v.id,
        "business_id": v.business_id,
        "widget_id": v.widget_id,
        "name": v.name,
        "email": v.email,
        "created_at": v.created_at,
        "last_seen_at": v.last_seen_at,
    }


def message_document(m: Message) -> dict[str, Any]:
    return {
        "seq": m.seq,
        "at": m.created_at,
        "author_kind": m.author_kind,
        "author_name": m.author_name,
        "body": m.body,
        "internal": m.internal,
    }


def conversation_document(
    c: Conversation, messages: list[Message], rating: Rating | None
) -> dict[str, Any]:
    return {
        "id": c.id,
        "business_id": c.business_id,
        "visitor_id": c.visitor_id,
        "state": c.state,
        "language": c.language,
        "disposition": c.disposition,
        "page_url": c.page_url,
        "page_title": c.page_title,
        "referrer": c.referrer,
        "prechat": c.prechat,
        "created_at": c.created_at,
        "closed_at": c.closed_at,
        "rating": None
        if rating is None
        else {"score": rating.score, "comment": rating.comment, "at": rating.created_at},
        "messages": [message_document(m) for m in messages],
    }


async def load_conversations(session: AsyncSession, ids: Sequence[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in chunks(sorted(ids)):
        rows = await session.scalars(
            select(Conversation).where(Conversation.id.in_(part)).order_by(Conversation.created_at)
        )
        messages: dict[str, list[Message]] = defaultdict(list)
        for m in await session.scalars(
            select(Message)
            .where(Message.conversation_id.in_(part))
            .order_by(Message.conversation_id, Message.seq)
        ):
            messages[m.conversation_id].append(m)
        ratings = {
            r.conversation_id: r
            for r in await session.scalars(select(Rating).where(Rating.conversation_id.in_(part)))
        }
        out.extend(conversation_document(c, messages[c.id], ratings.get(c.id)) for c in rows)
    return out


async def load_leads(session: AsyncSession, ids: Sequence[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in chunks(sorted(ids)):
        history: dict[str, list[LeadStatusChange]] = defaultdict(list)
        for change in await session.scalars(
            select(LeadStatusChange)
            .where(LeadStatusChange.lead_id.in_(part))
            .order_by(LeadStatusChange.id)
        ):
            history[change.lead_id].append(change)
        for lead in await session.scalars(
            select(Lead).where(Lead.id.in_(part)).order_by(Lead.created_at)
        ):
            out.append(
                {
                    **lead_payload(lead),
                    "history": [status_change_payload(h) for h in history[lead.id]],
                }
            )
    return out


def delivery_document(item: OutboxItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "event": item.event,
        "channel": item.channel,
        "lead_id": item.lead_id,
        "conversation_id": item.conversation_id,
        "state": item.state,
        "target": item.target,
        "payload": item.payload,
        "created_at": item.created_at,
        "delivered_at": item.delivered_at,
    }


async def load_deliveries(session: AsyncSession, ids: Sequence[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in chunks(sorted(ids)):
        items = await session.scalars(
            select(OutboxItem).where(OutboxItem.id.in_(part)).order_by(OutboxItem.created_at)
        )
        out.extend(delivery_document(item) for item in items)
    return out


def evidence_document(e: FaqEvidence) -> dict[str, Any]:
    """A visitor's question the FAQ learned from, and what it was linked to and how."""
    fields = ("conversation_id", "seq", "query", "entry_id", "kind", "created_at", "removed_at")
    return {name: getattr(e, name) for name in fields}


async def load_faq_traces(
    session: AsyncSession, conversation_ids: Sequence[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """What the FAQ kept of these chats: the suggestion log's questions, the proposals and the
    questions it learned from (evidence)."""
    suggestions: list[dict[str, Any]] = []
    proposals: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
    for part in chunks(sorted(conversation_ids)):
        for log in await session.scalars(
            select(FaqSuggestionLog)
            .where(FaqSuggestionLog.conversation_id.in_(part))
            .order_by(FaqSuggestionLog.id)
        ):
            suggestions.append(
                {
                    "conversation_id": log.conversation_id,
                    "seq": log.seq,
                    "query": log.query,
                    "at": log.created_at,
                }
            )
        for p in await session.scalars(
            select(FaqProposal)
            .where(FaqProposal.conversation_id.in_(part))
            .order_by(FaqProposal.proposed_at)
        ):
            proposals.append(
                {
                    "id": p.id,
                    "conversation_id": p.conversation_id,
                    "question": p.question,
                    "answer": p.answer,
                    "status": p.status,
                    "proposed_at": p.proposed_at,
                }
            )
        rows = await session.scalars(
            select(FaqEvidence)
            .where(FaqEvidence.conversation_id.in_(part))
            .order_by(FaqEvidence.id)
        )
        evidence.extend(evidence_document(e) for e in rows)
    return suggestions, proposals, evidence
