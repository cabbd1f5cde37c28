"""Validating a `livedesk-business/1` document before anything is written.

Each section goes through the back office's own request schemas, so a file is held to the same
rules as the browser; the FAQ through the FAQ's own row rules. Every problem is collected with
its path and line, not just the first. What only the database can tell (a slug or a widget key
already in use) is checked in `portable_import`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from livedesk.businesses.portable import (
    FORMAT,
    SECTIONS,
    Document,
    ImportRefused,
    Path,
    Problem,
)
from livedesk.businesses.schemas import (
    BusinessCreate,
    Contract,
    OpeningHours,
    hours_field_errors,
)
from livedesk.businesses.widget_schemas import WidgetCreate
from livedesk.canned.schemas import CannedCreate
from livedesk.knowledge import io as kio
from livedesk.knowledge.models import FaqStatus

PUBLIC_KEY_MAX = 64
M = TypeVar("M", bound=BaseModel)


@dataclass(slots=True)
class WidgetSpec:
    path: Path
    public_key: str
    is_active: bool | None  # None: not in the file
    data: WidgetCreate  # data.model_fields_set: the fields the file gives


@dataclass(slots=True)
class CannedSpec:
    path: Path
    data: CannedCreate


@dataclass(slots=True)
class Content:
    """A valid document. What the file leaves out is None (or, for the business and a widget,
    not in the schema object's `model_fields_set`): an import that replaces a business leaves
    it as it is (an empty list replaces a section with nothing)."""

    business: BusinessCreate
    is_active: bool | None
    widgets: list[WidgetSpec] | None = None
    opening_hours: OpeningHours | None = None
    contract: Contract | None = None
    canned: list[CannedSpec] | None = None
    faq: list[kio.EntryData] | None = None


@dataclass(slots=True)
class Checker:
    document: Document
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: Path, code: str, fallback: str = "", **values: Any) -> None:
        self.problems.append(self.document.problem(path, code, fallback, **values))

    def schema(self, model: type[M], path: Path, value: Any) -> M | None:
        """`value` through a request schema; its errors become problems at their paths."""
        try:
            return model.model_validate(value)
        except ValidationError as exc:
            for error in exc.errors():
                self.pydantic_error(path, error)
            return None

    def pydantic_error(self, path: Path, error: Any) -> None:
        kind = str(error.get("type", "value_error"))
        ctx = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, int | str)}
        # A validator of our own raising ValueError speaks its own message, as over HTTP.
        own = str(ctx.get("error", "")) if kind == "value_error" else ""
        location = tuple(p for p in error.get("loc", ()) if isinstance(p, str | int))
        self.add((*path, *location), "" if own else kind, own or str(error.get("msg", "")), **ctx)

    def mapping(self, path: Path, value: Any) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.add(path, "portable_not_a_map")
        return None

    def sequence(self, path: Path, value: Any) -> list[Any] | None:
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self.add(path, "portable_not_a_list")
        return None

    def flag(self, path: Path, fields: dict[str, Any]) -> bool | None:
        """`is_active` of the map at `path`; None when the file does not say."""
        value = fields.get("is_active")
        if value is None or isinstance(value, bool):
            return value
        self.add((*path, "is_active"), "bool_parsing")
        return None


def check_document(document: Document) -> Content:
    """The document's content, or ImportRefused naming every problem found."""
    checker = Checker(document)
    data = checker.mapping((), document.data)
    if data is None:
        raise ImportRefused(checker.problems)
    if data.get("format") != FORMAT:
        checker.add(("format",), "portable_format")
    for key in data:
        if key != "format" and key not in SECTIONS:
            checker.add((key,), "portable_unknown_key")
    business, is_active = _business(checker, data.get("business"))
    widgets = _widgets(checker, data["widgets"]) if "widgets" in data else None
    hours = _hours(checker, data["opening_hours"]) if "opening_hours" in data else None
    contract = (
        checker.schema(Contract, ("contract",), data["contract"]) if "contract" in data else None
    )
    canned = _canned(checker, data["canned_responses"]) if "canned_responses" in data else None
    faq = _faq(checker, data["faq"]) if "faq" in data else None
    if checker.problems or business is None:
        raise ImportRefused(checker.problems)
    return Content(business, is_active, widgets, hours, contract, canned, faq)


def _business(checker: Checker, value: Any) -> tuple[BusinessCreate | None, bool | None]:
    path: Path = ("business",)
    if value is None:
        checker.add(path, "missing")
        return None, None
    fields = checker.mapping(path, value)
    if fields is None:
        return None, None
    is_active = checker.flag(path, fields)
    rest = {k: v for k, v in fields.items() if k != "is_active"}
    return checker.schema(BusinessCreate, path, rest), is_active


def _hours(checker: Checker, value: Any) -> OpeningHours | None:
    """The schema, then the rules it leaves to the action (real times, order, overlaps), so a
    file learns of them all before anything is written."""
    hours = checker.schema(OpeningHours, ("opening_hours",), value)
    if hours is not None:
        for name, code in hours_field_errors(hours).items():
            checker.add(("opening_hours", *field_path(name)), code)
    return hours


def field_path(name: str) -> Path:
    """A FieldError's "weekly.mon.1" as a path; numbers are list positions."""
    return tuple(int(part) if part.isdigit() else part for part in name.split("."))


def _widgets(checker: Checker, value: Any) -> list[WidgetSpec]:
    out: list[WidgetSpec] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(checker.sequence(("widgets",), value) or []):
        path: Path = ("widgets", index)
        fields = checker.mapping(path, item)
        if fields is None:
            continue
        key = _public_key(checker, (*path, "public_key"), fields.get("public_key"))
        is_active = checker.flag(path, fields)
        rest = {k: v for k, v in fields.items() if k not in ("public_key", "is_active")}
        widget = checker.schema(WidgetCreate, path, rest)
        if key in seen:
            line = seen[key]
            checker.add((*path, "public_key"), "portable_duplicate", value=key, line=line)
        elif key:
            seen[key] = checker.document.line((*path, "public_key"))
        if widget is not None and key:
            out.append(WidgetSpec(path, key, is_active, widget))
    return out


def _public_key(checker: Checker, path: Path, value: Any) -> str:
    if value is None:
        checker.add(path, "missing")
        return ""
    if not isinstance(value, str) or not value.strip():
        checker.add(path, "string_type", "Input should be a valid string")
        return ""
    key = value.strip()
    if len(key) > PUBLIC_KEY_MAX or not key.isascii() or not key.replace("-", "").isalnum():
        checker.add(path, "portable_public_key")
        return ""
    return key


def _canned(checker: Checker, value: Any) -> list[CannedSpec]:
    """Through the canned-responses schema; the business is the document's (a file holds no
    ids), and a shortcut is unique within a business, whatever its language."""
    out: list[CannedSpec] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(checker.sequence(("canned_responses",), value) or []):
        path: Path = ("canned_responses", index)
        fields = checker.mapping(path, item)
        if fields is None:
            continue
        if "business_id" in fields:
            checker.add((*path, "business_id"), "extra_forbidden")
            continue
        canned = checker.schema(CannedCreate, path, fields)
        if canned is None:
            continue
        if canned.shortcut in seen:
            line = seen[canned.shortcut]
            checker.add((*path, "shortcut"), "portable_duplicate", value=canned.shortcut, line=line)
            continue
        seen[canned.shortcut] = checker.document.line((*path, "shortcut"))
        out.append(CannedSpec(path, canned))
    return out


def _faq(checker: Checker, value: Any) -> list[kio.EntryData]:
    """Each entry by the FAQ's own rules; a question may appear once among the entries that
    are not archived (as in the FAQ itself), an archived one may repeat a live one."""
    out: list[kio.EntryData] = []
    live: dict[str, int] = {}
    for index, item in enumerate(checker.sequence(("faq",), value) or []):
        path: Path = ("faq", index)
        fields = checker.mapping(path, item)
        if fields is None:
            continue
        for key in fields:
            if key not in ("question", "alternatives", "answer", "tags", "status"):
                checker.add((*path, key), "extra_forbidden")
        line = checker.document.line(path)
        row = kio.EntryData(
            question=fields.get("question", ""),
            answer=fields.get("answer", ""),
            alternatives=fields.get("alternatives") or [],
            tags=fields.get("tags") or [],
            status=fields.get("status") or FaqStatus.PUBLISHED,
            line=line,
        )
        try:
            clean = kio.clean_entry(row)
        except kio.RowError as exc:
            checker.add((*path, exc.field), f"faq_{exc.field}", exc.message)
            continue
        key = clean.question.casefold()
        if clean.status != FaqStatus.ARCHIVED:
            if key in live:
                checker.add(
                    (*path, "question"), "portable_duplicate", value=clean.question, line=live[key]
                )
                continue
            live[key] = checker.document.line((*path, "question"))
        out.append(clean)
    return out
