"""Readable tables (terminal, HTML) and CSV/JSON output of a plan."""

from __future__ import annotations

import csv
import html
import io
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .numbers import money as _money
from .numbers import num, pct, short

if TYPE_CHECKING:
    from .scenario import Plan

TEXT: dict[str, dict[str, Any]] = {
    "nl": {
        "title": "Capaciteitsplanning livechat",
        "inputs": "Invoer",
        "staff": "Medewerkers per uur (ma t/m zo)",
        "summary": "Samenvatting",
        "costs": "Kosten zelf chatten (rekenvoorbeeld whitepaper)",
        "out": "Uitbesteden",
        "advice": "Advies",
        "sl_shown": "Getoonde servicegraad",
        "cols": (
            "dag",
            "uur",
            "chats",
            "per-uur",
            "lag",
            "inzet",
            "rooster",
            "SL",
            "afhaak",
            "wacht s",
            "bezet",
        ),
        "ct_cols": (
            "uur/week",
            "uur/maand",
            "à {exact} (exact)",
            "à {rounded} (afgerond)",
            "incl. {absence} afwezigheid, à {exact}",
        ),
        "break_even": "omslagpunt",
        "none": "geen omslagpunt in bereik",
        "cheaper_above": {
            "in_house": "daarboven zelf chatten goedkoper",
            "outsourced": "daarboven uitbesteden goedkoper",
        },
    },
    "en": {
        "title": "Live chat capacity plan",
        "inputs": "Inputs",
        "staff": "Staffing per hour (Mon to Sun)",
        "summary": "Summary",
        "costs": "In-house cost (whitepaper example)",
        "out": "Outsourcing",
        "advice": "Advice",
        "sl_shown": "Service level shown",
        "cols": (
            "day",
            "hour",
            "chats",
            "per-hour",
            "lag",
            "staff",
            "sched",
            "SL",
            "abandon",
            "wait s",
            "occ",
        ),
        "ct_cols": (
            "h/week",
            "h/month",
            "at {exact} (exact)",
            "at {rounded} (rounded)",
            "incl. {absence} absence, at {exact}",
        ),
        "break_even": "break-even",
        "none": "no break-even in range",
        "cheaper_above": {
            "in_house": "above it in-house is cheaper",
            "outsourced": "above it outsourcing is cheaper",
        },
    },
}

SUMMARY_LABELS = {
    "nl": {
        "chats_per_month": "chats per maand",
        "operator_hours_per_week": "operatoruren per week (nodig)",
        "scheduled_hours_per_week": "ingeroosterde uren per week",
        "lag_aware_extra_hours_per_week": "extra uren door na-ijlende chats",
        "peak_operators": "piekbezetting",
        "service_level": "servicegraad (week)",
        "abandon": "afhakers (week)",
        "fte": "fte",
        "fte_with_absence": "fte incl. afwezigheid",
        "hourly_cost": "uurkosten exact",
        "hourly_cost_rounded": "uurkosten afgerond",
        "monthly_cost_in_house": "maandkosten zelf chatten",
        "monthly_cost_in_house_rounded_rate": "maandkosten à afgerond uurtarief",
    },
    "en": {
        "chats_per_month": "chats per month",
        "operator_hours_per_week": "operator hours per week (required)",
        "scheduled_hours_per_week": "scheduled hours per week",
        "lag_aware_extra_hours_per_week": "extra hours for chats still running",
        "peak_operators": "peak operators",
        "service_level": "service level (week)",
        "abandon": "abandonment (week)",
        "fte": "FTE",
        "fte_with_absence": "FTE incl. absence",
        "hourly_cost": "hourly cost exact",
        "hourly_cost_rounded": "hourly cost rounded",
        "monthly_cost_in_house": "monthly cost in-house",
        "monthly_cost_in_house_rounded_rate": "monthly cost at rounded rate",
    },
}

