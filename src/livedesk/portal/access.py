"""Who may use the portal, and for which business.

The portal is the business's window: its business users see their own business; provider admins
and supervisors see any business as the business sees it (to help it, or to check a proposal).
Operators work in the console and get 403 here. A business that is not the actor's answers 404,
the same as one that does not exist.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.accounts.models import Role
from livedesk.businesses.access import access_business_by_id
from livedesk.businesses.models import Business
from livedesk.conversations.models import Conversation
from livedesk.errors import FieldError, Forbidden, NotFound
from livedesk.portal.models import ChangeRequest
from livedesk.security.actors import StaffActor

PORTAL_ROLES = frozenset({Role.BUSINESS_USER, Role.PROVIDER_ADMIN, Role.SUPERVISOR})

i18n.register(
    {
        "nl": {
            "portal_roles": "Het klantportaal is voor de klant zelf en voor de beheerders en "
            "supervisors van de chatdienst.",
            "business_id_needed": "Kies een klant.",
            "change_request_not_found": "Dit voorstel bestaat niet.",
            "transcript_not_found": "Dit gesprek bestaat niet.",
        },
        "en": {
            "portal_roles": "The client portal is for the client itself and for the chat "
            "service's admins and supervisors.",
            "business_id_needed": "Choose a business.",
            "change_request_not_found": "This proposal does not exist.",
            "transcript_not_found": "This conversation does not exist.",
        },
    }
)


def require_portal_role(actor: StaffActor) -> None:
    if actor.role not in PORTAL_ROLES:
        raise Forbidden(
            "the portal is for the business and the provider's managers", code="portal_roles"
        )


async def portal_business(
    session: AsyncSession, actor: StaffActor, business_id: str | None
) -> Business:
    """The business a portal request is about. A business user may leave it out (they have
    one); provider managers name it. Another business's id is a 404."""
    require_portal_role(actor)
    if not business_id:
        if actor.business_ids is None or len(actor.business_ids) != 1:
            raise FieldError({"business_id": "business_id_needed"})
        (business_id,) = actor.business_ids
    return await access_business_by_id(session, actor, business_id)


async def access_portal_conversation(
    session: AsyncSession, actor: StaffActor, conversation_id: str
) -> Conversation:
    require_portal_role(actor)
    query = select(Conversation).where(Conversation.id == conversation_id)
    if actor.business_ids is not None:
        query = query.where(Conversation.business_id.in_(actor.business_ids))
    conversation = await session.scalar(query)
    if conversation is None:
        raise NotFound("conversation not found", code="transcript_not_found")
    return conversation


def scoped_change_requests(actor: StaffActor) -> Select[ChangeRequest]:
    require_portal_role(actor)
    query = select(ChangeRequest)
    if actor.business_ids is not None:
        query = query.where(ChangeRequest.business_id.in_(actor.business_ids))
    return query


async def access_change_request(
    session: AsyncSession, actor: StaffActor, request_id: str, *, for_update: bool = False
) -> ChangeRequest:
    query = scoped_change_requests(actor).where(ChangeRequest.id == request_id)
    if for_update:
        query = query.with_for_update()
    found = await session.scalar(query)
    if found is None:
        raise NotFound("change request not found", code="change_request_not_found")
    return found
