"""The billing API: a business's usage and statement for a month, all statements of a month and
their CSV for the provider's invoicing, and the in-house comparison.

Who may read what (access.py): provider admins and supervisors every business (supervisors
too: every endpoint here is a read, and they already read the contracts the prices are on); a
business user only its own business (another's is a 404); operators nothing (403). The
month-wide list and CSV are the provider's: admins and supervisors only.
"""

from __future__ import annotations

import asyncio
import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fastapi import APIRouter, Query, Request, Response

from livedesk import i18n
from livedesk.billing.access import access_billed_business, parse_month
from livedesk.billing.inhouse import Paid, compare_in_house
from livedesk.billing.queries import (
    BusinessMonth,
    all_business_months,
    business_month,
    business_tz,
    schedule_of,
    traffic_records,
)
from livedesk.billing.schemas import InHouseOut, StatementOut, StatementsOut, UsageOut
from livedesk.billing.terms import BillingTerms
from livedesk.billing.usage import EXCLUSIONS, Month
from livedesk.db import utcnow
from livedesk.deps import ActorDep, ManagerDep, SessionDep
from livedesk.errors import Conflict
from livedesk.planning.errors import PlanningInputError

router = APIRouter(prefix="/api/v1/billing", tags=["billing"])

LINE_ITEMS = (
    "covered_hours",
    "billable_chats",
    "accepted_leads",
    "bundle_fee",
    "extra_chats",
    "monthly_fee",
    "setup_fee_share",
)


def language(request: Request) -> str:
    return i18n.request_language(request.headers.get("accept-language"))


@router.get("/usage")
async def get_usage(actor: ActorDep, session: SessionDep, business_id: str, month: str) -> UsageOut:
    business = await access_billed_business(session, actor, business_id)
    return UsageOut.of(await business_month(session, business, parse_month(month)))


@router.get("/statements")
async def list_statements(
    request: Request, actor: ManagerDep, session: SessionDep, month: str
) -> StatementsOut:
    """Every business's statement for the month, by name."""
    checked = parse_month(month)
    found = await all_business_months(session, checked)
    lang = language(request)
    return StatementsOut(
        month=str(checked),
        statements=[StatementOut.of(f, lang) for f in found],
        subtotal=sum((f.statement.subtotal for f in found), Decimal("0.00")),
        vat=sum((f.statement.vat for f in found), Decimal("0.00")),
        total=sum((f.statement.total for f in found), Decimal("0.00")),
    )


@router.get("/statements.csv")
async def statements_csv(actor: ManagerDep, session: SessionDep, month: str) -> Response:
    """One row per business: every usage figure and every amount, numbers with a decimal point
    and no thousands separator (for invoicing software, not for reading)."""
    checked = parse_month(month)
    found = await all_business_months(session, checked)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for f in found:
        writer.writerow([_cell(value) for value in csv_row(f)])
    return Response(
        out.getvalue().encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="statements-{checked}.csv"'},
    )


@router.get("/statements/{business_id}")
async def get_statement(
    request: Request, business_id: str, actor: ActorDep, session: SessionDep, month: str
) -> StatementOut:
    business = await access_billed_business(session, actor, business_id)
    found = await business_month(session, business, parse_month(month))
    return StatementOut.of(found, language(request))


@router.get("/in-house/{business_id}")
async def in_house(
    request: Request,
    business_id: str,
    actor: ActorDep,
    session: SessionDep,
    months: int = Query(3, ge=1, le=12),
    until: str | None = Query(None, description="the last month, YYYY-MM; default: last month"),
) -> InHouseOut:
    """The planner on the business's own traffic of `months` months up to `until`, for its
    contract's first-reply target, beside what its statements of those months say it paid."""
    business = await access_billed_business(session, actor, business_id)
    tz = business_tz(business)
    last = parse_month(until, "until") if until else Month.containing(utcnow(), tz).previous()
    window = [last]
    while len(window) < months:
        window.insert(0, window[0].previous())
    start, end = window[0].bounds(tz)[0], last.bounds(tz)[1]
    records = await traffic_records(session, business, start, end)
    if not records:
        raise Conflict("no chats to plan from", code="in_house_no_traffic")
    terms = BillingTerms.from_contract(business.contract)
    paid = []
    for month in window if terms else ():
        statement = (await business_month(session, business, month)).statement
        paid.append(Paid(month, statement.subtotal, statement.total))
    try:
        result = await asyncio.to_thread(  # the planner is a few hundred ms of CPU: off the loop
            compare_in_house,
            records,
            weeks=(end - start).total_seconds() / (7 * 86400),
            tz=tz,
            months=window,
            schedule=schedule_of(business),
            contract=business.contract or {},
            terms=terms,
            paid=paid,
            lang=language(request),
        )
    except PlanningInputError as e:
        raise Conflict(e.message, code="in_house_cannot_plan", data={"reason": e.message}) from e
    return InHouseOut(business_id=business.id, **result)


# -- the invoicing export ----------------------------------------------------------------------

CSV_COLUMNS = (
    "business_id",
    "slug",
    "name",
    "month",
    "timezone",
    "chats",
    "billable_chats",
    *(f"excluded_{reason}" for reason in EXCLUSIONS),
    "accepted_leads",
    "handled_minutes",
    "covered_hours",
    "bot_answers",
    "price_model",
    *(f"amount_{item}" for item in LINE_ITEMS),
    "subtotal",
    "vat_rate",
    "vat",
    "total",
)


def csv_row(found: BusinessMonth) -> list[Any]:
    usage, st = found.usage, found.statement
    amounts = {line.item: line.amount for line in st.lines}
    business = found.business
    return [
        business.id,
        business.slug,
        business.name,
        str(usage.month),
        business.timezone,
        usage.chats,
        usage.billable_chats,
        *(usage.excluded[reason] for reason in EXCLUSIONS),
        usage.accepted_leads,
        _two(usage.handled_minutes),
        _two(usage.covered_hours),
        usage.bot_answers,
        st.price.kind if st.price else "",
        *(amounts.get(item, "") for item in LINE_ITEMS),
        st.subtotal,
        "" if st.vat_rate is None else st.vat_rate,
        st.vat,
        st.total,
    ]


def _two(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _cell(value: Any) -> str:
    """Text a spreadsheet would run as a formula (a name starting with =) is quoted."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
