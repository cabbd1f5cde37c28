"""Report pages, drawn on the server (no script): /reports for the provider's staff and
/reports/business/{id} for a business's own users (the portal links there), plus each monthly
report as a page. Dutch first; English through the user's language or ?lang=en."""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.accounts.actions import actor_for_token
from livedesk.accounts.models import Role
from livedesk.db import utcnow
from livedesk.deps import SessionDep, bearer_or_cookie
from livedesk.errors import ApiError, FieldError, Forbidden
from livedesk.knowledge.gaps import PORTAL_PAGE, unanswered_questions
from livedesk.reports.access import ReportAccess, access_report_scope
from livedesk.reports.bot import bot_section, bot_success
from livedesk.reports.compose import page_report, period_for, timezone_of
from livedesk.reports.filters import TEXTS, filters_html, people_choices
from livedesk.reports.monthly import monthly_content, parse_month
from livedesk.reports.monthly_mail import gaps_html
from livedesk.reports.records import Scope
from livedesk.reports.schemas import ReportQuery
from livedesk.reports.sections import report_sections
from livedesk.reports.texts import LANGUAGES
from livedesk.security.actors import StaffActor

router = APIRouter(include_in_schema=False)
TEMPLATE = Path(__file__).parents[1] / "web" / "templates" / "reports.html"
HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}
DATE = TypeAdapter(date)
PAGE_GAPS = 10  # the questions asked most often without an FAQ answer, on a business's page


async def page_actor(request: Request) -> StaffActor | None:
    secret = bearer_or_cookie(request)
    if not secret:
        return None
    async with request.app.state.runtime.reading() as session:
        return await actor_for_token(session, secret)


def page_language(request: Request, actor: StaffActor | None) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    if actor is not None and actor.language in LANGUAGES:
        return actor.language
    return "nl"


def to_login(request: Request) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/console/login?next={quote(here, safe='')}", status_code=303)


def render(
    request: Request, lang: str, title: str, body: str, actor: StaffActor | None, status: int = 200
) -> HTMLResponse:
    t = TEXTS[lang]
    other = "en" if lang == "nl" else "nl"
    switch = escape(f"{request.url.path}?{urlencode({**request.query_params, 'lang': other})}")
    links = []
    if actor is not None and actor.is_staff:
        links += [f'<a href="/console">{escape(t["console"])}</a>']
        links += [f'<a href="/reports?lang={lang}">{escape(t["reports"])}</a>']
    elif actor is not None and actor.business_ids:
        own = escape(f"/reports/business/{sorted(actor.business_ids)[0]}?lang={lang}")
        links += [f'<a href="{own}">{escape(t["reports"])}</a>']
    links.append(f'<a href="{switch}" hreflang="{other}" lang="{other}">{escape(t["other"])}</a>')
    page = (
        TEMPLATE.read_text("utf-8")
        .replace("{{lang}}", lang)
        .replace("{{title}}", escape(title))
        .replace("{{skip}}", escape(t["skip"]))
        .replace("{{nav_label}}", escape(t["nav"]))
        .replace("{{nav}}", "".join(links))
        .replace("{{footer}}", escape(t["footer"]))
        .replace("{{body}}", body)
    )
    return HTMLResponse(page, status_code=status, headers=HEADERS)


def error_page(request: Request, lang: str, error: ApiError, actor: StaffActor | None) -> Response:
    message = i18n.text(error.code, lang, error.message, **error.data) or error.message
    title = TEXTS[lang]["error"]
    body = f'<h1>{escape(title)}</h1><p class="error" role="alert">{escape(message)}</p>'
    return render(request, lang, title, body, actor, error.status_code)


def page_query(request: Request, today: date, scope: Scope) -> tuple[ReportQuery, str | None]:
    """The asked period (this month so far by default) and a field error's message key."""
    params = request.query_params
    first, last = today.replace(day=1), today
    problem = None
    for name in ("from", "to"):
        raw = params.get(name)
        if not raw:
            continue
        try:
            value = DATE.validate_python(raw)
        except ValidationError:
            problem = "date_from_datetime_parsing"
            continue
        first, last = (value, last) if name == "from" else (first, value)
    query = ReportQuery(first, last, scope.business_id, scope.operator_id)
    if problem is None:
        try:
            query.check()
        except FieldError as e:
            problem = next(iter(e.fields.values()))
    return query, problem


def query_string(query: ReportQuery, lang: str) -> str:
    values = {
        "business_id": query.business_id,
        "operator_id": query.operator_id,
        "from": query.first.isoformat(),
        "to": query.last.isoformat(),
        "lang": lang,
    }
    return urlencode({k: v for k, v in values.items() if v})


