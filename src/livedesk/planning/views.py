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

from .errors import PlanningInputError
from .report import SL_TEXT, TEXT, money, render_html_table, staffing_matrix
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
    try:
        return float(raw)
    except ValueError as e:
        raise PlanningInputError("invalid_number", f"{key} must be a number", field=key) from e


def scenario_from_query(params: Mapping[str, str]) -> Scenario:
    """Build a scenario from query parameters; blank values mean 'use the default'."""
    data: dict[str, Any] = {}
    prices = []
    for key, raw in params.items():
        raw = raw.strip()
        if raw == "" or key in ("detail",):
            continue
        if key in _PRICES:
            vals = [_num(key, x) for x in raw.split(",") if x.strip()]
            names = _PRICES[key]
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
            data[key] = [_num(key, x) for x in raw.split(",") if x.strip()]
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

    return json.loads(to_json(p))


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
        return Response(status_code=404)
    return Response((STATIC / name).read_text(encoding="utf-8"), media_type=files[name])


FORM_FIELDS = (
    # (name, Dutch label, English label, default)
    ("visitors_per_day", "Bezoekers per dag", "Visitors per day", "1000"),
    ("chat_rate", "Deel dat chat (0,02–0,05)", "Share who chat (0.02–0.05)", "0.035"),
    ("aht_min", "Gem. chatduur (min)", "Mean chat duration (min)", "10"),
    ("concurrency", "Chats tegelijk per operator", "Chats at once per operator", "1"),
    ("slowdown", "Vertraging per extra chat (α)", "Slowdown per extra chat (α)", "0"),
    ("patience_min", "Geduld bezoeker (min)", "Visitor patience (min)", "2"),
    ("target_sl", "Servicegraad-doel", "Service level target", "0.8"),
    ("answer_within_s", "Binnen (s)", "Within (s)", "30"),
    ("max_abandon", "Max. afhakers", "Max. abandonment", "0.05"),
    ("opening", "Openingstijden", "Opening hours", "09:00-23:00"),
    ("hourly_profile", "Uurprofiel (24 gewichten)", "Hourly profile (24 weights)", ""),
    ("shrinkage", "Shrinkage in dienst", "In-shift shrinkage", "0"),
    ("gross_salary_month", "Bruto maandsalaris (€)", "Gross monthly salary (€)", "2000"),
    ("employer_factor", "Factor werkgeverslasten", "Employer cost factor", "1.2"),
    ("absence_surcharge", "Opslag vakantie/ziekte", "Vacation/sickness surcharge", "0.1"),
    ("per_chat", "Prijs per chat (€[,deel factureerbaar])", "Price per chat (€[,billable])", ""),
    ("per_hour", "Prijs per uur (€)", "Price per hour (€)", ""),
    ("per_lead", "Prijs per lead (€[,leadratio])", "Price per lead (€[,lead rate])", ""),
    ("bundle", "Bundel (€,chats,€ extra)", "Bundle (€,chats,€ overage)", ""),
    ("monthly_fee", "Vast per maand (€[,opstart,mnd])", "Monthly fee (€[,setup,months])", ""),
)


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request) -> HTMLResponse:
    params = dict(request.query_params)
    lang = "en" if params.get("lang") == "en" else "nl"
    params["lang"] = lang
    esc = html.escape
    error_html = ""
    result: Plan | None = None
    try:
        result = plan(scenario_from_query(params))
    except PlanningInputError as e:
        error_html = f'<p class="error" role="alert">{esc(e.message)} ({esc(e.code)})</p>'
    inputs = []
    for name, nl, en, default in FORM_FIELDS:
        value = params.get(name, default)
        inputs.append(
            f"<label>{esc(nl if lang == 'nl' else en)}"
            f'<input name="{name}" value="{esc(value, quote=True)}"></label>'
        )
    qs = esc(urlencode({k: v for k, v in params.items() if v != ""}), quote=True)
    other = "en" if lang == "nl" else "nl"
    other_qs = esc(urlencode({**params, "lang": other}), quote=True)
    tx = TEXT[lang]
    body = ""
    if result is not None:
        s = result.summary
        sl_def = SL_TEXT[lang][result.scenario.sl_variant].format(t=result.scenario.answer_within_s)
        rows = [
            ("chats/maand" if lang == "nl" else "chats/month", f"{s['chats_per_month']:,.0f}"),
            ("piekbezetting" if lang == "nl" else "peak operators", str(s["peak_operators"])),
            ("servicegraad" if lang == "nl" else "service level", f"{s['service_level']:.1%}"),
            ("afhakers" if lang == "nl" else "abandonment", f"{s['abandon']:.1%}"),
            (
                "fte incl. afwezigheid" if lang == "nl" else "FTE incl. absence",
                f"{s['fte_with_absence']:.2f}",
            ),
            (
                "maandkosten zelf" if lang == "nl" else "monthly cost in-house",
                money(s["monthly_cost_in_house"]),
            ),
        ]
        rows += [(o["label"], money(o["monthly_cost"])) for o in result.outsourcing]
        summary = "".join(f"<tr><th>{esc(a)}</th><td>{esc(b)}</td></tr>" for a, b in rows)
        body = (
            f'<p class="note">{esc(tx["sl_shown"])}: {esc(sl_def)}</p>'
            f'<table class="summary">{summary}</table>'
            f'<p class="advice">{esc(result.recommendation)}</p>'
            f'<img id="chart-staffing" alt="{esc(tx["staff"])}" '
            f'src="/api/v1/plan/chart/staffing.svg?{qs}">'
            f'<img id="chart-costs" alt="{esc(tx["costs"])}" '
            f'src="/api/v1/plan/chart/costs.svg?{qs}">'
            f"<h2>{esc(tx['staff'])}</h2><pre>{esc(staffing_matrix(result))}</pre>"
            f"<details><summary>{esc('Per uur' if lang == 'nl' else 'Per hour')}</summary>"
            f"{render_html_table(result)}</details>"
        )
    page = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(tx["title"])}</title>
<link rel="stylesheet" href="/plan/static/plan.css"></head>
<body><main>
<h1>{esc(tx["title"])}</h1>
<p><a href="/plan?{other_qs}">{"English" if lang == "nl" else "Nederlands"}</a>
 · <a href="/api/v1/plan?{qs}">JSON</a></p>
<form id="plan-form" method="get" action="/plan">
<input type="hidden" name="lang" value="{lang}">
{"".join(inputs)}
<button type="submit">{"Bereken" if lang == "nl" else "Calculate"}</button>
</form>
{error_html}
<section id="result">{body}</section>
</main>
<script type="module" src="/plan/static/plan.js"></script>
</body></html>"""
    return HTMLResponse(page, status_code=200 if result is not None else 422)
