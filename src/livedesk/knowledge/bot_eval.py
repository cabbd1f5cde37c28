"""The bot as visitors experience it, measured leave-one-business-out with a nested choice of
how its bands are picked.

For each held-out business B: the ranking weights and the confidence model are fitted on the
other businesses; the bands for B come from a `BandRule` applied to those other businesses'
outcomes, and which rule is used is itself decided by a leave-one-out among the other
businesses only. B's labels never influence anything that is measured on B.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from livedesk.knowledge.bands import NEVER, TARGET_SUCCESS, Bands, decide, lowest_offer
from livedesk.knowledge.calibration import ConfidenceModel
from livedesk.knowledge.evaluate import LabelledQuery, QueryOutcome
from livedesk.knowledge.search_types import Suggestion, SuggestResult
from livedesk.knowledge.tuning import SignalCache, apply_model, fit_offer_on, fit_on

MAX_NO_ANSWER_ACTED = 0.05  # no-answer queries the bot may answer or offer choices for
# Choosing a band rule also demands MAX_NO_ANSWER_ACTED of each business it is judged on (None:
# success alone). On the dev set this kept the lexical webshop at 90 % instead of 80 % and left
# the embedding folds as they were.
NO_ANSWER_LIMIT: float | None = MAX_NO_ANSWER_ACTED


@dataclass(slots=True)
class BotFigures:
    queries: int
    answered: float  # share of all queries answered directly
    answered_right: float  # ... of which the share that was the right entry
    offered: float  # share of all queries offered choices
    offered_right: float  # ... of which the share whose choices held the right entry
    handed_over: float
    success: float  # share of the bot's actions (answers + offers) that end right
    resolved: float  # share of all queries the bot ends right
    wrong: float  # share of all queries the bot gets wrong
    no_answer_acted: float  # share of no-answer queries answered or offered choices


def _result(o: QueryOutcome, confidences: Sequence[float], offer: float) -> SuggestResult:
    ranked = [Suggestion(e, "", c, 0.0, {}) for e, c in zip(o.ranked, confidences, strict=False)]
    return SuggestResult(ranked, "", NEVER, offer_confidence=offer)


def actions(outcomes: Sequence[QueryOutcome], bands: Bands) -> list[tuple[str, bool]]:
    """(decision kind, right entry in it) per query, through `bands.decide` itself.

    Only the top confidence steers the decision, so the others are filled in as zeros."""
    out: list[tuple[str, bool]] = []
    for o in outcomes:
        confidences = [o.confidence] + [0.0] * (len(o.ranked) - 1)
        decision = decide(_result(o, confidences, o.offer_confidence), bands)
        out.append((decision.kind, o.gold is not None and o.gold in decision.entry_ids))
    return out


def bot_figures(outcomes: Sequence[QueryOutcome], bands: Bands) -> BotFigures:
    acts = actions(outcomes, bands)
    n = max(len(acts), 1)
    answered = [ok for kind, ok in acts if kind == "answer"]
    offered = [ok for kind, ok in acts if kind == "offer"]
    right = sum(answered) + sum(offered)
    acted = len(answered) + len(offered)
    gaps = [kind for (kind, _), o in zip(acts, outcomes, strict=True) if o.gold is None]
    return BotFigures(
        queries=len(acts),
        answered=len(answered) / n,
        answered_right=float(np.mean(answered)) if answered else 1.0,
        offered=len(offered) / n,
        offered_right=float(np.mean(offered)) if offered else 1.0,
        handed_over=1 - acted / n,
        success=right / acted if acted else 1.0,
        resolved=right / n,
        wrong=(acted - right) / n,
        no_answer_acted=sum(k != "handover" for k in gaps) / len(gaps) if gaps else 0.0,
    )


def pool_figures(figures: Sequence[BotFigures], gaps: Sequence[int]) -> BotFigures:
    """Several businesses' figures as one: shares weighted by queries (no-answer shares by
    each business's number of no-answer queries, `gaps`)."""
    n = [f.queries for f in figures]
    total = max(sum(n), 1)

    def mean(name: str, weights: Sequence[float]) -> float:
        w = sum(weights)
        return (
            sum(getattr(f, name) * x for f, x in zip(figures, weights, strict=True)) / w
            if w
            else 0.0
        )

    answered = [f.answered * q for f, q in zip(figures, n, strict=True)]
    offered = [f.offered * q for f, q in zip(figures, n, strict=True)]
    acted = [a + o for a, o in zip(answered, offered, strict=True)]
    return BotFigures(
        queries=sum(n),
        answered=sum(answered) / total,
        answered_right=mean("answered_right", answered),
        offered=sum(offered) / total,
        offered_right=mean("offered_right", offered),
        handed_over=mean("handed_over", n),
        success=mean("success", acted),
        resolved=mean("resolved", n),
        wrong=mean("wrong", n),
        no_answer_acted=mean("no_answer_acted", gaps),
    )


