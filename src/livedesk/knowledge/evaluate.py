"""Evaluate FAQ suggestions on labelled queries: a product feature, not only a dev tool.

Input is plain data: FAQ entries (`FaqDoc`) and `LabelledQuery(tenant, query, entry_id)`
records, where `entry_id` is None when the FAQ has no answer. Those records can come from
a JSONL dev set or, later, from logged operator choices.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from livedesk.knowledge.calibration import (
    FIT_TARGET,
    TARGET_PRECISION,
    ConfidenceModel,
    answer_rate,
    default_model,
    fit_model,
    lowest_threshold,
)
from livedesk.knowledge.embedding import Embedder
from livedesk.knowledge.index import (
    EMBEDDING_WEIGHTS,
    LEXICAL_WEIGHTS,
    FaqDoc,
    FaqRegistry,
    fuse,
    fuzzy_scores,
)


@dataclass(frozen=True, slots=True)
class LabelledQuery:
    tenant: str
    query: str
    entry_id: str | None  # the entry an operator chose; None = the FAQ has no answer


@dataclass(slots=True)
class QueryOutcome:
    tenant: str
    query: str
    gold: str | None
    ranked: list[str]  # entry ids, best first (up to 10)
    score: float  # fused score of the top entry
    margin: float  # top score minus runner-up
    confidence: float = 0.0

    @property
    def rank(self) -> int | None:
        """1-based rank of the gold entry within the top 10, or None."""
        if self.gold is None or self.gold not in self.ranked:
            return None
        return self.ranked.index(self.gold) + 1

    @property
    def top1_correct(self) -> bool:
        return self.gold is not None and bool(self.ranked) and self.ranked[0] == self.gold


@dataclass(slots=True)
class Metrics:
    queries: int
    answerable: int
    recall_at_1: float
    recall_at_3: float
    mrr_at_10: float
    no_answer_threshold: float
    no_answer_precision: float
    no_answer_recall: float
    auroc: float | None
    bot_threshold: float
    bot_share: float  # share of all queries the bot answers at the default threshold
    bot_precision: float
    best_bot_share: float  # share at the lowest threshold with >= 90 % precision on this set
    best_bot_threshold: float | None


@dataclass(slots=True)
class Report:
    method: str
    overall: Metrics
    per_tenant: dict[str, Metrics]
    never_found: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, Any]] = field(default_factory=list)
    cross_validation: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---- loading ---------------------------------------------------------------------------


def load_faq_jsonl(path: str | Path) -> list[FaqDoc]:
    docs = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        docs.append(
            FaqDoc(
                entry_id=str(row["id"]),
                business_id=str(row["tenant"]),
                question=row["question"],
                answer=row.get("answer", ""),
                alternatives=list(row.get("alternatives", [])),
                tags=list(row.get("tags", [])),
            )
        )
    return docs


def load_queries_jsonl(path: str | Path) -> list[LabelledQuery]:
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        out.append(LabelledQuery(str(row["tenant"]), row["query"], row.get("answer_id")))
    return out


# ---- running ---------------------------------------------------------------------------


def build_registry(
    docs: Iterable[FaqDoc], use_embeddings: bool = True, embedder: Embedder | None = None
) -> FaqRegistry:
    registry = FaqRegistry(embedder, use_embeddings=use_embeddings)
    registry.load(list(docs))
    return registry


def run_queries(
    registry: FaqRegistry,
    queries: Sequence[LabelledQuery],
    model: ConfidenceModel | None = None,
) -> list[QueryOutcome]:
    """Rank every query through the same code path the product uses (BusinessIndex.suggest)."""
    outcomes = []
    for q in queries:
        idx = registry.index(q.tenant)
        res = idx.suggest(q.query, k=10, model=model)
        s = res.suggestions
        score = s[0].score if s else 0.0
        margin = (s[0].score - s[1].score) if len(s) > 1 else score
        outcomes.append(
            QueryOutcome(
                q.tenant,
                q.query,
                q.entry_id,
                [x.entry_id for x in s],
                score,
                margin,
                s[0].confidence if s else 0.0,
            )
        )
    return outcomes


# ---- metrics ---------------------------------------------------------------------------


def auroc(pos: np.ndarray, neg: np.ndarray) -> float | None:
    """P(score of a random positive > score of a random negative), ties count half."""
    if len(pos) == 0 or len(neg) == 0:
        return None
    diff = np.asarray(pos, float)[:, None] - np.asarray(neg, float)[None, :]
    return float(((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size)


def no_answer_call(conf: np.ndarray, is_gap: np.ndarray) -> tuple[float, float, float]:
    """Best global t (by F1) for 'top confidence < t means no answer': (t, precision, recall)."""
    best = (0.0, 0.0, 0.0, -1.0)
    if not is_gap.any():
        return 0.0, 1.0, 1.0
    for t in np.unique(np.r_[conf, 1.01]):
        called = conf < t
        tp = float((called & is_gap).sum())
        prec = tp / called.sum() if called.any() else 0.0
        rec = tp / is_gap.sum()
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        if f1 > best[3]:
            best = (float(t), prec, rec, f1)
    return best[0], best[1], best[2]


def compute_metrics(outcomes: Sequence[QueryOutcome], bot_threshold: float) -> Metrics:
    answerable = [o for o in outcomes if o.gold is not None]
    ranks = [o.rank for o in answerable]
    n = max(len(answerable), 1)
    r1 = sum(1 for r in ranks if r == 1) / n
    r3 = sum(1 for r in ranks if r is not None and r <= 3) / n
    mrr = sum(1.0 / r for r in ranks if r is not None) / n
    conf = np.array([o.confidence for o in outcomes], float)
    gap = np.array([o.gold is None for o in outcomes], bool)
    correct = np.array([o.top1_correct for o in outcomes], bool)
    t, p, r = no_answer_call(conf, gap)
    share, prec, _ = answer_rate(conf, correct, bot_threshold)
    best_t = lowest_threshold(conf, correct, TARGET_PRECISION)
    best_share = answer_rate(conf, correct, best_t)[0] if best_t is not None else 0.0
    return Metrics(
        queries=len(outcomes),
        answerable=len(answerable),
        recall_at_1=r1,
        recall_at_3=r3,
        mrr_at_10=mrr,
        no_answer_threshold=t,
        no_answer_precision=p,
        no_answer_recall=r,
        auroc=auroc(conf[~gap], conf[gap]),
        bot_threshold=bot_threshold,
        bot_share=share,
        bot_precision=prec,
        best_bot_share=best_share,
        best_bot_threshold=best_t,
    )


def find_gaps(
    outcomes: Sequence[QueryOutcome], docs: Sequence[FaqDoc]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Entries never found (their queries never rank them in the top 3) and queries the FAQ
    does not serve (labelled without answer, or whose entry is not in the top 3)."""
    by_entry: dict[tuple[str, str], list[QueryOutcome]] = defaultdict(list)
    for o in outcomes:
        if o.gold is not None:
            by_entry[(o.tenant, o.gold)].append(o)
    questions = {(d.business_id, d.entry_id): d.question for d in docs}
    never = []
    for (tenant, entry), outs in sorted(by_entry.items()):
        if all(o.rank is None or o.rank > 3 for o in outs):
            never.append(
                {
                    "tenant": tenant,
                    "entry_id": entry,
                    "question": questions.get((tenant, entry), ""),
                    "queries": [o.query for o in outs],
                }
            )
    gaps = []
    for o in outcomes:
        if o.gold is None or o.rank is None or o.rank > 3:
            gaps.append(
                {
                    "tenant": o.tenant,
                    "query": o.query,
                    "expected": o.gold,
                    "top": o.ranked[0] if o.ranked else None,
                    "confidence": round(o.confidence, 3),
                    "kind": "no answer in FAQ" if o.gold is None else "answer not found",
                }
            )
    return never, gaps


