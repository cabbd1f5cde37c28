"""Required operators per interval, the lag-aware rule for time-varying demand, shrinkage."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import ArrayLike

from .concurrency import aht_at, concurrent_chats
from .erlang import SL_EXCL_SHORT, SL_PRIMARY, QueueMetrics, erlang_a, erlang_c
from .errors import PlanningInputError, require

MODELS = ("erlang-a", "erlang-c")
RULES = ("lag-aware", "per-hour")
_EPS = 1e-12


@dataclass(frozen=True)
class Target:
    """What an interval must deliver. Abandonment cap 5 % is the recommended default."""

    service_level: float = 0.80
    answer_within_s: float = 30.0
    max_abandon: float | None = 0.05
    max_occupancy: float | None = None
    max_asa_s: float | None = None
    sl_variant: str = SL_PRIMARY

    def __post_init__(self) -> None:
        sl, t = self.service_level, self.answer_within_s
        require(
            math.isfinite(t) and t >= 0,
            "invalid_threshold",
            "answer threshold must be >= 0 seconds",
            answer_within_s=t,
        )
        if sl >= 1.0:
            hint = " within 0 s" if t == 0 else ""
            raise PlanningInputError(
                "impossible_target",
                f"a service level of 100 %{hint} cannot be reached with any number of "
                "operators; choose a target below 100 %",
                service_level=sl,
                answer_within_s=t,
            )
        require(0.0 <= sl, "invalid_target", "service level target must be 0..1", value=sl)
        if self.max_abandon is not None:
            require(
                0.0 < self.max_abandon < 1.0,
                "invalid_target",
                "abandonment cap must be between 0 and 1",
                max_abandon=self.max_abandon,
            )
        if self.max_occupancy is not None:
            require(
                0.0 < self.max_occupancy <= 1.0,
                "invalid_target",
                "occupancy cap must be in (0, 1]",
                max_occupancy=self.max_occupancy,
            )
        if self.max_asa_s is not None:
            require(self.max_asa_s > 0, "invalid_target", "mean wait cap must be > 0 s")
        require(
            self.sl_variant in (SL_PRIMARY, SL_EXCL_SHORT),
            "invalid_target",
            "unknown service level variant",
            sl_variant=self.sl_variant,
        )

    def slack(self, m: QueueMetrics) -> float:
        """How far inside the target ``m`` is (>= 0 roughly when met, < 0 when missed).

        Continuous in the arrival rate where the metrics are, so a root finder can aim with
        it; whether the target is met is always decided by ``met_by``.
        """
        if not m.stable:
            return -1.0
        s = m.sl(self.sl_variant) - self.service_level
        if self.max_abandon is not None:
            s = min(s, self.max_abandon - m.p_abandon)
        if self.max_occupancy is not None:
            s = min(s, self.max_occupancy - m.occupancy)
        if self.max_asa_s is not None:
            s = min(s, (self.max_asa_s - m.asa_s) / self.max_asa_s)
        return s

    def met_by(self, m: QueueMetrics) -> bool:
        if not m.stable or m.sl(self.sl_variant) + _EPS < self.service_level:
            return False
        if self.max_abandon is not None and m.p_abandon > self.max_abandon + _EPS:
            return False
        if self.max_occupancy is not None and m.occupancy > self.max_occupancy + _EPS:
            return False
        return self.max_asa_s is None or m.asa_s <= self.max_asa_s + _EPS


@dataclass(frozen=True)
class System:
    """How chats are handled: duration, patience, concurrency and the queue model."""

    aht: float = 10.0  # minutes, chat handled alone (AHT_1)
    patience: float = 2.0  # minutes; math.inf for Erlang C
    concurrency: int = 1
    slowdown: float = 0.0  # α
    model: str = "erlang-a"

    def __post_init__(self) -> None:
        require(self.aht > 0, "invalid_aht", "chat duration (AHT) must be > 0", aht=self.aht)
        require(self.patience > 0, "invalid_patience", "patience must be > 0 minutes")
        require(self.concurrency >= 1, "invalid_concurrency", "concurrency must be >= 1")
        require(self.slowdown >= 0, "invalid_slowdown", "slowdown α must be >= 0")
        require(self.model in MODELS, "invalid_model", "model must be erlang-a or erlang-c")

    @property
    def holding_time(self) -> float:
        """Chat duration at full concurrency: the time constant of the lag-aware rule."""
        return float(aht_at(self.aht, self.concurrency, self.slowdown))

    def evaluate(self, lam: float, operators: int, answer_within_s: float = 30.0) -> QueueMetrics:
        patience = math.inf if self.model == "erlang-c" else self.patience
        if self.slowdown > 0 and self.concurrency > 1:
            return concurrent_chats(
                lam,
                self.aht,
                operators,
                self.concurrency,
                slowdown=self.slowdown,
                patience=patience,
                answer_within_s=answer_within_s,
            )
        slots = operators * self.concurrency
        if math.isinf(patience):
            return erlang_c(lam, self.aht, slots, answer_within_s)
        return erlang_a(lam, self.aht, patience, slots, answer_within_s)


@dataclass(frozen=True)
class Staffing:
    operators: int
    metrics: QueueMetrics


def required_operators(
    lam: float,
    system: System,
    target: Target,
    *,
    min_operators: int = 0,
    max_operators: int | None = None,
) -> Staffing:
    """Smallest n meeting the target (service level and optional caps) at arrival rate lam."""
    require(math.isfinite(lam) and lam >= 0, "negative_rate", "arrival rate must be >= 0", lam=lam)
    t = target.answer_within_s

    def ok(n: int) -> tuple[bool, QueueMetrics]:
        m = system.evaluate(lam, n, t)
        return target.met_by(m), m

    k_eff = system.concurrency / (1.0 + system.slowdown * (system.concurrency - 1))
    load = lam * system.aht
    if max_operators is None:
        max_operators = int(3 * load / k_eff + 60 * math.sqrt(load + 1) + 100)
    n = max(min_operators, math.ceil(load / k_eff))
    good, m = ok(n)
    if good:
        while n > min_operators:
            g2, m2 = ok(n - 1)
            if not g2:
                break
            n, m = n - 1, m2
        return Staffing(n, m)
    lo, step = n, 1
    while True:  # gallop up, then bisect; the target is monotone in n
        hi = lo + step
        if hi > max_operators:
            raise PlanningInputError(
                "unreachable_target",
                "the target cannot be met with a sensible number of operators",
                lam=lam,
                max_operators=max_operators,
            )
        good, m = ok(hi)
        if good:
            break
        lo, step = hi, step * 2
    best = m
    while hi - lo > 1:
        mid = (lo + hi) // 2
        g, mm = ok(mid)
        if g:
            hi, best = mid, mm
        else:
            lo = mid
    return Staffing(hi, best)


def capacity(operators: int, system: System, target: Target, *, rel_tol: float = 1e-7) -> float:
    """Largest arrival rate (chats/min) that ``operators`` can take while meeting the target."""
    if operators <= 0:
        return 0.0

    def ok(lam: float) -> bool:
        return target.met_by(system.evaluate(lam, operators, target.answer_within_s))

    lo = 0.0
    hi = operators * system.concurrency / system.aht
    while ok(hi):
        lo, hi = hi, hi * 2
    while hi - lo > rel_tol * hi:
        mid = 0.5 * (lo + hi)
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo


def capacities(
    up_to: float, system: System, target: Target, *, rel_tol: float = 1e-7
) -> list[float]:
    """[capacity(0), capacity(1), …] until the last one reaches the arrival rate ``up_to``.

    Each value is within ``rel_tol`` of the true capacity, as ``capacity`` is, from far fewer
    queue evaluations: the search for n operators starts at the capacity of n - 1 (never more
    than n can take), steps up by the last increase to bracket the capacity, and then closes
    the bracket by false position on the target's slack (Illinois variant, with bisection
    whenever the bracket stops shrinking), not by halving 25 times.
    """
    caps = [0.0]
    while caps[-1] < up_to:
        n = len(caps)
        step = caps[-1] - caps[-2] if n >= 2 else system.concurrency / system.aht
        caps.append(_capacity_from(n, caps[-1], step, system, target, rel_tol))
    return caps


def _capacity_from(
    n: int, lo: float, step: float, system: System, target: Target, rel_tol: float
) -> float:
    t = target.answer_within_s

    def probe(lam: float) -> tuple[bool, float]:
        m = system.evaluate(lam, n, t)
        return target.met_by(m), target.slack(m)

    good, f_lo = probe(lo) if lo > 0 else (True, 1.0)
    if not good:  # the target is not monotone in n here; fall back to the plain search
        return capacity(n, system, target, rel_tol=rel_tol)
    step = max(step, 1e-9 * max(lo, 1.0))
    hi = lo + 1.25 * step
    good, f_hi = probe(hi)
    while good:  # bracket: lo meets the target, hi does not
        lo, f_lo, step = hi, f_hi, 2.0 * step
        hi = lo + step
        good, f_hi = probe(hi)
    f_lo, f_hi = max(f_lo, 0.0), min(f_hi, -1e-300)
    kept = 0  # +1: lo moved last time, -1: hi moved last time
    widths = [hi - lo]
    for _ in range(200):
        width = hi - lo
        if width <= rel_tol * hi:
            break
        tol = 0.45 * rel_tol * hi
        if len(widths) >= 3 and width > 0.5 * widths[-3]:
            x = 0.5 * (lo + hi)  # false position is crawling: bisect once
        else:
            x = lo + width * f_lo / (f_lo - f_hi)
            x = min(max(x, lo + tol), hi - tol)
        good, f = probe(x)
        if good:
            lo, f_lo = x, max(f, 0.0)
            if kept == 1:
                f_hi *= 0.5
            kept = 1
        else:
            hi, f_hi = x, min(f, -1e-300)
            if kept == -1:
                f_lo *= 0.5
            kept = -1
        widths.append(hi - lo)
    return lo


def capacity_table(system: System, target: Target, max_operators: int) -> np.ndarray:
    """capacity(n) for n = 0..max_operators; required n at rate x is searchsorted(table, x)."""
    return np.array([capacity(n, system, target) for n in range(max_operators + 1)])


def modified_offered_load(
    lams: ArrayLike, holding_time: float, interval_min: float = 60.0, cycles: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Lag-aware offered load: chats in progress in an infinite-operator system.

    m(t) obeys dm/dt = λ(t) - m/holding; for piecewise-constant λ it is exact per interval.
    The sequence is treated as repeating (a week follows a week), so chats still running at
    the end of Sunday count on Monday. Returns (m at interval start, m at interval end);
    the maximum of the two is the peak within the interval because m is monotone there.
    """
    lam = np.asarray(lams, dtype=float)
    decay = math.exp(-interval_min / holding_time)
    m = 0.0
    start = np.zeros_like(lam)
    end = np.zeros_like(lam)
    for _ in range(max(1, cycles)):
        for i, x in enumerate(lam):
            start[i] = m
            steady = x * holding_time
            m = steady + (m - steady) * decay
            end[i] = m
    return start, end


