"""Who may read billing figures, and the month a request names.

Provider admins and supervisors read every business; a business user only its own (another's
is a 404, as everywhere); operators none (403): what a client pays is not theirs to see.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import Role
from livedesk.billing.usage import Month
from livedesk.businesses.access import access_business_by_id
from livedesk.businesses.models import Business
from livedesk.errors import FieldError, Forbidden
from livedesk.security.actors import StaffActor

MANAGERS = (Role.PROVIDER_ADMIN, Role.SUPERVISOR)


async def access_billed_business(
    session: AsyncSession, actor: StaffActor, business_id: str
) -> Business:
    """The business whose usage and statements the actor may read."""
    if actor.role == Role.OPERATOR:
        raise Forbidden("statements are not for operators", code="billing_staff_only")
    return await access_business_by_id(session, actor, business_id)


def require_manager(actor: StaffActor) -> None:
    """Every business's figures at once: the provider's admins and supervisors."""
    if actor.role not in MANAGERS:
        raise Forbidden("for supervisors and provider admins only")


def parse_month(text: str | None, name: str = "month") -> Month:
    """'2026-03', or a 422 naming the field."""
    try:
        return Month.parse(text or "")
    except ValueError:
        raise FieldError({name: "month_invalid"}) from None
