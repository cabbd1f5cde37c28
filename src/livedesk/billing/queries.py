"""Loading what billing is computed from: a business's chats, leads and opening hours in a
month, and its measured traffic for the in-house comparison. Reads only; callers check who may
see the business first (`access_*`)."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.billing.statement import Statement, build_statement
from livedesk.billing.terms import BillingTerms
from livedesk.billing.usage import SCAN_CHARS, ChatRecord, Month, Usage, measure_usage
from livedesk.businesses.models import Business
from livedesk.conversations.models import AuthorKind, Conversation, Message
from livedesk.knowledge.models import FaqBotState
from livedesk.leads.models import Lead, LeadStatus
from livedesk.planning.estimate import ConversationRecord
from livedesk.planning.from_db import to_records
from livedesk.routing.hours import Schedule, ScheduleError, open_intervals

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BusinessMonth:
    """A business's usage and statement for one month."""

    business: Business
    terms: BillingTerms | None
    usage: Usage
    statement: Statement


def business_tz(business: Business) -> ZoneInfo:
    return ZoneInfo(business.timezone)


def schedule_of(business: Business) -> Schedule:
    """The business's opening hours; stored hours that no longer parse count as the default
    (routing falls back the same way)."""
    try:
        return Schedule.from_dict({"timezone": business.timezone, **(business.opening_hours or {})})
    except ScheduleError:
        log.warning("business %s has invalid opening hours; using the default", business.id)
        return Schedule.default(business.timezone)


def _in_window(business_id: str, start: datetime, end: datetime) -> tuple[Any, ...]:
    return (
        Conversation.business_id == business_id,
        Conversation.created_at >= start,
        Conversation.created_at < end,
    )


async def chat_records(
    session: AsyncSession, business_id: str, start: datetime, end: datetime
) -> list[ChatRecord]:
    """The business's conversations started in [start, end), with their message counts."""
    in_window = _in_window(business_id, start, end)
    conversations = await session.execute(
        select(
            Conversation.id,
            Conversation.created_at,
            Conversation.disposition,
            Conversation.accepted_at,
            Conversation.closed_at,
        ).where(*in_window)
    )
    counts = await _message_counts(session, in_window)
    short = await _short_visitor_texts(session, in_window)
    answers = await _bot_answers(session, in_window)
    return [
        ChatRecord(
            created_at=created_at,
            disposition=disposition,
            accepted_at=accepted_at,
            closed_at=closed_at,
            visitor_messages=counts.get((cid, AuthorKind.VISITOR), 0),
            operator_replies=counts.get((cid, AuthorKind.OPERATOR), 0),
            bot_answers=answers.get(cid, 0),
            short_visitor_texts=tuple(short.get(cid, ())),
        )
        for cid, created_at, disposition, accepted_at, closed_at in conversations
    ]


async def _message_counts(
    session: AsyncSession, in_window: tuple[Any, ...]
) -> dict[tuple[str, str], int]:
    """(conversation, visitor | operator) → messages; internal notes are not replies."""
    rows = await session.execute(
        select(Message.conversation_id, Message.author_kind, func.count())
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            *in_window,
            Message.internal.is_(False),
            Message.author_kind.in_([AuthorKind.VISITOR, AuthorKind.OPERATOR]),
        )
        .group_by(Message.conversation_id, Message.author_kind)
    )
    return {(cid, kind): count for cid, kind, count in rows}


async def _short_visitor_texts(
    session: AsyncSession, in_window: tuple[Any, ...]
) -> dict[str, list[str]]:
    """The visitor messages short enough to be a greeting, by conversation."""
    rows = await session.execute(
        select(Message.conversation_id, Message.body)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            *in_window,
            Message.author_kind == AuthorKind.VISITOR,
            func.length(Message.body) <= SCAN_CHARS,
        )
    )
    short: dict[str, list[str]] = defaultdict(list)
    for cid, body in rows:
        short[cid].append(body)
    return short


async def _bot_answers(session: AsyncSession, in_window: tuple[Any, ...]) -> dict[str, int]:
    """FAQ answers the bot gave, by conversation (the bot counts them as it answers)."""
    rows = await session.execute(
        select(FaqBotState.conversation_id, FaqBotState.answers)
        .join(Conversation, Conversation.id == FaqBotState.conversation_id)
        .where(*in_window)
    )
    return {cid: answers or 0 for cid, answers in rows}


async def accepted_leads(
    session: AsyncSession, business_id: str, start: datetime, end: datetime
) -> int:
    """Leads filed in [start, end) that the business accepted (disputed and rejected ones are
    not billed; new ones not yet)."""
    count = await session.scalar(
        select(func.count())
        .select_from(Lead)
        .where(
            Lead.business_id == business_id,
            Lead.status == LeadStatus.ACCEPTED,
            Lead.created_at >= start,
            Lead.created_at < end,
        )
    )
    return int(count or 0)


async def business_month(session: AsyncSession, business: Business, month: Month) -> BusinessMonth:
    start, end = month.bounds(business_tz(business))
    terms = BillingTerms.from_contract(business.contract)
    usage = measure_usage(
        month,
        await chat_records(session, business.id, start, end),
        accepted_leads=await accepted_leads(session, business.id, start, end),
        open_spans=open_intervals(schedule_of(business), start, end),
        rule=terms.billable if terms else None,
        round_minutes_up=terms.round_minutes_up if terms else True,
    )
    return BusinessMonth(business, terms, usage, build_statement(usage, terms))


async def all_business_months(session: AsyncSession, month: Month) -> list[BusinessMonth]:
    """Every business, active or not (a business switched off mid-month still used the
    service), by name."""
    businesses = await session.scalars(select(Business).order_by(Business.name, Business.id))
    return [await business_month(session, business, month) for business in businesses]


async def traffic_records(
    session: AsyncSession, business: Business, start: datetime, end: datetime
) -> list[ConversationRecord]:
    """The planner's records of the business's chats queued in [start, end)."""
    rows = await session.scalars(
        select(Conversation)
        .where(
            Conversation.business_id == business.id,
            Conversation.queued_at >= start,
            Conversation.queued_at < end,
        )
        .order_by(Conversation.queued_at)
    )
    return to_records(list(rows))
