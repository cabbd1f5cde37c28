"""A business as one portable document (`livedesk business export|import`), YAML or JSON.

    format: livedesk-business/1
    business:          slug, name, language, timezone, form_of_address, is_active, guidelines
    widgets:           [name, public_key, allowed_origins, language, look, prechat, privacy,
                        offline_form, is_active], ordered by public key
    opening_hours:     the weekly schedule and dated exceptions
    contract:          first-reply target, maximum queue wait, overflow, outside hours, priority
    canned_responses:  [shortcut, title, body, language], the business's own (shared ones belong
                        to no business), ordered by shortcut
    faq:               [question, alternatives, answer, tags, status], ordered by question

The document holds no internal ids, only the widgets' public keys: those are on the client's
web pages. Keys come in a fixed order (the order above; inside a section, the schema's field
order; free-form maps such as dated exceptions sorted), so an export is the same text every
time and a change shows up as a small diff.

This module is the format itself: reading a file into plain data plus the line each value
started on, writing data back as text, and the problems an import reports. Export lives in
`portable_export`, import (validation, then one unit of work) in `portable_import`.

Reading keeps line numbers for every error. YAML is composed into its node tree once
(`yaml.compose`), whose marks give each path's line, and then constructed. JSON is decoded by
the standard `json` module (its own errors carry the line), then walked once more by a small
scanner that records where each key and item starts: parsing JSON as YAML would accept JSON that
is not valid and lose lines to PyYAML's quirks (tabs, long keys).
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

import yaml

from livedesk import i18n

FORMAT = "livedesk-business/1"
SECTIONS = ("business", "widgets", "opening_hours", "contract", "canned_responses", "faq")
MAX_DEPTH = 40  # nested maps and lists; a real document needs six

Path = tuple[str | int, ...]

i18n.register(
    {
        "nl": {
            "portable_syntax": "Dit is geen geldige {kind}: {detail}.",
            "portable_format": "Het bestand begint met 'format: livedesk-business/1'.",
            "portable_too_deep": "Het document is te diep genest.",
            "portable_duplicate_key": "'{key}' staat hier twee keer.",
            "portable_unknown_key": "Dit onderdeel bestaat niet in het formaat.",
            "portable_not_a_map": "Hier hoort een lijst van sleutels en waarden.",
            "portable_not_a_list": "Hier hoort een lijst.",
            "portable_slug_exists": "Bedrijf '{slug}' bestaat al; gebruik --replace om het bij "
            "te werken.",
            "portable_key_taken": "Widgetsleutel '{key}' hoort bij een ander bedrijf; gebruik "
            "--new-widget-keys voor nieuwe sleutels.",
            "portable_duplicate": "'{value}' staat ook op regel {line}.",
            "portable_public_key": "Een widgetsleutel bestaat uit letters, cijfers en "
            "streepjes, hoogstens 64 tekens.",
        },
        "en": {
            "portable_syntax": "This is not valid {kind}: {detail}.",
            "portable_format": "The file starts with 'format: livedesk-business/1'.",
            "portable_too_deep": "The document is nested too deeply.",
            "portable_duplicate_key": "'{key}' appears here twice.",
            "portable_unknown_key": "The format has no such part.",
            "portable_not_a_map": "A map of keys and values belongs here.",
            "portable_not_a_list": "A list belongs here.",
            "portable_slug_exists": "Business '{slug}' already exists; use --replace to update it.",
            "portable_key_taken": "Widget key '{key}' belongs to another business; use "
            "--new-widget-keys for new keys.",
            "portable_duplicate": "'{value}' is also on line {line}.",
            "portable_public_key": "A widget key consists of letters, digits and hyphens, at "
            "most 64 characters.",
        },
    }
)


# ---- problems ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a document: where (path and line) and what (a code with its
    values, rendered in the reader's language; `fallback` when the code has no text)."""

    path: str
    line: int
    code: str
    values: dict[str, Any] = field(default_factory=dict)
    fallback: str = ""

    def message(self, language: str) -> str:
        return i18n.text(self.code, language, self.fallback or self.code, **self.values) or ""

    def render(self, language: str) -> str:
        where = f"line {self.line}" if language == "en" else f"regel {self.line}"
        return f"{where}: {self.path or '(document)'}: {self.message(language)}"


class ImportRefused(Exception):
    """The document was not imported; every problem found, in the order of the file."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.path))
        super().__init__("; ".join(p.render("en") for p in self.problems))


def dotted(path: Path) -> str:
    return ".".join(str(part) for part in path)


# ---- a parsed document -------------------------------------------------------------------


@dataclass(slots=True)
class Document:
    """Plain data as read from a file, with the line each path starts on."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int:
        """The line of `path`, or of its nearest ancestor that the file has (a missing key is
        reported where its parent starts)."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return 1

    def problem(self, path: Path, code: str, fallback: str = "", **values: Any) -> Problem:
        return Problem(dotted(path), self.line(path), code, values, fallback)


def read(text: str, *, name: str = "") -> Document:
    """A document from text: JSON when the name ends in .json or the text starts with `{`,
    YAML otherwise. Raises ImportRefused for text that does not parse."""
    text = text.removeprefix("\ufeff")
    is_json = name.lower().endswith(".json") or text.lstrip().startswith("{")
    return _read_json(text) if is_json else _read_yaml(text)


# ---- YAML --------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML as people write it by hand: `10:00` is a time of day (YAML 1.1 made it 600),
    `2026-12-25` stays text, and only true/false are booleans (not yes/no/on/off, so the
    language code `no` is Norwegian)."""