# The whitepaper ("Livechat uitbesteden") prices only the in-house side; it names no prices of
# chat providers. The example prices are the planner's own round figures, there so that the
# comparison and the break-even can be shown before a real quote is entered.
EXAMPLE_PRICES_NOTE = {
    "nl": (
        "Voorbeeldprijzen, geen offerte: door Livedesk gekozen ronde bedragen om de "
        "vergelijking te laten zien. De whitepaper 'Livechat uitbesteden' rekent alleen zelf "
        "chatten door en noemt geen prijzen van dienstverleners. Vul de prijzen uit een "
        "offerte in."
    ),
    "en": (
        "Example prices, not a quote: round figures chosen by Livedesk to show the "
        "comparison. The whitepaper 'Livechat uitbesteden' only prices chatting in-house and "
        "names no provider prices. Enter the prices from a quote."
    ),
}

SL_TEXT = {
    "nl": {
        "primary": "beantwoord binnen {t:g} s / alle aangeboden chats (afhakers tellen als gemist)",
        "excl_short_abandons": "beantwoord binnen {t:g} s / (aangeboden − afhakers binnen {t:g} s)",
    },
    "en": {
        "primary": "answered within {t:g} s / all offered chats (abandons count as failures)",
        "excl_short_abandons": "answered within {t:g} s / (offered − abandoned within {t:g} s)",
    },
}


def money(x: float, lang: str = "en") -> str:
    """€12,936.00 (en) or €12.936,00 (nl), rounded half up to the cent."""
    return "∞" if math.isinf(x) else _money(x, lang)


def _fmt_summary(key: str, v: Any, lang: str = "en") -> str:
    if key == "hourly_cost":
        return _money(v, lang, decimals=6)
    if key.startswith(("hourly_cost", "monthly_cost")):
        return money(v, lang)
    if key in ("service_level", "abandon"):
        return pct(v, 1, lang)
    if isinstance(v, float):
        return num(v, 2, lang)
    return str(v)


def cost_table_headers(plan: Plan) -> list[str]:
    """Column heads of the whitepaper's cost table, naming the hourly rate each column used."""
    cp = plan.scenario.cost_params
    lang = plan.scenario.lang
    rates = {
        "exact": _money(cp.hourly_cost, lang, decimals=4),
        "rounded": _money(cp.hourly_cost_rounded, lang),
        "absence": pct(cp.absence_surcharge, 0, lang),
    }
    return [h.format(**rates) for h in TEXT[lang]["ct_cols"]]


def cost_table_rows(plan: Plan) -> list[list[str]]:
    lang = plan.scenario.lang
    return [
        [
            num(c["hours_per_week"], 0 if float(c["hours_per_week"]).is_integer() else 1, lang),
            num(c["hours_per_month"], 1, lang),
            money(c["monthly_exact"], lang),
            money(c["monthly_rounded_rate"], lang),
            money(c["monthly_with_absence"], lang),
        ]
        for c in plan.cost_table
    ]


