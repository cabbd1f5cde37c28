"""Public web page and JSON API for the capacity planner (no login, shareable URLs)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import fastapi
from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from livedesk.errors import NotFound

from .errors import PlanningInputError
from .report import render_html_table
from .scenario import Plan, Scenario, plan

router = fastapi.APIRouter()
STATIC = Path(__file__).parent / "static"

_FLOAT = {
    "visitors_per_day",
    "chat_rate",
    "aht_min",
    "slowdown",
    "patience_min",
    "target_sl",
    "answer_within_s",
    "max_abandon",
    "max_occupancy",
    "max_asa_s",
    "shrinkage",
    "gross_salary_month",
    "employer_factor",
    "fulltime_hours_week",
    "weeks_per_month",
    "absence_surcharge",
}
_INT = {"concurrency", "min_operators"}
_LIST = {"visitors_per_hour", "hourly_profile", "chats_per_hour"}
_TEXT = {"sl_variant", "model", "rule", "opening", "lang"}
# price models in the query string: name=comma-separated positional values
_PRICES = {
    "per_hour": ("rate",),
    "per_chat": ("price", "billable_share"),
    "per_lead": ("price", "lead_rate"),
    "bundle": ("fee", "included_chats", "overage_price"),
    "monthly_fee": ("fee", "setup_fee", "contract_months"),
}


def _num(key: str, raw: str) -> float:
    """A number as typed: 0.035 or, the Dutch way, 0,035."""
    text = raw.strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError as e:
        raise PlanningInputError("invalid_number", f"{key} must be a number", field=key) from e


def _numbers(key: str, raw: str, most: int | None = None) -> list[float]:
    """Several numbers: '4.5,0.9' or, with decimal commas, separated by semicolons '4,5; 0,9'.

    A field that takes one number (``most`` = 1) reads '8,25' as one number.
    """
    if ";" in raw:
        parts = raw.split(";")
    elif most == 1:
        parts = [raw]
    else:
        parts = raw.split(",")
    return [_num(key, x) for x in parts if x.strip()]


def scenario_from_query(params: Mapping[str, str]) -> Scenario:
    """Build a scenario from query parameters; blank values mean 'use the default'."""
    data: dict[str, Any] = {}
    prices = []
    for key, raw in params.items():
        raw = raw.strip()
        if raw == "" or key in ("detail",):
            continue
        if key in _PRICES:
            names = _PRICES[key]
            vals = _numbers(key, raw, len(names))
            if not 1 <= len(vals) <= len(names):
                raise PlanningInputError(
                    "invalid_price",
                    f"{key} takes up to {len(names)} comma-separated numbers",
                    field=key,
                )
            p: dict[str, Any] = {"kind": key, **dict(zip(names, vals, strict=False))}
            if "contract_months" in p:
                p["contract_months"] = int(p["contract_months"])
            prices.append(p)
        elif key in _FLOAT:
            none = raw.lower() in ("none", "geen", "off")
            data[key] = None if none and key.startswith("max_") else _num(key, raw)
        elif key in _INT:
            value = _num(key, raw)
            if value != int(value):
                raise PlanningInputError("invalid_number", f"{key} must be whole", field=key)
            data[key] = int(value)
        elif key in _LIST:
            data[key] = _numbers(key, raw)
        elif key in _TEXT:
            data[key] = raw
        else:
            raise PlanningInputError("unknown_field", f"unknown parameter {key!r}", field=key)
    if prices:
        data["prices"] = prices
    return Scenario.from_dict(data)


def _error(e: PlanningInputError) -> JSONResponse:
    return JSONResponse(e.to_dict(), status_code=422)


def _plan_json(p: Plan) -> dict[str, Any]:
    import json

    from .report import to_json

    data: dict[str, Any] = json.loads(to_json(p))
    return data


@router.get("/api/v1/plan")
def plan_get(request: Request) -> Response:
    try:
        return JSONResponse(_plan_json(plan(scenario_from_query(request.query_params))))
    except PlanningInputError as e:
        return _error(e)


@router.post("/api/v1/plan")
async def plan_post(request: Request) -> Response:
    try:
        body = await request.json()
    except ValueError:
        return _error(PlanningInputError("invalid_json", "the body must be a JSON object"))
    if not isinstance(body, dict):
        return _error(PlanningInputError("invalid_json", "the body must be a JSON object"))
    try:
        return JSONResponse(_plan_json(plan(Scenario.from_dict(body))))
    except PlanningInputError as e:
        return _error(e)


@router.get("/api/v1/plan/chart/{name}.svg")
def plan_chart(name: str, request: Request) -> Response:
    from .charts import cost_svg, staffing_svg

    charts = {"staffing": staffing_svg, "costs": cost_svg}
    if name not in charts:
        return _error(PlanningInputError("unknown_chart", "chart must be staffing or costs"))
    try:
        p = plan(scenario_from_query(request.query_params))
    except PlanningInputError as e:
        return _error(e)
    return Response(charts[name](p), media_type="image/svg+xml")


@router.get("/plan/static/{name}")
def plan_static(name: str) -> Response:
    files = {"plan.js": "text/javascript", "plan.css": "text/css"}
    if name not in files:
        raise NotFound("no such file")  # in the error shape, like every other refusal
    return Response((STATIC / name).read_text(encoding="utf-8"), media_type=files[name])


# (name, Dutch label, English label, default as typed in Dutch, default in English)
FORM_GROUPS = (
    (
        "Uw bezoekers",
        "Your visitors",
        (
            ("visitors_per_day", "Bezoekers per dag", "Visitors per day", "1000", "1000"),
            (
                "chat_rate",
                "Deel van de bezoekers dat een chat begint (0,035 = 3,5%)",
                "Share of visitors who start a chat (0.035 = 3.5%)",
                "0,035",
                "0.035",
            ),
            (
                "hourly_profile",
                "Bezoekers per uur van de dag: 24 getallen vanaf middernacht, met een puntkomma "
                "ertussen (leeg = gelijk over de openingstijden)",
                "Visitors by hour of day: 24 numbers from midnight, with a semicolon between "
                "them (empty = even over the opening hours)",
                "",
                "",
            ),
            (
                "opening",
                "Openingstijden van de chat (bijv. 09:00-23:00)",
                "Chat opening hours (e.g. 09:00-23:00)",
                "09:00-23:00",
                "09:00-23:00",
            ),
        ),
    ),
    (
        "Uw chat",
        "Your chat",
        (
            (
                "aht_min",
                "Gemiddelde duur van een chat (minuten)",
                "Average length of a chat (minutes)",
                "10",
                "10",
            ),
            (
                "concurrency",
                "Chats tegelijk per medewerker",
                "Chats at once per agent",
                "1",
                "1",
            ),
            (
                "slowdown",
                "Hoeveel langer een chat duurt voor elke extra chat tegelijk (0,2 = 20% langer)",
                "How much longer a chat takes for each extra chat at once (0.2 = 20% longer)",
                "0",
                "0",
            ),
            (
                "patience_min",
                "Hoe lang een bezoeker wacht voor hij weggaat (minuten)",
                "How long a visitor waits before leaving (minutes)",
                "2",
                "2",
            ),
            (
                "target_sl",
                "Doel: deel van de chats dat snel antwoord krijgt (0,8 = 80%)",
                "Goal: share of chats answered quickly (0.8 = 80%)",
                "0,8",
                "0.8",
            ),
            (
                "answer_within_s",
                "Snel betekent: binnen zoveel seconden",
                "Quickly means: within this many seconds",
                "30",
                "30",
            ),
            (
                "max_abandon",
                "Hoogstens dit deel van de bezoekers haakt af (0,05 = 5%; geen = geen grens)",
                "At most this share of visitors gives up (0.05 = 5%; none = no limit)",
                "0,05",
                "0.05",
            ),
        ),
    ),
    (
        "Uw kosten als u zelf chat",
        "Your cost when chatting in-house",
        (
            (
                "gross_salary_month",
                "Bruto maandsalaris (€)",
                "Gross monthly salary (€)",
                "2000",
                "2000",
            ),
            (
                "employer_factor",
                "Werkgeverslasten als factor (1,2 = 20% bovenop het salaris)",
                "Employer costs as a factor (1.2 = 20% on top of the salary)",
                "1,2",
                "1.2",
            ),
            (
                "absence_surcharge",
                "Opslag voor vakantie en ziekte (0,1 = 10%)",
                "Surcharge for holidays and sickness (0.1 = 10%)",
                "0,1",
                "0.1",
            ),
            (
                "shrinkage",
                "Deel van een dienst zonder chat: pauzes, overleg (0,15 = 15%)",
                "Share of a shift without chat: breaks, meetings (0.15 = 15%)",
                "0",
                "0",
            ),
        ),
    ),
    (
        "Prijzen uit een offerte (leeg = voorbeeldprijzen)",
        "Prices from a quote (empty = example prices)",
        (
            ("per_hour", "Prijs per uur (€)", "Price per hour (€)", "", ""),
            (
                "per_chat",
                "Prijs per chat in € (4,50), of met het deel dat gefactureerd wordt (4,50; 0,9)",
                "Price per chat in € (4.50), or with the share that is billed (4.50; 0.9)",
                "",
                "",
            ),
            (
                "per_lead",
                "Prijs per lead in € (25), of met het deel van de chats dat een lead wordt "
                "(25; 0,2)",
                "Price per lead in € (25), or with the share of chats that become a lead (25; 0.2)",
                "",
                "",
            ),
            (
                "bundle",
                "Bundel: prijs per maand; chats inbegrepen; prijs per extra chat (595; 200; 4,25)",
                "Bundle: monthly price; chats included; price per extra chat (595; 200; 4.25)",
                "",
                "",
            ),
            (
                "monthly_fee",
                "Vast bedrag per maand; opstartkosten; looptijd in maanden (1250; 750; 12)",
                "Fixed monthly fee; setup fee; contract months (1250; 750; 12)",
                "",
                "",
            ),
        ),
    ),
)
FORM_FIELDS = tuple(f for _, _, fields in FORM_GROUPS for f in fields)

PAGE: dict[str, dict[str, Any]] = {
    "nl": {
        "title": "Zelf chatten of uitbesteden? Rekenhulp voor uw livechat",
        "intro": (
            "Vul in hoeveel bezoekers uw website heeft en hoe uw chat werkt. De rekenhulp "
            "berekent hoeveel medewerkers u per uur nodig hebt, wat zelf chatten per maand "
            "kost en wat uitbesteden kost."
        ),
        "other": "English",
        "json": "Alle cijfers als JSON",
        "submit": "Bereken",
        "result": "Uitkomst",
        "summary": "Samenvatting",
        "chats": "Chats per maand",
        "peak": "Medewerkers tegelijk op het drukste uur",
        "sl": "Chats binnen {t} seconden beantwoord",
        "abandon": "Bezoekers die weggaan voordat ze antwoord krijgen",
        "fte": "Fte nodig, incl. vakantie en ziekte",
        "inhouse": "Kosten zelf chatten per maand",
        "sl_primary": (
            "Binnen {t} seconden beantwoord: het deel van alle chats dat binnen {t} seconden "
            "antwoord krijgt. Wie eerder weggaat, telt als niet op tijd beantwoord."
        ),
        "sl_excl_short_abandons": (
            "Binnen {t} seconden beantwoord: het deel van de chats dat binnen {t} seconden "
            "antwoord krijgt; wie binnen die {t} seconden al weggaat, telt niet mee."
        ),
        "out": "Uitbesteden",
        "out_caption_example": "Uitbesteden tegen voorbeeldprijzen",
        "out_caption": "Uitbesteden tegen uw prijzen",
        "out_cols": ("Prijsafspraak", "Kosten per maand", "Omslagpunt"),
        "from": "vanaf {v} chats per maand is {who} goedkoper",
        "in_house": "zelf chatten",
        "outsourced": "uitbesteden",
        "no_be": "geen omslagpunt tot {v} chats per maand",
        "advice": "Advies",
        "costs_chart": "Kosten per maand bij meer of minder chats",
        "staff": "Medewerkers per uur",
        "staff_chart": "Medewerkers per uur van de week",
        "plus": (
            "(+1) betekent: één medewerker extra voor chats die uit het vorige uur doorlopen."
        ),
        "svg": "grafiek als SVG-bestand",
        "costs": "Wat een medewerker kost",
        "per_hour": "Elk uur apart, met wachttijd en afhakers",
        "error": "Invoer klopt niet",
    },
    "en": {
        "title": "Chat in-house or outsource? A calculator for your live chat",
        "intro": (
            "Enter how many visitors your website has and how your chat works. The calculator "
            "works out how many agents you need per hour, what chatting in-house costs a "
            "month and what outsourcing costs."
        ),
        "other": "Nederlands",
        "json": "All figures as JSON",
        "submit": "Calculate",
        "result": "Result",
        "summary": "Summary",
        "chats": "Chats per month",
        "peak": "Agents at once in the busiest hour",
        "sl": "Chats answered within {t} seconds",
        "abandon": "Visitors who leave before they get an answer",
        "fte": "FTE needed, incl. holidays and sickness",
        "inhouse": "Cost of chatting in-house per month",
        "sl_primary": (
            "Answered within {t} seconds: the share of all chats answered within {t} seconds. "
            "A visitor who leaves earlier counts as not answered in time."
        ),
        "sl_excl_short_abandons": (
            "Answered within {t} seconds: the share of chats answered within {t} seconds; "
            "visitors who leave within those {t} seconds are not counted."
        ),
        "out": "Outsourcing",
        "out_caption_example": "Outsourcing at example prices",
        "out_caption": "Outsourcing at your prices",
        "out_cols": ("Price agreement", "Cost per month", "Break-even"),
        "from": "from {v} chats a month {who} is cheaper",
        "in_house": "in-house",
        "outsourced": "outsourcing",
        "no_be": "no break-even up to {v} chats a month",
        "advice": "Advice",
        "costs_chart": "Monthly cost at more or fewer chats",
        "staff": "Agents per hour",
        "staff_chart": "Agents per hour of the week",
        "plus": "(+1) means: one extra agent for chats still running from the hour before.",
        "svg": "chart as SVG file",
        "costs": "What an agent costs",
        "per_hour": "Every hour, with waiting time and visitors who give up",
        "error": "Please check the input",
    },
}


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request) -> HTMLResponse:
    """The planner for a business owner: Dutch first (``?lang=en`` for English), plain
    words, Dutch numbers, every figure and every input escaped."""

    params = dict(request.query_params)
    lang = "en" if params.get("lang") == "en" else "nl"
    params["lang"] = lang
    tx = PAGE[lang]
    esc = html.escape
    error_html = ""
    result: Plan | None = None
    try:
        result = plan(scenario_from_query(params))
    except PlanningInputError as e:
        error_html = (
            f'<p class="error" role="alert">{esc(tx["error"])}: {esc(e.message)} '
            f"({esc(e.code)})</p>"
        )
    groups = _form_groups(params, lang)
    qs = esc(urlencode({k: v for k, v in params.items() if v != ""}), quote=True)
    other = "en" if lang == "nl" else "nl"
    other_qs = esc(urlencode({**params, "lang": other}), quote=True)
    body = "" if result is None else _result_html(result, lang, qs)
    page = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(tx["title"])}</title>
<link rel="stylesheet" href="/plan/static/plan.css"></head>
<body><main>
<h1>{esc(tx["title"])}</h1>
<p class="intro">{esc(tx["intro"])}</p>
<p><a href="/plan?{other_qs}" hreflang="{other}" lang="{other}">{esc(tx["other"])}</a>
 · <a href="/api/v1/plan?{qs}">{esc(tx["json"])}</a></p>
<form id="plan-form" method="get" action="/plan">
<input type="hidden" name="lang" value="{lang}">
{"".join(groups)}
<button type="submit">{esc(tx["submit"])}</button>
</form>
{error_html}
<section id="result" aria-live="polite">{body}</section>
</main>
<script type="module" src="/plan/static/plan.js"></script>
</body></html>"""
    return HTMLResponse(page, status_code=200 if result is not None else 422)


