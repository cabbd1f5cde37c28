"""Repeat/learning mode of `livedesk faq evaluate`: does learning from choices help on repeats
without harming new phrasings?

Per business and entry, the earlier half of its labelled queries (file order stands for time
order) is replayed as choices, alternately an operator's reply and a visitor's pick. Then
two sets are measured, without and with learning:

- repeats: those earlier queries again, and a light variation of each (a typo, a greeting,
  other case and punctuation), as visitors who come back would type them;
- new phrasings: the later half, which learning has never seen.

Two ways of learning are compared: near-repeat matching (learned.py, what the product does)
and adding the phrasings to the entries as alternative questions (what approving an "add to
FAQ" proposal does). Ranking weights and confidence come from the other businesses
(leave-one-business-out), as everywhere else in the evaluation.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from livedesk.knowledge import text as T
from livedesk.knowledge.bands import Bands
from livedesk.knowledge.bot_eval import bot_figures
from livedesk.knowledge.calibration import ConfidenceModel
from livedesk.knowledge.embedding import Embedder
from livedesk.knowledge.evaluate import LabelledQuery, QueryOutcome
from livedesk.knowledge.index import BusinessIndex, FaqDoc
from livedesk.knowledge.learned import LearnedChoice

GREETINGS = ("hoi", "hallo", "goedemiddag")


@dataclass(frozen=True, slots=True)
class Fitted:
    """What a held-out business's fold was given: ranking weights, both confidence models and
    the bands, all from the other businesses."""

    weights: dict[str, float]
    model: ConfidenceModel
    offer: ConfidenceModel
    bands: Bands


def split_in_time(
    queries: Sequence[LabelledQuery],
) -> tuple[list[LabelledQuery], list[LabelledQuery]]:
    """(earlier, later): per entry, the first half of its queries (rounded down) and the rest;
    queries without an answer are all later (nothing to learn from them)."""
    by_entry: dict[str | None, list[LabelledQuery]] = defaultdict(list)
    for q in queries:
        by_entry[q.entry_id].append(q)
    earlier, later = [], []
    for entry, group in by_entry.items():
        cut = 0 if entry is None else len(group) // 2
        earlier += group[:cut]
        later += group[cut:]
    return earlier, later


def light_variation(text: str, rng: random.Random) -> str:
    """The same message as a returning visitor might type it: one of a swapped pair of
    letters in its longest word, a greeting in front, or other case and punctuation."""
    words = text.split()
    how = rng.randrange(3)
    if how == 0 and words:
        i = max(range(len(words)), key=lambda n: len(words[n]))
        w = words[i]
        if len(w) >= 4:
            j = rng.randrange(1, len(w) - 2)
            swapped = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
            if swapped != w:
                words[i] = swapped
                return " ".join(words)
    if how == 1:
        return f"{rng.choice(GREETINGS)} {text}"
    return text.upper().rstrip("?!. ") + "??"


@dataclass(slots=True)
class LearningFigures:
    queries: int
    recall_at_1: float
    recall_at_3: float
    success: float  # the bot's success at the bands given (answers + offers)
    resolved: float


def _outcomes(
    idx: BusinessIndex,
    queries: Sequence[LabelledQuery],
    fitted: Fitted,
) -> list[QueryOutcome]:
    out = []
    for q in queries:
        res = idx.suggest(
            q.query, k=10, model=fitted.model, weights=fitted.weights, offer=fitted.offer
        )
        s = res.suggestions
        ranked = [x.entry_id for x in s]
        conf = s[0].confidence if s else 0.0
        outcome = QueryOutcome(q.tenant, q.query, q.entry_id, ranked, 0.0, 0.0, conf)
        outcome.offer_confidence = res.offer_confidence
        outcome.unexplained = res.unexplained
        out.append(outcome)
    return out


def _figures(outcomes: list[QueryOutcome], bands: Bands) -> LearningFigures:
    answerable = [o for o in outcomes if o.gold is not None]
    n = max(len(answerable), 1)
    bot = bot_figures(outcomes, bands)
    return LearningFigures(
        queries=len(outcomes),
        recall_at_1=sum(o.rank == 1 for o in answerable) / n,
        recall_at_3=sum(o.rank is not None and o.rank <= 3 for o in answerable) / n,
        success=bot.success,
        resolved=bot.resolved,
    )


def _index(docs: Sequence[FaqDoc], business: str, embedder: Embedder | None) -> BusinessIndex:
    idx = BusinessIndex(business, embedder)
    for d in docs:
        idx.add(replace(d, alternatives=list(d.alternatives), embedding=None))
    return idx


def learning_for_business(
    docs: Sequence[FaqDoc],
    queries: Sequence[LabelledQuery],
    fitted: Fitted,
    embedder: Embedder | None,
    seed: int = 7,
) -> dict[str, Any]:
    """Figures on repeats and new phrasings of one business, per way of learning."""
    business = queries[0].tenant
    own = [d for d in docs if d.business_id == business]
    earlier, later = split_in_time(queries)
    rng = random.Random(seed)
    repeats = [*earlier, *(replace(q, query=light_variation(q.query, rng)) for q in earlier)]
    sets = {"repeats": repeats, "new": later}
    plain = _index(own, business, embedder)
    learned = _index(own, business, embedder)
    learned.learned.replace(
        LearnedChoice(q.query, q.entry_id) for q in earlier if q.entry_id is not None
    )
    alternatives: dict[str, list[str]] = defaultdict(list)
    for q in earlier:
        if q.entry_id is not None and T.content_words(q.query):
            alternatives[q.entry_id].append(q.query)
    added = _index(
        [replace(d, alternatives=[*d.alternatives, *alternatives[d.entry_id]]) for d in own],
        business,
        embedder,
    )
    ways = {"without": plain, "near-repeat": learned, "as alternatives": added}
    return {
        way: {
            name: asdict(_figures(_outcomes(idx, qs, fitted), fitted.bands))
            for name, qs in sets.items()
        }
        for way, idx in ways.items()
    }