# ---- band rules ----------------------------------------------------------------------------


def _lowest(conf: np.ndarray, right: np.ndarray, target: float, ceiling: float) -> float:
    """Lowest cut-off <= ceiling at which the queries at or above it are right >= target."""
    best = NEVER
    for cut in sorted(np.unique(conf[conf <= ceiling]), reverse=True):
        above = conf >= cut
        if right[above].mean() >= target:
            best = float(cut)
    return best


def _arrays(outcomes: Sequence[QueryOutcome], k: int) -> tuple[np.ndarray, ...]:
    conf = np.array([o.confidence for o in outcomes], float)
    rank = np.array([o.rank or 0 for o in outcomes], int)
    offer = np.array([o.offer_confidence for o in outcomes], float)
    return conf, rank == 1, (rank >= 1) & (rank <= k), offer


@dataclass(frozen=True, slots=True)
class BandRule:
    """How bands are fitted to businesses' outcomes: the lowest answer band whose answers
    are right `answer_target` of the time, then the lowest offer band at which everything
    the bot does is right `offer_target` of the time; for the pool or for each business
    (the strictest of their bands)."""

    answer_target: float
    offer_target: float
    each_business: bool
    max_choices: int = 3

    def fit(self, outcomes: Mapping[str, Sequence[QueryOutcome]]) -> Bands:
        groups = list(outcomes.values())
        if not self.each_business:
            groups = [[o for group in groups for o in group]]
        answer = offer = 0.0
        for group in groups:
            conf, top_right, _, _ = _arrays(group, self.max_choices)
            answer = max(answer, _lowest(conf, top_right, self.answer_target, 1.0))
        for group in groups:
            conf, top_right, in_choices, offer_conf = _arrays(group, self.max_choices)
            offer = max(
                offer,
                lowest_offer(conf, offer_conf, top_right, in_choices, answer, self.offer_target),
            )
        return Bands(answer, offer, self.max_choices)

    def name(self) -> str:
        scope = "each" if self.each_business else "pool"
        return f"answer≥{self.answer_target:.2f} offer≥{self.offer_target:.2f} ({scope})"


RULES: tuple[BandRule, ...] = tuple(
    BandRule(a, o, each)
    for a in (0.90, 0.93, 0.96, 0.99)
    for o in (0.90, 0.93, 0.96)
    for each in (False, True)
)


def _passes(figures: Sequence[BotFigures], no_answer_limit: float | None) -> bool:
    return all(
        f.success >= TARGET_SUCCESS
        and (no_answer_limit is None or f.no_answer_acted <= no_answer_limit)
        for f in figures
    )


def choose_rule(
    outcomes: Mapping[str, Sequence[QueryOutcome]], rules: Sequence[BandRule] = RULES
) -> BandRule:
    """The rule that, fitted on all but one of these businesses and measured on that one,
    keeps every one of them at the target while resolving the most; when none does, the rule
    whose worst business comes closest."""
    scored = []
    for rule in rules:
        figures = [
            bot_figures(outcomes[held], rule.fit({b: o for b, o in outcomes.items() if b != held}))
            for held in outcomes
        ]
        worst = min(f.success for f in figures)
        resolved = float(np.mean([f.resolved for f in figures]))
        ok = _passes(figures, NO_ANSWER_LIMIT)
        scored.append((ok, resolved if ok else worst, rule))
    passing = [s for s in scored if s[0]]
    pool = passing or scored
    return max(pool, key=lambda s: s[1])[2]


