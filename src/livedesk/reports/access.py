"""Who may see which report figures; "not yours" is a 404 like everywhere else.

* Provider admins and supervisors: every business and every operator, provider-wide too.
* An operator: their own operator figures only (any business they serve, or all of theirs);
  asking for someone else's is 403, for a business they do not serve 404.
* A business user: their own business's figures only (the default), never per operator: the
  provider's staff list is not theirs to see (403).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.accounts.models import Role, User
from livedesk.businesses.access import access_business_by_id
from livedesk.businesses.models import Business
from livedesk.errors import Forbidden, NotFound
from livedesk.reports.records import Scope
from livedesk.security.actors import StaffActor

i18n.register(
    {
        "nl": {
            "report_operator_forbidden": "Cijfers per medewerker zijn alleen voor de "
            "medewerkers van de chatdienst.",
            "report_other_operator": "Je ziet alleen je eigen cijfers.",
            "report_operator_unknown": "Deze medewerker bestaat niet.",
            "report_business_page_forbidden": "Deze pagina is voor het bedrijf en de "
            "leiding van de chatdienst; je eigen cijfers staan op /reports.",
        },
        "en": {
            "report_operator_forbidden": "Figures per agent are for the chat provider's "
            "staff only.",
            "report_other_operator": "You only see your own figures.",
            "report_operator_unknown": "This agent does not exist.",
            "report_business_page_forbidden": "This page is for the business and the chat "
            "provider's managers; your own figures are on /reports.",
        },
    }
)


@dataclass(frozen=True, slots=True)
class ReportAccess:
    scope: Scope
    business: Business | None


def is_manager(actor: StaffActor) -> bool:
    return actor.role in (Role.PROVIDER_ADMIN, Role.SUPERVISOR)


def may_see_operators(actor: StaffActor) -> bool:
    return actor.role != Role.BUSINESS_USER


async def access_report_scope(
    session: AsyncSession,
    actor: StaffActor,
    business_id: str | None,
    operator_id: str | None,
    *,
    per_operator: bool = False,
) -> ReportAccess:
    """The scope `actor` may see for the asked business/operator; `per_operator`: the caller
    lists operators (the operators table)."""
    if actor.role == Role.BUSINESS_USER:
        if operator_id is not None or per_operator:
            raise Forbidden(
                "figures per operator are for provider staff", code="report_operator_forbidden"
            )
        own = sorted(actor.business_ids or ())
        business_id = business_id or (own[0] if own else None)
        if business_id is None:
            raise NotFound("business not found")
    elif actor.role == Role.OPERATOR:
        if operator_id not in (None, actor.user_id):
            raise Forbidden("only your own figures", code="report_other_operator")
        operator_id = actor.user_id
    business = None
    if business_id is not None:
        business = await access_business_by_id(session, actor, business_id)
    if operator_id is not None and operator_id != actor.user_id:
        role = await session.scalar(select(User.role).where(User.id == operator_id))
        if role is None or role == Role.BUSINESS_USER:
            raise NotFound("operator not found", code="report_operator_unknown")
    return ReportAccess(Scope(business_id, operator_id), business)
