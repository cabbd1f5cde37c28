"""The monthly report's words: an HTML body (the same on the page and in the mail) and a
plain-text alternative (pure). No charts: mail programs do not show inline SVG, so the busiest
hours are listed and the mail links to the full report with its charts. Everything is escaped;
visitors' comments are their own words, shown as text."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from livedesk.reports import tables
from livedesk.reports.sections import table_html
from livedesk.reports.texts import WEEKDAYS, bucket_label, fmt, label, month_name

# The figures a business owner reads first, in this order.
KEY_FIGURES = (
    "offered",
    "answered",
    "missed",
    "abandoned",
    "within_target_share",
    "first_reply_p50",
    "handle_time_mean",
    "offline_messages",
    "bot_answered",
    "bot_handed_over",
    "csat_mean",
    "satisfied_share",
    "leads",
    "lead_rate",
    "faq_entries_added",
    "faq_proposals_approved",
)
TOP_HOURS = 5
TOP_GAPS = 5  # the questions people answered most often without the FAQ

TEXTS = {
    "nl": {
        "title": "Maandrapport {name}: {month}",
        "subject": "Livedesk maandrapport {name}: {month}",
        "intro": "Zo ging de chat op je website in {month}.",
        "key": "Kerncijfers",
        "busiest": "Drukste uren",
        "missed": "Uren met de meeste gemiste chats",
        "none": "Geen.",
        "hour_row": "{day} {hour:02d}:00–{hour:02d}:59",
        "chats": "chats",
        "abandoned": "Weggegaan zonder antwoord, naar wachttijd",
        "csat": "Beoordelingen",
        "comments": "Opmerkingen van bezoekers",
        "leads": "Leads per soort",
        "gaps": "Vaakst gevraagd zonder antwoord in je FAQ",
        "gaps_note": "Een operator of je eigen expert beantwoordde deze vragen zonder de FAQ.",
        "gaps_more": "Alle vragen zonder antwoord, en ze toevoegen aan je FAQ",
        "question": "Vraag",
        "times_asked": "Keer gesteld",
        "full": "Bekijk het volledige rapport met grafieken",
        "times": "Tijden in de tijdzone {tz}.",
        "greeting": "Met vriendelijke groet,\nLivedesk",
    },
    "en": {
        "title": "Monthly report {name}: {month}",
        "subject": "Livedesk monthly report {name}: {month}",
        "intro": "This is how the chat on your website went in {month}.",
        "key": "Key figures",
        "busiest": "Busiest hours",
        "missed": "Hours with the most missed chats",
        "none": "None.",
        "hour_row": "{day} {hour:02d}:00–{hour:02d}:59",
        "chats": "chats",
        "abandoned": "Left without an answer, by waiting time",
        "csat": "Ratings",
        "comments": "Visitors' comments",
        "leads": "Leads by kind",
        "gaps": "Asked most often without an answer in your FAQ",
        "gaps_note": "An operator or your own expert answered these questions without the FAQ.",
        "gaps_more": "All questions without an answer, and adding them to your FAQ",
        "question": "Question",
        "times_asked": "Times asked",
        "full": "See the full report with charts",
        "times": "Times in the {tz} time zone.",
        "greeting": "Kind regards,\nLivedesk",
    },
}
MAIL_STYLE = (
    "body{font-family:Arial,Helvetica,sans-serif;color:#1b1f24;line-height:1.45}"
    "table{border-collapse:collapse;margin:6px 0 14px}"
    "caption{text-align:left;font-weight:bold;padding:4px 0}"
    "th,td{padding:3px 10px;border-bottom:1px solid #dde2e8}"
    "th[scope=row]{text-align:left;font-weight:normal}td{text-align:right}"
    "td.comment,td.text,.comments th{text-align:left}a{color:#0b4d91}"
)


@dataclass(frozen=True, slots=True)
class MonthlyContent:
    title: str
    subject: str
    html: str  # the body: one h1 and sections, for the page and the mail alike
    text: str  # the plain-text alternative


def key_rows(report: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    _, rows = tables.summary_table(report)
    values = dict((key, value) for key, value in rows)
    return [(label(k, lang), fmt(values[k], tables.SUMMARY_KINDS[k], lang)) for k in KEY_FIGURES]


def top_hours(grid: list[list[int]], lang: str) -> list[tuple[str, int]]:
    """The busiest hours of the week, most first (ties: earlier in the week first)."""
    cells = [(grid[d][h], d, h) for d in range(7) for h in range(24) if grid[d][h]]
    cells.sort(key=lambda c: (-c[0], c[1], c[2]))
    pattern = TEXTS[lang]["hour_row"]
    return [(pattern.format(day=WEEKDAYS[lang][d], hour=h), n) for n, d, h in cells[:TOP_HOURS]]


def _hours_html(title: str, hours: list[tuple[str, int]], lang: str) -> str:
    if not hours:
        return f"<h2>{escape(title)}</h2><p>{escape(TEXTS[lang]['none'])}</p>"
    return f"<h2>{escape(title)}</h2>" + table_html(
        title, ("hour", "count"), hours, lang, {"hour": "text"}
    )


def _lists(report: dict[str, Any], lang: str) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "busiest": top_hours(report["heatmap"]["arrivals"], lang),
        "missed": top_hours(report["heatmap"]["missed"], lang),
        "abandoned": [
            (bucket_label(b["bucket"]), b["abandoned"], b["missed"])
            for b in report["abandoned_by_wait"]
        ],
        "csat": [(str(s["score"]), s["count"]) for s in report["csat"]["scores"]],
        "comments": [
            (c["at"][:16].replace("T", " "), c["score"], c["comment"])
            for c in report["csat"]["comments"]
        ],
        "leads": [(label(k["kind"], lang), k["count"]) for k in report["leads"]["by_kind"]],
        "gaps": [(g["question"], g["count"]) for g in report.get("faq_gaps", ())],
    }


def gaps_html(gaps: list[tuple[Any, ...]], gaps_link: str, lang: str, heading_id: str = "") -> str:
    """The questions asked most often without an FAQ answer: (question, times) rows."""
    t = TEXTS[lang]
    headers = (t["question"], t["times_asked"])
    table = table_html(t["gaps"], ("question", "count"), gaps, lang, headers=headers)
    more = f'<p><a href="{escape(gaps_link, quote=True)}">{escape(t["gaps_more"])}</a></p>'
    h2 = f'<h2 id="{heading_id}">' if heading_id else "<h2>"
    return f"{h2}{escape(t['gaps'])}</h2><p>{escape(t['gaps_note'])}</p>{table}" + (
        more if gaps_link else ""
    )


def render_html(
    report: dict[str, Any], title: str, month: str, link: str, lang: str, gaps_link: str = ""
) -> str:
    t = TEXTS[lang]
    lists = _lists(report, lang)
    parts = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{escape(t['intro'].format(month=month))}</p>",
        table_html(
            t["key"], ("figure", "value"), key_rows(report, lang), lang, {"value": "written"}
        ),
        _hours_html(t["busiest"], lists["busiest"], lang),
        _hours_html(t["missed"], lists["missed"], lang),
        f"<h2>{escape(t['abandoned'])}</h2>",
        table_html(t["abandoned"], ("bucket", "abandoned", "missed"), lists["abandoned"], lang),
        f"<h2>{escape(t['csat'])}</h2>",
        table_html(t["csat"], ("score", "count"), lists["csat"], lang, {"score": "text"}),
    ]
    if lists["comments"]:
        kinds = {"at": "text", "comment": "comment"}
        parts.append(
            table_html(
                t["comments"],
                ("at", "score", "comment"),
                lists["comments"],
                lang,
                kinds,
                css="comments",
            )
        )
    if lists["leads"]:
        parts.append(f"<h2>{escape(t['leads'])}</h2>")
        parts.append(
            table_html(t["leads"], ("kind", "count"), lists["leads"], lang, {"kind": "text"})
        )
    if lists["gaps"]:
        parts.append(gaps_html(lists["gaps"], gaps_link, lang))
    parts.append(f"<p>{escape(t['times'].format(tz=report['period']['timezone']))}</p>")
    parts.append(f'<p><a href="{escape(link, quote=True)}">{escape(t["full"])}</a></p>')
    return "".join(parts)


def render_text(
    report: dict[str, Any], title: str, month: str, link: str, lang: str, gaps_link: str = ""
) -> str:
    t = TEXTS[lang]
    lists = _lists(report, lang)
    lines = [title, "=" * len(title), "", t["intro"].format(month=month), "", t["key"]]
    lines += [f"  {name}: {value}" for name, value in key_rows(report, lang)]
    for key in ("busiest", "missed"):
        lines += ["", t[key]]
        lines += [f"  {hour}: {n} {t['chats']}" for hour, n in lists[key]] or [f"  {t['none']}"]
    lines += ["", t["abandoned"]]
    lines += [
        f"  {bucket}: {label('abandoned', lang)} {a}, {label('missed', lang)} {m}"
        for bucket, a, m in lists["abandoned"]
    ]
    lines += ["", t["csat"]] + [f"  {score}: {n}" for score, n in lists["csat"]]
    if lists["comments"]:
        lines += ["", t["comments"]]
        lines += [f"  [{at}] {score}: {comment}" for at, score, comment in lists["comments"]]
    if lists["leads"]:
        lines += ["", t["leads"]] + [f"  {kind}: {n}" for kind, n in lists["leads"]]
    if lists["gaps"]:
        lines += ["", t["gaps"], t["gaps_note"]]
        lines += [f"  {n}× {question}" for question, n in lists["gaps"]]
        if gaps_link:
            lines += [f"{t['gaps_more']}:", gaps_link]
    lines += ["", t["times"].format(tz=report["period"]["timezone"]), "", f"{t['full']}:"]
    lines += [link, "", t["greeting"], ""]
    return "\n".join(lines)


def render_monthly(
    report: dict[str, Any],
    business_name: str,
    year: int,
    month: int,
    link: str,
    lang: str,
    gaps_link: str = "",
) -> MonthlyContent:
    t = TEXTS[lang]
    named = month_name(year, month, lang)
    title = t["title"].format(name=business_name, month=named)
    return MonthlyContent(
        title=title,
        subject=t["subject"].format(name=business_name, month=named),
        html=render_html(report, title, named, link, lang, gaps_link),
        text=render_text(report, title, named, link, lang, gaps_link),
    )


def mail_document(content: MonthlyContent, lang: str) -> str:
    """The HTML part of the mail: the page's body with a small stylesheet of its own."""
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(content.title)}</title><style>{MAIL_STYLE}</style></head>"
        f"<body>{content.html}</body></html>"
    )
