"""Comments and indentation out of the widget's scripts and stylesheet, as they are served.

A visitor's phone pays for every byte of the opened widget; the sources keep their comments for
the next engineer. Nothing else changes: strings, template literals and regular expressions are
copied as they are, and line breaks stay (automatic semicolon insertion sees the same lines).
A scanner, not a regex over the text, so a "//" inside a string or a regex is left alone;
tests/web/test_minify.py checks every served module with `node --check`.
"""

from __future__ import annotations

import re

# After one of these (or at the start) a "/" begins a regular expression, not a division.
_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^")
_REGEX_KEYWORDS = frozenset(
    {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw"}
    | {"yield", "await", "instanceof"}
)


def _regex_allowed(out: list[str]) -> bool:
    text = "".join(out[-20:]).rstrip()
    if not text:
        return True
    if text[-1] in _REGEX_AFTER:
        return True
    word = ""
    for ch in reversed(text):
        if not (ch.isalnum() or ch in "_$"):
            break
        word = ch + word
    return word in _REGEX_KEYWORDS


class _Scanner:
    def __init__(self, source: str) -> None:
        self.src = source
        self.i = 0
        self.out: list[str] = []
        self.braces: list[int] = []  # open "{" counts, one per `${` of an enclosing template

    def quoted(self, quote: str) -> None:
        """Copy a '…' or "…" string, escapes included."""
        start = self.i
        self.i += 1
        while self.i < len(self.src) and self.src[self.i] != quote:
            self.i += 2 if self.src[self.i] == "\\" else 1
        self.i += 1
        self.out.append(self.src[start : self.i])

    def template(self) -> bool:
        """Copy a template literal up to its end (False) or up to a `${` (True)."""
        start = self.i
        self.i += 1
        while self.i < len(self.src):
            ch = self.src[self.i]
            if ch == "\\":
                self.i += 2
                continue
            if ch == "`":
                self.i += 1
                self.out.append(self.src[start : self.i])
                return False
            if self.src.startswith("${", self.i):
                self.i += 2
                self.out.append(self.src[start : self.i])
                return True
            self.i += 1
        self.out.append(self.src[start:])
        return False

    def regex(self) -> None:
        start = self.i
        self.i += 1
        in_class = False
        while self.i < len(self.src):
            ch = self.src[self.i]
            if ch == "\\":
                self.i += 2
                continue
            if ch == "[":
                in_class = True
            elif ch == "]":
                in_class = False
            elif ch == "/" and not in_class:
                break
            elif ch == "\n":
                break  # not a regex after all: copy what there is
            self.i += 1
        self.i += 1
        while self.i < len(self.src) and self.src[self.i].isalpha():
            self.i += 1  # flags
        self.out.append(self.src[start : self.i])

    def newline(self) -> None:
        while self.out and self.out[-1] in (" ", "\t"):
            self.out.pop()
        if self.out and self.out[-1] != "\n":
            self.out.append("\n")
        self.i += 1
        while self.i < len(self.src) and self.src[self.i] in " \t":
            self.i += 1

    def run(self) -> str:
        src = self.src
        while self.i < len(src):
            ch = src[self.i]
            if ch in "'\"":
                self.quoted(ch)
            elif ch == "`" or (ch == "}" and self.braces and self.braces[-1] == 0):
                if ch == "}":
                    self.braces.pop()  # the template goes on after its substitution's "}"
                if self.template():
                    self.braces.append(0)
            elif src.startswith("//", self.i):
                end = src.find("\n", self.i)
                self.i = len(src) if end < 0 else end
            elif src.startswith("/*", self.i):
                end = src.find("*/", self.i + 2)
                self.i = len(src) if end < 0 else end + 2
                if self.out and self.out[-1] not in (" ", "\n"):
                    self.out.append(" ")  # it may have separated two words
            elif ch == "/" and _regex_allowed(self.out):
                self.regex()
            elif ch == "\n":
                self.newline()
            else:
                if self.braces and ch in "{}":
                    self.braces[-1] += 1 if ch == "{" else -1
                if not (ch in " \t" and self.out and self.out[-1] in (" ", "\n")):
                    self.out.append(ch)
                self.i += 1
        return "".join(self.out).strip() + "\n"


def minify_js(source: str) -> str:
    return _Scanner(source).run()


def minify_css(source: str) -> str:
    """Comments and the spaces nothing needs out."""
    out: list[str] = []
    i = 0
    while i < len(source):
        if source.startswith("/*", i):
            end = source.find("*/", i + 2)
            i = len(source) if end < 0 else end + 2
            continue
        nxt = source.find("/*", i)
        out.append(source[i : len(source) if nxt < 0 else nxt])
        i = len(source) if nxt < 0 else nxt
    lines = (line.strip() for line in "".join(out).splitlines())
    text = "\n".join(line for line in lines if line)
    # No space around braces, semicolons, commas and the > and ~ combinators, none after a
    # declaration's colon (the stylesheet has no descendant selector starting with ":").
    text = re.sub(r"\s*([{};,>~])\s*", r"\1", text)
    return re.sub(r":\s+", ":", text).replace(";}", "}") + "\n"
