"""Billing pages, drawn on the server: /billing (the provider's month: every business's
statement and the CSV) and /billing/{business_id} (one statement, which a business user may
open for its own business). Who may see them is decided as for the API (views.py); a page
answers a refusal with the same status, as a short page instead of JSON.

Every value from the database is escaped; the page has no inline script or style (the app's
Content-Security-Policy allows neither), its stylesheet is served below.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from livedesk import i18n
from livedesk.billing.access import access_billed_business, parse_month, require_manager
from livedesk.billing.inhouse import period_text
from livedesk.billing.queries import BusinessMonth, all_business_months, business_month
from livedesk.billing.statement import euros, line_label, quantity_text
from livedesk.billing.usage import EXCLUSIONS, Month
from livedesk.db import utcnow
from livedesk.deps import RuntimeDep, current_actor
from livedesk.errors import ApiError, FieldError
from livedesk.planning.numbers import num
from livedesk.security.actors import StaffActor

router = APIRouter(include_in_schema=False)
PROVIDER_TZ = ZoneInfo("Europe/Amsterdam")

TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Facturatie",
        "month": "Maand",
        "show": "Toon",
        "csv": "Download de facturatie-export (CSV)",
        "business": "Bedrijf",
        "chats": "Chats",
        "billable_chats": "Factureerbare chats",
        "accepted_leads": "Geaccepteerde leads",
        "handled_minutes": "Behandelminuten",
        "covered_hours": "Openingsuren",
        "bot_answers": "Antwoorden van de FAQ-bot",
        "price": "Prijsafspraak",
        "subtotal": "Subtotaal",
        "vat": "Btw",
        "total": "Totaal",
        "all": "Alle bedrijven",
        "no_price": "Geen prijsafspraak vastgelegd: er wordt niets gefactureerd.",
        "statement": "Overzicht",
        "usage": "Gebruik",
        "line": "Omschrijving",
        "quantity": "Aantal",
        "unit_price": "Prijs per stuk",
        "amount": "Bedrag",
        "excluded": "Niet gefactureerd",
        "spam": "spam",
        "test": "test",
        "unanswered": "niet beantwoord",
        "greeting_only": "alleen een begroeting",
        "previous": "Vorige maand",
        "next": "Volgende maand",
        "rounding": "Bedragen per regel zijn afgerond op hele centen (vanaf een halve cent "
        "naar boven); de btw wordt over het subtotaal berekend. Een maand loopt van middernacht "
        "tot middernacht in de tijdzone van het bedrijf ({tz}).",
        "401": "Log eerst in om dit overzicht te zien.",
        "login": "Naar de inlogpagina",
        "403": "Dit overzicht is niet beschikbaar met jouw rol.",
        "404": "Dit overzicht bestaat niet, of is niet van jouw bedrijf.",
        "422": "Geef een maand als 2026-03.",
    },
    "en": {
        "title": "Billing",
        "month": "Month",
        "show": "Show",
        "csv": "Download the invoicing export (CSV)",
        "business": "Business",
        "chats": "Chats",
        "billable_chats": "Billable chats",
        "accepted_leads": "Accepted leads",
        "handled_minutes": "Handled minutes",
        "covered_hours": "Opening hours",
        "bot_answers": "FAQ bot answers",
        "price": "Price agreement",
        "subtotal": "Subtotal",
        "vat": "VAT",
        "total": "Total",
        "all": "All businesses",
        "no_price": "No price agreement on record: nothing is billed.",
        "statement": "Statement",
        "usage": "Usage",
        "line": "Description",
        "quantity": "Quantity",
        "unit_price": "Unit price",
        "amount": "Amount",
        "excluded": "Not billed",
        "spam": "spam",
        "test": "test",
        "unanswered": "not answered",
        "greeting_only": "only a greeting",
        "previous": "Previous month",
        "next": "Next month",
        "rounding": "Each line's amount is rounded to whole cents (half a cent and up rounds "
        "up); VAT is computed on the subtotal. A month runs from midnight to midnight in the "
        "business's time zone ({tz}).",
        "401": "Log in first to see this statement.",
        "login": "To the login page",
        "403": "This statement is not available with your role.",
        "404": "This statement does not exist, or is not your business's.",
        "422": "Give a month like 2026-03.",
    },
}

CSS = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:72rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem;margin:.2rem 0 1rem}
table{border-collapse:collapse;width:100%;background:#fff;margin:1rem 0}
th,td{padding:.45rem .6rem;border-bottom:1px solid #d8dce3;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tfoot td,tfoot th{font-weight:600}
dl{display:grid;grid-template-columns:max-content auto;gap:.3rem 1.2rem;background:#fff;
padding:1rem;margin:1rem 0}
dt{color:#4a5262}dd{margin:0}
form{display:flex;gap:.6rem;align-items:end;flex-wrap:wrap}
label{display:flex;flex-direction:column;font-size:.9rem}
input,button{font:inherit;padding:.35rem .5rem}
a{color:#1a4fa3}
nav{display:flex;gap:1.2rem;margin:.5rem 0}
.note{color:#4a5262;font-size:.92rem}
"""


