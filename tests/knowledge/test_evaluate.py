from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from faq_fixtures import BAKKER, GARAGE, make_docs
from typer.testing import CliRunner

from livedesk.knowledge.calibration import (
    DEFAULT_MODELS,
    FIT_TARGET,
    TARGET_PRECISION,
    THRESHOLD_STEP,
    answer_rate,
    conservative_threshold,
    fit_logistic,
    fit_model,
    lowest_threshold,
)
from livedesk.knowledge.cli import app
from livedesk.knowledge.evaluate import (
    LabelledQuery,
    QueryOutcome,
    auroc,
    build_registry,
    compute_metrics,
    evaluate,
    find_gaps,
    no_answer_call,
)
from livedesk.knowledge.tuning import cross_validate, fit_defaults

QUERIES = [
    LabelledQuery("bakker", "hoe laat gaan jullie open", "b1"),
    LabelledQuery("bakker", "zondag open?", "b1"),
    LabelledQuery("bakker", "taart voor verjaardag bestellen", "b2"),
    LabelledQuery("bakker", "brengen jullie brood thuis", "b3"),
    LabelledQuery("bakker", "glutenvrij brood", "b4"),
    LabelledQuery("bakker", "verkopen jullie cadeaubonnen", None),
    LabelledQuery("garage", "apk afspraak maken", "g1"),
    LabelledQuery("garage", "leenauto tijdens reparatie", "g2"),
    LabelledQuery("garage", "wanneer winterbanden wisselen", "g3"),
    LabelledQuery("garage", "verkopen jullie tweedehands autos", None),
]


def outcome(gold: str | None, ranked: list[str], conf: float) -> QueryOutcome:
    return QueryOutcome("t", "q", gold, ranked, 0.0, 0.0, conf)


def test_metrics_by_hand() -> None:
    outs = [
        outcome("a", ["a", "b"], 0.9),  # rank 1, bot right
        outcome("a", ["b", "c", "a"], 0.8),  # rank 3, bot wrong
        outcome("a", ["b", "c"], 0.2),  # not found
        outcome(None, ["a"], 0.1),  # no answer, low confidence
    ]
    m = compute_metrics(outs, bot_threshold=0.85)
    assert m.recall_at_1 == pytest.approx(1 / 3)
    assert m.recall_at_3 == pytest.approx(2 / 3)
    assert m.mrr_at_10 == pytest.approx((1 + 1 / 3) / 3)
    assert m.bot_share == pytest.approx(1 / 4) and m.bot_precision == 1.0
    assert m.best_bot_threshold == pytest.approx(0.9)
    assert m.auroc == 1.0  # every answerable query outranks the no-answer one
    assert (m.no_answer_precision, m.no_answer_recall) == (1.0, 1.0)


def test_auroc_and_no_answer_call() -> None:
    assert auroc(np.array([0.9, 0.4]), np.array([0.5])) == pytest.approx(0.5)
    assert auroc(np.array([0.5]), np.array([0.5])) == pytest.approx(0.5)
    assert auroc(np.array([]), np.array([0.5])) is None
    conf = np.array([0.9, 0.8, 0.3, 0.2])
    gap = np.array([False, False, True, True])
    t, p, r = no_answer_call(conf, gap)
    assert 0.3 < t <= 0.8 and p == 1.0 and r == 1.0


def test_lowest_threshold_keeps_precision() -> None:
    conf = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5])
    ok = np.array([1, 1, 1, 1, 1, 0, 0], bool)
    assert lowest_threshold(conf, ok) == pytest.approx(0.7)
    ok2 = np.array([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], bool)
    conf2 = np.linspace(1.0, 0.5, 11)
    t = lowest_threshold(conf2, ok2)
    share, prec, n = answer_rate(conf2, ok2, t)
    assert share == pytest.approx(10 / 11)
    assert prec >= 0.9 and n == 10  # 9 right + 1 wrong = exactly 90 %
    assert lowest_threshold(np.array([0.5, 0.4]), np.array([0, 0], bool)) is None
    # Ties are answered together, never split.
    assert lowest_threshold(np.array([0.9, 0.9]), np.array([1, 0], bool)) is None


