"""Telling a visitor's greeting ("Hallo!", "goedemiddag 👋") from a question (pure)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> tuple[str, ...]:
    """Lower-case words without accents or punctuation: 'Goedemiddag!!' → ('goedemiddag',)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return tuple(_WORD.findall(plain))


class Greetings:
    """A list of greetings ("hallo", "good morning"); a text is a greeting when its words are
    one or more of them in a row ("hoi goedemorgen"), or when it has no words at all ("👋")."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.phrases = frozenset(p for p in (words(text) for text in phrases) if p)
        self.longest = max((len(p) for p in self.phrases), default=0)

    def matches(self, text: str) -> bool:
        found = words(text)
        # reachable[i]: the first i words are a row of greetings
        reachable = [True] + [False] * len(found)
        for end in range(1, len(found) + 1):
            reachable[end] = any(
                reachable[end - size] and found[end - size : end] in self.phrases
                for size in range(1, min(self.longest, end) + 1)
            )
        return reachable[-1]
