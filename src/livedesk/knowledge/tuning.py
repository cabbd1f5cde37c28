"""Fitting the ranking and its confidence: fusion weights on a small grid of general knobs,
the confidence model, and leave-one-business-out checks of both (`livedesk faq evaluate`)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from livedesk.knowledge.calibration import (
    CONFIDENCE_USES_UNEXPLAINED,
    FIT_TARGET,
    OFFER_CHOICES,
    OFFER_USES_UNEXPLAINED,
    ConfidenceModel,
    fit_model,
    fit_offer_model,
    lowest_threshold,
)
from livedesk.knowledge.evaluate import LabelledQuery, QueryOutcome, compute_metrics
from livedesk.knowledge.index import EMBEDDING_WEIGHTS, LEXICAL_WEIGHTS
from livedesk.knowledge.registry import FaqRegistry
from livedesk.knowledge.scoring import fuse, fuzzy_scores


class SignalCache:
    """Every signal of every entry for every query, computed once, so fusion weights and
    the confidence model can be re-fitted quickly (tuning and cross-validation)."""

    def __init__(self, registry: FaqRegistry, queries: Sequence[LabelledQuery]) -> None:
        self.queries = list(queries)
        self.rows: list[tuple[list[str], dict[str, np.ndarray]]] = []
        self.unexplained: list[float] = []
        for q in self.queries:
            idx = registry.index(q.tenant)
            vec = idx.embed_query(q.query)
            alive, signals = idx.signal_matrix(q.query, vec)
            slots = np.flatnonzero(alive)
            ids = [idx._docs[int(s)].entry_id for s in slots]
            sig = {k: v[slots] for k, v in signals.items()}
            sig["fuzzy"] = fuzzy_scores(q.query, [idx._fuzzy_keys[int(s)] for s in slots])
            self.rows.append((ids, sig))
            self.unexplained.append(idx.unexplained(q.query))

    def outcomes(self, weights: dict[str, float], subset: Sequence[int]) -> list[QueryOutcome]:
        out = []
        for i in subset:
            q = self.queries[i]
            ids, sig = self.rows[i]
            final = fuse(sig, weights) + np.float32(weights.get("fuzzy", 0.0)) * sig["fuzzy"]
            order = np.argsort(-final, kind="stable")[:10]
            top = float(final[order[0]]) if len(order) else 0.0
            margin = top - float(final[order[1]]) if len(order) > 1 else top
            ranked = [ids[j] for j in order]
            past = OFFER_CHOICES
            gap = top - float(final[order[past]]) if len(order) > past else top
            out.append(
                QueryOutcome(
                    q.tenant,
                    q.query,
                    q.entry_id,
                    ranked,
                    top,
                    margin,
                    gap=gap,
                    unexplained=self.unexplained[i],
                )
            )
        return out


def weight_grid(method: str) -> list[dict[str, float]]:
    """A small grid over general knobs: word vs n-gram evidence, question boost, fuzzy,
    and how much the embedding counts against the lexical signals."""
    grid = []
    emb_scales = (2.0, 4.0, 8.0, 12.0) if method == "embedding" else (0.0,)
    for bm, qb, fz, emb in itertools.product(
        (0.0, 0.25, 0.5), (0.0, 0.25, 0.5), (0.0, 0.25, 0.5), emb_scales
    ):
        w = {"bm25": bm, "bm25_question": qb * bm, "ngram": 1.0, "ngram_question": qb}
        w["fuzzy"] = fz
        if method == "embedding":
            w["embedding"] = emb
        grid.append(w)
    return grid


def _objective(outcomes: Sequence[QueryOutcome]) -> float:
    answerable = [o for o in outcomes if o.gold is not None]
    ranks = [o.rank for o in answerable]
    n = max(len(answerable), 1)
    r1 = sum(1 for r in ranks if r == 1) / n
    r3 = sum(1 for r in ranks if r is not None and r <= 3) / n
    return r1 + 0.5 * r3


def fit_on(
    cache: SignalCache, subset: Sequence[int], method: str
) -> tuple[dict[str, float], ConfidenceModel]:
    best_w, best = None, -1.0
    for w in weight_grid(method):
        val = _objective(cache.outcomes(w, subset))
        if val > best + 1e-9:
            best_w, best = w, val
    assert best_w is not None
    outs = cache.outcomes(best_w, subset)
    model = fit_model(
        np.array([o.score for o in outs]),
        np.array([o.margin for o in outs]),
        np.array([o.unexplained for o in outs]),
        np.array([o.top1_correct for o in outs]),
        use_unexplained=CONFIDENCE_USES_UNEXPLAINED[method],
    )
    return best_w, model


def apply_model(
    outcomes: list[QueryOutcome],
    model: ConfidenceModel,
    offer: ConfidenceModel | None = None,
) -> list[QueryOutcome]:
    for o in outcomes:
        o.confidence = model.confidence(o.score, o.margin, o.unexplained)
        if offer is not None:
            o.offer_confidence = offer.confidence(o.score, o.gap, o.unexplained)
    return outcomes


def fit_offer_on(
    cache: SignalCache, subset: Sequence[int], weights: dict[str, float], method: str
) -> ConfidenceModel:
    """The offer model (calibration.OFFER_MODELS) on these queries' ranking by `weights`."""
    outs = cache.outcomes(weights, subset)
    return fit_offer_model(
        np.array([o.score for o in outs]),
        np.array([o.gap for o in outs]),
        np.array([o.unexplained for o in outs]),
        np.array([o.rank is not None and o.rank <= OFFER_CHOICES for o in outs]),
        use_unexplained=OFFER_USES_UNEXPLAINED[method],
    )


