"""The report's HTML sections (pure: a report in, HTML out). Every value is escaped: comments are
visitor text and always land as text. Each chart is a <figure> with a caption and, beside it,
the table it draws; every table has a caption and th scope."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from livedesk.reports import tables
from livedesk.reports.charts import bars_svg, heatmap_svg
from livedesk.reports.texts import WEEKDAYS, bucket_label, duration, fmt, label

PAGE: dict[str, dict[str, str]] = {
    "nl": {
        "summary": "Kerncijfers",
        "target": "Op tijd: het eerste antwoord van een medewerker binnen {target} van "
        "binnenkomst (het contract). Het deel op tijd telt alle chats waarin de bezoeker op "
        "een medewerker wachtte; wie wegging, telt als niet op tijd.",
        "target_each": "Op tijd: binnen het doel uit het contract van elk bedrijf.",
        "heat": "Drukte per uur van de week",
        "heat_note": "Uren in de tijdzone {tz}. Gemist: de bezoeker ging weg voordat een "
        "medewerker antwoordde. Hier zie je de pieken waarop chats verloren gaan.",
        "arrivals": "Binnengekomen chats per uur van de week",
        "missed": "Gemiste chats per uur van de week",
        "first_reply": "Tijd tot het eerste antwoord",
        "first_reply_chart": "Beantwoorde chats naar tijd tot het eerste antwoord",
        "abandoned": "Weggegaan, naar hoe lang ze wachtten",
        "abandoned_chart": "Bezoekers die weggingen zonder antwoord, naar wachttijd",
        "csat": "Tevredenheid",
        "csat_chart": "Beoordelingen van bezoekers (1 = slecht, 5 = uitstekend)",
        "comments": "Opmerkingen van bezoekers",
        "no_comments": "Geen opmerkingen in deze periode.",
        "leads": "Leads per soort",
        "no_leads": "Geen leads in deze periode.",
        "days": "Per dag",
        "days_open": "Toon de tabel per dag",
        "operators": "Per medewerker",
        "no_operators": "Geen medewerkers in deze periode.",
        "table": "Tabel bij deze grafiek",
        "csv": "Download als CSV",
        "csv_all": "Alle tabellen als CSV",
        "csv_note": "CSV in het Nederlands: puntkomma tussen de velden en een decimale komma.",
        "count": "Aantal",
    },
    "en": {
        "summary": "Key figures",
        "target": "In time: an agent's first reply within {target} of arrival (the "
        "contract). The share in time counts every chat in which the visitor waited for an "
        "agent; a visitor who left counts as not in time.",
        "target_each": "In time: within each business's contract target.",
        "heat": "Busy hours of the week",
        "heat_note": "Hours in the {tz} time zone. Missed: the visitor left before an agent "
        "answered. These are the peaks at which chats are lost.",
        "arrivals": "Chats arriving per hour of the week",
        "missed": "Missed chats per hour of the week",
        "first_reply": "Time to the first reply",
        "first_reply_chart": "Answered chats by time to the first reply",
        "abandoned": "Left without an answer, by how long they waited",
        "abandoned_chart": "Visitors who left without an answer, by waiting time",
        "csat": "Satisfaction",
        "csat_chart": "Visitors' ratings (1 = poor, 5 = excellent)",
        "comments": "Visitors' comments",
        "no_comments": "No comments in this period.",
        "leads": "Leads by kind",
        "no_leads": "No leads in this period.",
        "days": "By day",
        "days_open": "Show the table by day",
        "operators": "By agent",
        "no_operators": "No agents in this period.",
        "table": "Table for this chart",
        "csv": "Download as CSV",
        "csv_all": "Every table as CSV",
        "csv_note": "CSV in English: a comma between fields and a decimal point.",
        "count": "Count",
    },
}


def table_html(
    caption: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    lang: str,
    kinds: dict[str, str] | None = None,
    *,
    css: str = "",
    headers: Sequence[str] | None = None,
    wide: bool = False,
) -> str:
    """First column as row headers; values written per column kind (count unless named;
    "written": already written for people)."""
    kinds = kinds or {}
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers or map(_lab(lang), columns))
    body = []
    for row in rows:
        cells = []
        for i, (column, value) in enumerate(zip(columns, row, strict=True)):
            kind = kinds.get(column, "count" if isinstance(value, int | float) else "text")
            text = escape(fmt(value, kind, lang))
            if i == 0:
                cells.append(f'<th scope="row">{text}</th>')
            else:
                cls = f' class="{kind}"' if kind in ("text", "comment") else ""
                cells.append(f"<td{cls}>{text}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    cls = f' class="{css}"' if css else ""
    table = (
        f"<table{cls}><caption>{escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    if not wide:
        return table
    # A table wider than a phone scrolls in its own box, which keyboards must reach too.
    return (
        f'<div class="table-wrap" tabindex="0" role="region" '
        f'aria-label="{escape(caption, quote=True)}">{table}</div>'
    )


def _lab(lang: str) -> Any:
    return lambda key: label(key, lang)


def csv_link(table: str, query: str, lang: str) -> str:
    href = escape(f"/api/v1/reports/{table}.csv?{query}", quote=True)
    return f'<p class="csv"><a href="{href}" download>{escape(PAGE[lang]["csv"])}</a></p>'


def figure(svg: str, caption: str, table: str, lang: str) -> str:
    return (
        f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"
        f"<details><summary>{escape(PAGE[lang]['table'])}</summary>{table}</details>"
    )


def summary_section(report: dict[str, Any], lang: str, query: str) -> str:
    t = PAGE[lang]
    _, rows = tables.summary_table(report)
    shown = [[label(key, lang), fmt(value, tables.SUMMARY_KINDS[key], lang)] for key, value in rows]
    body = table_html(t["summary"], ("figure", "value"), shown, lang, {"value": "written"})
    target = report.get("target_seconds")
    note = t["target"].format(target=duration(target, lang)) if target else t["target_each"]
    return (
        f'<section aria-labelledby="h-summary"><h2 id="h-summary">{escape(t["summary"])}</h2>'
        f'{body}<p class="note">{escape(note)}</p>{csv_link("summary", query, lang)}</section>'
    )


def heat_table(grid: list[list[int]], caption: str, lang: str) -> str:
    hours = [f"{h:02d}" for h in range(24)]
    rows = [[WEEKDAYS[lang][d], *grid[d]] for d in range(7)]
    headers = [label("weekday", lang), *hours]
    return table_html(
        caption, ["weekday", *hours], rows, lang, css="heat", headers=headers, wide=True
    )


def heatmap_section(report: dict[str, Any], lang: str, query: str) -> str:
    t = PAGE[lang]
    parts = []
    for key in ("arrivals", "missed"):
        grid = report["heatmap"][key]
        svg = heatmap_svg(grid, t[key], lang)
        parts.append(figure(svg, t[key], heat_table(grid, t[key], lang), lang))
    note = t["heat_note"].format(tz=report["period"]["timezone"])
    return (
        f'<section aria-labelledby="h-heat"><h2 id="h-heat">{escape(t["heat"])}</h2>'
        f'<p class="note">{escape(note)}</p>{"".join(parts)}'
        f"{csv_link('heatmap', query, lang)}</section>"
    )


def first_reply_section(report: dict[str, Any], lang: str, query: str) -> str:
    t = PAGE[lang]
    buckets = report["first_reply"]["buckets"]
    names = [bucket_label(b["bucket"]) for b in buckets]
    counts = [b["count"] for b in buckets]
    svg = bars_svg(names, [(t["count"], counts)], t["first_reply_chart"], lang)
    table = table_html(
        t["first_reply_chart"],
        ("bucket", "count"),
        list(zip(names, counts, strict=True)),
        lang,
        headers=(label("reply_bucket", lang), label("count", lang)),
    )
    return (
        f'<section aria-labelledby="h-reply"><h2 id="h-reply">{escape(t["first_reply"])}</h2>'
        f"{figure(svg, t['first_reply_chart'], table, lang)}"
        f"{csv_link('first_reply', query, lang)}</section>"
    )


def abandoned_section(report: dict[str, Any], lang: str, query: str) -> str:
    t = PAGE[lang]
    rows = report["abandoned_by_wait"]
    names = [bucket_label(r["bucket"]) for r in rows]
    series = [
        (label("abandoned", lang), [r["abandoned"] for r in rows]),
        (label("missed", lang), [r["missed"] for r in rows]),
    ]
    svg = bars_svg(names, series, t["abandoned_chart"], lang)
    table_rows = [[n, r["abandoned"], r["missed"]] for n, r in zip(names, rows, strict=True)]
    table = table_html(t["abandoned_chart"], ("bucket", "abandoned", "missed"), table_rows, lang)
    return (
        f'<section aria-labelledby="h-abandoned">'
        f'<h2 id="h-abandoned">{escape(t["abandoned"])}</h2>'
        f"{figure(svg, t['abandoned_chart'], table, lang)}"
        f"{csv_link('abandoned', query, lang)}</section>"
    )


def comments_html(report: dict[str, Any], lang: str) -> str:
    t = PAGE[lang]
    comments = report["csat"]["comments"]
    if not comments:
        return f"<h3>{escape(t['comments'])}</h3><p>{escape(t['no_comments'])}</p>"
    rows = [[c["at"][:16].replace("T", " "), c["score"], c["comment"]] for c in comments]
    kinds = {"at": "text", "score": "count", "comment": "comment"}
    return f"<h3>{escape(t['comments'])}</h3>" + table_html(
        t["comments"], ("at", "score", "comment"), rows, lang, kinds, css="comments"
    )


def csat_section(report: dict[str, Any], lang: str, query: str) -> str:
    t = PAGE[lang]
    scores = report["csat"]["scores"]
    names = [str(s["score"]) for s in scores]
    counts = [s["count"] for s in scores]
    svg = bars_svg(names, [(t["count"], counts)], t["csat_chart"], lang, width=480)
    table = table_html(
        t["csat_chart"],
        ("score", "count"),
        [[s, c] for s, c in zip(names, counts, strict=True)],
        lang,
        {"score": "text"},
    )
    return (
        f'<section aria-labelledby="h-csat"><h2 id="h-csat">{escape(t["csat"])}</h2>'
        f"{figure(svg, t['csat_chart'], table, lang)}{csv_link('csat', query, lang)}"
        f"{comments_html(report, lang)}{csv_link('comments', query, lang)}</section>"
    )


def leads_section(report: dict[str, Any], lang: str, query: str) -> str:
    t = PAGE[lang]
    kinds = report["leads"]["by_kind"]
    if kinds:
        rows = [[label(k["kind"], lang), k["count"]] for k in kinds]
        body = table_html(t["leads"], ("kind", "count"), rows, lang, {"kind": "text"})
    else:
        body = f"<p>{escape(t['no_leads'])}</p>"
    return (
        f'<section aria-labelledby="h-leads"><h2 id="h-leads">{escape(t["leads"])}</h2>'
        f"{body}{csv_link('leads', query, lang)}</section>"
    )


def days_section(report: dict[str, Any], lang: str, query: str) -> str:
    t = PAGE[lang]
    columns, rows = tables.days_table(report)
    table = table_html(t["days"], columns, rows, lang, {"date": "text"})
    return (
        f'<section aria-labelledby="h-days"><h2 id="h-days">{escape(t["days"])}</h2>'
        f"<details><summary>{escape(t['days_open'])}</summary>{table}</details>"
        f"{csv_link('days', query, lang)}</section>"
    )


def operators_section(operators: list[dict[str, Any]], lang: str, query: str) -> str:
    t = PAGE[lang]
    columns = [c for c in tables.OPERATOR_COLUMNS if c != "operator_id"]
    rows = [[row[c] for c in columns] for row in operators]
    if rows:
        body = table_html(t["operators"], columns, rows, lang, tables.OPERATOR_KINDS, wide=True)
    else:
        body = f"<p>{escape(t['no_operators'])}</p>"
    return (
        f'<section aria-labelledby="h-operators">'
        f'<h2 id="h-operators">{escape(t["operators"])}</h2>'
        f"{body}{csv_link('operators', query, lang)}</section>"
    )


def report_sections(
    report: dict[str, Any], lang: str, query: str, operators: list[dict[str, Any]] | None = None
) -> str:
    """Every section of a report page; `operators` only for the provider's own staff."""
    parts = [
        summary_section(report, lang, query),
        heatmap_section(report, lang, query),
        first_reply_section(report, lang, query),
        abandoned_section(report, lang, query),
        csat_section(report, lang, query),
        leads_section(report, lang, query),
        days_section(report, lang, query),
    ]
    if operators is not None:
        parts.append(operators_section(operators, lang, query))
    parts.append(f'<p class="note">{escape(PAGE[lang]["csv_note"])}</p>')
    return "".join(parts)