def period_line(report: dict[str, Any], lang: str) -> str:
    period = report["period"]
    text = TEXTS[lang]["period"].format(first=period["from"], last=period["to"])
    name = report["scope"]["business_name"]
    who = f"{escape(name)} · " if name else ""
    return f'<p class="lead-in">{who}{escape(text)} · {escape(period["timezone"])}</p>'


async def report_page(
    request: Request,
    session: AsyncSession,
    actor: StaffActor,
    lang: str,
    *,
    business_id: str | None,
    fixed_business: bool,
) -> Response:
    if not fixed_business:
        business_id = request.query_params.get("business_id") or None
    operator_id = None if fixed_business else request.query_params.get("operator_id") or None
    access = await access_report_scope(session, actor, business_id, operator_id)
    today = utcnow().astimezone(timezone_of(access.business)).date()  # the business's today
    query, problem = page_query(request, today, access.scope)
    t = TEXTS[lang]
    name = access.business.name if access.business is not None else None
    title = t["business_title"].format(name=name) if fixed_business and name else t["title"]
    choices = None if fixed_business else await people_choices(session, actor)
    form = filters_html(request.url.path, query, lang, choices, problem, access, today)
    if problem is not None:
        body = f"<h1>{escape(title)}</h1>{form}"
        return render(request, lang, title, body, actor, 422)
    staff_view = actor.role != Role.BUSINESS_USER and not fixed_business
    report, operators = await page_report(
        session, access, query.first, query.last, operators=staff_view
    )
    sections = report_sections(report, lang, query_string(query, lang), operators)
    if actor.role != Role.OPERATOR:  # the bot's figures are per business
        period = period_for(access.business, query.first, query.last)
        sections += bot_section(await bot_success(session, access.scope.business_id, period), lang)
        if access.business is not None:  # what to add to this business's FAQ next
            gaps = await unanswered_questions(
                session, access.business.id, period.start, PAGE_GAPS, until=period.end
            )
            if gaps:
                rows = [(g["question"], g["count"]) for g in gaps]
                table = gaps_html(rows, PORTAL_PAGE, lang, heading_id="h-gaps")
                sections += f'<section aria-labelledby="h-gaps" id="faq-gaps">{table}</section>'
    body = f"<h1>{escape(title)}</h1>{period_line(report, lang)}{form}{sections}"
    return render(request, lang, title, body, actor)


@router.get("/reports")
async def provider_reports(request: Request, session: SessionDep) -> Response:
    """The provider's staff: choose business, operator and period. A business user is sent on
    to their own business's page; an operator sees their own figures."""
    actor = await page_actor(request)
    if actor is None:
        return to_login(request)
    lang = page_language(request, actor)
    try:
        if actor.role == Role.BUSINESS_USER:
            own = sorted(actor.business_ids or ())
            query = urlencode(dict(request.query_params))
            target = f"/reports/business/{own[0]}" if own else "/console"
            return RedirectResponse(f"{target}?{query}" if query else target, status_code=303)
        return await report_page(
            request, session, actor, lang, business_id=None, fixed_business=False
        )
    except ApiError as e:
        return error_page(request, lang, e, actor)


async def business_access(
    session: AsyncSession, actor: StaffActor, business_id: str
) -> ReportAccess:
    """The business's own users and the provider's managers; an operator has /reports."""
    if actor.role == Role.OPERATOR:
        raise Forbidden("operators see their own figures", code="report_business_page_forbidden")
    return await access_report_scope(session, actor, business_id, None)


@router.get("/reports/business/{business_id}")
async def business_reports(business_id: str, request: Request, session: SessionDep) -> Response:
    """One business's report: what the business's own users see (the portal links here)."""
    actor = await page_actor(request)
    if actor is None:
        return to_login(request)
    lang = page_language(request, actor)
    try:
        await business_access(session, actor, business_id)
        return await report_page(
            request, session, actor, lang, business_id=business_id, fixed_business=True
        )
    except ApiError as e:
        return error_page(request, lang, e, actor)


@router.get("/reports/business/{business_id}/monthly/{month}")
async def monthly_report_page(
    business_id: str, month: str, request: Request, session: SessionDep
) -> Response:
    """The monthly report as a page: the same content as the mail."""
    actor = await page_actor(request)
    if actor is None:
        return to_login(request)
    lang = page_language(request, actor)
    try:
        access = await business_access(session, actor, business_id)
        year, number = parse_month(month)
        content = await monthly_content(session, access, year, number, lang)
        return render(request, lang, content.title, content.html, actor)
    except ApiError as e:
        return error_page(request, lang, e, actor)