def _lang(request: Request, actor: StaffActor | None) -> str:
    asked = request.query_params.get("lang")
    if asked in TEXT:
        return asked
    header = request.headers.get("accept-language")
    if header is None and actor is not None and actor.language in TEXT:
        return actor.language
    return i18n.request_language(header)


def _html(title: str, body: str, lang: str, status: int = 200) -> HTMLResponse:
    page = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · Livedesk</title>"
        '<link rel="stylesheet" href="/billing/static/billing.css"></head>'
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})


def _refusal(error: ApiError | FieldError, lang: str) -> HTMLResponse:
    t = TEXT[lang]
    status = 422 if isinstance(error, FieldError) else error.status_code
    text = t.get(str(status), t["404"])
    body = f"<h1>{escape(t['title'])}</h1><p>{escape(text)}</p>"
    if status == 401:
        body += f'<p><a href="/console/login">{escape(t["login"])}</a></p>'
    return _html(t["title"], body, lang, status)


def _month_or_default(request: Request) -> Month:
    raw = request.query_params.get("month")
    if raw is None:  # the last whole month, on the provider's clock
        return Month.containing(utcnow(), PROVIDER_TZ).previous()
    return parse_month(raw)


@router.get("/billing/static/billing.css")
async def billing_css() -> Response:
    return Response(CSS, media_type="text/css; charset=utf-8")


