"""What the retention purge removes, pass by pass: which rows are expired and still hold
personal data, and what happens to a batch of them.

Each pass picks its candidates in a read (no write lock) and changes one batch in a short write
transaction, re-checking in every statement that a row still holds something. So a pass run
twice finds nothing the second time, and counts only what it really changed.

- conversations started before the transcripts limit: messages and attachments (rows and
  files) deleted; page, referrer, pre-chat answers and the rating's comment cleared;
- FAQ suggestions logged before that limit: the visitor's question cleared;
- FAQ proposals made from a chat before that limit: the quotes cleared (a waiting one withdrawn);
- transcript deliveries made before that limit: deleted, with their attempts;
- offline messages left before their own limit, and other leads filed before the leads limit:
  anonymised, their deliveries' copies blanked;
- visitors last seen before the transcripts limit: deleted when they have no chats, else their
  name and e-mail cleared (unless a chat inside the limit still needs them).

Conversation, lead and rating rows stay: reports and billing count them, and none of them says
who the visitor was once the pass is done.
"""

from __future__ import annotations

import calendar
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.attachments.actions import delete_attachments
from livedesk.attachments.models import Attachment
from livedesk.attachments.storage import storage_of
from livedesk.conversations.models import Conversation, Message, Rating, Visitor
from livedesk.knowledge.models import FaqProposal, FaqSuggestionLog
from livedesk.leads.models import Lead, LeadKind, OutboxItem, OutboxState
from livedesk.privacy import scrub
from livedesk.privacy.models import (
    DEFAULT_LEADS_MONTHS,
    DEFAULT_OFFLINE_MESSAGES_MONTHS,
    DEFAULT_TRANSCRIPTS_MONTHS,
    RetentionSettings,
)

# The kinds a run reports, per business.
MESSAGES = "messages"
ATTACHMENTS = "attachments"  # rows and their files
CONVERSATIONS = "conversations"
RATING_COMMENTS = "rating_comments"
SUGGESTIONS = "suggestion_queries"
PROPOSALS = "faq_proposals"
DELIVERIES = "deliveries"
OFFLINE_MESSAGES = "offline_messages"
LEADS = "leads"
VISITORS = "visitors"
TRANSCRIPT_EVENTS = ("transcript", "visitor.transcript")
DONE_STATES = (OutboxState.DELIVERED, OutboxState.FAILED)


@dataclass(frozen=True, slots=True)
class Retention:
    transcripts_months: int = DEFAULT_TRANSCRIPTS_MONTHS
    offline_messages_months: int = DEFAULT_OFFLINE_MESSAGES_MONTHS
    leads_months: int = DEFAULT_LEADS_MONTHS

    @classmethod
    def of(cls, row: RetentionSettings | None) -> Retention:
        if row is None:
            return cls()
        return cls(row.transcripts_months, row.offline_messages_months, row.leads_months)


