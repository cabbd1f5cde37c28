"""Past conversations for the provider's staff: "this visitor was here last week".

An operator searches the businesses they serve (supervisors and provider admins every business)
by what was said, by the visitor's pre-chat answers (their name, their e-mail), by business, by
visitor and by period, and opens a transcript beside the chat they are in (the transcript is
`GET /api/v1/conversations/{id}/messages`, internal notes included for staff).

The text search is the portal's (portal/transcripts.py): the same indexes, the same stemming,
per business. A business's own people search in the portal; this endpoint is for staff only.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from sqlalchemy import Select, String, cast, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.businesses.access import access_business_by_id, list_businesses
from livedesk.businesses.models import Business
from livedesk.conversations.models import Conversation
from livedesk.deps import MAX_OFFSET, RuntimeDep, SessionDep, StaffDep
from livedesk.errors import FieldError
from livedesk.portal import transcripts
from livedesk.routing.hours import resolve_local

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])

i18n.register(
    {
        "nl": {"period_reversed": "Deze datum ligt vóór de begindatum."},
        "en": {"period_reversed": "This date is before the start date."},
    }
)


def period_bound(value: str | None, tz: ZoneInfo, field: str, *, end: bool) -> datetime | None:
    """A date is a whole day where the business is (`to` includes its day); a time needs a
    zone."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value) + timedelta(days=1 if end else 0)
            return resolve_local(datetime.combine(day, time(0)), tz)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError({field: "date_invalid"}) from None
    if moment.tzinfo is None:
        raise FieldError({field: "date_invalid"})
    return moment


def _check_period(start: str | None, end: str | None) -> None:
    """Bad dates are named before anything is searched; so is a period that ends before it
    starts (compared in UTC, where a date is read as that day)."""
    utc = ZoneInfo("UTC")
    first = period_bound(start, utc, "from", end=False)
    last = period_bound(end, utc, "to", end=True)
    if first is not None and last is not None and last <= first:
        raise FieldError({"to": "period_reversed"})


def _like_json(q: str) -> str:
    """A LIKE pattern for text inside the stored pre-chat JSON, which escapes non-ASCII letters
    (`René` is stored as `Ren\\u00e9`); `!` escapes LIKE's own wildcards."""
    inner = json.dumps(q.strip())[1:-1]
    return "%" + inner.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


def _matching_ids(
    business: Business, q: str | None, start: str | None, end: str | None, dialect: str
) -> list[Select[Any]]:
    """This business's conversations in the period whose messages (the portal's full-text
    search) or pre-chat answers (name, e-mail) match `q`."""
    tz = ZoneInfo(business.timezone)
    period = transcripts.TranscriptFilter(
        start=period_bound(start, tz, "from", end=False),
        end=period_bound(end, tz, "to", end=True),
    )
    said = transcripts.filtered_conversations(business.id, replace(period, q=q), dialect)
    found = [said.with_only_columns(Conversation.id)]
    if q and transcripts.search_terms(q):  # no words: no text filter, as in the portal
        answered = transcripts.filtered_conversations(business.id, period, dialect).where(
            func.lower(cast(Conversation.prechat, String)).like(_like_json(q.lower()), escape="!")
        )
        found.append(answered.with_only_columns(Conversation.id))
    return found


async def _details(
    session: AsyncSession,
    rows: list[Conversation],
    businesses: dict[str, Business],
    q: str | None,
    dialect: str,
) -> list[dict[str, Any]]:
    """The portal's list shape per conversation (visitor, excerpt, counts), plus what the
    console needs to open it beside a chat: the visitor's and the business's ids and name."""
    by_business: dict[str, list[Conversation]] = {}
    for row in rows:
        by_business.setdefault(row.business_id, []).append(row)
    detail: dict[str, dict[str, Any]] = {}
    for business_id, group in by_business.items():
        for item in await transcripts.list_details(session, business_id, group, q, dialect):
            detail[item["conversation_id"]] = item
    return [
        {
            **detail[row.id],
            "visitor_id": row.visitor_id,
            "business_name": businesses[row.business_id].name,
        }
        for row in rows
    ]


@router.get("/search")
async def search_conversations(
    actor: StaffDep,
    session: SessionDep,
    runtime: RuntimeDep,
    q: str | None = Query(None, max_length=200, description="words said, or the visitor's name"),
    business_id: str | None = Query(None, max_length=32),
    visitor_id: str | None = Query(None, max_length=32),
    start: str | None = Query(None, alias="from", max_length=40, description="a date or time"),
    end: str | None = Query(None, alias="to", max_length=40, description="a date (included)"),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    """Newest first, over the businesses the user serves; `excerpt` is the first message that
    matched (or the visitor's first). A business the user does not serve is a 404."""
    _check_period(start, end)
    if business_id is not None:
        chosen = [await access_business_by_id(session, actor, business_id)]
    else:
        chosen = await list_businesses(session, actor)
    empty = {"items": [], "total": 0, "limit": limit, "offset": offset}
    if not chosen:
        return empty
    dialect = runtime.engine.dialect.name
    ids = union(*[s for b in chosen for s in _matching_ids(b, q, start, end, dialect)])
    query = select(Conversation).where(Conversation.id.in_(select(ids.subquery().c[0])))
    if visitor_id is not None:
        query = query.where(Conversation.visitor_id == visitor_id)
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = list(
        await session.scalars(
            query.order_by(Conversation.created_at.desc(), Conversation.id)
            .limit(limit)
            .offset(offset)
        )
    )
    if not rows:
        return {**empty, "total": total}
    items = await _details(session, rows, {b.id: b for b in chosen}, q, dialect)
    return {"items": items, "total": total, "limit": limit, "offset": offset}
