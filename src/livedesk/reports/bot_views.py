"""GET /api/v1/reports/bot?from=&to=&business_id=: the FAQ bot's success per business
(reports/bot.py). The provider's managers see every business or the one asked; a business user
their own; operators have no bot figures (they are per business, not per operator)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from livedesk import i18n
from livedesk.accounts.models import Role
from livedesk.deps import ActorDep, SessionDep
from livedesk.errors import Forbidden
from livedesk.reports.access import access_report_scope
from livedesk.reports.bot import bot_success
from livedesk.reports.compose import period_for
from livedesk.reports.views import QueryDep

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

i18n.register(
    {
        "nl": {
            "report_bot_forbidden": "De cijfers van de FAQ-bot zijn per klant, niet per "
            "medewerker: de leiding en de klant zelf zien ze."
        },
        "en": {
            "report_bot_forbidden": "The FAQ bot's figures are per business, not per agent: "
            "managers and the business itself see them."
        },
    }
)


@router.get("/bot")
async def report_bot(actor: ActorDep, session: SessionDep, query: QueryDep) -> dict[str, Any]:
    """Per business: direct answers and how many an operator corrected, settled offers, picks
    and "none of these", and the share of the bot's actions that ended right."""
    if actor.role == Role.OPERATOR:
        raise Forbidden("bot figures are per business", code="report_bot_forbidden")
    access = await access_report_scope(session, actor, query.business_id, None)
    period = period_for(access.business, query.first, query.last)
    rows = await bot_success(session, access.scope.business_id, period)
    return {
        "period": {"from": query.first.isoformat(), "to": query.last.isoformat()},
        "businesses": rows,
    }
