"""A business proposes new guidelines or opening hours; they apply at once or after a provider
admin approves, as the business's portal settings say.

A proposal is checked when it is made, with the back office's own rules, so a business user
sees every field error straight away. It is applied through the business actions
(`do_update_business`, `do_set_opening_hours`): the same validation and the same audit entries
as an admin's own change, with as actor whoever made it take effect (the business user when it
applies at once, the approving admin otherwise). The request itself is audited too
(entity "change_request": created by the business user, decided by the admin), so the log tells
whose proposal it was and who approved it.

Actions run inside the caller's unit of work and never commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.accounts.models import Role
from livedesk.audit.actions import record_change
from livedesk.businesses.actions import do_set_opening_hours, do_update_business
from livedesk.businesses.models import Business
from livedesk.businesses.schemas import (
    BusinessUpdate,
    Guidelines,
    OpeningHours,
    hours_field_errors,
)
from livedesk.db import utcnow
from livedesk.errors import Conflict, FieldError, Forbidden
from livedesk.portal.actions import PortalRules
from livedesk.portal.models import ChangeKind, ChangeRequest, ChangeStatus
from livedesk.portal.schemas import ChangeRequestIn
from livedesk.routing.hours import Schedule, ScheduleError
from livedesk.security.actors import StaffActor

ENTITY = "change_request"

i18n.register(
    {
        "nl": {
            "propose_business_only": "Voorstellen doet de klant zelf; als beheerder wijzig je "
            "richtlijnen en openingstijden in het back office.",
            "change_request_decided": "Over dit voorstel is al beslist.",
        },
        "en": {
            "propose_business_only": "Proposals come from the business itself; as an admin you "
            "change guidelines and opening hours in the back office.",
            "change_request_decided": "This proposal has already been decided.",
        },
    }
)


def current_value(business: Business, kind: ChangeKind) -> dict[str, Any]:
    """The business's live guidelines or hours, in the shape a proposal has."""
    if kind == ChangeKind.GUIDELINES:
        return Guidelines.from_stored(business.guidelines).model_dump()
    return OpeningHours.from_stored(business.opening_hours, business.timezone).model_dump()


def _checked_hours(hours: OpeningHours, business: Business) -> None:
    """The back office's rules for hours (do_set_opening_hours), errors under `opening_hours.`."""
    errors = hours_field_errors(hours)
    if not errors:
        stored = {
            "timezone": hours.timezone or business.timezone,
            "weekly": hours.weekly.model_dump(),
            "exceptions": {day: x.model_dump() for day, x in hours.exceptions.items()},
        }
        try:
            Schedule.from_dict(stored)
        except ScheduleError:
            errors = {"weekly": "hours_invalid"}
    if errors:
        raise FieldError({f"opening_hours.{path}": code for path, code in errors.items()})


def proposed_value(data: ChangeRequestIn, business: Business) -> dict[str, Any]:
    if data.kind == ChangeKind.GUIDELINES:
        if data.guidelines is None:
            raise FieldError({"guidelines": "missing"})
        return data.guidelines.model_dump()
    if data.opening_hours is None:
        raise FieldError({"opening_hours": "missing"})
    _checked_hours(data.opening_hours, business)
    return data.opening_hours.model_dump()


async def _apply(
    session: AsyncSession, actor: StaffActor, business: Business, request: ChangeRequest
) -> None:
    if request.kind == ChangeKind.GUIDELINES:
        change = BusinessUpdate(guidelines=Guidelines.model_validate(request.proposed))
        await do_update_business(session, actor, business, change)
    else:
        hours = OpeningHours.model_validate(request.proposed)
        await do_set_opening_hours(session, actor, business, hours)


def _audit_status(
    session: AsyncSession, actor: StaffActor, request: ChangeRequest, before: str
) -> None:
    record_change(
        session,
        actor,
        entity=ENTITY,
        entity_id=request.id,
        action="update",
        business_id=request.business_id,
        before={"status": before, "decided_by": None},
        after={"status": request.status, "decided_by": request.decided_by_name},
    )


async def _supersede_pending(
    session: AsyncSession, business_id: str, kind: ChangeKind, now: Any
) -> None:
    """One pending proposal per business and kind: the newest is the one that counts."""
    await session.execute(
        update(ChangeRequest)
        .where(
            ChangeRequest.business_id == business_id,
            ChangeRequest.kind == kind,
            ChangeRequest.status == ChangeStatus.PENDING,
        )
        .values(status=ChangeStatus.SUPERSEDED, decided_at=now)
    )


async def do_propose_change(
    session: AsyncSession,
    actor: StaffActor,
    business: Business,
    data: ChangeRequestIn,
    rules: PortalRules,
) -> ChangeRequest:
    if actor.role != Role.BUSINESS_USER:
        raise Forbidden("proposals come from the business itself", code="propose_business_only")
    value = proposed_value(data, business)
    now = utcnow()
    await _supersede_pending(session, business.id, data.kind, now)
    request = ChangeRequest(
        business_id=business.id,
        kind=data.kind,
        proposed=value,
        previous=current_value(business, data.kind),
        note=data.note,
        status=ChangeStatus.PENDING,
        proposed_by=actor.user_id,
        proposed_by_name=actor.name,
        proposed_at=now,
    )
    session.add(request)
    await session.flush()
    record_change(
        session,
        actor,
        entity=ENTITY,
        entity_id=request.id,
        action="create",
        business_id=business.id,
        after={"kind": request.kind, "proposed": value, "note": request.note},
    )
    if not rules.changes_need_approval:
        await _apply(session, actor, business, request)
        request.status = ChangeStatus.APPLIED
        request.decided_at = now
        request.decided_by, request.decided_by_name = actor.user_id, actor.name
        _audit_status(session, actor, request, ChangeStatus.PENDING)
    return request


def _check_pending(request: ChangeRequest) -> None:
    if request.status != ChangeStatus.PENDING:
        raise Conflict(
            "this proposal has already been decided",
            code="change_request_decided",
            data={"status": request.status},
        )


def _decide(request: ChangeRequest, actor: StaffActor, status: ChangeStatus, note: str) -> None:
    request.status = status
    request.decided_by, request.decided_by_name = actor.user_id, actor.name
    request.decided_at = utcnow()
    request.decision_note = note or None


async def do_approve_change(
    session: AsyncSession, actor: StaffActor, request: ChangeRequest, note: str
) -> ChangeRequest:
    """Applies the proposal as it was made, checked again by the business actions."""
    _check_pending(request)
    business = await session.get(Business, request.business_id)
    assert business is not None  # the request would have gone with it (ON DELETE CASCADE)
    await _apply(session, actor, business, request)
    _decide(request, actor, ChangeStatus.APPROVED, note)
    _audit_status(session, actor, request, ChangeStatus.PENDING)
    return request


async def do_reject_change(
    session: AsyncSession, actor: StaffActor, request: ChangeRequest, note: str
) -> ChangeRequest:
    _check_pending(request)
    _decide(request, actor, ChangeStatus.REJECTED, note)
    _audit_status(session, actor, request, ChangeStatus.PENDING)
    return request
