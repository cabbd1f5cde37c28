"""Which of our languages a request prefers, from its Accept-Language header: Dutch first."""

from __future__ import annotations

SUPPORTED = ("nl", "en")


def preferred_language(
    accept_language: str | None, supported: tuple[str, ...] = SUPPORTED, default: str = "nl"
) -> str:
    """`"en-GB,en;q=0.9,nl;q=0.8"` → "en"; nothing we speak (or no header) → `default`.

    The highest q-value wins; between equal ones, the first named."""
    best, best_q = default, 0.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().split("-", 1)[0].lower()
        if language not in supported:
            continue
        q = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value)
            except ValueError:
                q = 0.0
        if q > best_q:
            best, best_q = language, q
    return best
