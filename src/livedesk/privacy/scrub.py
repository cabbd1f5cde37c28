"""The statements that take a visitor's personal data out of rows that stay.

Shared by the retention purge (which writes empty text) and a visitor's erasure (which writes
the marker, so whoever reads the transcript sees that something was said and taken out). Each
statement changes only rows that still hold something, and returns how many it changed: run
twice, the second run changes and counts nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.conversations.models import Conversation, Rating
from livedesk.db import utcnow
from livedesk.knowledge.models import FaqEvidence, FaqProposal, FaqSuggestionLog, ProposalStatus
from livedesk.leads.models import Lead, LeadStatusChange, OutboxItem, OutboxState

# What an erased text reads as, in every language: the transcript is the business's record,
# and the visitor asked for their words to go.
ERASED = "[verwijderd op verzoek]"
EMPTY_JSON = "{}"
NO_SYNC = {"synchronize_session": False}


async def _changed(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement, execution_options=NO_SYNC)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _json_not_empty(column: Any) -> ColumnElement[bool]:
    return cast(column, Text) != EMPTY_JSON


def conversation_holds_personal_data() -> ColumnElement[bool]:
    """Where the visitor was (page, referrer) and what they filled in before the chat."""
    return or_(
        Conversation.page_url.is_not(None),
        Conversation.page_title.is_not(None),
        Conversation.referrer.is_not(None),
        _json_not_empty(Conversation.prechat),
    )


async def clear_conversations(session: AsyncSession, ids: Collection[str]) -> int:
    """The conversation row stays (reports and billing count it); what it says of the visitor
    goes."""
    return await _changed(
        session,
        update(Conversation)
        .where(Conversation.id.in_(ids), conversation_holds_personal_data())
        .values(page_url=None, page_title=None, referrer=None, prechat={}),
    )


async def clear_rating_comments(
    session: AsyncSession, conversation_ids: Collection[str], text: str | None
) -> int:
    """The score stays for the satisfaction figures; the comment is the visitor's words."""
    return await _changed(
        session,
        update(Rating)
        .where(
            Rating.conversation_id.in_(conversation_ids),
            Rating.comment.is_not(None),
            Rating.comment != (text or ""),
        )
        .values(comment=text),
    )


def lead_holds_personal_data(text: str) -> ColumnElement[bool]:
    return or_(
        Lead.name.is_not(None),
        Lead.email.is_not(None),
        Lead.phone.is_not(None),
        Lead.intent.not_in(["", text]),
        Lead.notes.not_in(["", text]),
        Lead.page_url.is_not(None),
        Lead.review_reason.is_not(None),
        _json_not_empty(Lead.qualification),
    )


async def anonymise_leads(
    session: AsyncSession, ids: Collection[str], text: str, now: datetime
) -> int:
    """A lead keeps its kind, status and dates (billing counts accepted leads); its contact
    details, the visitor's words, the operator's notes about them and every delivery's copy
    go."""
    changed = await _changed(
        session,
        update(Lead)
        .where(Lead.id.in_(ids), lead_holds_personal_data(text))
        .values(
            name=None,
            email=None,
            phone=None,
            intent=text,
            notes="",
            qualification={},
            page_url=None,
            review_reason=None,
        ),
    )
    await session.execute(
        update(LeadStatusChange)
        .where(LeadStatusChange.lead_id.in_(ids), LeadStatusChange.reason.is_not(None))
        .values(reason=None),
        execution_options=NO_SYNC,
    )
    await clear_deliveries(session, OutboxItem.lead_id.in_(ids), now)
    return changed


async def clear_deliveries(
    session: AsyncSession, which: ColumnElement[bool], now: datetime, *, target: bool = False
) -> int:
    """Blank the copies deliveries keep of what they carried. One not sent yet will not be
    sent any more; one being sent right now is left to finish (its copy goes the next time)."""
    await session.execute(
        update(OutboxItem)
        .where(which, OutboxItem.state == OutboxState.PENDING)
        .values(state=OutboxState.FAILED, last_error="withdrawn: personal data removed"),
        execution_options=NO_SYNC,
    )
    values: dict[str, Any] = {"payload": {}}
    if target:
        values["target"] = {}
    return await _changed(
        session,
        update(OutboxItem)
        .where(
            which, OutboxItem.state != OutboxState.IN_FLIGHT, _json_not_empty(OutboxItem.payload)
        )
        .values(**values),
    )


async def clear_suggestion_queries(
    session: AsyncSession, which: ColumnElement[bool], text: str
) -> int:
    """The log keeps which entry was suggested and used (the FAQ's figures); the visitor's
    question goes, and with it what the FAQ learned from those chats (faq_evidence: its rows
    stay for the bot's report, learning no longer reads them)."""
    chats = select(FaqSuggestionLog.conversation_id).where(which)
    await _changed(
        session,
        update(FaqEvidence)
        .where(FaqEvidence.conversation_id.in_(chats), FaqEvidence.query.not_in(["", text]))
        .values(query=text, removed_at=func.coalesce(FaqEvidence.removed_at, utcnow())),
    )
    return await _changed(
        session,
        update(FaqSuggestionLog)
        .where(which, FaqSuggestionLog.query.not_in(["", text]))
        .values(query=text),
    )


async def clear_proposals(
    session: AsyncSession, which: ColumnElement[bool], text: str, now: datetime
) -> int:
    """An FAQ proposal made from a chat quotes it. An approved one lives on as the business's
    own FAQ entry; one still waiting is withdrawn, so nobody approves the marker."""
    holds = or_(
        FaqProposal.question.not_in(["", text]),
        FaqProposal.answer.not_in(["", text]),
        _json_not_empty(FaqProposal.source),
    )
    await session.execute(
        update(FaqProposal)
        .where(which, holds, FaqProposal.status == ProposalStatus.PENDING)
        .values(
            status=ProposalStatus.REJECTED,
            decided_at=now,
            decided_by_name="livedesk",
            decision_note=text or None,
        ),
        execution_options=NO_SYNC,
    )
    return await _changed(
        session,
        update(FaqProposal)
        .where(which, holds)
        .values(question=text, answer=text, alternatives=[], source={}),
    )
