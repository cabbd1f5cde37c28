"""Readable tables (terminal, HTML) and CSV/JSON output of a plan."""

from __future__ import annotations

import csv
import html
import io
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .scenario import Plan

TEXT = {
    "nl": {
        "title": "Capaciteitsplanning livechat",
        "inputs": "Invoer",
        "staff": "Bezetting per uur (ma t/m zo)",
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
        "ct_cols": ("uur/week", "uur/maand", "exact", "à €{r}", "incl. afwezigheid"),
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
        "ct_cols": ("h/week", "h/month", "exact", "at €{r}", "incl. absence"),
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


def money(x: float) -> str:
    return "∞" if math.isinf(x) else f"€{x:,.2f}"


def _fmt_summary(key: str, v: Any) -> str:
    if key.startswith(("hourly_cost", "monthly_cost")):
        return money(v) if key != "hourly_cost" else f"€{v:.6f}"
    if key in ("service_level", "abandon"):
        return f"{v:.1%}"
    if isinstance(v, float):
        return f"{v:,.2f}"
    return str(v)


def _table(headers: tuple[str, ...] | list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(str(h).rjust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def staffing_rows(plan: Plan) -> list[list[str]]:
    return [
        [
            r["day"],
            r["hour"],
            f"{r['chats']:.1f}",
            str(r["operators_per_hour_rule"]),
            str(r["operators_lag_aware"]),
            str(r["operators"]),
            str(r["scheduled"]),
            f"{r['service_level']:.1%}",
            f"{r['abandon']:.1%}",
            f"{r['asa_s']:.0f}",
            f"{r['occupancy']:.0%}",
        ]
        for r in plan.rows
    ]


def render_text(plan: Plan, detail: bool = False) -> str:
    sc = plan.scenario
    lang = sc.lang
    tx = TEXT[lang]
    s = plan.summary
    parts = [f"== {tx['title']} =="]
    parts.append(
        f"{tx['inputs']}: chat rate {sc.chat_rate:.1%}, AHT {sc.aht_min:g} min, "
        f"concurrency {sc.concurrency}, α {sc.slowdown:g}, patience {sc.patience_min:g} min, "
        f"target {sc.target_sl:.0%} / {sc.answer_within_s:g} s, max abandon "
        f"{'-' if sc.max_abandon is None else f'{sc.max_abandon:.0%}'}, model {sc.model}, "
        f"rule {sc.rule}, shrinkage {sc.shrinkage:.0%}"
    )
    parts.append(f"{tx['sl_shown']}: " + SL_TEXT[lang][sc.sl_variant].format(t=sc.answer_within_s))
    parts.append(f"\n-- {tx['staff']} --")
    parts.append(staffing_matrix(plan))
    if detail:
        parts.append("")
        parts.append(_table(tx["cols"], staffing_rows(plan)))
    parts.append(f"\n-- {tx['summary']} --")
    labels = SUMMARY_LABELS[lang]
    parts.append(_table(["", ""], [[lab, _fmt_summary(k, s[k])] for k, lab in labels.items()]))
    parts.append(f"\n-- {tx['costs']} --")
    r = f"{plan.scenario.cost_params.hourly_cost_rounded:.2f}"
    heads = [h.format(r=r) for h in tx["ct_cols"]]
    ct_rows = [
        [
            f"{c['hours_per_week']:g}",
            f"{c['hours_per_month']:.1f}",
            money(c["monthly_exact"]),
            money(c["monthly_rounded_rate"]),
            money(c["monthly_with_absence"]),
        ]
        for c in plan.cost_table
    ]
    parts.append(_table(heads, ct_rows))
    parts.append(f"\n-- {tx['out']} --")
    out_rows = []
    for o in plan.outsourcing:
        be = "; ".join(
            f"{b['volume']:,.0f} ({tx['cheaper_above'][b['cheaper_above']]})"
            for b in o["break_even"]
        )
        out_rows.append([o["label"], money(o["monthly_cost"]), be or tx["none"]])
    in_house = "zelf chatten" if lang == "nl" else "in-house"
    out_rows.insert(0, [in_house, money(s["monthly_cost_in_house"]), ""])
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


def render_html_table(plan: Plan) -> str:
    """Staffing table as escaped HTML (notebooks and the web page)."""
    tx = TEXT[plan.scenario.lang]
    head = "".join(f"<th>{html.escape(h)}</th>" for h in tx["cols"])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
        for r in staffing_rows(plan)
    )
    return (
        f'<table class="plan-staffing"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
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
