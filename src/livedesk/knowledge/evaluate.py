"""Evaluate FAQ suggestions on labelled queries: a product feature, not only a dev tool.

Input is plain data: FAQ entries (`FaqDoc`) and `LabelledQuery(tenant, query, entry_id)`
records, where `entry_id` is None when the FAQ has no answer. Those records can come from
a JSONL dev set or, later, from logged operator choices.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from livedesk.knowledge.calibration import (
    TARGET_PRECISION,
    ConfidenceModel,
    answer_rate,
    default_model,
    lowest_threshold,
)
from livedesk.knowledge.embedding import Embedder
from livedesk.knowledge.registry import FaqRegistry
from livedesk.knowledge.search_types import FaqDoc


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
    gap: float = 0.0  # top score minus the first score not offered (the 4th)
    offer_confidence: float = 0.0  # P(the right entry is among the offered ones)
    unexplained: float = 0.0  # share of the query's words the FAQ has nothing like

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
                offer_confidence=res.offer_confidence,
                unexplained=res.unexplained,
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
