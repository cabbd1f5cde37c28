"""Required operators, properties, the lag-aware rule and shrinkage."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livedesk.planning.erlang import erlang_a, erlang_c
from livedesk.planning.errors import PlanningInputError
from livedesk.planning.staffing import (
    System,
    Target,
    capacity,
    lag_aware_rates,
    modified_offered_load,
    plan_intervals,
    required_operators,
    scheduled_operators,
)


def test_required_operators_textbook_erlang_c() -> None:
    # 80 % within 20 s at A = 10: 13 agents fall short, 14 give 0.888 (the textbook case)
    sys_c = System(aht=3.0, model="erlang-c")
    s = required_operators(100 / 30, sys_c, Target(0.8, 20, max_abandon=None))
    assert erlang_c(100 / 30, 3.0, s.operators, 20).service_level >= 0.8
    assert erlang_c(100 / 30, 3.0, s.operators - 1, 20).service_level < 0.8
    assert s.operators == 14


def test_required_operators_is_the_smallest_meeting_every_cap() -> None:
    sys_a = System(aht=10.0, patience=1.5, concurrency=2)
    tgt = Target(0.85, 30, max_abandon=0.03, max_occupancy=0.8, max_asa_s=20)
    s = required_operators(3.0, sys_a, tgt)
    assert tgt.met_by(s.metrics)
    worse = erlang_a(3.0, 10.0, 1.5, (s.operators - 1) * 2, 30)
    assert not tgt.met_by(worse)
    assert s.metrics.occupancy <= 0.8 and s.metrics.p_abandon <= 0.03


def test_capacity_is_the_inverse_of_required_operators() -> None:
    sys_a, tgt = System(aht=8.0, patience=2.0), Target()
    for n in (2, 5, 9):
        cap = capacity(n, sys_a, tgt)
        assert required_operators(cap * 0.999, sys_a, tgt).operators <= n
        assert required_operators(cap * 1.001, sys_a, tgt).operators == n + 1


def test_impossible_targets_are_clear_errors() -> None:
    with pytest.raises(PlanningInputError) as e:
        Target(service_level=1.0, answer_within_s=0)
    assert e.value.code == "impossible_target" and "0 s" in e.value.message
    with pytest.raises(PlanningInputError):
        Target(max_abandon=0.0)
    with pytest.raises(PlanningInputError) as e2:
        required_operators(-1.0, System(), Target())
    assert e2.value.code == "negative_rate"


def test_shrinkage_rounds_up_without_float_surprises() -> None:
    assert scheduled_operators(10, 0.3) == 15  # 14.29 -> 15
    assert scheduled_operators(7, 0.3) == 10  # 7 / 0.7 is 10.000000000000002 in floats
    assert scheduled_operators(0, 0.5) == 0
    with pytest.raises(PlanningInputError):
        scheduled_operators(3, 1.0)


def test_modified_offered_load_is_exact_for_a_step() -> None:
    # one hour at 1/min then a quiet hour, AHT 20: m decays as 20·(1 - e^-3)·e^(-t/20)
    start, end = modified_offered_load([1.0, 0.0], 20.0, cycles=1)
    peak = 20 * (1 - math.exp(-3))
    assert end[0] == pytest.approx(peak)
    assert start[1] == pytest.approx(peak)
    assert end[1] == pytest.approx(peak * math.exp(-3))
    rates = lag_aware_rates([1.0, 0.1], 20.0)
    assert rates[1] > 0.1 * 5  # the quiet hour is sized for the chats still running


def test_lag_aware_never_below_per_hour_when_demand_falls() -> None:
    lams = [0.2, 1.5, 1.5, 0.3, 0.1]
    ivs = plan_intervals(lams, [True] * 5, System(aht=20.0), Target(), rule="lag-aware")
    assert ivs[3].lag_aware_operators > ivs[3].per_hour_operators
    assert ivs[4].lag_aware_operators >= ivs[4].per_hour_operators
    assert all(iv.operators == iv.lag_aware_operators for iv in ivs)


def test_empty_schedule_is_an_error() -> None:
    with pytest.raises(PlanningInputError) as e:
        plan_intervals([0.0] * 3, [False] * 3, System(), Target())
    assert e.value.code == "empty_schedule"


rates = st.floats(0.05, 5.0)
ahts = st.floats(1.0, 30.0)
patiences = st.floats(0.2, 10.0)


@settings(max_examples=60, deadline=None)
@given(lam=rates, aht=ahts, patience=patiences, n=st.integers(1, 60))
def test_sl_rises_and_abandonment_falls_with_operators(lam, aht, patience, n) -> None:
    a, b = erlang_a(lam, aht, patience, n), erlang_a(lam, aht, patience, n + 1)
    assert b.service_level >= a.service_level - 1e-9
    assert b.p_abandon <= a.p_abandon + 1e-9
    assert 0.0 <= a.service_level <= 1.0 and 0.0 <= a.p_abandon <= 1.0


@settings(max_examples=40, deadline=None)
@given(lam=rates, aht=ahts, factor=st.floats(1.0, 3.0), k=st.integers(1, 3))
def test_required_operators_rise_with_rate_and_duration(lam, aht, factor, k) -> None:
    tgt = Target(0.8, 30)
    base = required_operators(lam, System(aht=aht, concurrency=k), tgt).operators
    more_chats = required_operators(lam * factor, System(aht=aht, concurrency=k), tgt).operators
    longer = required_operators(lam, System(aht=aht * factor, concurrency=k), tgt).operators
    assert more_chats >= base and longer >= base


def test_required_operators_large_load() -> None:
    # 10,000 erlangs with impatient visitors: the 5 % abandonment cap binds, and a
    # fluid view says n ≈ A·(1 - 0.05); with a 1 % cap n must be close to A
    s = required_operators(1000.0, System(aht=10.0, patience=2.0), Target())
    assert 9_450 < s.operators < 10_000
    assert s.metrics.p_abandon <= 0.05 and np.isfinite(s.metrics.asa_s)
    strict = required_operators(1000.0, System(aht=10.0, patience=2.0), Target(max_abandon=0.01))
    assert 9_850 < strict.operators < 10_300
