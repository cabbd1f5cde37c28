"""Every report table as (columns, rows) of plain values: the CSV export and the pages' tables
are built from the same definitions, so a page never shows what its CSV lacks (pure).

Column names are stable snake_case keys in every language (the CSV stays machine-readable);
the pages translate them (texts.py).
"""

from __future__ import annotations

import csv
import io
from typing import Any

# (key, kind, where in the summary) per figure; the kind says how a page writes the value.
SUMMARY_FIGURES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("offered", "count", ("chats", "offered")),
    ("answered", "count", ("chats", "answered")),
    ("missed", "count", ("chats", "missed")),
    ("abandoned", "count", ("chats", "abandoned")),
    ("closed_unanswered", "count", ("chats", "closed_unanswered")),
    ("open", "count", ("chats", "open")),
    ("offline_messages", "count", ("offline_messages",)),
    ("bot_answered", "count", ("bot", "answered")),
    ("bot_handed_over", "count", ("bot", "handed_over")),
    ("within_target", "count", ("first_reply", "within_target")),
    ("within_target_share", "share", ("first_reply", "within_target_share")),
    ("first_reply_mean", "seconds", ("first_reply", "mean")),
    ("first_reply_p50", "seconds", ("first_reply", "p50")),
    ("first_reply_p90", "seconds", ("first_reply", "p90")),
    ("handle_time_mean", "seconds", ("handle_time", "mean")),
    ("handle_time_p50", "seconds", ("handle_time", "p50")),
    ("handle_time_p90", "seconds", ("handle_time", "p90")),
    ("online_seconds", "seconds", ("occupancy", "online_seconds")),
    ("held_seconds", "seconds", ("occupancy", "held_seconds")),
    ("occupancy", "share", ("occupancy", "occupancy")),
    ("concurrency_mean", "decimal", ("occupancy", "concurrency_mean")),
    ("concurrency_peak", "count", ("occupancy", "concurrency_peak")),
    ("csat_count", "count", ("csat", "count")),
    ("csat_mean", "decimal", ("csat", "mean")),
    ("satisfied_share", "share", ("csat", "satisfied_share")),
    ("leads", "count", ("leads", "count")),
    ("leads_accepted", "count", ("leads", "accepted")),
    ("lead_rate", "share", ("leads", "lead_rate")),
    ("faq_entries_added", "count", ("faq", "entries_added")),
    ("faq_proposals_approved", "count", ("faq", "proposals_approved")),
)
SUMMARY_KINDS = {key: kind for key, kind, _ in SUMMARY_FIGURES}

DAY_COLUMNS = (
    "date",
    "offered",
    "answered",
    "missed",
    "abandoned",
    "within_target",
    "offline_messages",
    "leads",
)
OPERATOR_COLUMNS = (
    "operator_id",
    "name",
    "offers_received",
    "accepted",
    "offered",
    "answered",
    "missed",
    "abandoned",
    "within_target",
    "within_target_share",
    "first_reply_p50",
    "handle_time_mean",
    "online_seconds",
    "held_seconds",
    "occupancy",
    "concurrency_mean",
    "concurrency_peak",
    "csat_count",
    "csat_mean",
    "leads",
)
OPERATOR_KINDS = {
    "within_target_share": "share",
    "occupancy": "share",
    "first_reply_p50": "seconds",
    "handle_time_mean": "seconds",
    "online_seconds": "seconds",
    "held_seconds": "seconds",
    "concurrency_mean": "decimal",
    "csat_mean": "decimal",
    "operator_id": "text",
    "name": "text",
}
# Tables a business user sees; "operators" lists the provider's staff and is theirs only.
BUSINESS_TABLES = (
    "summary",
    "days",
    "heatmap",
    "first_reply",
    "abandoned",
    "csat",
    "comments",
    "leads",
)
TABLES = (*BUSINESS_TABLES, "operators")

Table = tuple[tuple[str, ...], list[list[Any]]]


def _dig(report: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = report
    for key in path:
        value = value[key]
    return value


def summary_table(report: dict[str, Any]) -> Table:
    return ("figure", "value"), [[key, _dig(report, path)] for key, _, path in SUMMARY_FIGURES]


def days_table(report: dict[str, Any]) -> Table:
    return DAY_COLUMNS, [[row[c] for c in DAY_COLUMNS] for row in report["days"]]


def heatmap_table(report: dict[str, Any]) -> Table:
    """One row per hour of the week; weekday 1 = Monday (ISO), hour 0–23 local time."""
    arrivals, missed = report["heatmap"]["arrivals"], report["heatmap"]["missed"]
    rows = [
        [day + 1, hour, arrivals[day][hour], missed[day][hour]]
        for day in range(7)
        for hour in range(24)
    ]
    return ("weekday", "hour", "arrivals", "missed"), rows


def first_reply_table(report: dict[str, Any]) -> Table:
    return ("bucket", "count"), [
        [b["bucket"], b["count"]] for b in report["first_reply"]["buckets"]
    ]


def abandoned_table(report: dict[str, Any]) -> Table:
    rows = [[b["bucket"], b["abandoned"], b["missed"]] for b in report["abandoned_by_wait"]]
    return ("bucket", "abandoned", "missed"), rows


def csat_table(report: dict[str, Any]) -> Table:
    return ("score", "count"), [[s["score"], s["count"]] for s in report["csat"]["scores"]]


def comments_table(report: dict[str, Any]) -> Table:
    columns = ("at", "conversation_id", "score", "comment")
    return columns, [[c[k] for k in columns] for c in report["csat"]["comments"]]


def leads_table(report: dict[str, Any]) -> Table:
    return ("kind", "count"), [[k["kind"], k["count"]] for k in report["leads"]["by_kind"]]


def operators_table(operators: list[dict[str, Any]]) -> Table:
    return OPERATOR_COLUMNS, [[row[c] for c in OPERATOR_COLUMNS] for row in operators]


BUILDERS = {
    "summary": summary_table,
    "days": days_table,
    "heatmap": heatmap_table,
    "first_reply": first_reply_table,
    "abandoned": abandoned_table,
    "csat": csat_table,
    "comments": comments_table,
    "leads": leads_table,
}


def csv_cell(value: Any, lang: str) -> str:
    """Numbers without grouping, with a decimal comma in Dutch; text guarded against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value).removesuffix(".0")
        return text.replace(".", ",") if lang == "nl" else text
    text = str(value)
    # Spreadsheets run cells starting with these as formulas (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_csv(table: Table, lang: str) -> bytes:
    """Dutch: `;` between fields and a decimal comma (what a Dutch spreadsheet reads); English:
    `,` and a decimal point. UTF-8 with a byte-order mark, a header row of stable keys."""
    columns, rows = table
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if lang == "nl" else ",", lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(v, lang) for v in row])
    return out.getvalue().encode("utf-8-sig")
