"""Proposed guideline and opening-hour changes, and the per-business portal settings.

- A business user proposes (POST); it applies at once or waits, as the business's
  `changes_need_approval` says. Provider staff do not propose: they change things in the back
  office (403).
- Provider admins approve or reject pending proposals; supervisors read them.
- Portal settings: read by whoever may see the business; changed by provider admins only.
"""

from __future__ import annotations

from fastapi import APIRouter, Query
from sqlalchemy import select

from livedesk.businesses.access import access_business_by_id
from livedesk.businesses.models import Business
from livedesk.deps import ActorDep, AdminDep, RuntimeDep, SessionDep
from livedesk.portal.access import access_change_request, portal_business, scoped_change_requests
from livedesk.portal.actions import do_set_portal_settings, portal_rules
from livedesk.portal.changes import do_approve_change, do_propose_change, do_reject_change
from livedesk.portal.models import ChangeKind, ChangeRequest, ChangeStatus
from livedesk.portal.schemas import (
    ChangeRequestIn,
    ChangeRequestOut,
    DecisionIn,
    PortalSettingsIn,
    PortalSettingsOut,
)

router = APIRouter(tags=["portal"])
REQUESTS = "/api/v1/portal/change-requests"
ONE_REQUEST = REQUESTS + "/{request_id}"
SETTINGS = "/api/v1/businesses/{business_id}/portal-settings"


async def _out(session: SessionDep, row: ChangeRequest) -> ChangeRequestOut:
    business = await session.get(Business, row.business_id)
    return ChangeRequestOut.of(row, business.name if business else None)


@router.get(REQUESTS)
async def list_change_requests(
    actor: ActorDep,
    session: SessionDep,
    status: ChangeStatus | None = None,
    kind: ChangeKind | None = None,
    business_id: str | None = Query(None, max_length=32),
    limit: int = Query(100, ge=1, le=500),
) -> list[ChangeRequestOut]:
    """Newest first. Provider managers see every business's (`?status=pending`: what waits for
    approval); a business user their own business's."""
    query = scoped_change_requests(actor)
    if business_id is not None:
        await access_business_by_id(session, actor, business_id)
        query = query.where(ChangeRequest.business_id == business_id)
    if status is not None:
        query = query.where(ChangeRequest.status == status)
    if kind is not None:
        query = query.where(ChangeRequest.kind == kind)
    rows = list(
        await session.scalars(query.order_by(ChangeRequest.proposed_at.desc()).limit(limit))
    )
    names = dict(
        (
            await session.execute(
                select(Business.id, Business.name).where(
                    Business.id.in_({r.business_id for r in rows})
                )
            )
        ).all()
    )
    return [ChangeRequestOut.of(r, names.get(r.business_id)) for r in rows]


@router.post(REQUESTS, status_code=201)
async def propose_change(
    body: ChangeRequestIn, actor: ActorDep, runtime: RuntimeDep
) -> ChangeRequestOut:
    """201 with `status` "applied" (the business needs no approval) or "pending". A newer
    proposal of the same kind replaces a pending one ("superseded")."""
    async with runtime.transaction() as session:
        business = await portal_business(session, actor, body.business_id)
        rules = await portal_rules(session, business.id)
        row = await do_propose_change(session, actor, business, body, rules)
        return ChangeRequestOut.of(row, business.name)


@router.get(ONE_REQUEST)
async def get_change_request(
    request_id: str, actor: ActorDep, session: SessionDep
) -> ChangeRequestOut:
    return await _out(session, await access_change_request(session, actor, request_id))


@router.post(ONE_REQUEST + "/approve")
async def approve_change_request(
    request_id: str, body: DecisionIn, actor: AdminDep, runtime: RuntimeDep
) -> ChangeRequestOut:
    """Applies the proposal through the business actions (their checks and audit entries)."""
    async with runtime.transaction() as session:
        row = await access_change_request(session, actor, request_id, for_update=True)
        await do_approve_change(session, actor, row, body.note)
        return await _out(session, row)


@router.post(ONE_REQUEST + "/reject")
async def reject_change_request(
    request_id: str, body: DecisionIn, actor: AdminDep, runtime: RuntimeDep
) -> ChangeRequestOut:
    async with runtime.transaction() as session:
        row = await access_change_request(session, actor, request_id, for_update=True)
        await do_reject_change(session, actor, row, body.note)
        return await _out(session, row)


@router.get(SETTINGS)
async def get_portal_settings(
    business_id: str, actor: ActorDep, session: SessionDep
) -> PortalSettingsOut:
    await access_business_by_id(session, actor, business_id)
    rules = await portal_rules(session, business_id)
    return PortalSettingsOut(business_id=business_id, **rules.as_dict())


@router.put(SETTINGS)
async def put_portal_settings(
    business_id: str, body: PortalSettingsIn, actor: AdminDep, runtime: RuntimeDep
) -> PortalSettingsOut:
    """Changes only the fields sent; audited (entity "portal_settings")."""
    async with runtime.transaction() as session:
        business = await access_business_by_id(session, actor, business_id)
        rules = await do_set_portal_settings(session, actor, business, body)
        return PortalSettingsOut(business_id=business_id, **rules.as_dict())