def _table(headers: tuple[str, ...] | list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(str(h).rjust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def staffing_rows(plan: Plan) -> list[list[str]]:
    lang = plan.scenario.lang
    return [
        [
            r["day"],
            r["hour"],
            num(r["chats"], 1, lang),
            str(r["operators_per_hour_rule"]),
            str(r["operators_lag_aware"]),
            str(r["operators"]),
            str(r["scheduled"]),
            pct(r["service_level"], 1, lang),
            pct(r["abandon"], 1, lang),
            num(r["asa_s"], 0, lang),
            pct(r["occupancy"], 0, lang),
        ]
        for r in plan.rows
    ]


def _inputs_line(plan: Plan) -> str:
    sc, lang = plan.scenario, plan.scenario.lang
    cap = "-" if sc.max_abandon is None else pct(sc.max_abandon, 0, lang)
    if lang == "nl":
        return (
            f"Invoer: {pct(sc.chat_rate, 1, lang)} van de bezoekers chat, chatduur "
            f"{short(sc.aht_min, lang)} min, {sc.concurrency} chat(s) tegelijk per operator, "
            f"{pct(sc.slowdown, 0, lang)} langer per extra chat, geduld "
            f"{short(sc.patience_min, lang)} min, doel {pct(sc.target_sl, 0, lang)} binnen "
            f"{short(sc.answer_within_s, lang)} s, max. afhakers {cap}, model {sc.model}, "
            f"regel {sc.rule}, niet beschikbaar in dienst {pct(sc.shrinkage, 0, lang)}"
        )
    return (
        f"{TEXT[lang]['inputs']}: chat rate {pct(sc.chat_rate, 1, lang)}, AHT "
        f"{short(sc.aht_min, lang)} min, concurrency {sc.concurrency}, slowdown per extra chat "
        f"{pct(sc.slowdown, 0, lang)}, patience {short(sc.patience_min, lang)} min, target "
        f"{pct(sc.target_sl, 0, lang)} / {short(sc.answer_within_s, lang)} s, max abandon "
        f"{cap}, model {sc.model}, rule {sc.rule}, shrinkage {pct(sc.shrinkage, 0, lang)}"
    )


def render_text(plan: Plan, detail: bool = False) -> str:
    sc = plan.scenario
    lang = sc.lang
    tx = TEXT[lang]
    s = plan.summary
    parts = [f"== {tx['title']} =="]
    parts.append(_inputs_line(plan))
    parts.append(f"{tx['sl_shown']}: " + SL_TEXT[lang][sc.sl_variant].format(t=sc.answer_within_s))
    parts.append(f"\n-- {tx['staff']} --")
    parts.append(staffing_matrix(plan))
    if detail:
        parts.append("")
        parts.append(_table(tx["cols"], staffing_rows(plan)))
    parts.append(f"\n-- {tx['summary']} --")
    labels = SUMMARY_LABELS[lang]
    parts.append(
        _table(["", ""], [[lab, _fmt_summary(k, s[k], lang)] for k, lab in labels.items()])
    )
    parts.append(f"\n-- {tx['costs']} --")
    parts.append(_table(cost_table_headers(plan), cost_table_rows(plan)))
    parts.append(f"\n-- {tx['out']} --")
    if plan.scenario.prices is None:
        parts.append(EXAMPLE_PRICES_NOTE[lang])
    out_rows = []
    for o in plan.outsourcing:
        be = "; ".join(
            f"{num(b['volume'], 0, lang)} ({tx['cheaper_above'][b['cheaper_above']]})"
            for b in o["break_even"]
        )
        out_rows.append([o["label"], money(o["monthly_cost"], lang), be or tx["none"]])
    in_house = "zelf chatten" if lang == "nl" else "in-house"
    out_rows.insert(0, [in_house, money(s["monthly_cost_in_house"], lang), ""])
    parts.append(_table(["", "€/mnd" if lang == "nl" else "€/month", tx["break_even"]], out_rows))
    parts.append(f"\n-- {tx['advice']} --\n{plan.recommendation}")
    return "\n".join(parts)


def staffing_matrix(plan: Plan) -> str:
    """Operators per hour (rows) and day (columns); lag-aware extra shown as +k."""
    from .scenario import DAY_NAMES

    lang = plan.scenario.lang
    mask = plan.scenario.open_mask()
    hours = sorted({i % 24 for i in range(168) if mask[i]})
    rows = []
    for h in hours:
        row = [f"{h:02d}:00"]
        for d in range(7):
            iv = plan.intervals[d * 24 + h]
            if not mask[iv.index]:
                row.append("-")
                continue
            extra = iv.operators - iv.per_hour_operators
            row.append(f"{iv.scheduled}" + (f" (+{extra})" if extra > 0 else ""))
        rows.append(row)
    return _table(["", *DAY_NAMES[lang]], rows)


HTML_COLS = {
    "nl": (
        "Dag",
        "Uur",
        "Chats",
        "Nodig voor de chats van dit uur",
        "Nodig incl. doorlopende chats",
        "Ingezet",
        "Ingeroosterd",
        "Binnen {t} s beantwoord",
        "Haakt af",
        "Gemiddelde wachttijd (s)",
        "Bezig met chats",
    ),
    "en": (
        "Day",
        "Hour",
        "Chats",
        "Needed for this hour's chats",
        "Needed incl. running chats",
        "Staffed",
        "Scheduled",
        "Answered within {t} s",
        "Gives up",
        "Mean wait (s)",
        "Busy with chats",
    ),
}


def render_html_table(plan: Plan) -> str:
    """Every open hour as an escaped HTML table (notebooks and the web page)."""
    lang = plan.scenario.lang
    t = short(plan.scenario.answer_within_s, lang)
    heads = [h.format(t=t) for h in HTML_COLS[lang]]
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in heads)
    body = "".join(
        "<tr>"
        + "".join(f'<th scope="row">{html.escape(c)}</th>' for c in r[:2])
        + "".join(f"<td>{html.escape(c)}</td>" for c in r[2:])
        + "</tr>"
        for r in staffing_rows(plan)
    )
    return (
        f'<table class="plan-staffing"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def staffing_matrix_html(plan: Plan) -> str:
    """People to schedule per hour (rows) and day (columns) as an escaped HTML table; the
    extra for chats still running from the hour before is shown as (+k)."""
    from .scenario import DAY_NAMES, DAY_NAMES_FULL

    lang = plan.scenario.lang
    mask = plan.scenario.open_mask()
    hours = sorted({i % 24 for i in range(168) if mask[i]})
    esc = html.escape
    head = f'<th scope="col">{"Uur" if lang == "nl" else "Hour"}</th>' + "".join(
        f'<th scope="col"><abbr title="{esc(full)}">{esc(short_name)}</abbr></th>'
        for short_name, full in zip(DAY_NAMES[lang], DAY_NAMES_FULL[lang], strict=True)
    )
    body = []
    for h in hours:
        cells = [f'<th scope="row">{h:02d}:00</th>']
        for d in range(7):
            iv = plan.intervals[d * 24 + h]
            if not mask[iv.index]:
                closed = "gesloten" if lang == "nl" else "closed"
                cells.append(f'<td class="closed"><span title="{closed}">–</span></td>')
                continue
            extra = iv.operators - iv.per_hour_operators
            text = f"{iv.scheduled}" + (f" (+{extra})" if extra > 0 else "")
            cells.append(f"<td>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    caption = TEXT[lang]["staff"]
    return (
        f'<table class="plan-matrix"><caption>{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def cost_table_html(plan: Plan) -> str:
    """The whitepaper's cost table as an escaped HTML table, naming the rate of each column."""
    lang = plan.scenario.lang
    esc = html.escape
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in cost_table_headers(plan))
    body = "".join(
        "<tr>"
        + f'<th scope="row">{esc(r[0])}</th>'
        + "".join(f"<td>{esc(c)}</td>" for c in r[1:])
        + "</tr>"
        for r in cost_table_rows(plan)
    )
    return (
        f'<table class="plan-costs"><caption>{esc(TEXT[lang]["costs"])}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def rows_csv(plan: Plan) -> str:
    rows = plan.rows
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["day"], lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def to_json(plan: Plan) -> str:
    return json.dumps(plan.to_dict(), indent=2, ensure_ascii=False, default=_json_default)


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def write_outputs(plan: Plan, csv_path: Path | None, json_path: Path | None) -> list[Path]:
    written = []
    if csv_path:
        csv_path.write_text(rows_csv(plan), encoding="utf-8")
        written.append(csv_path)
    if json_path:
        json_path.write_text(to_json(plan), encoding="utf-8")
        written.append(json_path)
    return written
