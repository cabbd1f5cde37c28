"""One response for a widget module and everything it imports statically.

Each module the panel imports would otherwise cost the visitor a request: some 470 bytes of
response headers each, and a gzip stream that starts without the words the others share. The
sources stay small ES modules; as served, an entry's static imports are inlined, each in its
own function scope:

    import { el, uid } from "./dom.js"   →   const { el, uid } = $1;
    dom.js itself                        →   const $1 = (() => { …; return { el, uid }; })();

Only the shapes this code base uses are understood (named imports; `export` before a function,
class, const or let), and anything else is left as an import the browser resolves itself.
Dynamic `import("./x.js")` stays: what a visitor may never need keeps loading on demand.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

IMPORT = re.compile(r"""^import\s*\{([^}]*)\}\s*from\s*(["'])([^"']+)\2;?[ \t]*$""", re.M)
EXPORT = re.compile(r"^export\s+((?:async\s+)?function\*?|class|const|let)\s+([\w$]+)", re.M)


def _target(name: str, specifier: str) -> str | None:
    if not specifier.startswith(("./", "../")):
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(name), specifier))


def _bindings(names: str) -> str:
    """`a, b as c` → `a, b: c` (a destructuring pattern)."""
    parts = [p.strip() for p in names.split(",") if p.strip()]
    return ", ".join(p.replace(" as ", ": ") if " as " in p else p for p in parts)


def bundle(entry: str, source: Callable[[str], str | None]) -> str:
    """`entry` with its static imports inlined; `source(name)` gives a module's text (None for
    one that is not ours)."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        seen.add(name)
        text = source(name) or ""
        for match in IMPORT.finditer(text):
            target = _target(name, match[3])
            if target and target not in seen and source(target) is not None:
                visit(target)
        order.append(name)

    visit(entry)
    ids = {name: f"${i}" for i, name in enumerate(order[:-1], 1)}

    def link(name: str, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            target = _target(name, match[3])
            if target not in ids:
                return match[0]
            return f"const {{ {_bindings(match[1])} }} = {ids[target]};"

        return IMPORT.sub(replace, text)

    parts = []
    for name in order[:-1]:
        text = link(name, source(name) or "")
        exported = [m[2] for m in EXPORT.finditer(text)]
        body = EXPORT.sub(lambda m: f"{m[1]} {m[2]}", text).strip()
        parts.append(
            f"const {ids[name]} = (() => {{\n{body}\nreturn {{ {', '.join(exported)} }};\n}})();"
        )
    parts.append(link(entry, source(entry) or "").strip())
    return "\n".join(parts) + "\n"
