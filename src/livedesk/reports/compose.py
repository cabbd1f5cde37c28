"""One report, end to end: the period in the right timezone, its records, its figures.

The API, the pages and the monthly mail all come through here, so they can never disagree.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.businesses.models import Business, default_contract
from livedesk.reports import metrics
from livedesk.reports.access import ReportAccess
from livedesk.reports.queries import load_records
from livedesk.reports.records import PROVIDER_TIMEZONE, Period, Records


def zone(name: str | None) -> ZoneInfo:
    """The named timezone; the provider's when there is none or it is unknown."""
    try:
        return ZoneInfo(name or PROVIDER_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(PROVIDER_TIMEZONE)


def timezone_of(business: Business | None) -> ZoneInfo:
    """The business's own clock; the provider's for provider-wide and operator reports."""
    return zone(business.timezone if business is not None else None)


def period_for(business: Business | None, first: date, last: date) -> Period:
    return Period(first, last, timezone_of(business))


def head(access: ReportAccess, period: Period) -> dict[str, Any]:
    """What every answer starts with: the period (local dates and UTC bounds) and the scope."""
    business = access.business
    target = None
    if business is not None:
        contract = {**default_contract(), **(business.contract or {})}
        target = float(contract["first_reply_seconds"])
    return {
        "period": {
            "from": period.first.isoformat(),
            "to": period.last.isoformat(),
            "timezone": period.tz.key,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "scope": {
            "business_id": access.scope.business_id,
            "business_name": business.name if business is not None else None,
            "operator_id": access.scope.operator_id,
        },
        "target_seconds": target,
    }


async def records_for(
    session: AsyncSession, access: ReportAccess, period: Period, now: datetime | None = None
) -> Records:
    return await load_records(session, period, access.scope, now=now)


async def summary_report(
    session: AsyncSession,
    access: ReportAccess,
    first: date,
    last: date,
    now: datetime | None = None,
) -> dict[str, Any]:
    period = period_for(access.business, first, last)
    records = await records_for(session, access, period, now)
    return {**head(access, period), **metrics.summary(records, period, access.scope)}


async def heatmap_report(
    session: AsyncSession, access: ReportAccess, first: date, last: date
) -> dict[str, Any]:
    period = period_for(access.business, first, last)
    records = await records_for(session, access, period)
    chats = metrics.counted_chats(metrics.all_facts(records), period, access.scope)
    return {**head(access, period), **metrics.heatmap(chats, period)}


async def operators_report(
    session: AsyncSession, access: ReportAccess, first: date, last: date
) -> dict[str, Any]:
    period = period_for(access.business, first, last)
    records = await records_for(session, access, period)
    return {
        **head(access, period),
        "operators": metrics.operator_rows(records, period, access.scope),
    }


async def page_report(
    session: AsyncSession, access: ReportAccess, first: date, last: date, *, operators: bool
) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    """The summary and (for the provider's staff) the operator rows from one load."""
    period = period_for(access.business, first, last)
    records = await records_for(session, access, period)
    report = {**head(access, period), **metrics.summary(records, period, access.scope)}
    rows = metrics.operator_rows(records, period, access.scope) if operators else None
    return report, rows
