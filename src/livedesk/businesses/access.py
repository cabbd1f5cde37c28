"""Reads of businesses and widgets, scoped by the actor (404 for "not yours" too)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.businesses.models import Business, Widget
from livedesk.errors import NotFound
from livedesk.security.actors import Actor

# What a visitor reads when the chat is switched off (the business or just this widget).
UNAVAILABLE = {
    "nl": "Deze chat is op dit moment niet beschikbaar. Neem op een andere manier contact op "
    "met het bedrijf.",
    "en": "This chat is not available at the moment. Please contact the business another way.",
}
i18n.register(
    {
        language: {"business_inactive": text, "widget_inactive": text}
        for language, text in UNAVAILABLE.items()
    }
)


async def access_business_by_id(session: AsyncSession, actor: Actor, business_id: str) -> Business:
    business = await session.get(Business, business_id)
    if business is None or not actor.can_see_business(business.id):
        raise NotFound("business not found")
    return business


async def list_businesses(session: AsyncSession, actor: Actor) -> list[Business]:
    query = select(Business).order_by(Business.name)
    business_ids = getattr(actor, "business_ids", None)
    if business_ids is not None:
        query = query.where(Business.id.in_(business_ids))
    elif not hasattr(actor, "business_ids"):  # a visitor
        query = query.where(Business.id == actor.business_id)
    return list(await session.scalars(query))


async def widget_by_public_key(session: AsyncSession, public_key: str) -> Widget:
    """Widgets are public by key: the key is on the client's web page for all to see."""
    widget = await session.scalar(select(Widget).where(Widget.public_key == public_key))
    if widget is None:
        raise NotFound("widget not found")
    return widget


async def access_widget_by_id(session: AsyncSession, actor: Actor, widget_id: str) -> Widget:
    widget = await session.get(Widget, widget_id)
    if widget is None or not actor.can_see_business(widget.business_id):
        raise NotFound("widget not found")
    return widget


async def list_widgets(session: AsyncSession, actor: Actor, business_id: str) -> list[Widget]:
    await access_business_by_id(session, actor, business_id)
    query = select(Widget).where(Widget.business_id == business_id)
    return list(await session.scalars(query.order_by(Widget.created_at, Widget.id)))


def inactive_code(widget: Widget, business: Business) -> str | None:
    """Why this widget takes no new chats, or None when it does."""
    if not business.is_active:
        return "business_inactive"
    if not widget.is_active:
        return "widget_inactive"
    return None