def months_before(moment: datetime, months: int) -> datetime:
    """The same moment `months` calendar months earlier; a day the month lacks becomes its
    last day (31 March minus one month is 28 or 29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


Counts = dict[str, int]
Apply = Callable[[AsyncSession, Sequence[Any], datetime], Awaitable[Counts]]


@dataclass(frozen=True, slots=True)
class Pass:
    """One kind of expired row: `candidates` selects (key, id) in key order, `apply` changes a
    batch of ids (`now` is the run's moment, for what a change records)."""

    name: str
    months: Callable[[Retention], int]
    key: Any  # the column the limit applies to, also the scan order
    id: Any
    candidates: Callable[[str, datetime], Any]
    apply: Apply


def _transcripts(r: Retention) -> int:
    return r.transcripts_months


# -- conversations -----------------------------------------------------------------------------


def _conversation_candidates(business_id: str, cutoff: datetime) -> Any:
    has_messages = exists().where(Message.conversation_id == Conversation.id)
    has_files = exists().where(Attachment.conversation_id == Conversation.id)
    has_comment = exists().where(
        Rating.conversation_id == Conversation.id, Rating.comment.is_not(None), Rating.comment != ""
    )
    return select(Conversation.created_at, Conversation.id).where(
        Conversation.business_id == business_id,
        Conversation.created_at < cutoff,
        or_(has_messages, has_files, has_comment, scrub.conversation_holds_personal_data()),
    )


async def _purge_conversations(session: AsyncSession, ids: Sequence[str], now: datetime) -> Counts:
    deleted = await session.execute(
        delete(Message).where(Message.conversation_id.in_(ids)),
        execution_options=scrub.NO_SYNC,
    )
    return {
        MESSAGES: int(deleted.rowcount or 0),  # type: ignore[attr-defined]
        ATTACHMENTS: await delete_attachments(session, storage_of(session), ids),
        CONVERSATIONS: await scrub.clear_conversations(session, ids),
        RATING_COMMENTS: await scrub.clear_rating_comments(session, ids, None),
    }


# -- what the FAQ kept of chats ----------------------------------------------------------------


def _suggestion_candidates(business_id: str, cutoff: datetime) -> Any:
    return select(FaqSuggestionLog.created_at, FaqSuggestionLog.id).where(
        FaqSuggestionLog.business_id == business_id,
        FaqSuggestionLog.created_at < cutoff,
        FaqSuggestionLog.query != "",
    )


async def _purge_suggestions(session: AsyncSession, ids: Sequence[int], now: datetime) -> Counts:
    which = FaqSuggestionLog.id.in_(ids)
    return {SUGGESTIONS: await scrub.clear_suggestion_queries(session, which, "")}


def _proposal_candidates(business_id: str, cutoff: datetime) -> Any:
    return select(FaqProposal.proposed_at, FaqProposal.id).where(
        FaqProposal.business_id == business_id,
        FaqProposal.proposed_at < cutoff,
        FaqProposal.conversation_id.is_not(None),  # made from a chat, not typed by the business
        or_(FaqProposal.question != "", FaqProposal.answer != ""),
    )


async def _purge_proposals(session: AsyncSession, ids: Sequence[str], now: datetime) -> Counts:
    return {PROPOSALS: await scrub.clear_proposals(session, FaqProposal.id.in_(ids), "", now)}


# -- deliveries and leads ----------------------------------------------------------------------


def _delivery_candidates(business_id: str, cutoff: datetime) -> Any:
    return select(OutboxItem.created_at, OutboxItem.id).where(
        OutboxItem.business_id == business_id,
        OutboxItem.created_at < cutoff,
        OutboxItem.event.in_(TRANSCRIPT_EVENTS),
        OutboxItem.state.in_(DONE_STATES),
    )


async def _purge_deliveries(session: AsyncSession, ids: Sequence[str], now: datetime) -> Counts:
    deleted = await session.execute(
        delete(OutboxItem).where(OutboxItem.id.in_(ids), OutboxItem.state.in_(DONE_STATES)),
        execution_options=scrub.NO_SYNC,
    )
    return {DELIVERIES: int(deleted.rowcount or 0)}  # type: ignore[attr-defined]


def _lead_candidates(offline: bool) -> Callable[[str, datetime], Any]:
    kind = (
        Lead.kind == LeadKind.OFFLINE_MESSAGE if offline else Lead.kind != LeadKind.OFFLINE_MESSAGE
    )

    def candidates(business_id: str, cutoff: datetime) -> Any:
        return select(Lead.created_at, Lead.id).where(
            Lead.business_id == business_id,
            Lead.created_at < cutoff,
            kind,
            scrub.lead_holds_personal_data(""),
        )

    return candidates


def _lead_purge(kind: str) -> Apply:
    async def purge(session: AsyncSession, ids: Sequence[str], now: datetime) -> Counts:
        return {kind: await scrub.anonymise_leads(session, ids, "", now)}

    return purge


# -- visitors ----------------------------------------------------------------------------------


def _no_conversation() -> ColumnElement[bool]:
    return ~exists().where(Conversation.visitor_id == Visitor.id)


def _visitor_candidates(business_id: str, cutoff: datetime) -> Any:
    return select(Visitor.last_seen_at, Visitor.id).where(
        Visitor.business_id == business_id,
        Visitor.last_seen_at < cutoff,
        or_(Visitor.name.is_not(None), Visitor.email.is_not(None), _no_conversation()),
    )


def _visitor_purge(cutoff_of: Callable[[datetime], datetime]) -> Apply:
    async def purge(session: AsyncSession, ids: Sequence[str], now: datetime) -> Counts:
        """A visitor row without chats is deleted; one with chats keeps its id (the chats
        point to it) and loses its name and e-mail, unless a chat inside the limit needs them."""
        cutoff = cutoff_of(now)
        deleted = await session.execute(
            delete(Visitor).where(Visitor.id.in_(ids), _no_conversation()),
            execution_options=scrub.NO_SYNC,
        )
        newer_chat = exists().where(
            Conversation.visitor_id == Visitor.id, Conversation.created_at >= cutoff
        )
        cleared = await session.execute(
            update(Visitor)
            .where(
                Visitor.id.in_(ids),
                or_(Visitor.name.is_not(None), Visitor.email.is_not(None)),
                ~newer_chat,
            )
            .values(name=None, email=None),
            execution_options=scrub.NO_SYNC,
        )
        total = int(deleted.rowcount or 0) + int(cleared.rowcount or 0)  # type: ignore[attr-defined]
        return {VISITORS: total}

    return purge


def passes(retention: Retention) -> list[Pass]:
    """The passes for one business, in the order a run makes them."""

    def visitor_cutoff(now: datetime) -> datetime:
        return months_before(now, retention.transcripts_months)

    return [
        Pass(
            CONVERSATIONS,
            _transcripts,
            Conversation.created_at,
            Conversation.id,
            _conversation_candidates,
            _purge_conversations,
        ),
        Pass(
            SUGGESTIONS,
            _transcripts,
            FaqSuggestionLog.created_at,
            FaqSuggestionLog.id,
            _suggestion_candidates,
            _purge_suggestions,
        ),
        Pass(
            PROPOSALS,
            _transcripts,
            FaqProposal.proposed_at,
            FaqProposal.id,
            _proposal_candidates,
            _purge_proposals,
        ),
        Pass(
            DELIVERIES,
            _transcripts,
            OutboxItem.created_at,
            OutboxItem.id,
            _delivery_candidates,
            _purge_deliveries,
        ),
        Pass(
            OFFLINE_MESSAGES,
            lambda r: r.offline_messages_months,
            Lead.created_at,
            Lead.id,
            _lead_candidates(offline=True),
            _lead_purge(OFFLINE_MESSAGES),
        ),
        Pass(
            LEADS,
            lambda r: r.leads_months,
            Lead.created_at,
            Lead.id,
            _lead_candidates(offline=False),
            _lead_purge(LEADS),
        ),
        Pass(
            VISITORS,
            _transcripts,
            Visitor.last_seen_at,
            Visitor.id,
            _visitor_candidates,
            _visitor_purge(visitor_cutoff),
        ),
    ]


def after(key: Any, id_: Any, cursor: tuple[datetime, Any] | None) -> ColumnElement[bool]:
    """Rows past the cursor in (key, id) order: a pass never reads the same rows twice."""
    if cursor is None:
        return true()
    at, last = cursor
    return or_(key > at, and_(key == at, id_ > last))
