"""The bot's decision from a ranked result, and a business's own bands from its record."""

from __future__ import annotations

import pytest

from livedesk.knowledge.bands import (
    MIN_EVIDENCE,
    NEVER,
    Bands,
    Evidence,
    decide,
    shared_bands,
    tighten,
)
from livedesk.knowledge.index import Suggestion, SuggestResult

BANDS = Bands(answer=0.8, offer=0.4)


def result(*confidences: float, offer: float | None = None) -> SuggestResult:
    """Ranked entries with these top confidences; the offer confidence defaults to the top's."""
    ranked = [
        Suggestion(f"e{n}", f"vraag {n}", c, score=1.0 - n / 10, signals={})
        for n, c in enumerate(confidences)
    ]
    top = confidences[0] if confidences else 0.0
    return SuggestResult(ranked, "lexical", 0.8, offer_confidence=top if offer is None else offer)


def test_a_confident_top_entry_is_answered_alone() -> None:
    decision = decide(result(0.85, 0.1, 0.05), BANDS)
    assert decision.kind == "answer"
    assert decision.entry_ids == ["e0"]
    assert decision.confidence == 0.85


def test_a_plausible_top_entry_is_offered_with_its_runners_up() -> None:
    decision = decide(result(0.6, 0.2, 0.1, 0.05), BANDS)
    assert decision.kind == "offer"
    assert decision.entry_ids == ["e0", "e1", "e2"]


def test_an_offer_shows_at_most_max_choices() -> None:
    decision = decide(result(0.6, 0.2, 0.1), Bands(0.8, 0.4, max_choices=2))
    assert decision.entry_ids == ["e0", "e1"]


def test_nothing_plausible_hands_over() -> None:
    decision = decide(result(0.3, 0.2), BANDS)
    assert decision.kind == "handover"
    assert decision.entries == ()


def test_an_empty_faq_hands_over() -> None:
    assert decide(result(), BANDS).kind == "handover"


def test_a_single_candidate_is_never_offered_as_a_choice() -> None:
    assert decide(result(0.6), BANDS).kind == "handover"
    assert decide(result(0.9), BANDS).kind == "answer"


def test_the_offer_band_reads_the_offer_confidence() -> None:
    # A weak top entry, but the right one is very likely among the first three.
    assert decide(result(0.3, 0.2, 0.1, offer=0.95), BANDS).kind == "offer"
    # A fair top entry whose list is unlikely to hold the right one.
    assert decide(result(0.7, 0.2, 0.1, offer=0.1), BANDS).kind == "handover"


def test_bands_are_confidences() -> None:
    with pytest.raises(ValueError):
        Bands(answer=-0.1, offer=0.8)
    with pytest.raises(ValueError):
        Bands(answer=0.8, offer=0.4, max_choices=1)


def test_every_method_has_shared_bands() -> None:
    for method in ("embedding", "lexical"):
        bands = shared_bands(method)
        assert 0.0 < bands.offer <= 1.0 and 0.0 < bands.answer <= 1.0


def spread(n: int, rank_of: dict[tuple[float, float], int | None]) -> list[Evidence]:
    """n outcomes with confidences spread evenly over [0, 1); the rank of the right entry is
    looked up by the confidence interval it falls in."""
    record = []
    for i in range(n):
        conf = i / n
        rank = next(r for (lo, hi), r in rank_of.items() if lo <= conf < hi)
        record.append(Evidence(conf, rank, offer_confidence=conf))
    return record


def test_records_without_offer_confidence_weigh_on_the_answer_band_only() -> None:
    record = [Evidence(0.95, None)] * 100  # answers at 0.95 were always wrong
    bands = tighten(BANDS, record)
    assert bands.answer == NEVER and bands.offer == BANDS.offer


def test_too_little_evidence_keeps_the_shared_bands() -> None:
    record = [Evidence(0.95, None)] * (MIN_EVIDENCE - 1)  # all wrong, but few
    assert tighten(BANDS, record) == BANDS


def test_a_record_that_holds_up_never_makes_the_bot_bolder() -> None:
    record = spread(500, {(0.0, 1.0): 1})  # the top entry was always right
    assert tighten(BANDS, record) == BANDS


def test_wrong_answers_in_the_answer_band_raise_it() -> None:
    # Right at the top only above 0.9; between 0.4 and 0.9 the right entry is second.
    record = spread(1000, {(0.0, 0.4): None, (0.4, 0.9): 2, (0.9, 1.0): 1})
    bands = tighten(BANDS, record)
    assert 0.85 <= bands.answer <= 0.9
    assert bands.offer == BANDS.offer  # offers there contain the right entry: they stay


def test_offers_without_the_right_entry_raise_the_offer_band() -> None:
    # Below 0.6 nothing ranked was right: offering there fails.
    record = spread(1000, {(0.0, 0.6): None, (0.6, 1.0): 1})
    bands = tighten(BANDS, record)
    assert bands.answer == BANDS.answer
    assert 0.5 < bands.offer <= 0.6


def test_a_record_with_nothing_right_silences_the_bot() -> None:
    bands = tighten(BANDS, spread(500, {(0.0, 1.0): None}))
    assert bands.answer == NEVER and bands.offer == NEVER
    assert decide(result(1.0, 0.9), bands).kind == "handover"


def test_a_small_shortfall_on_little_evidence_is_given_the_benefit_of_the_doubt() -> None:
    # 88 % right answers on 40 outcomes is within one standard error of 90 %.
    record = [Evidence(0.9, 1)] * 35 + [Evidence(0.9, None)] * 5
    assert tighten(BANDS, record) == BANDS
    # The same share on 4,000 outcomes is not.
    assert tighten(BANDS, record * 100).answer == NEVER
