"""What the bot does with a ranked result: answer, offer a few choices, or hand over.

Two calibrated confidences steer it (calibration.py): the top entry's, P(it is right), and
the offer confidence, P(the right entry is among the first `max_choices`).

- top confidence at or above `answer`: the bot sends that entry's answer;
- else offer confidence at or above `offer`: the bot shows the visitor the best two or three
  questions as buttons ("Bedoelt u…?") plus "none of these: talk to a person"; the right entry
  is often second when it is not first, so a short list succeeds where one guess would fail;
- else nothing is plausible enough: the bot hands over.

A business starts on the shared bands (fitted leave-one-business-out, docs/knowledge.md).
Its own record (`Evidence`: what the visitor or an operator ended with, per bot decision or
suggestion) only ever makes a band stricter, and only as far as that record shows the shared
band failing: the more evidence, the smaller the benefit of the doubt (`tighten`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from livedesk.knowledge.search_types import Suggestion, SuggestResult

TARGET_SUCCESS = 0.9  # the bot promises: at least 90 % of its actions end with the right entry
NEVER = 1.01  # a band above any confidence: the bot never takes that action
# Below this many recorded outcomes a business's record says too little: shared bands stand.
MIN_EVIDENCE = 30
# How many standard errors a business's observed success may fall short of the target before
# its band is raised: with few outcomes a short fall is noise, with many it is not.
DOUBT_Z = 1.0

Kind = Literal["answer", "offer", "handover"]


@dataclass(frozen=True, slots=True)
class Bands:
    answer: float  # top confidence at which the bot answers on its own
    offer: float  # offer confidence at which it offers choices (when it does not answer)
    max_choices: int = 3

    def __post_init__(self) -> None:
        if self.answer < 0.0 or self.offer < 0.0:
            raise ValueError(f"bands are confidences, got {self}")
        if self.max_choices < 2:
            raise ValueError("an offer shows at least two choices")

    def kind_of(self, top_confidence: float, offer_confidence: float, candidates: int) -> Kind:
        """The action for these confidences when `candidates` entries were ranked."""
        if candidates >= 1 and top_confidence >= self.answer:
            return "answer"
        if candidates >= 2 and offer_confidence >= self.offer:
            return "offer"
        return "handover"


@dataclass(frozen=True, slots=True)
class BotDecision:
    kind: Kind
    entries: tuple[Suggestion, ...]  # one to answer with, 2..max_choices to offer, none else
    confidence: float  # the top entry's confidence the decision rests on

    @property
    def entry_ids(self) -> list[str]:
        return [s.entry_id for s in self.entries]


def decide(result: SuggestResult, bands: Bands) -> BotDecision:
    """The bot's action for one ranked result (best first)."""
    ranked = result.suggestions
    top = ranked[0].confidence if ranked else 0.0
    kind = bands.kind_of(top, result.offer_confidence, len(ranked))
    if kind == "answer":
        return BotDecision("answer", (ranked[0],), top)
    if kind == "offer":
        return BotDecision("offer", tuple(ranked[: bands.max_choices]), top)
    return BotDecision("handover", (), top)


# ---- per-business evidence ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    """One recorded outcome: the confidences when the bot or operator saw the ranking, and the
    1-based rank of the entry the visitor ended with (the one an operator sent, or the choice
    a visitor clicked); None when no ranked entry was right. `offer_confidence` is None for
    records made before it was logged: they only weigh on the answer band."""

    confidence: float
    rank: int | None
    offer_confidence: float | None = None


def _holds(success: np.ndarray, target: float, z: float) -> bool:
    """Is the observed success compatible with the target, given how few outcomes there are?"""
    n = len(success)
    if n == 0:
        return True
    p = float(success.mean())
    return p + z * math.sqrt(target * (1 - target) / n) >= target


def _lowest_band(
    conf: np.ndarray, correct: np.ndarray, floor: float, target: float, z: float
) -> float:
    """The lowest cut-off >= floor at which the outcomes above it hold up; NEVER if none."""
    for cut in np.unique(np.r_[floor, conf[conf >= floor]]):
        if _holds(correct[conf >= cut], target, z):
            return float(cut)
    return NEVER


def lowest_offer(
    conf: np.ndarray,
    offer_conf: np.ndarray,
    top_right: np.ndarray,
    in_choices: np.ndarray,
    answer: float,
    target: float,
    floor: float = 0.0,
    z: float = 0.0,
) -> float:
    """The lowest offer band >= floor at which everything the bot does (answers at or above
    `answer`, offers below it) ends right `target` of the time; NEVER if none does."""
    answered = conf >= answer
    for cut in np.unique(np.r_[floor, offer_conf[offer_conf >= floor]]):
        offered = ~answered & (offer_conf >= cut)
        success = np.r_[top_right[answered], in_choices[offered]]
        if _holds(success, target, z):
            return float(cut)
    return NEVER


def tighten(
    shared: Bands,
    record: Sequence[Evidence],
    target: float = TARGET_SUCCESS,
    z: float = DOUBT_Z,
    min_evidence: int = MIN_EVIDENCE,
) -> Bands:
    """A business's bands: the shared ones, raised where its own record shows them failing.

    The answer band rises until its direct answers hold up (top entry right); then the offer
    band rises until everything the bot does holds up (answers right, offers containing the
    right entry). Never lower than `shared`: a good record does not make the bot bolder,
    since the record under-samples what the bot has not yet tried."""
    if len(record) < min_evidence:
        return shared
    conf = np.array([e.confidence for e in record], float)
    rank = np.array([e.rank or 0 for e in record], int)
    answer = _lowest_band(conf, rank == 1, shared.answer, target, z)
    known = np.array([e.offer_confidence is not None for e in record], bool)
    if known.sum() < min_evidence:
        return Bands(answer, shared.offer, shared.max_choices)
    offer_conf = np.array([e.offer_confidence or 0.0 for e in record], float)[known]
    in_choices = (rank >= 1) & (rank <= shared.max_choices)
    offer = lowest_offer(
        conf[known],
        offer_conf,
        (rank == 1)[known],
        in_choices[known],
        answer,
        target,
        floor=shared.offer,
        z=z,
    )
    return Bands(answer, offer, shared.max_choices)


# Shared starting bands per ranking method: the band rule chosen leave-one-business-out on
# the dev set and fitted on all three businesses' held-out confidences (`livedesk faq
# evaluate`, the "new business" line; docs/knowledge.md). `offer` is on the offer model's scale
# (calibration.OFFER_MODELS, with the unexplained share); the embedding bands belong to the
# engine's vectors like the embedding models do.
SHARED_BANDS: dict[str, Bands] = {
    "embedding": Bands(answer=0.993, offer=0.875),
    "lexical": Bands(answer=0.985, offer=0.986),
}


def shared_bands(method: str) -> Bands:
    return SHARED_BANDS[method]
