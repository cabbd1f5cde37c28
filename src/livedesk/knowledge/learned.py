"""Near-repeat matching: a visitor message that is (almost) a phrasing visitors or operators
already linked to an entry goes to that entry, as a signal of its own.

Learned phrasings are not added to the entries' text: that raised near-verbatim repeats but
lowered the ranking of new phrasings and inflated confidences calibrated without them
(docs/knowledge.md). Here a learned phrasing only acts when a message is nearly the same
words (`NEAR` on folded content words, so case, accents, punctuation, greetings and a typo do
not matter); every other message ranks exactly as without learning. The confidence of a
near-repeat is the business's own: how often its near-repeats went to the right entry (each
record left out and matched against the rest, shrunk towards a shared prior), times the share
of the phrasing's records that agree. Replacing the phrasings (`LearnedPhrasings.replace`)
recalibrates it; the confidence model of the ranking is left as it was fitted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from livedesk.knowledge import text as T

NEAR = 0.88  # rapidfuzz ratio of folded content words from which a message is a repeat
MIN_KEY_CHARS = 4  # shorter keys ("ok", "ja") repeat by accident, not by meaning
# How often a near-repeat goes to the right entry, before a business's own record says: the
# dev set's repeats went right ~98 % of the time; 0.9 with the weight of ten records leaves a
# margin, and the business's own repeats (checked one left out at a time) soon outweigh it.
PRIOR_PRECISION = 0.9
PRIOR_WEIGHT = 10.0
SELF_CHECK_RECORDS = 500  # the most recent records the self-check replays


@dataclass(frozen=True, slots=True)
class LearnedChoice:
    """One piece of evidence: a visitor message, the entry it was linked to, and whether that
    link was for the entry (chosen, or answered with by an operator) or against it (offered
    and turned down)."""

    query: str
    entry_id: str
    positive: bool = True


@dataclass(frozen=True, slots=True)
class NearRepeat:
    entry_id: str
    similarity: float  # in [NEAR, 1]
    support: int  # positive records of this entry for the matched phrasing(s)
    total: int  # all records of the matched phrasing(s)

    precision: float = PRIOR_PRECISION  # how often this business's near-repeats went right

    @property
    def confidence(self) -> float:
        """The business's near-repeat precision times the share of the phrasing's records
        that went to this entry: a disputed phrasing is less sure."""
        return self.precision * self.support / max(self.total, 1)


def repeat_key(text: str) -> str:
    return " ".join(T.content_words(text))


class LearnedPhrasings:
    """The learned phrasings of one business: folded key -> records per entry."""

    def __init__(self) -> None:
        self._for: dict[str, Counter[str]] = {}
        self._against: dict[str, Counter[str]] = {}
        self._keys: list[str] = []
        self.precision = PRIOR_PRECISION

    def __len__(self) -> int:
        return len(self._keys)

    def replace(self, choices: Iterable[LearnedChoice]) -> None:
        """Start over from this evidence (after a phrasing was removed or an entry deleted)."""
        self._for, self._against = {}, {}
        record = list(choices)
        for choice in record:
            self._count(choice)
        self._keys = sorted({*self._for, *self._against})
        self.precision = self.self_check(record[-SELF_CHECK_RECORDS:])

    def self_check(self, record: list[LearnedChoice]) -> float:
        """Near-repeat precision on this business's own record: each positive record, left
        out, matched against the rest; shrunk towards PRIOR_PRECISION."""
        hits = tried = 0
        for choice in record:
            if not choice.positive:
                continue
            key = repeat_key(choice.query)
            counts = self._for.get(key)
            if counts is None:
                continue
            counts[choice.entry_id] -= 1  # leave it out
            found = self.match(choice.query, self.precision)
            counts[choice.entry_id] += 1
            if found is not None:
                tried += 1
                hits += found.entry_id == choice.entry_id
        return (hits + PRIOR_PRECISION * PRIOR_WEIGHT) / (tried + PRIOR_WEIGHT)

    def add(self, choice: LearnedChoice) -> None:
        if self._count(choice):
            self._keys = sorted({*self._for, *self._against})

    def _count(self, choice: LearnedChoice) -> bool:
        key = repeat_key(choice.query)
        if len(key) < MIN_KEY_CHARS:
            return False
        table = self._for if choice.positive else self._against
        table.setdefault(key, Counter())[choice.entry_id] += 1
        return True

    def forget_entry(self, entry_id: str) -> None:
        for table in (self._for, self._against):
            for counts in table.values():
                counts.pop(entry_id, None)

    def match(self, text: str, precision: float | None = None) -> NearRepeat | None:
        """The entry this message repeats a learned phrasing of, or None."""
        key = repeat_key(text)
        if len(key) < MIN_KEY_CHARS or not self._keys:
            return None
        hits = process.extract(key, self._keys, scorer=fuzz.ratio, score_cutoff=NEAR * 100, limit=5)
        if not hits:
            return None
        best_similarity = max(score for _, score, _ in hits) / 100
        positive: Counter[str] = Counter()
        total = 0
        for phrasing, score, _ in hits:
            if score / 100 < best_similarity - 0.02:
                continue  # only the nearest phrasings speak
            positive.update(self._for.get(phrasing, Counter()))
            total += sum(self._for.get(phrasing, Counter()).values())
            total += sum(self._against.get(phrasing, Counter()).values())
        positive = +positive  # drops entries a left-out record brought to zero
        if not positive:
            return None
        entry_id, support = positive.most_common(1)[0]
        share = self.precision if precision is None else precision
        return NearRepeat(entry_id, best_similarity, support, total, share)