def test_fit_logistic_and_model_separate_classes() -> None:
    rng = np.random.default_rng(0)
    good = rng.normal(2.0, 0.5, size=(60, 2))
    bad = rng.normal(0.0, 0.5, size=(60, 2))
    x = np.vstack([good, bad])
    y = np.r_[np.ones(60), np.zeros(60)]
    w = fit_logistic(x, y)
    assert w[0] > 0 and w[1] > 0
    unexplained = np.zeros(len(x))
    model = fit_model(x[:, 0], x[:, 1], unexplained, y.astype(bool))
    conf = model.confidences(x[:, 0], x[:, 1], unexplained)
    assert conf[:60].mean() > 0.8 > 0.2 > conf[60:].mean()
    assert answer_rate(conf, y.astype(bool), model.threshold)[1] >= 0.9


def test_fitted_threshold_keeps_a_margin_and_is_rounded_up() -> None:
    assert FIT_TARGET > TARGET_PRECISION  # a margin for businesses the model never saw
    # 20 answers, best first: the 10th is wrong, the 14th and 16th too.
    conf = np.linspace(0.99, 0.61, 20)
    ok = np.ones(20, bool)
    ok[[9, 13, 15]] = False
    at_90 = lowest_threshold(conf, ok, 0.9)
    at_93 = lowest_threshold(conf, ok, 0.93)
    assert at_90 is not None and at_93 is not None and at_93 > at_90
    t = conservative_threshold(conf, ok)
    assert t is not None and t >= at_93
    assert t == pytest.approx(round(t / THRESHOLD_STEP) * THRESHOLD_STEP)  # a multiple of 0.05
    assert t - at_93 < THRESHOLD_STEP
    assert conservative_threshold(conf, ok, step=0) == pytest.approx(at_93)
    assert answer_rate(conf, ok, t)[1] >= FIT_TARGET
    assert conservative_threshold(np.array([0.5]), np.array([False])) is None


def test_default_thresholds_are_on_the_rounding_grid() -> None:
    for model in DEFAULT_MODELS.values():
        steps = model.threshold / THRESHOLD_STEP
        assert steps == pytest.approx(round(steps)) and 0.5 <= model.threshold < 1.0


def test_evaluate_on_fixture_reports_per_business_and_gaps() -> None:
    docs = make_docs()
    report = evaluate(docs, QUERIES, use_embeddings=False)
    assert report.method == "lexical"
    assert set(report.per_tenant) == {"bakker", "garage"}
    assert report.overall.queries == 10 and report.overall.answerable == 8
    assert report.overall.recall_at_3 >= 0.75
    assert report.per_tenant["garage"].recall_at_1 == 1.0
    kinds = {g["query"]: g["kind"] for g in report.gaps}
    assert kinds["verkopen jullie cadeaubonnen"] == "no answer in FAQ"


def test_find_gaps_lists_entries_never_found() -> None:
    docs = make_docs()
    outs = [
        QueryOutcome("bakker", "x", "b4", ["b1", "b2", "b3", "b4"], 1, 0, 0.5),
        QueryOutcome("bakker", "y", "b1", ["b1"], 1, 0, 0.9),
    ]
    never, gaps = find_gaps(outs, docs)
    assert [e["entry_id"] for e in never] == ["b4"]
    assert never[0]["question"] == BAKKER[3][1]
    assert [g["query"] for g in gaps] == ["x"]