_DROPPED_TAGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)


def _read_yaml(text: str) -> Document:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        document = Document(None)
        if node is not None:
            problems = list(_walk_yaml(node, (), document.lines, set()))
            if problems:
                raise ImportRefused(problems)
            document.data = loader.construct_document(node)
        return document
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        detail = " ".join(str(exc.problem or exc.context or "").split())
        raise ImportRefused(
            [Problem("", line, "portable_syntax", {"kind": "YAML", "detail": detail})]
        ) from None
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        raise ImportRefused(
            [Problem("", 1, "portable_syntax", {"kind": "YAML", "detail": detail})]
        ) from None
    finally:
        loader.dispose()


def _walk_yaml(
    node: yaml.Node, path: Path, lines: dict[Path, int], seen: set[int]
) -> Iterator[Problem]:
    """Records the line of every key and item; reports duplicate keys (which YAML would
    silently resolve to the last one) and nesting past MAX_DEPTH."""
    lines.setdefault(path, node.start_mark.line + 1)
    if id(node) in seen:  # an alias of a node already walked
        return
    seen.add(id(node))
    if len(path) > MAX_DEPTH:
        yield Problem(dotted(path), node.start_mark.line + 1, "portable_too_deep")
        return
    if isinstance(node, yaml.MappingNode):
        keys: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = str(key_node.value)
            if key in keys:
                yield Problem(
                    dotted((*path, key)),
                    key_node.start_mark.line + 1,
                    "portable_duplicate_key",
                    {"key": key},
                )
            keys.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            yield from _walk_yaml(value_node, (*path, key), lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _walk_yaml(item, (*path, index), lines, seen)


# ---- JSON --------------------------------------------------------------------------------

_SPACE = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


def _read_json(text: str) -> Document:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRefused(
            [Problem("", exc.lineno, "portable_syntax", {"kind": "JSON", "detail": exc.msg})]
        ) from None
    except RecursionError:
        raise ImportRefused([Problem("", 1, "portable_too_deep")]) from None
    scanner = _JsonLines(text)
    scanner.value(0, ())
    if scanner.problems:
        raise ImportRefused(scanner.problems)
    return Document(data, scanner.lines)


class _JsonLines:
    """Where each key and item of valid JSON starts (the text has already been decoded)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.lines: dict[Path, int] = {}
        self.problems: list[Problem] = []

    def line_at(self, position: int) -> int:
        return bisect.bisect_left(self.newlines, position) + 1

    def skip(self, position: int) -> int:
        match = _SPACE.match(self.text, position)
        return match.end() if match else position

    def value(self, position: int, path: Path) -> int:
        """Records `path` and returns the position just past its value."""
        position = self.skip(position)
        self.lines.setdefault(path, self.line_at(position))
        if len(path) > MAX_DEPTH:
            self.problems.append(Problem(dotted(path), self.line_at(position), "portable_too_deep"))
            return len(self.text)
        char = self.text[position]
        if char == "{":
            return self._object(position + 1, path)
        if char == "[":
            return self._array(position + 1, path)
        if char == '"':
            return int(scanstring(self.text, position + 1)[1])
        match = _SCALAR.match(self.text, position)
        assert match is not None, "json.loads accepted the text"
        return match.end()

    def _object(self, position: int, path: Path) -> int:
        keys: set[str] = set()
        position = self.skip(position)
        if self.text[position] == "}":
            return position + 1
        while True:
            key_line = self.line_at(position)
            key, position = scanstring(self.text, position + 1)
            if key in keys:
                self.problems.append(
                    Problem(dotted((*path, key)), key_line, "portable_duplicate_key", {"key": key})
                )
            keys.add(key)
            self.lines[(*path, key)] = key_line
            position = self.value(self.skip(position) + 1, (*path, key))  # past the colon
            position = self.skip(position)
            if self.text[position] == "}":
                return position + 1
            position = self.skip(position + 1)  # past the comma

    def _array(self, position: int, path: Path) -> int:
        position = self.skip(position)
        if self.text[position] == "]":
            return position + 1
        index = 0
        while True:
            position = self.skip(self.value(position, (*path, index)))
            if self.text[position] == "]":
                return position + 1
            position += 1
            index += 1


# ---- writing -----------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Text with line breaks as a `|` block, so answers and guidelines read as written; short
    lists of plain values on one line (a time range is `["09:00", "23:00"]`)."""


_TIME = re.compile(r"^\d{1,2}:\d{2}$")
FLOW_LIST_WIDTH = 60


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Times always in quotes: YAML 1.1 readers take an unquoted 10:00 for 600 (09:00 not).
    style = "|" if "\n" in value else '"' if _TIME.match(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    plain = all(isinstance(v, str | int | float) and "\n" not in str(v) for v in value)
    flow = plain and len(json.dumps(value, ensure_ascii=False)) <= FLOW_LIST_WIDTH
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _represent_text)
_Dumper.add_representer(list, _represent_list)


def write_yaml(data: dict[str, Any]) -> str:
    # A wide line: a long answer stays on one line instead of being folded at 80 columns.
    text: str = yaml.dump(
        data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096, indent=2
    )
    return text


def write_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
