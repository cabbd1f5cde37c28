"""Who reads which canned responses: a business's own plus the shared ones.

Provider admins and supervisors read every business's; operators only those of the businesses
they serve ("not yours" is the same 404 as "not there"); business users none (403): canned
responses are the provider's working material, not the client's configuration.
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.businesses.access import access_business_by_id
from livedesk.canned.models import CannedResponse
from livedesk.errors import Forbidden, NotFound
from livedesk.security.actors import StaffActor


def require_staff(actor: StaffActor) -> None:
    if not actor.is_staff:
        raise Forbidden("canned responses are for the provider's staff")


async def scoped_canned(
    session: AsyncSession, actor: StaffActor, business_id: str | None
) -> Select[CannedResponse]:
    """With `business_id`: that business's own and the shared ones. Without: the shared ones
    and those of every business the actor serves (all of them for admins and supervisors)."""
    require_staff(actor)
    query = select(CannedResponse).order_by(
        CannedResponse.business_id.is_not(None), CannedResponse.shortcut, CannedResponse.id
    )
    shared = CannedResponse.business_id.is_(None)
    if business_id is not None:
        await access_business_by_id(session, actor, business_id)
        return query.where(or_(shared, CannedResponse.business_id == business_id))
    if actor.business_ids is not None:
        return query.where(or_(shared, CannedResponse.business_id.in_(actor.business_ids)))
    return query


async def access_canned_by_id(
    session: AsyncSession, actor: StaffActor, canned_id: str
) -> CannedResponse:
    require_staff(actor)
    item = await session.get(CannedResponse, canned_id)
    if item is None or (
        item.business_id is not None and not actor.can_see_business(item.business_id)
    ):
        raise NotFound("canned response not found", code="canned_not_found")
    return item
