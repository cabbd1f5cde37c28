"""The back office's business configuration API: businesses, widgets, opening hours, contracts.

Provider admins change everything here; supervisors read it; operators and business users keep
only the reads of the businesses they serve or belong to (the console shows their guidelines
and hours), and get 403 on the rest.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.audit.models import AuditEntry
from livedesk.businesses import actions
from livedesk.businesses.access import (
    access_business_by_id,
    access_widget_by_id,
    list_businesses,
    list_widgets,
)
from livedesk.businesses.hours_preview import HoursPreview, load_schedule, preview
from livedesk.businesses.models import Business, Widget
from livedesk.businesses.schemas import (
    BusinessCreate,
    BusinessOut,
    BusinessUpdate,
    Contract,
    ContractChange,
    Guidelines,
    OpeningHours,
)
from livedesk.businesses.widget_schemas import (
    WidgetCreate,
    WidgetOut,
    WidgetUpdate,
    embed_snippet,
    widget_sections,
)
from livedesk.db import utcnow
from livedesk.deps import ActorDep, AdminDep, ManagerDep, RuntimeDep, SessionDep

router = APIRouter()
BUSINESSES = "/api/v1/businesses"
ONE_BUSINESS = BUSINESSES + "/{business_id}"
ONE_WIDGET = "/api/v1/widgets/{widget_id}"


def business_out(business: Business, widget_count: int) -> BusinessOut:
    return BusinessOut(
        id=business.id,
        slug=business.slug,
        name=business.name,
        language=business.language,
        timezone=business.timezone,
        form_of_address=business.form_of_address,
        guidelines=Guidelines.from_stored(business.guidelines),
        opening_hours=business.opening_hours or {},
        contract=business.contract or {},
        is_active=business.is_active,
        created_at=business.created_at,
        widget_count=widget_count,
    )


async def _business_out(session: AsyncSession, business: Business) -> BusinessOut:
    counts = await actions.count_widgets(session, [business.id])
    return business_out(business, counts.get(business.id, 0))


def widget_out(widget: Widget, request: Request) -> WidgetOut:
    sections = widget_sections(widget.settings)
    return WidgetOut.model_validate(
        {
            "id": widget.id,
            "business_id": widget.business_id,
            "public_key": widget.public_key,
            "name": widget.name,
            "allowed_origins": widget.allowed_origins,
            "language": widget.language,
            **{name: section.model_dump() for name, section in sections.items()},
            "embed_snippet": embed_snippet(str(request.base_url), widget.public_key),
            "is_active": widget.is_active,
            "created_at": widget.created_at,
        }
    )


# -- businesses --------------------------------------------------------------------------------


@router.get(BUSINESSES, tags=["businesses"])
async def get_businesses(actor: ActorDep, session: SessionDep) -> list[BusinessOut]:
    """Every business for provider staff; the ones an operator serves; a business user's own."""
    businesses = await list_businesses(session, actor)
    counts = await actions.count_widgets(session, [b.id for b in businesses])
    return [business_out(b, counts.get(b.id, 0)) for b in businesses]


@router.post(BUSINESSES, status_code=201, tags=["businesses"])
async def post_business(body: BusinessCreate, actor: AdminDep, runtime: RuntimeDep) -> BusinessOut:
    """A new client business, active, with the default opening hours and contract."""
    async with runtime.transaction() as session:
        business = await actions.do_create_business(session, actor, body)
        return business_out(business, 0)


@router.get(ONE_BUSINESS, tags=["businesses"])
async def get_business(business_id: str, actor: ActorDep, session: SessionDep) -> BusinessOut:
    return await _business_out(session, await access_business_by_id(session, actor, business_id))


@router.patch(ONE_BUSINESS, tags=["businesses"])
async def patch_business(
    business_id: str, body: BusinessUpdate, actor: AdminDep, runtime: RuntimeDep
) -> BusinessOut:
    """Changes only the fields sent; a bad field changes nothing at all."""
    async with runtime.transaction() as session:
        business = await access_business_by_id(session, actor, business_id)
        await actions.do_update_business(session, actor, business, body)
        return await _business_out(session, business)


async def _set_business_active(
    business_id: str, actor: ActorDep, runtime: RuntimeDep, active: bool
) -> BusinessOut:
    async with runtime.transaction() as session:
        business = await access_business_by_id(session, actor, business_id)
        await actions.do_set_business_active(session, actor, business, active)
        return await _business_out(session, business)


@router.post(ONE_BUSINESS + "/deactivate", tags=["businesses"])
async def deactivate_business(
    business_id: str, actor: AdminDep, runtime: RuntimeDep
) -> BusinessOut:
    """Its widgets refuse new chats with a message for the visitor; nothing is deleted."""
    return await _set_business_active(business_id, actor, runtime, False)


@router.post(ONE_BUSINESS + "/activate", tags=["businesses"])
async def activate_business(business_id: str, actor: AdminDep, runtime: RuntimeDep) -> BusinessOut:
    return await _set_business_active(business_id, actor, runtime, True)


# -- widgets -----------------------------------------------------------------------------------


@router.get(ONE_BUSINESS + "/widgets", tags=["widgets"])
async def get_widgets(
    business_id: str, request: Request, actor: ManagerDep, session: SessionDep
) -> list[WidgetOut]:
    return [widget_out(w, request) for w in await list_widgets(session, actor, business_id)]


