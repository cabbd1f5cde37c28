"""Today at a glance: the business's chats since midnight where the business is (its own time
zone, DST included), measured against its contract, and the chats open right now.

Counted over conversations started today: answered (an operator's first reply), within the
contract's first-reply target (queued → first reply), missed and abandoned, those the FAQ bot
answered; and the leads and offline messages filed today.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import User
from livedesk.businesses.models import Business, default_contract
from livedesk.conversations.models import (
    OPEN_STATES,
    Conversation,
    ConversationState,
    Visitor,
)
from livedesk.db import utcnow
from livedesk.knowledge.models import FaqBotState
from livedesk.leads.models import Lead, LeadKind
from livedesk.portal.transcripts import visitor_payload
from livedesk.routing.hours import resolve_local

MAX_OPEN_LISTED = 200


def day_start(business: Business, now: datetime) -> datetime:
    """The business's local midnight of `now`'s day, in UTC."""
    tz = ZoneInfo(business.timezone)
    local_day = now.astimezone(tz).date()
    return resolve_local(datetime.combine(local_day, time(0)), tz)


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round((later - earlier).total_seconds(), 1)


async def _started_today(
    session: AsyncSession, business_id: str, since: datetime, target: float
) -> dict[str, int]:
    rows = (
        await session.execute(
            select(
                Conversation.state,
                Conversation.queued_at,
                Conversation.created_at,
                Conversation.first_reply_at,
                FaqBotState.answers,
            )
            .outerjoin(FaqBotState, FaqBotState.conversation_id == Conversation.id)
            .where(Conversation.business_id == business_id, Conversation.created_at >= since)
        )
    ).all()
    counts = {"chats": len(rows), "answered": 0, "answered_within_target": 0}
    counts |= {"missed": 0, "abandoned": 0, "bot_answered": 0}
    for state, queued_at, created_at, first_reply_at, bot_answers in rows:
        if first_reply_at is not None:
            counts["answered"] += 1
            waited = _seconds(first_reply_at, queued_at or created_at) or 0.0
            counts["answered_within_target"] += waited <= target
        counts["missed"] += state == ConversationState.MISSED
        counts["abandoned"] += state == ConversationState.ABANDONED
        counts["bot_answered"] += bool(bot_answers)
    return counts


async def _leads_today(session: AsyncSession, business_id: str, since: datetime) -> dict[str, int]:
    offline = Lead.kind == LeadKind.OFFLINE_MESSAGE
    rows = await session.execute(
        select(offline, func.count())
        .where(Lead.business_id == business_id, Lead.created_at >= since)
        .group_by(offline)
    )
    by_kind = {bool(is_offline): int(n) for is_offline, n in rows.all()}
    return {"leads": by_kind.get(False, 0), "offline_messages": by_kind.get(True, 0)}


async def open_chats(
    session: AsyncSession, business_id: str, now: datetime
) -> list[dict[str, Any]]:
    """Queued, offered and active chats, longest waiting first."""
    rows = (
        await session.execute(
            select(Conversation, Visitor, User.display_name)
            .join(Visitor, Visitor.id == Conversation.visitor_id)
            .outerjoin(User, User.id == Conversation.operator_id)
            .where(Conversation.business_id == business_id, Conversation.state.in_(OPEN_STATES))
            .order_by(Conversation.queued_at, Conversation.created_at, Conversation.id)
            .limit(MAX_OPEN_LISTED)
        )
    ).all()
    return [
        {
            "conversation_id": c.id,
            "state": c.state,
            "language": c.language,
            "created_at": c.created_at,
            "page_url": c.page_url,
            "visitor": visitor_payload(visitor, c),
            "operator": {"name": operator_name} if operator_name else None,
            "answered": c.first_reply_at is not None,
            # Until the first reply: still waiting; after it: how long the visitor waited.
            "waiting_seconds": _seconds(c.first_reply_at or now, c.queued_at or c.created_at),
        }
        for c, visitor, operator_name in rows
    ]


async def today(session: AsyncSession, business: Business) -> dict[str, Any]:
    now = utcnow()
    since = day_start(business, now)
    contract = {**default_contract(), **(business.contract or {})}
    target = float(contract["first_reply_seconds"])
    counts = await _started_today(session, business.id, since, target)
    counts |= await _leads_today(session, business.id, since)
    chats = await open_chats(session, business.id, now)
    return {
        "business_id": business.id,
        "timezone": business.timezone,
        "date": now.astimezone(ZoneInfo(business.timezone)).date(),
        "since": since,
        "now": now,
        "target": {
            "first_reply_seconds": target,
            "first_reply_share": float(contract["first_reply_share"]),
        },
        **counts,
        "answered_within_target_share": share(counts["answered_within_target"], counts["answered"]),
        "bot_share": share(counts["bot_answered"], counts["chats"]),
        "open": chats,
        "open_counts": {
            state: sum(1 for c in chats if c["state"] == state)
            for state in ("queued", "offered", "active")
        },
    }


def local_midnight_after(business: Business, day_utc: datetime) -> datetime:
    """The next local midnight after `day_utc` (for "to" dates, which include their day)."""
    tz = ZoneInfo(business.timezone)
    next_day = day_utc.astimezone(tz).date() + timedelta(days=1)
    return resolve_local(datetime.combine(next_day, time(0)), tz)
