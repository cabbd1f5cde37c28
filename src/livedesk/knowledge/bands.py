"""What the bot does with a ranked result: answer, offer a few choices, or hand over.

The top entry's calibrated confidence falls in one of three bands:

- at or above `answer`: the bot sends that entry's answer;
- at or above `offer`: the bot shows the visitor the best two or three questions as buttons
  ("Bedoelt u…?") plus "none of these: talk to a person"; the right entry is often second
  when it is not first, so a short list succeeds where a single guess would be wrong;
- below `offer`: nothing is plausible, the bot hands over.

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

from livedesk.knowledge.index import Suggestion, SuggestResult

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
    offer: float  # top confidence at which it offers choices (<= answer)
    max_choices: int = 3

    def __post_init__(self) -> None:
        if not 0.0 <= self.offer <= self.answer:
            raise ValueError(f"bands must satisfy 0 <= offer <= answer, got {self}")
        if self.max_choices < 2:
            raise ValueError("an offer shows at least two choices")

    def kind_of(self, top_confidence: float, candidates: int) -> Kind:
        """The action for a top confidence when `candidates` entries were ranked."""
        if candidates >= 1 and top_confidence >= self.answer:
            return "answer"
        if candidates >= 2 and top_confidence >= self.offer:
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
    kind = bands.kind_of(top, len(ranked))
    if kind == "answer":
        return BotDecision("answer", (ranked[0],), top)
    if kind == "offer":
        return BotDecision("offer", tuple(ranked[: bands.max_choices]), top)
    return BotDecision("handover", (), top)


# ---- per-business evidence ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    """One recorded outcome: the top entry's confidence when the bot or operator saw the
    ranking, and the 1-based rank of the entry the visitor ended with (the one an operator
    sent, or the choice a visitor clicked); None when no ranked entry was right."""

    confidence: float
    rank: int | None


def outcomes(
    confidence: np.ndarray, rank: np.ndarray, bands: Bands
) -> tuple[np.ndarray, np.ndarray]:
    """(acted, success) per record under `bands`: acted when the bot would answer or offer,
    success when that action contains the right entry. `rank` holds 0 for "none right"."""
    conf = np.asarray(confidence, float)
    rk = np.asarray(rank, int)
    answered = conf >= bands.answer
    offered = ~answered & (conf >= bands.offer)
    hit_answer = rk == 1
    hit_offer = (rk >= 1) & (rk <= bands.max_choices)
    success = np.where(answered, hit_answer, hit_offer)
    return answered | offered, success & (answered | offered)


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


def tighten(
    shared: Bands,
    record: Sequence[Evidence],
    target: float = TARGET_SUCCESS,
    z: float = DOUBT_Z,
    min_evidence: int = MIN_EVIDENCE,
) -> Bands:
    """A business's bands: the shared ones, raised where its own record shows them failing.

    The answer band rises until its direct answers hold up (top entry right); then the offer
    band rises until everything the bot does at or above it holds up (answers right, offers
    containing the right entry). Never lower than `shared`: a good record does not make the
    bot bolder, since the record under-samples what the bot has not yet tried."""
    if len(record) < min_evidence:
        return shared
    conf = np.array([e.confidence for e in record], float)
    rank = np.array([e.rank or 0 for e in record], int)
    answer = _lowest_band(conf, rank == 1, shared.answer, target, z)
    in_choices = (rank >= 1) & (rank <= shared.max_choices)
    acted_success = np.where(conf >= answer, rank == 1, in_choices)
    offer = _lowest_band(conf, acted_success, shared.offer, target, z)
    offer = min(offer, answer)
    return Bands(answer, offer, shared.max_choices)


# Shared starting bands per ranking method, fitted leave-one-business-out on the dev set
# (`livedesk faq evaluate --bands`, docs/knowledge.md): the answer band keeps direct answers
# right, the offer band keeps every held-out business at >= 90 % success.
SHARED_BANDS: dict[str, Bands] = {
    "embedding": Bands(answer=0.80, offer=0.45),
    "lexical": Bands(answer=0.90, offer=0.55),
}


def shared_bands(method: str) -> Bands:
    return SHARED_BANDS[method]