def test_cross_validation_holds_out_each_business() -> None:
    reg = build_registry(make_docs(), use_embeddings=False)
    cv = cross_validate(reg, QUERIES)
    assert set(cv["folds"]) == {"bakker", "garage"}
    assert cv["held_out_pooled"]["queries"] == len(QUERIES)
    everything = fit_defaults(reg, QUERIES)  # what a fold would be if its business leaked in
    for held, fold in cv["folds"].items():
        own = [q for q in QUERIES if q.tenant == held]
        others = [q for q in QUERIES if q.tenant != held]
        # Measured on the held-out business alone ...
        assert fold["metrics"]["queries"] == len(own)
        assert fold["metrics"]["answerable"] == sum(q.entry_id is not None for q in own)
        # ... with weights and model fitted on the other businesses alone.
        fitted = fit_defaults(reg, others)
        assert (fold["weights"], fold["model"]) == (fitted["weights"], fitted["model"])
        assert fold["model"] != everything["model"]
    # The held-out business's labels cannot move its own fold, only the folds that train on it.
    wrong = {"b1": "b4", "b2": "b3", "b3": "b2", "b4": "b1", None: "b1"}
    relabelled = [
        LabelledQuery(q.tenant, q.query, wrong[q.entry_id]) if q.tenant == "bakker" else q
        for q in QUERIES
    ]
    cv2 = cross_validate(reg, relabelled)
    for key in ("weights", "model"):
        assert cv2["folds"]["bakker"][key] == cv["folds"]["bakker"][key]
    assert cv2["folds"]["garage"]["model"] != cv["folds"]["garage"]["model"]
    assert cv2["folds"]["bakker"]["metrics"] != cv["folds"]["bakker"]["metrics"]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    return path


def write_eval_files(tmp_path: Path) -> tuple[Path, Path]:
    """The two businesses' FAQ and their labelled queries, as `faq evaluate` reads them."""
    faq = write_jsonl(
        tmp_path / "faq.jsonl",
        [{"tenant": "bakker", "id": i, "question": q, "answer": a} for i, q, a in BAKKER]
        + [{"tenant": "garage", "id": i, "question": q, "answer": a} for i, q, a in GARAGE],
    )
    queries = write_jsonl(
        tmp_path / "q.jsonl",
        [{"tenant": q.tenant, "query": q.query, "answer_id": q.entry_id} for q in QUERIES],
    )
    return faq, queries


def test_cli_evaluate_json_and_text(tmp_path: Path) -> None:
    faq, queries = write_eval_files(tmp_path)
    runner = CliRunner()
    args = ["evaluate", "--faq", str(faq), "--queries", str(queries), "--no-embeddings"]
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["method"] == "lexical"
    assert data["overall"]["queries"] == 10
    assert set(data["per_tenant"]) == {"bakker", "garage"}
    res = runner.invoke(app, [*args, "--cross-validate"])
    assert res.exit_code == 0, res.output
    assert "method: lexical" in res.output and "micro-average" in res.output
    assert "leave-one-business-out" in res.output


def test_fit_defaults_fits_the_shipped_ranking_too() -> None:
    from livedesk.knowledge.index import LEXICAL_WEIGHTS

    reg = build_registry(make_docs(), use_embeddings=False)
    fitted = fit_defaults(reg, QUERIES)
    assert fitted["method"] == "lexical"
    assert fitted["shipped"]["weights"] == LEXICAL_WEIGHTS
    model = fitted["shipped"]["model"]
    steps = model["threshold"] / THRESHOLD_STEP
    assert steps == pytest.approx(round(steps)) and 0.0 < model["threshold"] <= 1.0
    # the shipped threshold is the lowest one that reaches the fit target, rounded up
    lowest = fitted["shipped"]["lowest_threshold_at_fit_target"]
    assert lowest is not None and lowest <= model["threshold"] < lowest + THRESHOLD_STEP
    assert fitted["same_weights"] is (fitted["weights"] == fitted["shipped"]["weights"])


def test_cli_fit_prints_the_shipped_model(tmp_path: Path) -> None:
    faq, queries = write_eval_files(tmp_path)
    args = ["evaluate", "--faq", str(faq), "--queries", str(queries), "--no-embeddings", "--fit"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "fitted on all queries" in res.output and "with the shipped weights" in res.output
    res = CliRunner().invoke(app, [*args, "--json"])
    assert json.loads(res.output)["fitted"]["shipped"]["model"]["threshold"] > 0
