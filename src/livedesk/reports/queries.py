"""Loading a period's records for the pure metrics; the same statements on SQLite and PostgreSQL.

The chats loaded are those with an event from a day before the period to its end: the chats
queued in the period (counted) and those still held when it began (their operator time counts).
Every further read is limited to those chats by a subquery, never by a long list of ids.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import OperatorBusiness, OperatorProfile, Role, User
from livedesk.businesses.models import Business, default_contract
from livedesk.conversations.models import AuthorKind, ConversationEvent, Message, Rating
from livedesk.db import utcnow
from livedesk.knowledge.models import FaqBotState, FaqEntry, FaqProposal, ProposalStatus
from livedesk.leads.models import Lead
from livedesk.reports.records import (
    ChatRecord,
    Event,
    FaqRecord,
    LeadRecord,
    OperatorRecord,
    Period,
    PresenceRecord,
    RatingRecord,
    Records,
    Scope,
)
from livedesk.routing.models import PresenceLog

HELD_BEFORE = timedelta(days=1)  # chats still held at the start: events this long before it
ONLINE_BEFORE = timedelta(days=31)  # presence: who was already online when the period began
DEFAULT_CAPACITY = 3  # staff without an operator profile who took a chat (a supervisor)


def chat_ids(period: Period, scope: Scope) -> Select[Any]:
    query = select(ConversationEvent.conversation_id).where(
        ConversationEvent.at >= period.start - HELD_BEFORE, ConversationEvent.at < period.end
    )
    if scope.business_id is not None:
        query = query.where(ConversationEvent.business_id == scope.business_id)
    return query.distinct()


async def _targets(session: AsyncSession, scope: Scope) -> dict[str, float]:
    query = select(Business.id, Business.contract)
    if scope.business_id is not None:
        query = query.where(Business.id == scope.business_id)
    default = float(default_contract()["first_reply_seconds"])
    return {
        bid: float((contract or {}).get("first_reply_seconds", default))
        for bid, contract in (await session.execute(query)).all()
    }


async def _bot_facts(session: AsyncSession, ids: Select[Any]) -> dict[str, tuple[int, int, bool]]:
    """Per chat: (bot messages, FAQ answers, a person asked for)."""
    counts = dict(
        (
            await session.execute(
                select(Message.conversation_id, func.count())
                .where(Message.conversation_id.in_(ids), Message.author_kind == AuthorKind.BOT)
                .group_by(Message.conversation_id)
            )
        ).all()
    )
    states = (
        await session.execute(
            select(
                FaqBotState.conversation_id, FaqBotState.answers, FaqBotState.human_requested_at
            ).where(FaqBotState.conversation_id.in_(ids))
        )
    ).all()
    out = {cid: (int(n), 0, False) for cid, n in counts.items()}
    for cid, answers, asked in states:
        out[cid] = (int(counts.get(cid, 0)), int(answers or 0), asked is not None)
    return out


async def load_chats(session: AsyncSession, period: Period, scope: Scope) -> list[ChatRecord]:
    ids = chat_ids(period, scope)
    rows = (
        await session.execute(
            select(
                ConversationEvent.conversation_id,
                ConversationEvent.business_id,
                ConversationEvent.kind,
                ConversationEvent.operator_id,
                ConversationEvent.at,
            )
            .where(ConversationEvent.conversation_id.in_(ids))
            .order_by(ConversationEvent.at, ConversationEvent.id)
        )
    ).all()
    events: dict[str, list[Event]] = defaultdict(list)
    business_of: dict[str, str] = {}
    for cid, bid, kind, operator_id, at in rows:
        events[cid].append(Event(kind, operator_id, at))
        business_of[cid] = bid
    ratings = {
        cid: RatingRecord(score, comment, at)
        for cid, score, comment, at in (
            await session.execute(
                select(
                    Rating.conversation_id, Rating.score, Rating.comment, Rating.created_at
                ).where(Rating.conversation_id.in_(ids))
            )
        ).all()
    }
    targets = await _targets(session, scope)
    bots = await _bot_facts(session, ids)
    default = float(default_contract()["first_reply_seconds"])
    return [
        ChatRecord(
            id=cid,
            business_id=business_of[cid],
            events=tuple(evs),
            target_seconds=targets.get(business_of[cid], default),
            bot_messages=bots.get(cid, (0, 0, False))[0],
            bot_answers=bots.get(cid, (0, 0, False))[1],
            human_requested=bots.get(cid, (0, 0, False))[2],
            rating=ratings.get(cid),
        )
        for cid, evs in events.items()
    ]


async def load_leads(session: AsyncSession, period: Period, scope: Scope) -> list[LeadRecord]:
    query = select(Lead).where(Lead.created_at >= period.start, Lead.created_at < period.end)
    if scope.business_id is not None:
        query = query.where(Lead.business_id == scope.business_id)
    return [
        LeadRecord(
            lead.id,
            lead.business_id,
            lead.kind,
            lead.source,
            lead.status,
            lead.created_by,
            lead.created_at,
            lead.conversation_id is not None,
        )
        for lead in await session.scalars(query)
    ]


async def load_operators(
    session: AsyncSession, scope: Scope, chats: list[ChatRecord]
) -> list[OperatorRecord]:
    """Operators serving the scope's business (every operator provider-wide), plus any staff
    member who held or was offered one of its chats in the period."""
    seen = {e.operator_id for c in chats for e in c.events if e.operator_id}
    query = select(User.id, User.display_name, OperatorProfile.max_concurrent).outerjoin(
        OperatorProfile, OperatorProfile.user_id == User.id
    )
    if scope.business_id is None:
        query = query.where(or_(User.role == Role.OPERATOR, User.id.in_(seen)))
    else:
        serving = select(OperatorBusiness.user_id).where(
            OperatorBusiness.business_id == scope.business_id
        )
        query = query.where(or_(User.id.in_(serving), User.id.in_(seen)))
    return [
        OperatorRecord(uid, name, int(capacity or DEFAULT_CAPACITY))
        for uid, name, capacity in (await session.execute(query)).all()
    ]


async def load_presence(
    session: AsyncSession, period: Period, operators: list[OperatorRecord]
) -> list[PresenceRecord]:
    if not operators:
        return []
    rows = await session.execute(
        select(PresenceLog.operator_id, PresenceLog.at, PresenceLog.new)
        .where(
            PresenceLog.operator_id.in_([o.id for o in operators]),
            PresenceLog.at >= period.start - ONLINE_BEFORE,
            PresenceLog.at < period.end,
        )
        .order_by(PresenceLog.at, PresenceLog.id)
    )
    return [PresenceRecord(op, at, new) for op, at, new in rows.all()]


async def load_faq(session: AsyncSession, period: Period, scope: Scope) -> list[FaqRecord]:
    entries = select(FaqEntry.business_id, FaqEntry.created_at, FaqEntry.created_by).where(
        FaqEntry.created_at >= period.start, FaqEntry.created_at < period.end
    )
    approved = select(
        FaqProposal.business_id, FaqProposal.decided_at, FaqProposal.proposed_by
    ).where(
        FaqProposal.status == ProposalStatus.APPROVED,
        FaqProposal.decided_at >= period.start,
        FaqProposal.decided_at < period.end,
    )
    if scope.business_id is not None:
        entries = entries.where(FaqEntry.business_id == scope.business_id)
        approved = approved.where(FaqProposal.business_id == scope.business_id)
    out = [FaqRecord("entry_added", b, at, by) for b, at, by in await session.execute(entries)]
    out += [
        FaqRecord("proposal_approved", b, at, by)
        for b, at, by in await session.execute(approved)
        if at is not None  # decided_at is set with the approval; the query asks for a range
    ]
    return out


async def load_records(
    session: AsyncSession, period: Period, scope: Scope, *, now: datetime | None = None
) -> Records:
    """Everything a report of `scope` over `period` needs (operator scopes are narrowed by the
    metrics, which attribute each chat to its responsible operator)."""
    by_business = Scope(scope.business_id)
    chats = await load_chats(session, period, by_business)
    operators = await load_operators(session, by_business, chats)
    return Records(
        chats=chats,
        leads=await load_leads(session, period, by_business),
        presence=await load_presence(session, period, operators),
        operators=operators,
        faq=await load_faq(session, period, by_business),
        now=now or utcnow(),
    )
