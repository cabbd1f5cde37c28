"""Near-repeat matching of learned phrasings: its own signal, its own confidence."""

from __future__ import annotations

import pytest
from faq_fixtures import make_docs

from livedesk.knowledge.index import FaqDoc
from livedesk.knowledge.learned import (
    PRIOR_PRECISION,
    LearnedChoice,
    LearnedPhrasings,
    NearRepeat,
)
from livedesk.knowledge.registry import FaqRegistry


def test_a_near_repeat_finds_its_entry_whatever_case_greeting_and_a_typo() -> None:
    learned = LearnedPhrasings()
    learned.add(LearnedChoice("Mijn bon is kwijt", "b2"))
    for text in ("mijn bon is kwijt", "Hoi, mijn bon is kwijt!", "mijn bon is kwjit"):
        hit = learned.match(text)
        assert hit is not None and hit.entry_id == "b2", text


def test_other_words_are_not_a_repeat() -> None:
    learned = LearnedPhrasings()
    learned.add(LearnedChoice("mijn bon is kwijt", "b2"))
    assert learned.match("waar blijft mijn pakket") is None
    assert learned.match("ok") is None  # too short to mean anything


def test_confidence_is_the_business_precision_times_agreement() -> None:
    assert NearRepeat("b2", 1.0, 3, 3, precision=0.9).confidence == pytest.approx(0.9)
    assert NearRepeat("b2", 1.0, 3, 6, precision=0.9).confidence == pytest.approx(0.45)


def test_the_business_record_recalibrates_the_precision() -> None:
    consistent = LearnedPhrasings()
    consistent.replace([LearnedChoice("mijn bon is kwijt", "b2")] * 20)
    assert consistent.precision > PRIOR_PRECISION
    # The same words went to two entries turn and turn about: repeats are a coin toss.
    confused = LearnedPhrasings()
    confused.replace(
        [LearnedChoice("mijn bon is kwijt", "b2" if n % 2 else "b3") for n in range(40)]
    )
    assert confused.precision < PRIOR_PRECISION
    hit = confused.match("mijn bon is kwijt")
    assert hit is not None and hit.confidence < 0.5 * PRIOR_PRECISION


def test_turned_down_offers_count_against_the_phrasing() -> None:
    learned = LearnedPhrasings()
    learned.replace(
        [
            LearnedChoice("taart bestellen", "b2"),
            LearnedChoice("taart bestellen", "b2", positive=False),
            LearnedChoice("taart bestellen", "b2", positive=False),
        ]
    )
    hit = learned.match("taart bestellen")
    assert hit is not None and (hit.support, hit.total) == (1, 3)


def registry(docs: list[FaqDoc]) -> FaqRegistry:
    reg = FaqRegistry(use_embeddings=False)
    reg.load(docs)
    return reg


def test_a_repeat_goes_first_and_everything_else_ranks_as_without_learning() -> None:
    docs = make_docs()
    plain, learning = registry(docs), registry(docs)
    # An operator answered this message with the bread-delivery entry.
    learning.learn("bakker", [LearnedChoice("kan ik een taart laten bezorgen", "b3")])
    repeat = learning.suggest("bakker", "Kan ik een taart laten bezorgen?", 3)
    assert repeat.suggestions[0].entry_id == "b3"
    assert repeat.suggestions[0].signals["repeat"] >= 0.88
    assert repeat.offer_confidence >= repeat.suggestions[0].confidence
    for text in ("wanneer zijn jullie open", "glutenvrij brood", "taart voor verjaardag"):
        before = plain.suggest("bakker", text, 3)
        after = learning.suggest("bakker", text, 3)
        assert [s.entry_id for s in after.suggestions] == [s.entry_id for s in before.suggestions]
        assert after.top_confidence == before.top_confidence
        assert after.offer_confidence == before.offer_confidence


def test_learning_stays_within_its_business_and_forgets_on_replace() -> None:
    reg = registry(make_docs())
    reg.learn("bakker", [LearnedChoice("kan ik een taart laten bezorgen", "b3")])
    garage = reg.suggest("garage", "kan ik een taart laten bezorgen", 3)
    assert all(s.entry_id.startswith("g") for s in garage.suggestions)
    reg.learn("bakker", [])
    again = reg.suggest("bakker", "kan ik een taart laten bezorgen", 3)
    assert "repeat" not in again.suggestions[0].signals


def test_a_learned_entry_that_was_removed_is_not_suggested() -> None:
    reg = registry(make_docs())
    reg.learn("bakker", [LearnedChoice("kan ik een taart laten bezorgen", "b3")])
    reg.remove("bakker", "b3")
    result = reg.suggest("bakker", "kan ik een taart laten bezorgen", 3)
    assert "b3" not in [s.entry_id for s in result.suggestions]
