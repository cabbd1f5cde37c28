"""The bot's figures as the visitor sees them, band rules, the nested leave-one-business-out and
the learning mode, on small hand-made outcomes and the two fixture businesses."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from faq_fixtures import BAKKER, GARAGE, make_docs
from typer.testing import CliRunner

from livedesk.knowledge.bands import NEVER, Bands
from livedesk.knowledge.bot_eval import (
    BandRule,
    bot_figures,
    choose_rule,
    nested_bot_evaluation,
    pool_figures,
)
from livedesk.knowledge.cli import app
from livedesk.knowledge.evaluate import LabelledQuery, QueryOutcome, build_registry
from livedesk.knowledge.learning_eval import light_variation, split_in_time
from livedesk.knowledge.tuning import SignalCache

BANDS = Bands(answer=0.8, offer=0.5)


def outcome(gold: str | None, ranked: list[str], conf: float, offer: float) -> QueryOutcome:
    return QueryOutcome("t", "q", gold, ranked, 0.0, 0.0, conf, offer_confidence=offer)


def test_figures_by_hand() -> None:
    outs = [
        outcome("a", ["a", "b", "c"], 0.9, 0.9),  # answered right
        outcome("a", ["b", "a", "c"], 0.9, 0.9),  # answered wrong
        outcome("c", ["b", "a", "c"], 0.5, 0.7),  # offered, right among them
        outcome("d", ["b", "a", "c", "d"], 0.5, 0.7),  # offered, right one fourth: wrong
        outcome("a", ["b", "a", "c"], 0.1, 0.1),  # handed over
        outcome(None, ["b", "a", "c"], 0.1, 0.6),  # no answer, offered: wrong
        outcome(None, ["b", "a", "c"], 0.1, 0.1),  # no answer, handed over
        outcome("a", ["a", "b", "c"], 0.2, 0.2),  # handed over
    ]
    f = bot_figures(outs, BANDS)
    assert f.queries == 8
    assert (f.answered, f.answered_right) == (2 / 8, 0.5)
    assert f.offered == 3 / 8 and f.offered_right == pytest.approx(1 / 3)
    assert f.handed_over == 3 / 8
    assert f.success == pytest.approx(2 / 5)
    assert f.resolved == 2 / 8 and f.wrong == 3 / 8
    assert f.no_answer_acted == 0.5


def business(name: str, n: int, right_from: float) -> list[QueryOutcome]:
    """n outcomes, confidence spread over [0, 1); the top entry is right from `right_from`,
    below it the right entry is second."""
    outs = []
    for i in range(n):
        c = i / n
        ranked = ["a", "b", "c"] if c >= right_from else ["b", "a", "c"]
        outs.append(QueryOutcome(name, "q", "a", ranked, 0.0, 0.0, c, offer_confidence=c))
    return outs


def test_a_rule_fits_bands_to_the_targets() -> None:
    outs = {"x": business("x", 200, 0.6)}
    bands = BandRule(0.9, 0.9, each_business=False).fit(outs)
    # Top right only from 0.6 on: the lowest band whose answers are 90 % right starts a little
    # below it; offers always hold the right entry, so every query is offered.
    answered = [o for o in outs["x"] if o.confidence >= bands.answer]
    assert bands.answer < 0.6
    assert sum(o.top1_correct for o in answered) / len(answered) >= 0.9
    assert bands.offer == 0.0
    assert bot_figures(outs["x"], bands).success >= 0.9
    assert bot_figures(outs["x"], bands).handed_over == 0.0


def test_each_business_takes_the_strictest_band() -> None:
    outs = {"x": business("x", 200, 0.3), "y": business("y", 200, 0.7)}
    pooled = BandRule(0.95, 0.95, each_business=False).fit(outs)
    each = BandRule(0.95, 0.95, each_business=True).fit(outs)
    own_y = BandRule(0.95, 0.95, each_business=False).fit({"y": outs["y"]})
    assert each.answer == own_y.answer > pooled.answer


def test_no_band_reaches_the_target_means_never() -> None:
    outs = {"x": [QueryOutcome("x", "q", None, ["a", "b"], 0.0, 0.0, 0.9, offer_confidence=0.9)]}
    bands = BandRule(0.9, 0.9, each_business=False).fit(outs)
    assert bands.answer == NEVER and bands.offer == NEVER


def test_the_chosen_rule_is_judged_on_held_out_businesses() -> None:
    outs = {b: business(b, 100, r) for b, r in (("x", 0.3), ("y", 0.7), ("z", 0.5))}
    # Answering at 90 % on two businesses fails on the third; offering only never does.
    loose, offers_only = BandRule(0.9, 0.9, False), BandRule(1.01, 0.9, False)
    rule = choose_rule(outs, [loose, offers_only])
    assert rule == offers_only
    for held in outs:
        bands = rule.fit({b: o for b, o in outs.items() if b != held})
        assert bot_figures(outs[held], bands).success >= 0.9


QUERIES = [
    LabelledQuery("bakker", "hoe laat gaan jullie open", "b1"),
    LabelledQuery("bakker", "zondag open?", "b1"),
    LabelledQuery("bakker", "taart voor verjaardag bestellen", "b2"),
    LabelledQuery("bakker", "brengen jullie brood thuis", "b3"),
    LabelledQuery("bakker", "glutenvrij brood", "b4"),
    LabelledQuery("bakker", "verkopen jullie cadeaubonnen", None),
    LabelledQuery("garage", "apk afspraak maken", "g1"),
    LabelledQuery("garage", "wanneer moet de apk", "g1"),
    LabelledQuery("garage", "leenauto tijdens reparatie", "g2"),
    LabelledQuery("garage", "wanneer winterbanden wisselen", "g3"),
    LabelledQuery("garage", "verkopen jullie tweedehands autos", None),
]


def test_nested_evaluation_never_uses_the_held_out_labels() -> None:
    reg = build_registry(make_docs(), use_embeddings=False)
    result = nested_bot_evaluation(SignalCache(reg, QUERIES), QUERIES, reg.method)
    assert set(result["folds"]) == {"bakker", "garage"}
    wrong = {"b1": "b4", "b2": "b3", "b3": "b2", "b4": "b1", None: "b1"}
    relabelled = [
        LabelledQuery(q.tenant, q.query, wrong[q.entry_id]) if q.tenant == "bakker" else q
        for q in QUERIES
    ]
    again = nested_bot_evaluation(SignalCache(reg, relabelled), relabelled, reg.method)
    for key in ("rule", "bands", "weights", "model"):
        assert again["folds"]["bakker"][key] == result["folds"]["bakker"][key]


def test_learning_replays_the_earlier_half_of_each_entry() -> None:
    earlier, later = split_in_time(QUERIES)
    assert [q.query for q in earlier] == ["hoe laat gaan jullie open", "apk afspraak maken"]
    assert len(earlier) + len(later) == len(QUERIES)
    assert all(q.entry_id is not None for q in earlier)


def test_light_variations_stay_close() -> None:
    rng = random.Random(1)
    for _ in range(20):
        varied = light_variation("mijn bestelling is kwijt", rng)
        assert varied != "mijn bestelling is kwijt"
        assert len(varied) <= len("goedemiddag mijn bestelling is kwijt")


def write_files(tmp_path: Path) -> list[str]:
    faq = tmp_path / "faq.jsonl"
    rows = [{"tenant": "bakker", "id": i, "question": q, "answer": a} for i, q, a in BAKKER]
    rows += [{"tenant": "garage", "id": i, "question": q, "answer": a} for i, q, a in GARAGE]
    faq.write_text("\n".join(json.dumps(r) for r in rows))
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        "\n".join(
            json.dumps({"tenant": q.tenant, "query": q.query, "answer_id": q.entry_id})
            for q in QUERIES
        )
    )
    return ["evaluate", "--faq", str(faq), "--queries", str(queries), "--no-embeddings"]


def test_cli_leads_with_held_out_figures_and_footnotes_in_sample(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, [*write_files(tmp_path), "--learning"])
    assert res.exit_code == 0, res.output
    text = res.output
    assert text.index("leave-one-business-out: ranking") < text.index("footnote, in-sample")
    assert "leave-one-business-out: bot" in text and "new business" in text
    assert "near-repeat" in text and "as alternatives" in text


def test_pooled_figures_weigh_each_business_by_its_queries() -> None:
    small = [outcome("a", ["a", "b"], 0.9, 0.9)]  # one right answer
    large = [outcome("a", ["b", "c", "a", "d"], 0.9, 0.9)] * 3  # three wrong answers
    large += [outcome(None, ["b", "a"], 0.1, 0.1)]  # a no-answer query, handed over
    pooled = pool_figures([bot_figures(small, BANDS), bot_figures(large, BANDS)], [0, 1])
    everything = bot_figures(small + large, BANDS)
    for name in ("answered", "answered_right", "success", "resolved", "wrong", "handed_over"):
        assert getattr(pooled, name) == pytest.approx(getattr(everything, name)), name
    assert pooled.no_answer_acted == 0.0