def _form_groups(params: dict[str, str], lang: str) -> list[str]:
    """The input form's fieldsets, each value as the user typed it (escaped)."""
    esc = html.escape
    groups = []
    for legend_nl, legend_en, group in FORM_GROUPS:
        inputs = []
        for name, nl, en, default_nl, default_en in group:
            value = params.get(name, default_nl if lang == "nl" else default_en)
            inputs.append(
                f'<label for="f-{name}">{esc(nl if lang == "nl" else en)}</label>'
                f'<input id="f-{name}" name="{name}" value="{esc(value, quote=True)}">'
            )
        legend = legend_nl if lang == "nl" else legend_en
        groups.append(
            f"<fieldset><legend>{esc(legend)}</legend>"
            + "".join(f'<div class="field">{i}</div>' for i in inputs)
            + "</fieldset>"
        )
    return groups


def _result_html(result: Plan, lang: str, qs: str) -> str:
    """The plan: summary, outsourcing options and advice, charts, staffing and cost tables."""
    from .charts import cost_svg, staffing_svg
    from .numbers import money, num, pct, short
    from .report import EXAMPLE_PRICES_NOTE, cost_table_html, staffing_matrix_html

    tx = PAGE[lang]
    esc = html.escape
    sc, s = result.scenario, result.summary
    t = short(sc.answer_within_s, lang)
    rows = [
        (tx["chats"], num(s["chats_per_month"], 0, lang)),
        (tx["peak"], str(s["peak_operators"])),
        (tx["sl"].format(t=t), pct(s["service_level"], 1, lang)),
        (tx["abandon"], pct(s["abandon"], 1, lang)),
        (tx["fte"], num(s["fte_with_absence"], 2, lang)),
        (tx["inhouse"], money(s["monthly_cost_in_house"], lang)),
    ]
    summary = "".join(f'<tr><th scope="row">{esc(a)}</th><td>{esc(b)}</td></tr>' for a, b in rows)
    example = sc.prices is None
    out_rows = []
    for o in result.outsourcing:
        be = "; ".join(
            tx["from"].format(v=num(b["volume"], 0, lang), who=tx[b["cheaper_above"]])
            for b in o["break_even"]
        ) or tx["no_be"].format(v=num(result.v_max, 0, lang))
        out_rows.append(
            f'<tr><th scope="row">{esc(o["label"])}</th>'
            f"<td>{esc(money(o['monthly_cost'], lang))}</td><td>{esc(be)}</td></tr>"
        )
    out_head = "".join(f'<th scope="col">{esc(h)}</th>' for h in tx["out_cols"])
    caption = tx["out_caption_example"] if example else tx["out_caption"]
    note = (
        f'<p class="note" id="example-prices">{esc(EXAMPLE_PRICES_NOTE[lang])}</p>'
        if example
        else ""
    )
    return (
        f"<h2>{esc(tx['result'])}</h2>"
        f'<table class="summary"><caption>{esc(tx["summary"])}</caption>{summary}</table>'
        f'<p class="note">{esc(tx["sl_" + sc.sl_variant].format(t=t))}</p>'
        f"<h2>{esc(tx['out'])}</h2>{note}"
        f'<table class="outsourcing"><caption>{esc(caption)}</caption>'
        f"<thead><tr>{out_head}</tr></thead><tbody>{''.join(out_rows)}</tbody></table>"
        f"<h3>{esc(tx['advice'])}</h3>"
        f'<p class="advice">{esc(result.recommendation)}</p>'
        f'<figure id="chart-costs">{cost_svg(result)}'
        f"<figcaption>{esc(tx['costs_chart'])} · "
        f'<a href="/api/v1/plan/chart/costs.svg?{qs}">{esc(tx["svg"])}</a></figcaption>'
        f"</figure>"
        f"<h2>{esc(tx['staff'])}</h2>"
        f'<figure id="chart-staffing">{staffing_svg(result)}'
        f"<figcaption>{esc(tx['staff_chart'])} · "
        f'<a href="/api/v1/plan/chart/staffing.svg?{qs}">{esc(tx["svg"])}</a></figcaption>'
        f"</figure>"
        f"{staffing_matrix_html(result)}"
        f'<p class="note">{esc(tx["plus"])}</p>'
        f"<h2>{esc(tx['costs'])}</h2>{cost_table_html(result)}"
        f"<details><summary>{esc(tx['per_hour'])}</summary>"
        f"{render_html_table(result)}</details>"
    )