@router.get("/billing")
async def billing_page(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    actor: StaffActor | None = None
    try:
        actor = await current_actor(request, runtime)
        require_manager(actor)
        month = _month_or_default(request)
        async with runtime.reading() as session:
            found = await all_business_months(session, month)
    except (ApiError, FieldError) as error:
        return _refusal(error, _lang(request, actor))
    lang = _lang(request, actor)
    return _html(TEXT[lang]["title"], _month_body(found, month, lang), lang)


@router.get("/billing/{business_id}")
async def statement_page(business_id: str, request: Request, runtime: RuntimeDep) -> HTMLResponse:
    actor: StaffActor | None = None
    try:
        actor = await current_actor(request, runtime)
        month = _month_or_default(request)
        async with runtime.reading() as session:
            business = await access_billed_business(session, actor, business_id)
            found = await business_month(session, business, month)
    except (ApiError, FieldError) as error:
        return _refusal(error, _lang(request, actor))
    lang = _lang(request, actor)
    return _html(
        f"{TEXT[lang]['statement']} {found.business.name}", _statement_body(found, lang), lang
    )


# -- the provider's month ----------------------------------------------------------------------


def _month_form(month: Month, lang: str) -> str:
    t = TEXT[lang]
    return (
        f'<form method="get"><label>{escape(t["month"])}'
        f'<input type="month" name="month" value="{month}" required></label>'
        f'<input type="hidden" name="lang" value="{lang}">'
        f'<button type="submit">{escape(t["show"])}</button></form>'
    )


def _month_body(found: list[BusinessMonth], month: Month, lang: str) -> str:
    t = TEXT[lang]
    heads = ("business", "chats", "billable_chats", "accepted_leads", "covered_hours", "price")
    money_heads = ("subtotal", "vat", "total")
    rows = []
    for f in found:
        u, st = f.usage, f.statement
        link = (
            "/billing/"
            + escape(f.business.id)
            + "?"
            + urlencode({"month": str(month), "lang": lang})
        )
        rows.append(
            "<tr>"
            f'<td><a href="{link}">{escape(f.business.name)}</a></td>'
            f'<td class="n">{num(u.chats, 0, lang)}</td>'
            f'<td class="n">{num(u.billable_chats, 0, lang)}</td>'
            f'<td class="n">{num(u.accepted_leads, 0, lang)}</td>'
            f'<td class="n">{quantity_text(u.covered_hours, lang)}</td>'
            f"<td>{escape(st.price.label(lang)) if st.price else '—'}</td>"
            + "".join(f'<td class="n">{euros(getattr(st, k), lang)}</td>' for k in money_heads)
            + "</tr>"
        )
    sums = [sum((getattr(f.statement, k) for f in found), Decimal("0.00")) for k in money_heads]
    head = "".join(
        f'<th scope="col"{" class=n" if k not in ("business", "price") else ""}>{escape(t[k])}</th>'
        for k in (*heads, *money_heads)
    )
    csv_link = "/api/v1/billing/statements.csv?" + urlencode({"month": str(month)})
    return (
        f"<h1>{escape(t['title'])}: {escape(period_text([month], lang))}</h1>"
        + _month_form(month, lang)
        + f'<p><a href="{escape(csv_link)}" download>{escape(t["csv"])}</a></p>'
        + f'<table id="statements"><thead><tr>{head}</tr></thead>'
        + f"<tbody>{''.join(rows)}</tbody>"
        + f'<tfoot><tr><th scope="row" colspan="{len(heads)}">{escape(t["all"])}</th>'
        + "".join(f'<td class="n">{euros(v, lang)}</td>' for v in sums)
        + "</tr></tfoot></table>"
    )


# -- one business's statement ------------------------------------------------------------------


def _usage_list(found: BusinessMonth, lang: str) -> str:
    t, u = TEXT[lang], found.usage
    excluded = ", ".join(
        f"{escape(t[reason])}: {num(u.excluded[reason], 0, lang)}" for reason in EXCLUSIONS
    )
    facts = [
        ("chats", num(u.chats, 0, lang)),
        ("billable_chats", num(u.billable_chats, 0, lang)),
        ("excluded", excluded),
        ("accepted_leads", num(u.accepted_leads, 0, lang)),
        ("handled_minutes", quantity_text(u.handled_minutes, lang)),
        ("covered_hours", quantity_text(u.covered_hours, lang)),
        ("bot_answers", num(u.bot_answers, 0, lang)),
    ]
    items = "".join(f"<dt>{escape(t[k])}</dt><dd>{v}</dd>" for k, v in facts)
    return f'<h2>{escape(t["usage"])}</h2><dl id="usage">{items}</dl>'


def _lines_table(found: BusinessMonth, lang: str) -> str:
    t, st = TEXT[lang], found.statement
    if st.price is None:
        return f'<p id="no-price">{escape(t["no_price"])}</p>'
    rows = "".join(
        f"<tr><td>{escape(line_label(line, st.price, lang))}</td>"
        f'<td class="n">{quantity_text(line.quantity, lang)}</td>'
        f'<td class="n">{euros(line.unit_price, lang)}</td>'
        f'<td class="n">{euros(line.amount, lang)}</td></tr>'
        for line in st.lines
    )
    vat_label = t["vat"]
    if st.vat_rate is not None:
        vat_label += f" ({num(st.vat_rate * 100, 0 if (st.vat_rate * 100) % 1 == 0 else 2, lang)}%)"
    totals = [(t["subtotal"], st.subtotal), (vat_label, st.vat), (t["total"], st.total)]
    foot = "".join(
        f'<tr><th scope="row" colspan="3">{escape(label)}</th>'
        f'<td class="n">{euros(v, lang)}</td></tr>'
        for label, v in totals
    )
    head = "".join(
        f'<th scope="col"{" class=n" if k != "line" else ""}>{escape(t[k])}</th>'
        for k in ("line", "quantity", "unit_price", "amount")
    )
    return (
        f"<p>{escape(t['price'])}: {escape(st.price.label(lang))}</p>"
        f'<table id="statement"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>'
        f"<tfoot>{foot}</tfoot></table>"
    )


def _statement_body(found: BusinessMonth, lang: str) -> str:
    t, month = TEXT[lang], found.usage.month
    base = "/billing/" + escape(found.business.id) + "?"
    nav = (
        f'<nav><a href="{base}{urlencode({"month": str(month.previous()), "lang": lang})}">'
        f"{escape(t['previous'])}</a>"
        f'<a href="{base}{urlencode({"month": str(month.next()), "lang": lang})}">'
        f"{escape(t['next'])}</a></nav>"
    )
    title = f"{t['statement']} {found.business.name}: {period_text([month], lang)}"
    return (
        f"<h1>{escape(title)}</h1>{nav}{_lines_table(found, lang)}{_usage_list(found, lang)}"
        f'<p class="note">{escape(t["rounding"].format(tz=found.business.timezone))}</p>'
    )
