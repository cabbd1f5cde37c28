"""One business as a `livedesk-business/1` document (see `portable` for the format)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.businesses.models import Business, Widget
from livedesk.businesses.portable import FORMAT
from livedesk.businesses.schemas import Contract, Guidelines, OpeningHours
from livedesk.businesses.widget_schemas import widget_sections
from livedesk.canned.models import CannedResponse
from livedesk.db import make_engine, make_sessionmaker, read_only
from livedesk.knowledge.models import FaqEntry
from livedesk.settings import Settings


def plain(value: Any) -> Any:
    """Schema objects as plain data in their fields' order, without a field its schema leaves
    out when unset (a contract without billing terms); free-form maps (dated exceptions) with
    their keys sorted; lists (the fields of a form, the ranges of a day) as they are."""
    if isinstance(value, BaseModel):
        return {
            name: plain(getattr(value, name))
            for name, field in type(value).model_fields.items()
            if not (field.exclude_if and field.exclude_if(getattr(value, name)))
        }
    if isinstance(value, dict):
        return {key: plain(value[key]) for key in sorted(value)}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def business_section(business: Business) -> dict[str, Any]:
    return {
        "slug": business.slug,
        "name": business.name,
        "language": business.language,
        "timezone": business.timezone,
        "form_of_address": business.form_of_address,
        "is_active": business.is_active,
        "guidelines": plain(Guidelines.from_stored(business.guidelines)),
    }


def widget_section(widget: Widget) -> dict[str, Any]:
    sections = widget_sections(widget.settings)
    return {
        "name": widget.name,
        "public_key": widget.public_key,
        "allowed_origins": list(widget.allowed_origins or []),
        "language": widget.language,
        **{name: plain(section) for name, section in sections.items()},
        "is_active": widget.is_active,
    }


def canned_section(canned: CannedResponse) -> dict[str, Any]:
    return {
        "shortcut": canned.shortcut,
        "title": canned.title,
        "body": canned.body,
        "language": canned.language,
    }


def faq_section(entry: FaqEntry) -> dict[str, Any]:
    return {
        "question": entry.question,
        "alternatives": list(entry.alternatives or []),
        "answer": entry.answer,
        "tags": list(entry.tags or []),
        "status": entry.status,
    }


def _faq_order(entry: FaqEntry) -> tuple[Any, ...]:
    """By question; archived twins of a question by their content."""
    return (
        entry.question.casefold(),
        entry.question,
        entry.status,
        entry.answer,
        list(entry.alternatives or []),
        list(entry.tags or []),
    )


async def export_business(session: AsyncSession, business: Business) -> dict[str, Any]:
    """The whole document. Rows come in an order of their content, never of ids or creation
    times, so the same setup exports to the same text on any system."""
    widgets = await session.scalars(select(Widget).where(Widget.business_id == business.id))
    canned = await session.scalars(
        select(CannedResponse).where(CannedResponse.business_id == business.id)
    )
    faq = await session.scalars(select(FaqEntry).where(FaqEntry.business_id == business.id))
    return {
        "format": FORMAT,
        "business": business_section(business),
        "widgets": [widget_section(w) for w in sorted(widgets, key=lambda w: w.public_key)],
        "opening_hours": plain(OpeningHours.from_stored(business.opening_hours, business.timezone)),
        "contract": plain(Contract.from_stored(business.contract)),
        "canned_responses": [canned_section(c) for c in sorted(canned, key=lambda c: c.shortcut)],
        "faq": [faq_section(e) for e in sorted(faq, key=_faq_order)],
    }


async def export_by_slug(settings: Settings, slug: str) -> dict[str, Any] | None:
    """For the command line: the document of the business with this slug, or None."""
    engine = make_engine(settings)
    try:
        async with read_only(make_sessionmaker(engine)) as session:
            business = await session.scalar(select(Business).where(Business.slug == slug))
            return None if business is None else await export_business(session, business)
    finally:
        await engine.dispose()
