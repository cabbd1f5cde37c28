"""FAQ content rules and import/export as CSV, JSON and Markdown.

Every format round-trips losslessly: what `export_*` writes, `parse_*` reads back to the same
entries (ids, question, alternatives, answer with its newlines, tags, status). Parsing reports
each bad row with its line number; nothing is stored unless every row is valid.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from livedesk.errors import Invalid
from livedesk.knowledge.models import FaqStatus

MAX_QUESTION = 500
MAX_ANSWER = 4000  # the bot sends answers as chat messages, which have the same limit
MAX_ALTERNATIVES = 30
MAX_TAGS = 20
MAX_TAG = 50
MAX_ROWS = 5000
FORMATS = ("csv", "json", "markdown")
CSV_COLUMNS = ("id", "question", "alternatives", "answer", "tags", "status")

# Answers are plain text; links are bare URLs the console makes clickable. Anything that looks
# like markup or a script URL is refused, so an answer can never become HTML anywhere.
_TAG_RE = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
_BAD_SCHEME_RE = re.compile(r"\b(?:javascript|vbscript|data)\s*:", re.IGNORECASE)
_URL_RE = re.compile(r"\b(?:https?://|mailto:)[^\s<>\"']+", re.IGNORECASE)


@dataclass(slots=True)
class EntryData:
    """The editable content of one entry, as imported or exported."""

    question: str
    answer: str
    alternatives: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    status: str = FaqStatus.PUBLISHED
    id: str | None = None
    line: int = 0  # where it started in an imported file (for error messages)

    def content(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("line")
        return out


class RowError(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def links(answer: str) -> list[str]:
    """URLs in an answer, for the console to render as links (trailing punctuation dropped)."""
    return [m.group(0).rstrip(".,;:!?)") for m in _URL_RE.finditer(answer)]


def _line(value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise RowError(name, f"{name} must be text")
    text = " ".join(value.split())  # one line; runs of whitespace are one space
    if not text:
        raise RowError(name, f"{name} is empty")
    if len(text) > limit:
        raise RowError(name, f"{name} is longer than {limit} characters")
    if _TAG_RE.search(text):
        raise RowError(name, f"{name} must be plain text, not HTML")
    return text


def clean_question(value: Any) -> str:
    return _line(value, "question", MAX_QUESTION)


def clean_answer(value: Any) -> str:
    if not isinstance(value, str):
        raise RowError("answer", "answer must be text")
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise RowError("answer", "answer is empty")
    if len(text) > MAX_ANSWER:
        raise RowError("answer", f"answer is longer than {MAX_ANSWER} characters")
    if _TAG_RE.search(text):
        raise RowError("answer", "answer must be plain text: no HTML; write links as https://…")
    if _BAD_SCHEME_RE.search(text):
        raise RowError("answer", "answer contains an unsafe link (javascript:, data:, vbscript:)")
    return text


def clean_alternatives(values: Any, question: str | None = None) -> list[str]:
    if not isinstance(values, list):
        raise RowError("alternatives", "alternatives must be a list of questions")
    out: list[str] = []
    for value in values:
        text = _line(value, "alternatives", MAX_QUESTION)
        if text != question and text not in out:  # duplicates add nothing to search
            out.append(text)
    if len(out) > MAX_ALTERNATIVES:
        raise RowError("alternatives", f"at most {MAX_ALTERNATIVES} alternatives")
    return out


def clean_tags(values: Any) -> list[str]:
    if not isinstance(values, list):
        raise RowError("tags", "tags must be a list")
    out: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise RowError("tags", "tags must be text")
        tag = " ".join(value.split()).lower()
        if not tag:
            continue
        if "," in tag or len(tag) > MAX_TAG:
            raise RowError("tags", f"a tag has no commas and at most {MAX_TAG} characters")
        if tag not in out:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise RowError("tags", f"at most {MAX_TAGS} tags")
    return out


def clean_status(value: Any) -> str:
    try:
        return FaqStatus(str(value).strip().lower()).value
    except ValueError:
        raise RowError("status", "status is draft, published or archived") from None


def clean_entry(data: EntryData) -> EntryData:
    question = clean_question(data.question)
    return EntryData(
        question=question,
        answer=clean_answer(data.answer),
        alternatives=clean_alternatives(data.alternatives, question),
        tags=clean_tags(data.tags),
        status=clean_status(data.status),
        id=(data.id or "").strip() or None,
        line=data.line,
    )


def invalid_rows(errors: list[dict[str, Any]]) -> Invalid:
    first = errors[0]
    return Invalid(
        f"line {first['line']}: {first['message']} (nothing was imported)",
        code="invalid_import",
        data={"errors": errors},
    )


def validate_rows(rows: list[EntryData]) -> list[EntryData]:
    """All rows clean, or Invalid listing every bad row by line number."""
    if len(rows) > MAX_ROWS:
        raise Invalid(f"at most {MAX_ROWS} entries per import", code="invalid_import")
    errors: list[dict[str, Any]] = []
    out: list[EntryData] = []
    seen_ids: dict[str, int] = {}
    seen_questions: dict[str, int] = {}
    for row in rows:
        try:
            clean = clean_entry(row)
        except RowError as exc:
            errors.append({"line": row.line, "field": exc.field, "message": exc.message})
            continue
        if clean.id and clean.id in seen_ids:
            errors.append(
                {
                    "line": row.line,
                    "field": "id",
                    "message": f"id {clean.id} also on line {seen_ids[clean.id]}",
                }
            )
            continue
        key = clean.question.casefold()
        if key in seen_questions:
            errors.append(
                {
                    "line": row.line,
                    "field": "question",
                    "message": f"same question as line {seen_questions[key]}",
                }
            )
            continue
        if clean.id:
            seen_ids[clean.id] = row.line
        seen_questions[key] = row.line
        out.append(clean)
    if errors:
        raise invalid_rows(errors)
    return out


# ---- JSON ------------------------------------------------------------------------------


def export_json(business: dict[str, str], entries: list[EntryData]) -> str:
    body = {
        "format": "livedesk-faq",
        "version": 1,
        "business": business,
        "entries": [e.content() for e in entries],
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def parse_json(text: str) -> list[EntryData]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise invalid_rows(
            [{"line": exc.lineno, "field": None, "message": f"not valid JSON: {exc.msg}"}]
        ) from None
    items = data.get("entries") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise invalid_rows(
            [
                {
                    "line": 1,
                    "field": None,
                    "message": 'expected a list of entries or {"entries": [...]}',
                }
            ]
        )
    rows: list[EntryData] = []
    errors: list[dict[str, Any]] = []
    lines = _json_item_lines(text, len(items))
    for number, item in enumerate(items):
        line = lines[number]
        if not isinstance(item, dict):
            errors.append({"line": line, "field": None, "message": "an entry is an object"})
            continue
        rows.append(
            EntryData(
                question=item.get("question", ""),
                answer=item.get("answer", ""),
                alternatives=item.get("alternatives") or [],
                tags=item.get("tags") or [],
                status=item.get("status") or FaqStatus.PUBLISHED,
                id=item.get("id") if isinstance(item.get("id"), str) else None,
                line=line,
            )
        )
    if errors:
        raise invalid_rows(errors)
    return rows


def _json_item_lines(text: str, count: int) -> list[int]:
    """Best-effort line of each entry: where its `"question"` key appears, in order."""
    found = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r'"question"\s*:', text)]
    return found if len(found) == count else [n + 1 for n in range(count)]


# ---- CSV -------------------------------------------------------------------------------
# One row per entry. Alternatives are one per line inside their cell (a question is a single
# line); tags are comma-separated (a tag has no comma). A BOM keeps accents right in Excel.


def export_csv(entries: list[EntryData]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        writer.writerow(
            [
                e.id or "",
                e.question,
                "\n".join(e.alternatives),
                e.answer,
                ", ".join(e.tags),
                e.status,
            ]
        )
    return "\ufeff" + out.getvalue()


def parse_csv(text: str) -> list[EntryData]:
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return []
    except csv.Error as exc:
        raise invalid_rows([{"line": 1, "field": None, "message": str(exc)}]) from None
    names = [h.strip().lower() for h in header]
    if "question" not in names or "answer" not in names:
        raise invalid_rows(
            [
                {
                    "line": 1,
                    "field": None,
                    "message": "the header needs at least question and answer columns",
                }
            ]
        )
    rows: list[EntryData] = []
    errors: list[dict[str, Any]] = []
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise invalid_rows([{"line": start, "field": None, "message": str(exc)}]) from None
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(names):
            errors.append(
                {
                    "line": line,
                    "field": None,
                    "message": f"expected {len(names)} columns, found {len(record)}",
                }
            )
            continue
        cell = dict(zip(names, record, strict=True))
        rows.append(
            EntryData(
                question=cell.get("question", ""),
                answer=cell.get("answer", ""),
                alternatives=[a for a in cell.get("alternatives", "").split("\n") if a.strip()],
                tags=[t for t in cell.get("tags", "").split(",") if t.strip()],
                status=cell.get("status", "").strip() or FaqStatus.PUBLISHED,
                id=cell.get("id", "").strip() or None,
                line=line,
            )
        )
    if errors:
        raise invalid_rows(errors)
    return rows


# ---- Markdown --------------------------------------------------------------------------
# A readable living document:
#
#   ## Question?
#
#   - id: 3f2a…
#   - status: published
#   - tags: a, b
#   - also: Another phrasing?
#
#   The answer, verbatim; lines starting with `#` or `\` get a `\` in front.

_META_RE = re.compile(r"^- (id|status|tags|also):(?: (.*))?$")


def export_markdown(title: str, entries: list[EntryData]) -> str:
    parts = [f"# FAQ: {title}\n"]
    for e in entries:
        meta = [f"- id: {e.id or ''}".rstrip(), f"- status: {e.status}"]
        if e.tags:
            meta.append(f"- tags: {', '.join(e.tags)}")
        meta += [f"- also: {alt}" for alt in e.alternatives]
        answer = "\n".join(
            "\\" + ln if ln.startswith(("#", "\\")) else ln for ln in e.answer.split("\n")
        )
        parts.append(f"## {e.question}\n\n" + "\n".join(meta) + f"\n\n{answer}\n")
    return "\n".join(parts)


def parse_markdown(text: str) -> list[EntryData]:
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    rows: list[EntryData] = []
    errors: list[dict[str, Any]] = []
    n = 0
    while n < len(lines):
        if not lines[n].startswith("## "):
            if lines[n].strip() and not lines[n].startswith("# ") and not rows:
                errors.append(
                    {
                        "line": n + 1,
                        "field": None,
                        "message": "text before the first '## question' heading",
                    }
                )
            n += 1
            continue
        entry = EntryData(question=lines[n][3:], answer="", line=n + 1)
        n += 1
        while n < len(lines) and not lines[n].strip():
            n += 1
        while n < len(lines) and (match := _META_RE.match(lines[n])):
            key, value = match.group(1), (match.group(2) or "").strip()
            if key == "id":
                entry.id = value or None
            elif key == "status":
                entry.status = value
            elif key == "tags":
                entry.tags = [t for t in value.split(",") if t.strip()]
            else:
                entry.alternatives.append(value)
            n += 1
        body: list[str] = []
        while n < len(lines) and not lines[n].startswith("## "):
            line = lines[n]
            body.append(line[1:] if line.startswith("\\") else line)
            n += 1
        entry.answer = "\n".join(body).strip("\n")
        rows.append(entry)
    if errors:
        raise invalid_rows(errors)
    return rows


def parse(fmt: str, text: str) -> list[EntryData]:
    if fmt == "csv":
        return parse_csv(text)
    if fmt == "json":
        return parse_json(text)
    if fmt == "markdown":
        return parse_markdown(text)
    raise Invalid(f"format is one of {', '.join(FORMATS)}", code="invalid_format")


def export(fmt: str, business: dict[str, str], entries: list[EntryData]) -> tuple[str, str, str]:
    """(body, media type, file extension)."""
    if fmt == "csv":
        return export_csv(entries), "text/csv; charset=utf-8", "csv"
    if fmt == "json":
        return export_json(business, entries), "application/json", "json"
    if fmt == "markdown":
        return export_markdown(business["name"], entries), "text/markdown; charset=utf-8", "md"
    raise Invalid(f"format is one of {', '.join(FORMATS)}", code="invalid_format")
