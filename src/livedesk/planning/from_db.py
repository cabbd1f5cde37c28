"""Planner inputs from Livedesk's own conversations (`livedesk plan --from-db`)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from livedesk.businesses.models import Business
from livedesk.conversations.models import Conversation
from livedesk.db import make_engine, make_sessionmaker, read_only, utcnow
from livedesk.settings import Settings

from .errors import PlanningInputError
from .estimate import ConversationRecord, Estimates, estimate_inputs


async def estimate_from_db(settings: Settings, business_slug: str, weeks: int) -> Estimates:
    engine = make_engine(settings)
    try:
        async with read_only(make_sessionmaker(engine)) as session:
            business = await session.scalar(select(Business).where(Business.slug == business_slug))
            if business is None:
                raise PlanningInputError("unknown_business", f"no business {business_slug!r}")
            since = utcnow() - timedelta(weeks=weeks)
            rows = list(
                await session.scalars(
                    select(Conversation)
                    .where(Conversation.business_id == business.id, Conversation.queued_at >= since)
                    .order_by(Conversation.queued_at)
                )
            )
    finally:
        await engine.dispose()
    return estimate_inputs(to_records(rows), weeks=weeks, tz=ZoneInfo(business.timezone))


def to_records(rows: list[Conversation]) -> list[ConversationRecord]:
    """Answered = accepted by an operator; abandoned = the visitor left before (missed included).

    Concurrency is the number of the operator's chats active when this one was accepted.
    """
    by_operator: dict[str, list[Conversation]] = {}
    for c in rows:
        if c.operator_id and c.accepted_at:
            by_operator.setdefault(c.operator_id, []).append(c)
    records = []
    for c in rows:
        if c.queued_at is None or c.state in ("queued", "offered"):
            continue  # still waiting: its outcome is unknown
        answered = c.accepted_at
        left = None if answered else (c.abandoned_at or c.missed_at)
        if answered is None and left is None:
            continue
        handle = (c.closed_at - answered).total_seconds() if answered and c.closed_at else None
        concurrency = None
        if answered and c.operator_id:
            concurrency = sum(
                1
                for o in by_operator[c.operator_id]
                if o.accepted_at
                and o.accepted_at <= answered
                and (o.closed_at is None or o.closed_at > answered)
            )
        records.append(
            ConversationRecord(
                queued_at=c.queued_at,
                answered_at=answered,
                abandoned_at=left,
                handle_seconds=handle,
                concurrency=concurrency,
            )
        )
    return records
