"""The simulator agrees with the formulas on stationary cases and shows the lag effect."""

from __future__ import annotations

import numpy as np

from livedesk.planning.concurrency import concurrent_chats
from livedesk.planning.erlang import erlang_a
from livedesk.planning.simulate import simulate
from livedesk.planning.staffing import System, Target, plan_intervals


def _check(sim, formula, reps: int) -> None:
    sl = np.array([r.service_level for r in sim.replications])
    ab = np.array([r.p_abandon for r in sim.replications])
    for values, expected in ((sl, formula.service_level), (ab, formula.p_abandon)):
        se = values.std(ddof=1) / np.sqrt(reps)
        assert abs(values.mean() - expected) < 4 * se + 1e-3, (values.mean(), expected, se)


def test_stationary_erlang_a() -> None:
    reps = 16
    sim = simulate(
        [1.0, 1.0],
        [11, 11],
        aht=10.0,
        patience=2.0,
        interval_min=400.0,
        replications=reps,
        seed=7,
        warmup_intervals=1,
    )
    _check(sim, erlang_a(1.0, 10.0, 2.0, 11, 30), reps)
    tot = sim.total
    assert abs(tot.occupancy - erlang_a(1.0, 10.0, 2.0, 11, 30).occupancy) < 0.02


def test_stationary_concurrency_without_slowdown() -> None:
    reps = 16
    sim = simulate(
        [1.2, 1.2],
        [4, 4],
        aht=8.0,
        patience=1.5,
        concurrency=3,
        interval_min=400.0,
        replications=reps,
        seed=3,
        warmup_intervals=1,
    )
    _check(sim, concurrent_chats(1.2, 8.0, 4, 3, patience=1.5), reps)


def test_concurrency_with_slowdown_is_close_to_the_balanced_model() -> None:
    # balanced routing is an approximation (departures can unbalance operators), so the
    # model may be a little optimistic; it must stay within a few points
    sim = simulate(
        [1.0, 1.0],
        [4, 4],
        aht=6.0,
        patience=2.0,
        concurrency=3,
        slowdown=0.3,
        interval_min=400.0,
        replications=12,
        seed=5,
        warmup_intervals=1,
    )
    m = concurrent_chats(1.0, 6.0, 4, 3, slowdown=0.3, patience=2.0)
    assert abs(sim.total.service_level - m.service_level) < 0.05
    assert abs(sim.total.p_abandon - m.p_abandon) < 0.03


def test_per_hour_staffing_under_delivers_after_a_drop_and_lag_aware_does_not() -> None:
    lams, aht = [1.5, 1.5, 0.2, 0.2], 20.0
    sys_, tgt = System(aht=aht, patience=2.0), Target(0.8, 30, max_abandon=0.05)
    results = {}
    for rule in ("per-hour", "lag-aware"):
        staff = [iv.operators for iv in plan_intervals(lams, [True] * 4, sys_, tgt, rule=rule)]
        sim = simulate(lams, staff, aht=aht, patience=2.0, replications=200, seed=11)
        results[rule] = sim.intervals[2]
    # the hour after the drop: formulas promise <= 5 % abandonment for both
    assert results["per-hour"].p_abandon > 0.08
    assert results["lag-aware"].p_abandon < 0.03
    assert results["lag-aware"].service_level > results["per-hour"].service_level


def test_staffing_change_and_drain() -> None:
    sim = simulate([0.5, 0.0, 0.0], [3, 0, 1], aht=5.0, patience=1.0, seed=1)
    first = sim.intervals[0]
    assert first.offered > 0
    assert first.answered + first.abandoned == first.offered  # every chat has an outcome
    assert sim.intervals[1].offered == 0
