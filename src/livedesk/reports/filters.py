"""The report pages' texts and their filter form: business, operator and period, sent as a plain
GET form (no script), with links for this month, last month and the last seven days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.accounts.models import Role, User
from livedesk.businesses.access import list_businesses
from livedesk.reports.access import ReportAccess, is_manager
from livedesk.reports.schemas import ReportQuery
from livedesk.security.actors import StaffActor

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Rapportage",
        "business_title": "Rapportage {name}",
        "period": "{first} t/m {last}",
        "filters": "Kies wat je wilt zien",
        "business": "Bedrijf",
        "all_businesses": "Alle bedrijven",
        "operator": "Medewerker",
        "all_operators": "Alle medewerkers",
        "own_figures": "Je ziet je eigen cijfers: de chats die jij beantwoordde of als laatste "
        "aangeboden kreeg.",
        "from": "Van",
        "to": "Tot en met",
        "show": "Toon",
        "quick": "Snel kiezen",
        "this_month": "Deze maand",
        "last_month": "Vorige maand",
        "last_7": "Afgelopen 7 dagen",
        "other": "English",
        "skip": "Naar de inhoud",
        "nav": "Hoofdmenu",
        "console": "Console",
        "reports": "Rapportage",
        "error": "Dat lukt niet",
        "footer": "Cijfers uit het gesprekslog van Livedesk. Een chat telt op de dag en het uur "
        "waarop hij binnenkwam, ook als hij na middernacht doorliep.",
    },
    "en": {
        "title": "Reports",
        "business_title": "Reports for {name}",
        "period": "{first} to {last}",
        "filters": "Choose what to see",
        "business": "Business",
        "all_businesses": "All businesses",
        "operator": "Agent",
        "all_operators": "All agents",
        "own_figures": "You see your own figures: the chats you answered or were offered last.",
        "from": "From",
        "to": "To (included)",
        "show": "Show",
        "quick": "Quick choice",
        "this_month": "This month",
        "last_month": "Last month",
        "last_7": "Last 7 days",
        "other": "Nederlands",
        "skip": "Skip to the content",
        "nav": "Main menu",
        "console": "Console",
        "reports": "Reports",
        "error": "That did not work",
        "footer": "Figures from Livedesk's conversation log. A chat counts on the day and hour "
        "it arrived, also when it ran past midnight.",
    },
}


@dataclass(frozen=True, slots=True)
class Choices:
    businesses: list[tuple[str, str]]
    operators: list[tuple[str, str]] | None  # None: the viewer cannot pick (an operator)


async def people_choices(session: AsyncSession, actor: StaffActor) -> Choices:
    businesses = [(b.id, b.name) for b in await list_businesses(session, actor)]
    if not is_manager(actor):
        return Choices(businesses, None)
    rows = await session.execute(
        select(User.id, User.display_name)
        .where(User.role == Role.OPERATOR)
        .order_by(User.display_name, User.id)
    )
    return Choices(businesses, [(uid, name) for uid, name in rows.all()])


def _select(
    name: str, text: str, empty: str, options: list[tuple[str, str]], chosen: str | None
) -> str:
    items = [f'<option value="">{escape(empty)}</option>']
    for value, shown in options:
        selected = " selected" if value == chosen else ""
        items.append(
            f'<option value="{escape(value, quote=True)}"{selected}>{escape(shown)}</option>'
        )
    return (
        f'<div class="field"><label for="f-{name}">{escape(text)}</label>'
        f'<select id="f-{name}" name="{name}">{"".join(items)}</select></div>'
    )


def _date(name: str, text: str, value: date, problem: bool) -> str:
    invalid = ' aria-invalid="true" aria-describedby="f-error"' if problem else ""
    return (
        f'<div class="field"><label for="f-{name}">{escape(text)}</label>'
        f'<input type="date" id="f-{name}" name="{name}" value="{value.isoformat()}"'
        f"{invalid}></div>"
    )


def quick_ranges(today: date) -> list[tuple[str, date, date]]:
    first_this = today.replace(day=1)
    last_prev = first_this - timedelta(days=1)
    return [
        ("this_month", first_this, today),
        ("last_month", last_prev.replace(day=1), last_prev),
        ("last_7", today - timedelta(days=6), today),
    ]


def filters_html(
    path: str,
    query: ReportQuery,
    lang: str,
    choices: Choices | None,
    problem: str | None,
    access: ReportAccess,
    today: date,
) -> str:
    """`choices` None: the business is fixed by the page (a business's own report)."""
    t = TEXTS[lang]
    fields = []
    if choices is not None:
        chosen = access.scope.business_id
        fields.append(
            _select("business_id", t["business"], t["all_businesses"], choices.businesses, chosen)
        )
        if choices.operators is not None:
            fields.append(
                _select(
                    "operator_id",
                    t["operator"],
                    t["all_operators"],
                    choices.operators,
                    access.scope.operator_id,
                )
            )
    fields.append(_date("from", t["from"], query.first, problem is not None))
    fields.append(_date("to", t["to"], query.last, problem is not None))
    error = ""
    if problem is not None:
        message = i18n.text(problem, lang, problem, max_days=366) or problem
        error = f'<p class="error" role="alert" id="f-error">{escape(message)}</p>'
    own = ""
    if choices is not None and choices.operators is None:
        own = f'<p class="note">{escape(t["own_figures"])}</p>'
    keep = {"business_id": access.scope.business_id if choices is not None else None}
    if choices is not None and choices.operators is not None:
        keep["operator_id"] = access.scope.operator_id
    links = []
    for key, first, last in quick_ranges(today):
        params = {**{k: v for k, v in keep.items() if v}, "from": first, "to": last, "lang": lang}
        href = escape(f"{path}?{urlencode(params)}", quote=True)
        links.append(f'<li><a href="{href}">{escape(t[key])}</a></li>')
    return (
        f'<section aria-labelledby="h-filters" class="card"><h2 id="h-filters">'
        f"{escape(t['filters'])}</h2>{own}"
        f'<form class="filters" method="get" action="{escape(path, quote=True)}">'
        f'{"".join(fields)}<input type="hidden" name="lang" value="{lang}">'
        f'<button type="submit">{escape(t["show"])}</button></form>{error}'
        f'<ul class="quick" aria-label="{escape(t["quick"])}">{"".join(links)}</ul></section>'
    )
