"""Back-office changes to businesses, widgets, opening hours and contracts.

Each action is one unit of work inside the caller's transaction (never commits) and records an
audit entry with the value before and after, so the entry commits or rolls back with the change.
"""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.audit.actions import record_change
from livedesk.businesses.models import Business, Widget, default_opening_hours
from livedesk.businesses.schemas import (
    CONTRACT_DEFAULTS,
    BusinessCreate,
    BusinessUpdate,
    Contract,
    OpeningHours,
    hours_field_errors,
)
from livedesk.businesses.widget_schemas import SECTIONS, WidgetCreate, WidgetUpdate
from livedesk.errors import FieldError
from livedesk.routing.hours import Schedule, ScheduleError
from livedesk.security.actors import StaffActor

i18n.register(
    {
        "nl": {
            "slug_taken": "Deze korte naam is al in gebruik door een ander bedrijf; kies een "
            "andere.",
            "hours_invalid": "Deze openingstijden kloppen niet; kijk de blokken na.",
        },
        "en": {
            "slug_taken": "Another business already uses this short name; choose another.",
            "hours_invalid": "These opening hours do not add up; check the ranges.",
        },
    }
)

PUBLIC_KEY_BYTES = 12  # 16 URL-safe characters: the key is public, it only has to be unguessable


def named_fields(data: BaseModel) -> dict[str, Any]:
    """The fields a partial update names, each whole: a section sent is the section stored
    (`model_dump(exclude_unset=True)` would also drop the unnamed parts inside a section)."""
    dumped = data.model_dump()
    return {name: dumped[name] for name in data.model_fields_set}


# -- snapshots for the audit log ---------------------------------------------------------------


def business_snapshot(business: Business) -> dict[str, Any]:
    return {
        "name": business.name,
        "slug": business.slug,
        "language": business.language,
        "timezone": business.timezone,
        "form_of_address": business.form_of_address,
        "guidelines": business.guidelines,
        "is_active": business.is_active,
    }


def widget_snapshot(widget: Widget) -> dict[str, Any]:
    return {
        "name": widget.name,
        "public_key": widget.public_key,
        "allowed_origins": widget.allowed_origins,
        "language": widget.language,
        "settings": widget.settings,
        "is_active": widget.is_active,
    }


# -- businesses --------------------------------------------------------------------------------


async def _check_slug_free(session: AsyncSession, slug: str, business_id: str | None) -> None:
    query = select(Business.id).where(Business.slug == slug)
    if business_id is not None:
        query = query.where(Business.id != business_id)
    if await session.scalar(query) is not None:
        raise FieldError({"slug": "slug_taken"})


async def _flush_unique_slug(session: AsyncSession) -> None:
    """Two admins choosing the same slug at once: the unique index decides, the loser gets the
    same field error as when the check above had seen the other one."""
    try:
        await session.flush()
    except IntegrityError:
        raise FieldError({"slug": "slug_taken"}) from None


async def do_create_business(
    session: AsyncSession, actor: StaffActor, data: BusinessCreate
) -> Business:
    await _check_slug_free(session, data.slug, None)
    hours = default_opening_hours()
    hours["timezone"] = data.timezone
    business = Business(
        name=data.name,
        slug=data.slug,
        language=data.language,
        timezone=data.timezone,
        form_of_address=data.form_of_address,
        guidelines=data.guidelines.model_dump(),
        opening_hours=hours,
        contract=dict(CONTRACT_DEFAULTS),
        is_active=True,
    )
    session.add(business)
    await _flush_unique_slug(session)
    after = {
        **business_snapshot(business),
        "opening_hours": business.opening_hours,
        "contract": business.contract,
    }
    record_change(
        session,
        actor,
        entity="business",
        entity_id=business.id,
        action="create",
        business_id=business.id,
        after=after,
    )
    return business


async def do_update_business(
    session: AsyncSession, actor: StaffActor, business: Business, data: BusinessUpdate
) -> Business:
    """Only the fields the request names change. Opening hours follow a new time zone when they
    were in the business's old one: they are local times of the business."""
    before = business_snapshot(business)
    changes = named_fields(data)
    if "slug" in changes and changes["slug"] != business.slug:
        await _check_slug_free(session, changes["slug"], business.id)
    old_timezone = business.timezone
    for name, value in changes.items():
        setattr(business, name, value)
    await _flush_unique_slug(session)
    record_change(
        session,
        actor,
        entity="business",
        entity_id=business.id,
        action="update",
        business_id=business.id,
        before=before,
        after=business_snapshot(business),
    )
    hours = business.opening_hours or {}
    if business.timezone != old_timezone and hours.get("timezone", old_timezone) == old_timezone:
        _store_hours(session, actor, business, {**hours, "timezone": business.timezone})
    return business


async def do_set_business_active(
    session: AsyncSession, actor: StaffActor, business: Business, active: bool
) -> Business:
    """Deactivating deletes nothing: the widgets refuse new chats until it is active again."""
    if business.is_active != active:
        business.is_active = active
        record_change(
            session,
            actor,
            entity="business",
            entity_id=business.id,
            action="activate" if active else "deactivate",
            business_id=business.id,
            before={"is_active": not active},
            after={"is_active": active},
        )
    return business


