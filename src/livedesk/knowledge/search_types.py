"""What the FAQ index holds and answers: one published entry (`FaqDoc`) and a ranking of
entries for a visitor message with calibrated confidences (`Suggestion`, `SuggestResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class FaqDoc:
    """One published FAQ entry, as the database layer hands it over."""

    entry_id: str
    business_id: str
    question: str
    answer: str
    alternatives: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    embedding: bytes | None = None  # from embed_doc(); computed when the entry is saved

    @property
    def question_texts(self) -> list[str]:
        return [self.question, *self.alternatives]


@dataclass(slots=True)
class Suggestion:
    entry_id: str
    question: str
    confidence: float  # calibrated P(this entry is the right answer), in [0, 1]
    score: float  # fused ranking score (not calibrated)
    signals: dict[str, float]


@dataclass(slots=True)
class SuggestResult:
    suggestions: list[Suggestion]
    method: str  # "embedding" or "lexical"
    bot_threshold: float
    offer_confidence: float = 0.0  # P(the right entry is among the first OFFER_CHOICES)
    unexplained: float = 0.0  # share of the query's words the FAQ has nothing like (index.py)

    @property
    def top_confidence(self) -> float:
        return self.suggestions[0].confidence if self.suggestions else 0.0

    @property
    def bot_answer(self) -> Suggestion | None:
        """The entry a bot may send on its own at the shared threshold, or None."""
        return self.answer_at(self.bot_threshold)

    def answer_at(self, threshold: float | None) -> Suggestion | None:
        """The top entry if its confidence reaches `threshold` (None: never), else None (hand
        over to an operator)."""
        if self.suggestions and threshold is not None:
            if self.suggestions[0].confidence >= threshold:
                return self.suggestions[0]
        return None
