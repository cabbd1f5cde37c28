"""The unexplained share: how much of a visitor's message the business's FAQ has no word
for, kept up to date with the FAQ, and the three-feature models that read it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from livedesk.knowledge.calibration import (
    DEFAULT_MODELS,
    OFFER_MODELS,
    ConfidenceModel,
    fit_model,
    fit_offer_model,
)
from livedesk.knowledge.index import BusinessIndex, FaqDoc

BIZ = "fietsen"


def _doc(entry_id: str, question: str, answer: str, **kw: list[str]) -> FaqDoc:
    return FaqDoc(entry_id, BIZ, question, answer, **kw)


@pytest.fixture
def index() -> BusinessIndex:
    idx = BusinessIndex(BIZ)
    idx.add(_doc("e1", "Wat kost een reparatie?", "Een lekke band plakken kost tien euro."))
    idx.add(_doc("e2", "Wanneer is de winkel open?", "Van dinsdag tot zaterdag geopend."))
    return idx


def test_a_query_in_the_faqs_words_is_fully_explained(index: BusinessIndex) -> None:
    assert index.unexplained("Wat kost het plakken van een lekke band?") == 0.0
    assert index.unexplained("reparatie kosten") == 0.0  # shares its first five letters


def test_a_query_of_unknown_words_is_fully_unexplained(index: BusinessIndex) -> None:
    assert index.unexplained("Verkopen jullie ook kinderzitjes?") == 1.0
    assert index.unexplained("hypotheek aflossing") == 1.0


def test_the_share_counts_words_of_four_letters_or_more(index: BusinessIndex) -> None:
    # "band" is the FAQ's, "kinderzitje" is not; "de", "op" and digits do not count.
    assert index.unexplained("kinderzitje op de band 26") == pytest.approx(0.5)
    assert index.unexplained("op de") == 0.0  # nothing to judge by


def test_a_typo_within_ratio_80_counts_as_explained(index: BusinessIndex) -> None:
    # "winkle" vs "winkel": ratio 83, and the first five letters differ.
    assert index.unexplained("winkle") == 0.0
    # "zatredag" vs "zaterdag": ratio 88; "dinsdga" shares the first five letters of "dinsdag".
    assert index.unexplained("zatredag") == 0.0
    assert index.unexplained("dinsdga") == 0.0
    # Far from every FAQ word: unexplained.
    assert index.unexplained("zadelpen") == 1.0


def test_the_vocabulary_follows_add_update_and_remove(index: BusinessIndex) -> None:
    query = "kinderzitje monteren"
    assert index.unexplained(query) == 1.0
    index.add(_doc("e3", "Monteren jullie een kinderzitje?", "Ja, in een kwartier."))
    assert index.unexplained(query) == 0.0
    index.update(_doc("e3", "Monteren jullie een kinderzitje?", "Ja.", tags=["accessoires"]))
    assert index.unexplained("accessoires") == 0.0
    index.update(_doc("e3", "Monteren jullie een fietstas?", "Ja."))
    assert index.unexplained(query) == pytest.approx(0.5)  # "monteren" is still there
    assert index.unexplained("accessoires") == 1.0
    index.remove("e3")
    assert index.unexplained(query) == 1.0
    # Words two entries share stay until the last of them goes.
    index.add(_doc("e4", "Repareren jullie elektrische fietsen?", "Ja."))
    index.add(_doc("e5", "Verkopen jullie elektrische fietsen?", "Ja."))
    index.remove("e4")
    assert index.unexplained("elektrische") == 0.0
    index.remove("e5")
    assert index.unexplained("elektrische") == 1.0
    # Alternatives count as the FAQ's words too.
    index.add(_doc("e6", "Kan ik een fiets huren?", "Ja.", alternatives=["fietsverhuur"]))
    assert index.unexplained("fietsverhuur") == 0.0


def test_suggest_reports_it_and_the_offer_confidence_reads_it(index: BusinessIndex) -> None:
    known = index.suggest("wat kost een reparatie")
    unknown = index.suggest("wat kost een hypotheek")
    assert known.unexplained == 0.0 and unknown.unexplained == pytest.approx(0.5)
    offer = OFFER_MODELS["lexical"]
    assert offer.w_unexplained < 0  # unknown words make an offer less likely to hold
    top = unknown.suggestions[0].score
    ranked = index.rank("wat kost een hypotheek", limit=4)
    past = ranked[3][1] if len(ranked) > 3 else 0.0
    assert unknown.offer_confidence == pytest.approx(offer.confidence(top, top - past, 0.5))
    assert unknown.offer_confidence < offer.confidence(top, top - past, 0.0)


def test_models_name_every_feature() -> None:
    with pytest.raises(TypeError):
        ConfidenceModel(0.4, 1.2, -3.5, 0.8)  # type: ignore[misc]
    with pytest.raises(TypeError):
        ConfidenceModel(w_score=0.4, w_margin=1.2, bias=-3.5, threshold=0.8)  # type: ignore[call-arg]
    model = DEFAULT_MODELS["embedding"]
    with pytest.raises(TypeError):
        model.confidence(1.0, 0.5)  # type: ignore[call-arg]
    assert {f.name for f in dataclasses.fields(ConfidenceModel)} == {
        "w_score",
        "w_margin",
        "w_unexplained",
        "bias",
        "threshold",
    }


def test_fitting_uses_the_feature_only_when_asked() -> None:
    rng = np.random.default_rng(1)
    n = 200
    scores = rng.normal(1.0, 0.5, n)
    margins = rng.normal(0.5, 0.2, n)
    unexplained = rng.uniform(0, 1, n)
    right = (scores + margins - 2 * unexplained + rng.normal(0, 0.3, n)) > 0.5
    with_it = fit_offer_model(scores, margins, unexplained, right)
    without = fit_offer_model(scores, margins, unexplained, right, use_unexplained=False)
    assert with_it.w_unexplained < -1.0
    assert without.w_unexplained == 0.0
    plain = fit_model(scores, margins, unexplained, right, use_unexplained=False)
    assert plain.w_unexplained == 0.0 and 0.0 < plain.threshold <= 1.0