@router.post(ONE_BUSINESS + "/widgets", status_code=201, tags=["widgets"])
async def post_widget(
    business_id: str, body: WidgetCreate, request: Request, actor: AdminDep, runtime: RuntimeDep
) -> WidgetOut:
    """A new widget with its own random public key; `embed_snippet` goes on the client's site."""
    async with runtime.transaction() as session:
        business = await access_business_by_id(session, actor, business_id)
        widget = await actions.do_create_widget(session, actor, business, body)
        return widget_out(widget, request)


@router.get(ONE_WIDGET, tags=["widgets"])
async def get_widget(
    widget_id: str, request: Request, actor: ManagerDep, session: SessionDep
) -> WidgetOut:
    return widget_out(await access_widget_by_id(session, actor, widget_id), request)


@router.patch(ONE_WIDGET, tags=["widgets"])
async def patch_widget(
    widget_id: str, body: WidgetUpdate, request: Request, actor: AdminDep, runtime: RuntimeDep
) -> WidgetOut:
    """A section sent (`look`, `prechat`, ...) replaces that section; the next visitor gets it."""
    async with runtime.transaction() as session:
        widget = await access_widget_by_id(session, actor, widget_id)
        await actions.do_update_widget(session, actor, widget, body)
        return widget_out(widget, request)


async def _set_widget_active(
    widget_id: str, request: Request, actor: ActorDep, runtime: RuntimeDep, active: bool
) -> WidgetOut:
    async with runtime.transaction() as session:
        widget = await access_widget_by_id(session, actor, widget_id)
        await actions.do_set_widget_active(session, actor, widget, active)
        return widget_out(widget, request)


@router.post(ONE_WIDGET + "/deactivate", tags=["widgets"])
async def deactivate_widget(
    widget_id: str, request: Request, actor: AdminDep, runtime: RuntimeDep
) -> WidgetOut:
    return await _set_widget_active(widget_id, request, actor, runtime, False)


@router.post(ONE_WIDGET + "/activate", tags=["widgets"])
async def activate_widget(
    widget_id: str, request: Request, actor: AdminDep, runtime: RuntimeDep
) -> WidgetOut:
    return await _set_widget_active(widget_id, request, actor, runtime, True)


# -- opening hours -----------------------------------------------------------------------------


@router.get(ONE_BUSINESS + "/opening-hours", tags=["opening hours"])
async def get_opening_hours(
    business_id: str, actor: ManagerDep, session: SessionDep
) -> OpeningHours:
    business = await access_business_by_id(session, actor, business_id)
    return OpeningHours.from_stored(business.opening_hours, business.timezone)


@router.put(ONE_BUSINESS + "/opening-hours", tags=["opening hours"])
async def put_opening_hours(
    business_id: str, body: OpeningHours, actor: AdminDep, runtime: RuntimeDep
) -> OpeningHours:
    """Replaces the weekly hours and the dated exceptions; every wrong range is named
    (`weekly.mon.1`, `exceptions.2026-12-25.ranges.0`) and nothing is stored."""
    async with runtime.transaction() as session:
        business = await access_business_by_id(session, actor, business_id)
        await actions.do_set_opening_hours(session, actor, business, body)
        return OpeningHours.from_stored(business.opening_hours, business.timezone)


@router.get(ONE_BUSINESS + "/opening-hours/preview", tags=["opening hours"])
async def get_opening_hours_preview(
    business_id: str,
    actor: ManagerDep,
    session: SessionDep,
    days: int = Query(14, ge=1, le=62),
    # Bounded: days near the ends of the calendar overflow the time-zone arithmetic (a 500).
    start: date | None = Query(
        None,
        ge=date(2000, 1, 1),  # type: ignore[arg-type]  # pydantic compares dates; typed as float
        le=date(2100, 12, 31),  # type: ignore[arg-type]
        description="first day; default: today",
    ),
) -> HoursPreview:
    """Day by day in the business's time zone, as routing will apply the hours (DST included)."""
    business = await access_business_by_id(session, actor, business_id)
    schedule = load_schedule(business.opening_hours, business.timezone)
    return preview(schedule, now=utcnow(), days=days, start=start)


# -- contract ----------------------------------------------------------------------------------


@router.get(ONE_BUSINESS + "/contract", tags=["contract"])
async def get_contract(business_id: str, actor: ManagerDep, session: SessionDep) -> Contract:
    business = await access_business_by_id(session, actor, business_id)
    return Contract.from_stored(business.contract)


@router.put(ONE_BUSINESS + "/contract", tags=["contract"])
async def put_contract(
    business_id: str, body: Contract, actor: AdminDep, runtime: RuntimeDep
) -> Contract:
    """Routing reads the new targets from the next decision on."""
    async with runtime.transaction() as session:
        business = await access_business_by_id(session, actor, business_id)
        await actions.do_set_contract(session, actor, business, body)
        return Contract.from_stored(business.contract)


@router.get(ONE_BUSINESS + "/contract/history", tags=["contract"])
async def get_contract_history(
    business_id: str,
    actor: ManagerDep,
    session: SessionDep,
    limit: int = Query(100, ge=1, le=500),
) -> list[ContractChange]:
    """Newest first, from the audit log: each change, and the contract the business began with."""
    await access_business_by_id(session, actor, business_id)
    entries = await session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.business_id == business_id,
            or_(
                AuditEntry.entity == "contract",
                and_(AuditEntry.entity == "business", AuditEntry.action == "create"),
            ),
        )
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return [
        ContractChange(
            at=e.at,
            actor={"id": e.actor_id, "name": e.actor_name},
            action=e.action,
            before=e.before if e.entity == "contract" else {},
            after=e.after if e.entity == "contract" else e.after.get("contract", {}),
        )
        for e in entries
    ]