def evaluate(
    docs: Sequence[FaqDoc],
    queries: Sequence[LabelledQuery],
    use_embeddings: bool = True,
    model: ConfidenceModel | None = None,
    registry: FaqRegistry | None = None,
) -> Report:
    registry = registry or build_registry(docs, use_embeddings)
    method = registry.method
    model = model or default_model(method)
    outcomes = run_queries(registry, queries, model)
    per_tenant = {}
    for tenant in sorted({o.tenant for o in outcomes}):
        per_tenant[tenant] = compute_metrics(
            [o for o in outcomes if o.tenant == tenant], model.threshold
        )
    never, gaps = find_gaps(outcomes, docs)
    return Report(method, compute_metrics(outcomes, model.threshold), per_tenant, never, gaps)


# ---- tuning and cross-validation -------------------------------------------------------


class SignalCache:
    """Every signal of every entry for every query, computed once, so fusion weights and
    the confidence model can be re-fitted quickly (tuning and cross-validation)."""

    def __init__(self, registry: FaqRegistry, queries: Sequence[LabelledQuery]) -> None:
        self.queries = list(queries)
        self.rows: list[tuple[list[str], dict[str, np.ndarray]]] = []
        for q in self.queries:
            idx = registry.index(q.tenant)
            vec = idx.embed_query(q.query)
            alive, signals = idx.signal_matrix(q.query, vec)
            slots = np.flatnonzero(alive)
            ids = [idx._docs[int(s)].entry_id for s in slots]
            sig = {k: v[slots] for k, v in signals.items()}
            sig["fuzzy"] = fuzzy_scores(q.query, [idx._fuzzy_keys[int(s)] for s in slots])
            self.rows.append((ids, sig))

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
            out.append(QueryOutcome(q.tenant, q.query, q.entry_id, ranked, top, margin))
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
        np.array([o.top1_correct for o in outs]),
    )
    return best_w, model


def apply_model(outcomes: list[QueryOutcome], model: ConfidenceModel) -> list[QueryOutcome]:
    for o in outcomes:
        o.confidence = model.confidence(o.score, o.margin)
    return outcomes


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
    correct = np.array([o.top1_correct for o in outs])
    shipped_model = fit_model(scores, margins, correct)
    conf = shipped_model.confidences(scores, margins)
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
            "lowest_threshold_at_fit_target": lowest_threshold(conf, correct, FIT_TARGET),
        },
    }