# ---- leave-one-business-out ----------------------------------------------------------------


@dataclass(slots=True)
class HeldOut:
    weights: dict[str, float]
    model: ConfidenceModel
    offer: ConfidenceModel
    outcomes: list[QueryOutcome]


def held_out(cache: SignalCache, businesses: Sequence[str], method: str) -> dict[str, HeldOut]:
    """Each business's outcomes ranked and scored by weights and a confidence model fitted
    on the other given businesses only."""
    out = {}
    for held in businesses:
        train = [
            i for i, q in enumerate(cache.queries) if q.tenant in businesses and q.tenant != held
        ]
        test = [i for i, q in enumerate(cache.queries) if q.tenant == held]
        weights, model = fit_on(cache, train, method)
        offer = fit_offer_on(cache, train, weights, method)
        outcomes = apply_model(cache.outcomes(weights, test), model, offer)
        out[held] = HeldOut(weights, model, offer, outcomes)
    return out


def held_out_outcomes(
    cache: SignalCache, businesses: Sequence[str], method: str
) -> dict[str, list[QueryOutcome]]:
    return {b: h.outcomes for b, h in held_out(cache, businesses, method).items()}


def _inner_outcomes(
    cache: SignalCache, businesses: Sequence[str], method: str
) -> dict[str, list[QueryOutcome]]:
    """Outcomes to fit bands on, from these businesses alone: each scored by a fit on the
    others among them, or, when there is only one, by a fit on itself."""
    if len(businesses) > 1:
        return held_out_outcomes(cache, businesses, method)
    only = businesses[0]
    subset = [i for i, q in enumerate(cache.queries) if q.tenant == only]
    weights, model = fit_on(cache, subset, method)
    offer = fit_offer_on(cache, subset, weights, method)
    return {only: apply_model(cache.outcomes(weights, subset), model, offer)}


def nested_bot_evaluation(
    cache: SignalCache, queries: Sequence[LabelledQuery], method: str
) -> dict[str, Any]:
    """Per held-out business: the rule chosen without it, the bands that rule fits on the
    others' held-out-style outcomes, and the bot's figures on it. Also the shared bands a new
    business would start on (the rule chosen on all businesses, fitted on all)."""
    tenants = sorted({q.tenant for q in queries})
    fits = held_out(cache, tenants, method)
    outer = {b: h.outcomes for b, h in fits.items()}
    folds: dict[str, Any] = {}
    for held in tenants:
        others = [t for t in tenants if t != held]
        inner = _inner_outcomes(cache, others, method)
        rule = choose_rule(inner) if len(inner) > 1 else RULES[-1]
        bands = rule.fit(inner)
        folds[held] = {
            "rule": rule.name(),
            "bands": asdict(bands),
            "figures": asdict(bot_figures(outer[held], bands)),
            "weights": fits[held].weights,
            "model": asdict(fits[held].model),
            "offer_model": asdict(fits[held].offer),
        }
    held_out_figures = [bot_figures(outer[t], Bands(**folds[t]["bands"])) for t in tenants]
    shared_rule = choose_rule(outer)
    shared = shared_rule.fit(outer)
    pooled = [o for t in tenants for o in outer[t]]
    return {
        "folds": folds,
        "pooled": asdict(
            pool_figures(held_out_figures, [sum(o.gold is None for o in outer[t]) for t in tenants])
        ),
        "shared": {"rule": shared_rule.name(), "bands": asdict(shared)},
        # In-sample: the shared bands measured on the very outcomes they were fitted on.
        "in_sample": asdict(bot_figures(pooled, shared)),
    }
