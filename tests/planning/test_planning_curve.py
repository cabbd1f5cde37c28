"""The in-house cost curve and its break-evens, against exhaustive recomputation.

The curve is built from one capacity per head count (``capacities``: a warm-started root
search) instead of a 25-step bisection per head count. These tests hold it to the slow,
obvious methods: the per-n bisection ``capacity``, a whole plan recomputed at each volume,
and a scan of a fine grid of volumes for every switch between the cheaper options.
"""

from __future__ import annotations

import numpy as np
import pytest

from livedesk import planning as lp
from livedesk.planning.costs import break_even
from livedesk.planning.staffing import System, Target, capacities, capacity, plan_intervals

SYSTEMS = [
    (System(), Target()),
    (System(concurrency=2, slowdown=0.2), Target()),
    (System(concurrency=3, slowdown=0.1), Target(0.9, 20, 0.03, 0.85, 15)),
    (System(model="erlang-c"), Target(max_abandon=None)),
    (System(aht=6.0, patience=0.4), Target(0.6, 60, None, max_asa_s=40)),
]


@pytest.mark.parametrize(("system", "target"), SYSTEMS)
def test_capacities_equal_the_per_head_count_bisection(system: System, target: Target) -> None:
    caps = capacities(1.5, system, target)
    assert caps[0] == 0.0 and caps[-1] >= 1.5 > caps[-2]
    for n, cap in enumerate(caps[1:], start=1):
        old = capacity(n, system, target)
        assert cap == pytest.approx(old, rel=2e-7), n
        # the defining property: n operators meet the target at cap and miss it just above
        metrics = system.evaluate(cap, n, target.answer_within_s)
        assert target.met_by(metrics)
        assert not target.met_by(system.evaluate(cap * (1 + 1e-6), n, target.answer_within_s))


# a small week: four open hours a day with a peak, shrinkage that makes steps of 1 and 2
SMALL = dict(
    visitors_per_day=300,
    opening="09:00-13:00",
    hourly_profile=[0] * 9 + [1, 3, 2, 1] + [0] * 11,
    concurrency=2,
    slowdown=0.2,
    shrinkage=0.3,
    prices=[
        {"kind": "per_chat", "price": 4.4},
        {"kind": "per_lead", "price": 30.0, "lead_rate": 0.25},
        {"kind": "bundle", "fee": 4000.0, "included_chats": 500, "overage_price": 3.9},
    ],
)


@pytest.fixture(scope="module")
def small() -> lp.Plan:
    return lp.plan(**SMALL)


def test_curve_equals_whole_plans_recomputed_at_each_volume(small: lp.Plan) -> None:
    now = float(small.scenario.chats_per_minute().sum()) * 60 * 4.2  # unrounded volume
    jumps = small.inhouse_curve.jumps
    checked = 0
    for v in np.linspace(now * 0.05, small.v_max, 61):
        if np.min(np.abs(jumps - v)) < 1e-5 * v:
            continue  # at a jump itself the two may round to different sides
        # the week staffed hour by hour at this volume, as plan() staffs it, and costed
        sc = lp.Scenario.from_dict({**SMALL, "visitors_per_day": 300 * v / now})
        lam = sc.chats_per_minute()
        assert lam.sum() * 60 * 4.2 == pytest.approx(v)
        intervals = plan_intervals(
            lam, sc.open_mask(), sc.system, sc.target, min_operators_open=1, shrinkage=0.3
        )
        hours = sum(iv.scheduled for iv in intervals)
        exhaustive = sc.cost_params.monthly_cost(hours, with_absence=True)
        assert small.inhouse_curve(v) == pytest.approx(exhaustive, rel=1e-12), v
        checked += 1
    assert checked >= 50


def test_break_evens_equal_a_fine_scan_of_volumes(small: lp.Plan) -> None:
    curve, v_max = small.inhouse_curve, small.v_max
    grid = np.linspace(0.0, v_max, 200_001)
    step = grid[1]
    inhouse = curve.levels[np.searchsorted(curve.jumps, grid, side="right")]
    crossings = 0
    for price in small.scenario.price_models:
        found = break_even(curve, lambda v, p=price: p.monthly_cost(v, 28.0), v_max)
        outsourced = np.array([price.monthly_cost(float(v), 28.0) for v in grid])
        cheaper_inhouse = inhouse < outsourced
        switches = np.flatnonzero(cheaper_inhouse[1:] != cheaper_inhouse[:-1])
        # every switch the scan sees is reported, where it is, and the other way round
        assert len(found) == len(switches), price
        for b, i in zip(found, switches, strict=True):
            assert grid[i] - 1e-6 <= b["volume"] <= grid[i + 1] + 1e-6, (price, b)
            assert b["cheaper_above"] == ("in_house" if cheaper_inhouse[i + 1] else "outsourced")
        crossings += len(found)
    assert step < 0.03  # far finer than the gaps between these break-evens
    assert crossings >= 5


def test_the_default_plan_keeps_its_break_evens() -> None:
    # the whitepaper example's per-lead price crosses three times; the volumes are those
    # the per-n bisection gave, to the 0.1 chat the plan reports
    p = lp.plan()
    per_lead = next(o for o in p.outsourcing if o["kind"] == "per_lead")
    volumes = [b["volume"] for b in per_lead["break_even"]]
    assert [b["cheaper_above"] for b in per_lead["break_even"]] == [
        "in_house",
        "outsourced",
        "in_house",
    ]
    assert volumes == [7761.6, 8295.4, 9055.2]
