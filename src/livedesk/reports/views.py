"""Report API: JSON figures and a CSV of every table.

    GET /api/v1/reports/summary?business_id=&operator_id=&from=&to=     every figure
    GET /api/v1/reports/heatmap?...                                     arrivals/missed, 7 × 24
    GET /api/v1/reports/operators?...                                   one row per operator
    GET /api/v1/reports/{table}.csv?...&lang=                           any table (tables.py)

`from`/`to` are local dates (both included) in the business's timezone, Europe/Amsterdam
without a business. Who sees what: reports/access.py.

CSV language rule: `?lang=nl|en` when given, otherwise the request's Accept-Language (Dutch when
unsure). Dutch: `;` between fields and a decimal comma; English: `,` and a decimal point. Both:
UTF-8 with a byte-order mark, a header row of the same snake_case keys, no thousands grouping.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from livedesk import i18n
from livedesk.deps import ActorDep, SessionDep
from livedesk.errors import NotFound
from livedesk.reports import tables
from livedesk.reports.access import access_report_scope
from livedesk.reports.compose import heatmap_report, operators_report, summary_report
from livedesk.reports.schemas import HeatmapOut, OperatorsOut, ReportQuery, SummaryOut
from livedesk.reports.texts import LANGUAGES

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


def report_query(
    first: Annotated[date, Query(alias="from", description="first local day")],
    last: Annotated[date, Query(alias="to", description="last local day (included)")],
    business_id: Annotated[str | None, Query(max_length=32)] = None,
    operator_id: Annotated[str | None, Query(max_length=32)] = None,
) -> ReportQuery:
    return ReportQuery(first, last, business_id, operator_id).check()


QueryDep = Annotated[ReportQuery, Depends(report_query)]


def csv_language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    return i18n.request_language(request.headers.get("accept-language"))


@router.get("/summary", response_model=SummaryOut)
async def report_summary(actor: ActorDep, session: SessionDep, query: QueryDep) -> dict[str, Any]:
    """Every figure of the period for the business, the operator, or provider-wide."""
    access = await access_report_scope(session, actor, query.business_id, query.operator_id)
    return await summary_report(session, access, query.first, query.last)


@router.get("/heatmap", response_model=HeatmapOut)
async def report_heatmap(actor: ActorDep, session: SessionDep, query: QueryDep) -> dict[str, Any]:
    """Arrivals and chats whose visitor left unanswered by local weekday and hour."""
    access = await access_report_scope(session, actor, query.business_id, query.operator_id)
    return await heatmap_report(session, access, query.first, query.last)


@router.get("/operators", response_model=OperatorsOut)
async def report_operators(actor: ActorDep, session: SessionDep, query: QueryDep) -> dict[str, Any]:
    """One row per operator: for provider staff (an operator sees their own row only)."""
    access = await access_report_scope(
        session, actor, query.business_id, query.operator_id, per_operator=True
    )
    return await operators_report(session, access, query.first, query.last)


@router.get("/{table}.csv")
async def report_csv(
    table: str, request: Request, actor: ActorDep, session: SessionDep, query: QueryDep
) -> Response:
    """Any table as CSV (see the module's language rule)."""
    if table not in tables.TABLES:
        raise NotFound("no such table", code="report_table_unknown")
    per_operator = table == "operators"
    access = await access_report_scope(
        session, actor, query.business_id, query.operator_id, per_operator=per_operator
    )
    if per_operator:
        rows = (await operators_report(session, access, query.first, query.last))["operators"]
        built = tables.operators_table(rows)
    else:
        report = await summary_report(session, access, query.first, query.last)
        built = tables.BUILDERS[table](report)
    lang = csv_language(request)
    name = f"{table}-{query.first.isoformat()}-{query.last.isoformat()}.csv"
    return Response(
        tables.render_csv(built, lang),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Language": lang,
        },
    )
