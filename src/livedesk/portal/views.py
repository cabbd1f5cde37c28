"""The portal's reads: today, the navigation's counts, transcripts (search, filters, the view,
the export) and the business's configuration as the portal shows it.

Every endpoint takes `business_id` (a business user may leave it out: they have one business);
business users get their own business only (another's answers 404), provider admins and
supervisors any, operators 403 (see access.py). Change requests and settings: change_views.py.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select

from livedesk.businesses.hours_preview import load_schedule, preview
from livedesk.businesses.models import Business
from livedesk.conversations.models import Conversation, Disposition
from livedesk.db import utcnow
from livedesk.deps import MAX_OFFSET, ActorDep, RuntimeDep, SessionDep
from livedesk.errors import FieldError
from livedesk.knowledge.models import FaqProposal, ProposalStatus
from livedesk.leads.models import Lead, LeadStatus
from livedesk.portal import export, transcripts
from livedesk.portal.access import access_portal_conversation, portal_business
from livedesk.portal.actions import portal_rules
from livedesk.portal.changes import current_value
from livedesk.portal.models import ChangeKind, ChangeRequest, ChangeStatus
from livedesk.portal.schemas import ChangeRequestOut
from livedesk.portal.today import today
from livedesk.routing.hours import resolve_local

router = APIRouter(prefix="/api/v1/portal", tags=["portal"])
BusinessParam = Query(None, max_length=32, description="left out by a business user: their own")
StateFilter = Literal["open", "closed", "missed", "abandoned"]
RatingFilter = Literal["rated", "unrated", "1", "2", "3", "4", "5"]


@router.get("/today")
async def get_today(
    actor: ActorDep, session: SessionDep, business_id: str | None = BusinessParam
) -> dict[str, Any]:
    """Since local midnight: chats, answered (and within the contract's target), missed,
    abandoned, offline messages, leads, the FAQ bot's share; and the chats open now."""
    business = await portal_business(session, actor, business_id)
    payload = await today(session, business)
    payload["experts_may_join"] = (await portal_rules(session, business.id)).experts_may_join
    return payload


@router.get("/counts")
async def get_counts(
    actor: ActorDep, session: SessionDep, business_id: str | None = BusinessParam
) -> dict[str, int]:
    """What waits for the business: new leads, operators' FAQ proposals, its own proposals
    still with the provider."""
    business = await portal_business(session, actor, business_id)

    async def number(query: Any) -> int:
        return int(await session.scalar(query) or 0)

    counts = {
        "new_leads": await number(
            select(func.count())
            .select_from(Lead)
            .where(Lead.business_id == business.id, Lead.status == LeadStatus.NEW)
        ),
        "faq_proposals": await number(
            select(func.count())
            .select_from(FaqProposal)
            .where(
                FaqProposal.business_id == business.id,
                FaqProposal.status == ProposalStatus.PENDING,
            )
        ),
        "change_requests": await number(
            select(func.count())
            .select_from(ChangeRequest)
            .where(
                ChangeRequest.business_id == business.id,
                ChangeRequest.status == ChangeStatus.PENDING,
            )
        ),
    }
    if actor.business_ids is None:  # provider managers: every business's proposals
        counts["all_change_requests"] = await number(
            select(func.count())
            .select_from(ChangeRequest)
            .where(ChangeRequest.status == ChangeStatus.PENDING)
        )
    return counts


# -- transcripts -------------------------------------------------------------------------------


def period_bound(
    business: Business, value: str | None, field: str, *, end: bool
) -> datetime | None:
    """A date is a whole day where the business is (`to` includes its day); a time needs its
    zone."""
    if not value:
        return None
    tz = ZoneInfo(business.timezone)
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


def transcript_filter(
    business: Business,
    q: str | None,
    start: str | None,
    end: str | None,
    state: str | None,
    disposition: str | None,
    rating: str | None,
    has_lead: bool | None,
    bot: bool | None,
) -> transcripts.TranscriptFilter:
    return transcripts.TranscriptFilter(
        q=q,
        start=period_bound(business, start, "from", end=False),
        end=period_bound(business, end, "to", end=True),
        state=state,
        disposition=disposition,
        rating=rating,
        has_lead=has_lead,
        bot=bot,
    )


@router.get("/transcripts")
async def list_transcripts(
    actor: ActorDep,
    session: SessionDep,
    runtime: RuntimeDep,
    business_id: str | None = BusinessParam,
    q: str | None = Query(None, max_length=200, description="words said in the chat"),
    start: str | None = Query(None, alias="from", description="a date (local day) or a time"),
    end: str | None = Query(None, alias="to", description="a date (included) or a time"),
    state: StateFilter | None = None,
    disposition: Disposition | None = None,
    rating: RatingFilter | None = None,
    has_lead: bool | None = None,
    bot: bool | None = Query(None, description="the FAQ bot answered in it"),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    """Newest first; `excerpt` is the first matching message (with `q`)."""
    business = await portal_business(session, actor, business_id)
    f = transcript_filter(business, q, start, end, state, disposition, rating, has_lead, bot)
    dialect = runtime.engine.dialect.name
    query = transcripts.filtered_conversations(business.id, f, dialect)
    total = await transcripts.count(session, query)
    rows = list(
        await session.scalars(
            query.order_by(Conversation.created_at.desc(), Conversation.id)
            .limit(limit)
            .offset(offset)
        )
    )
    items = await transcripts.list_details(session, business.id, rows, q, dialect)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/transcripts/export")
async def export_transcripts(
    actor: ActorDep,
    session: SessionDep,
    runtime: RuntimeDep,
    business_id: str | None = BusinessParam,
    format: Literal["csv", "json"] = "csv",
    q: str | None = Query(None, max_length=200),
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
    state: StateFilter | None = None,
    disposition: Disposition | None = None,
    rating: RatingFilter | None = None,
    has_lead: bool | None = None,
    bot: bool | None = None,
) -> StreamingResponse:
    """The filtered period, streamed: CSV one row per message, JSON one object per chat."""
    business = await portal_business(session, actor, business_id)
    f = transcript_filter(business, q, start, end, state, disposition, rating, has_lead, bot)
    dialect = runtime.engine.dialect.name
    stream = export.csv_stream if format == "csv" else export.json_stream
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    stamp = utcnow().astimezone(ZoneInfo(business.timezone)).date().isoformat()
    filename = f"gesprekken-{business.slug}-{stamp}.{format}"
    return StreamingResponse(
        stream(runtime, business.id, f, dialect),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/transcripts/{conversation_id}")
async def get_transcript(
    conversation_id: str, actor: ActorDep, session: SessionDep
) -> dict[str, Any]:
    """The conversation as the business sees it: internal notes are never part of it."""
    conversation = await access_portal_conversation(session, actor, conversation_id)
    return await transcripts.transcript_detail(session, conversation)


# -- configuration -----------------------------------------------------------------------------


@router.get("/configuration")
async def get_configuration(
    actor: ActorDep, session: SessionDep, business_id: str | None = BusinessParam
) -> dict[str, Any]:
    """The guidelines and opening hours in force (with the next 14 days as routing will apply
    them), whether proposals need the provider's approval, and the latest proposals."""
    business = await portal_business(session, actor, business_id)
    rules = await portal_rules(session, business.id)
    schedule = load_schedule(business.opening_hours, business.timezone)
    recent = await session.scalars(
        select(ChangeRequest)
        .where(ChangeRequest.business_id == business.id)
        .order_by(ChangeRequest.proposed_at.desc())
        .limit(20)
    )
    return {
        "business": {
            "id": business.id,
            "name": business.name,
            "timezone": business.timezone,
            "language": business.language,
        },
        "guidelines": current_value(business, ChangeKind.GUIDELINES),
        "opening_hours": current_value(business, ChangeKind.OPENING_HOURS),
        "preview": preview(schedule, now=utcnow(), days=14).model_dump(mode="json"),
        "settings": rules.as_dict(),
        "change_requests": [ChangeRequestOut.of(r).model_dump(mode="json") for r in recent],
    }


@router.get("/features")
async def get_features(request: Request, actor: ActorDep) -> dict[str, bool]:
    """Which neighbouring features this server has (reports, billing, the expert join): the
    portal shows a page or button only when what it needs is there."""
    return features(request.app)


# Each feature by the API route it needs. Their pages (/reports/business/{id}, /billing/{id})
# come with the same domains; routes are compared whatever their parameters are called.
FEATURE_ROUTES = {
    "reports": ("get", "/api/v1/reports/summary"),
    "billing": ("get", "/api/v1/billing/in-house/{}"),
    "expert_join": ("post", "/api/v1/conversations/{}/join"),
}


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def features(app: Any) -> dict[str, bool]:
    """From the OpenAPI document: it sees every included router, however FastAPI stores them."""
    have = {
        (method, _shape(path))
        for path, operations in app.openapi().get("paths", {}).items()
        for method in operations
    }
    return {name: route in have for name, route in FEATURE_ROUTES.items()}