def cross_validate(registry: FaqRegistry, queries: Sequence[LabelledQuery]) -> dict[str, Any]:
    """Leave one business out: fit weights, confidence model and threshold on the others,
    measure on the held-out business (as if it were a new customer)."""
    cache = SignalCache(registry, queries)
    tenants = sorted({q.tenant for q in queries})
    folds: dict[str, Any] = {}
    pooled: list[QueryOutcome] = []
    thresholds = []
    for held in tenants:
        train = [i for i, q in enumerate(queries) if q.tenant != held]
        test = [i for i, q in enumerate(queries) if q.tenant == held]
        weights, model = fit_on(cache, train, registry.method)
        outs = apply_model(cache.outcomes(weights, test), model)
        pooled.extend(outs)
        thresholds.append(model.threshold)
        folds[held] = {
            "weights": weights,
            "model": asdict(model),
            "metrics": asdict(compute_metrics(outs, model.threshold)),
        }
    # Pooled held-out predictions: each scored by a model that never saw its business.
    overall = compute_metrics(pooled, float(np.median(thresholds)))
    share, prec, _ = _pooled_bot(pooled, folds)
    summary = asdict(overall)
    summary["bot_share"], summary["bot_precision"] = share, prec
    summary.pop("bot_threshold")
    return {"folds": folds, "held_out_pooled": summary}


def _pooled_bot(outs: list[QueryOutcome], folds: dict[str, Any]) -> tuple[float, float, int]:
    """Bot coverage/precision when each business uses its own fold's threshold."""
    answered = [o for o in outs if o.confidence >= folds[o.tenant]["model"]["threshold"]]
    n = len(answered)
    prec = sum(o.top1_correct for o in answered) / n if n else 1.0
    return n / len(outs), prec, n


def shipped_weights(method: str) -> dict[str, float]:
    """The fusion weights the product ranks with (`index.EMBEDDING_WEIGHTS` / `LEXICAL_WEIGHTS`)."""
    return dict(EMBEDDING_WEIGHTS if method == "embedding" else LEXICAL_WEIGHTS)


def fit_defaults(registry: FaqRegistry, queries: Sequence[LabelledQuery]) -> dict[str, Any]:
    """Weights, confidence model and bot threshold fitted on all given queries.

    `weights`/`model`: the grid's best weights and the model fitted on their ranking.
    `shipped`: the model fitted on the ranking of the weights the product uses; this is the
    one `calibration.DEFAULT_MODELS` must hold (a model fitted on another ranking's scores
    does not describe the product's). `same_weights` says whether the two coincide."""
    cache = SignalCache(registry, queries)
    everything = range(len(queries))
    weights, model = fit_on(cache, everything, registry.method)
    shipped = shipped_weights(registry.method)
    outs = cache.outcomes(shipped, everything)
    scores = np.array([o.score for o in outs])
    margins = np.array([o.margin for o in outs])
    unexplained = np.array([o.unexplained for o in outs])
    correct = np.array([o.top1_correct for o in outs])
    shipped_model = fit_model(
        scores,
        margins,
        unexplained,
        correct,
        use_unexplained=CONFIDENCE_USES_UNEXPLAINED[registry.method],
    )
    shipped_offer = fit_offer_on(cache, everything, shipped, registry.method)
    conf = shipped_model.confidences(scores, margins, unexplained)
    return {
        "method": registry.method,
        "weights": weights,
        "model": asdict(model),
        "same_weights": all(
            weights.get(k, 0.0) == shipped.get(k, 0.0) for k in {*weights, *shipped}
        ),
        "shipped": {
            "weights": shipped,
            "model": asdict(shipped_model),
            "offer_model": asdict(shipped_offer),
            "lowest_threshold_at_fit_target": lowest_threshold(conf, correct, FIT_TARGET),
        },
    }