async def count_widgets(session: AsyncSession, business_ids: list[str]) -> dict[str, int]:
    rows = await session.execute(
        select(Widget.business_id, func.count())
        .where(Widget.business_id.in_(business_ids))
        .group_by(Widget.business_id)
    )
    return {business_id: int(n) for business_id, n in rows.all()}


# -- widgets -----------------------------------------------------------------------------------


async def _new_public_key(session: AsyncSession) -> str:
    while True:  # a collision among 2^96 keys does not happen; the loop only proves it
        key = secrets.token_urlsafe(PUBLIC_KEY_BYTES)
        if await session.scalar(select(Widget.id).where(Widget.public_key == key)) is None:
            return key


async def do_create_widget(
    session: AsyncSession,
    actor: StaffActor,
    business: Business,
    data: WidgetCreate,
    *,
    public_key: str | None = None,
) -> Widget:
    """A new widget with a freshly drawn key, or `public_key` when an imported setup brings the
    key that is already on the client's pages (the caller checked nobody else has it)."""
    widget = Widget(
        business_id=business.id,
        public_key=public_key or await _new_public_key(session),
        name=data.name,
        allowed_origins=list(data.allowed_origins),
        language=data.language or business.language,
        settings={name: getattr(data, name).model_dump() for name in SECTIONS},
        is_active=True,
    )
    session.add(widget)
    await session.flush()
    record_change(
        session,
        actor,
        entity="widget",
        entity_id=widget.id,
        action="create",
        business_id=business.id,
        after=widget_snapshot(widget),
    )
    return widget


async def do_update_widget(
    session: AsyncSession, actor: StaffActor, widget: Widget, data: WidgetUpdate
) -> Widget:
    """Read from the database on every visitor's request, so a change applies to the next
    visitor on every process without a restart."""
    before = widget_snapshot(widget)
    changes = named_fields(data)
    if "name" in changes:
        widget.name = changes["name"]
    if "allowed_origins" in changes:
        widget.allowed_origins = changes["allowed_origins"]
    if "language" in changes:
        widget.language = changes["language"]
    sections = {name: changes[name] for name in SECTIONS if name in changes}
    if sections:
        # A new dict, not an in-place edit: the JSON column only notices assignment.
        widget.settings = {**(widget.settings or {}), **sections}
    record_change(
        session,
        actor,
        entity="widget",
        entity_id=widget.id,
        action="update",
        business_id=widget.business_id,
        before=before,
        after=widget_snapshot(widget),
    )
    return widget


async def do_set_widget_active(
    session: AsyncSession, actor: StaffActor, widget: Widget, active: bool
) -> Widget:
    if widget.is_active != active:
        widget.is_active = active
        record_change(
            session,
            actor,
            entity="widget",
            entity_id=widget.id,
            action="activate" if active else "deactivate",
            business_id=widget.business_id,
            before={"is_active": not active},
            after={"is_active": active},
        )
    return widget


# -- opening hours and contract ----------------------------------------------------------------


def _store_hours(
    session: AsyncSession, actor: StaffActor, business: Business, hours: dict[str, Any]
) -> None:
    before = business.opening_hours or {}
    business.opening_hours = hours
    record_change(
        session,
        actor,
        entity="opening_hours",
        entity_id=business.id,
        action="update",
        business_id=business.id,
        before={"opening_hours": before},
        after={"opening_hours": hours},
    )


async def do_set_opening_hours(
    session: AsyncSession, actor: StaffActor, business: Business, hours: OpeningHours
) -> Business:
    """Replace the weekly hours and exceptions, all problems reported at once by field path.
    Stored in the form routing reads (`Schedule.from_dict`), which checks it a last time."""
    errors = hours_field_errors(hours)
    if errors:
        raise FieldError(errors)
    stored = {
        "timezone": hours.timezone or business.timezone,
        "weekly": hours.weekly.model_dump(),
        "exceptions": {
            day: exception.model_dump() for day, exception in sorted(hours.exceptions.items())
        },
    }
    try:
        Schedule.from_dict(stored)
    except ScheduleError:
        raise FieldError({"weekly": "hours_invalid"}) from None
    _store_hours(session, actor, business, stored)
    return business


async def do_set_contract(
    session: AsyncSession, actor: StaffActor, business: Business, contract: Contract
) -> Business:
    """Replace the contract; keys routing may add later and this form does not know survive,
    and so do the billing terms when the request leaves them out (null removes them)."""
    before = business.contract or {}
    after = {**before, **contract.model_dump()}
    if "billing" in contract.model_fields_set and contract.billing is None:
        after.pop("billing", None)
    business.contract = after
    record_change(
        session,
        actor,
        entity="contract",
        entity_id=business.id,
        action="update",
        business_id=business.id,
        before=before,
        after=after,
    )
    return business