def lag_aware_rates(lams: ArrayLike, holding_time: float, interval_min: float = 60.0) -> np.ndarray:
    """Arrival rate that a stationary model should be sized for in each interval."""
    start, end = modified_offered_load(lams, holding_time, interval_min)
    return cast(np.ndarray, np.maximum(start, end) / holding_time)


def scheduled_operators(required: int, shrinkage: float) -> int:
    """People to schedule so that ``required`` are available after in-shift shrinkage."""
    require(0.0 <= shrinkage < 1.0, "invalid_shrinkage", "shrinkage must be in [0, 1)")
    return math.ceil(required / (1.0 - shrinkage) - 1e-9)


@dataclass(frozen=True)
class IntervalPlan:
    index: int
    lam: float  # chats per minute actually arriving
    lam_sized: float  # the rate the staffing was sized for
    per_hour_operators: int  # naive per-interval rule
    lag_aware_operators: int
    operators: int  # the rule chosen
    scheduled: int  # after shrinkage
    metrics: QueueMetrics  # of the chosen staffing at the actual arrival rate


def plan_intervals(
    lams: ArrayLike,
    open_mask: ArrayLike,
    system: System,
    target: Target,
    *,
    rule: str = "lag-aware",
    interval_min: float = 60.0,
    min_operators_open: int = 1,
    shrinkage: float = 0.0,
) -> list[IntervalPlan]:
    """Staff every interval. Closed intervals get nobody and must have zero arrivals."""
    require(rule in RULES, "invalid_rule", "rule must be lag-aware or per-hour", rule=rule)
    lam = np.asarray(lams, dtype=float)
    mask = np.asarray(open_mask, dtype=bool)
    require(lam.shape == mask.shape, "invalid_profile", "rates and opening mask differ in size")
    require(bool(mask.any()), "empty_schedule", "the opening schedule has no open hours")
    require(bool((lam >= 0).all()), "negative_rate", "arrival rates must be >= 0")
    lag = lag_aware_rates(lam, system.holding_time, interval_min)
    cache: dict[float, Staffing] = {}
    # a week repeats the same hours often (every open hour alike in a flat plan): evaluate
    # each (rate, operators) pair once
    evaluated: dict[tuple[float, int], QueueMetrics] = {}

    def need(x: float) -> Staffing:
        key = round(x, 12)
        if key not in cache:
            cache[key] = required_operators(x, system, target, min_operators=min_operators_open)
        return cache[key]

    def evaluate(x: float, n: int) -> QueueMetrics:
        key = (x, n)
        if key not in evaluated:
            evaluated[key] = system.evaluate(x, n, target.answer_within_s)
        return evaluated[key]

    out = []
    for i in range(lam.size):
        if not mask[i]:
            out.append(IntervalPlan(i, 0.0, 0.0, 0, 0, 0, 0, evaluate(0.0, 0)))
            continue
        naive = need(float(lam[i])).operators
        lagged = need(float(lag[i])).operators
        chosen = lagged if rule == "lag-aware" else naive
        sized = float(lag[i]) if rule == "lag-aware" else float(lam[i])
        metrics = evaluate(float(lam[i]), chosen)
        out.append(
            IntervalPlan(
                i,
                float(lam[i]),
                sized,
                naive,
                lagged,
                chosen,
                scheduled_operators(chosen, shrinkage),
                metrics,
            )
        )
    return out
