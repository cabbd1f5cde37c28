"""Erlang B/C/A against textbook figures and an independent numerical method."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import linalg

from livedesk.planning.concurrency import concurrent_chats
from livedesk.planning.erlang import (
    erlang_a,
    erlang_b,
    erlang_b_all,
    erlang_c,
    erlang_c_probability,
)
from livedesk.planning.errors import PlanningInputError


def test_erlang_c_textbook_example() -> None:
    # 100 contacts per 30 minutes, AHT 3 minutes, 20 s threshold, 14 agents
    m = erlang_c(lam=100 / 30, aht=3.0, slots=14, answer_within_s=20)
    assert m.offered_load == pytest.approx(10.0)
    assert round(m.p_wait, 6) == 0.174132
    assert round(m.service_level, 6) == 0.888350
    assert round(m.asa_s, 3) == 7.836
    assert m.occupancy == pytest.approx(10 / 14)


def test_erlang_b_small_values_by_hand() -> None:
    # B(1, A) = A / (1 + A); B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2
    assert erlang_b(1, 3.0) == pytest.approx(0.75)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_b(0, 5.0) == 1.0
    table = erlang_b_all(30, 12.5)
    assert table[17] == pytest.approx(erlang_b(17, 12.5))


def test_erlang_b_matches_factorial_form_where_that_is_safe() -> None:
    a, n = 7.3, 12
    direct = (a**n / math.factorial(n)) / sum(a**k / math.factorial(k) for k in range(n + 1))
    assert erlang_b(n, a) == pytest.approx(direct, rel=1e-12)


@pytest.mark.parametrize("load", [1_000.0, 10_000.0])
def test_large_loads_do_not_overflow(load: float) -> None:
    n = int(load + 3 * math.sqrt(load))
    b = erlang_b(n, load)
    c = erlang_c_probability(n, load)
    assert 0.0 < b < c < 1.0
    m = erlang_c(lam=load / 10, aht=10.0, slots=n)
    assert 0.0 < m.p_wait < 1.0 and 0.9 < m.service_level < 1.0
    a = erlang_a(lam=load / 10, aht=10.0, patience=2.0, slots=n)
    assert 0.0 <= a.p_abandon < a.p_wait < 1.0
    assert math.isfinite(a.asa_s)


def test_erlang_c_unstable_never_above_one() -> None:
    for slots in (5, 10):  # A = 10
        m = erlang_c(lam=1.0, aht=10.0, slots=slots)
        assert m.status == "unstable" and not m.stable
        assert m.p_wait == 1.0 and m.service_level == 0.0
        assert math.isinf(m.asa_s)
    assert erlang_c_probability(9, 10.0) == 1.0


def test_negative_rate_is_a_clear_error() -> None:
    with pytest.raises(PlanningInputError) as e:
        erlang_c(lam=-1.0, aht=3.0, slots=3)
    assert e.value.code == "negative_rate"


# ---- an independent exact method: a truncated birth-death chain solved numerically ----


def chain_metrics(lam: float, aht: float, patience: float, n: int, t_s: float) -> dict:
    mu, theta = 1 / aht, 1 / patience
    size = n + 400
    q = np.zeros((size, size))
    for s in range(size):
        if s + 1 < size:
            q[s, s + 1] = lam
        if s > 0:
            q[s, s - 1] = min(s, n) * mu + max(0, s - n) * theta
        q[s, s] = -q[s].sum()
    # solve pi Q = 0 with sum(pi) = 1 as a least-squares system
    a = np.vstack([q.T, np.ones(size)])
    rhs = np.zeros(size + 1)
    rhs[-1] = 1.0
    pi = np.linalg.lstsq(a, rhs, rcond=None)[0]
    queue = np.maximum(np.arange(size) - n, 0)
    p_wait = pi[n:].sum()
    p_ab = theta * (queue * pi).sum() / lam
    # tagged chat: j chats ahead, absorbed when answered or when it leaves
    m_ahead = size - n
    g = np.zeros((m_ahead + 2, m_ahead + 2))  # last two: answered, abandoned
    ans, ab = m_ahead, m_ahead + 1
    for j in range(m_ahead):
        if j == 0:
            g[j, ans] = n * mu
        else:
            g[j, j - 1] = n * mu + j * theta
        g[j, ab] = theta
        g[j, j] = -(n * mu + (j + 1) * theta)
    p_t = linalg.expm(g * t_s / 60.0)
    answered_within = pi[:n].sum() + sum(pi[n + j] * p_t[j, ans] for j in range(m_ahead))
    ab_within = sum(pi[n + j] * p_t[j, ab] for j in range(m_ahead))
    return {
        "p_wait": p_wait,
        "p_abandon": p_ab,
        "sl": answered_within,
        "sl_excl": answered_within / (1 - ab_within),
    }


@pytest.mark.parametrize(
    ("lam", "aht", "patience", "n", "t"),
    [
        (100 / 30, 3.0, 2.0, 14, 20),
        (1.0, 10.0, 2.0, 11, 30),
        (2.0, 10.0, 1.0, 12, 30),  # overloaded: stable only thanks to abandonment
        (0.5, 8.0, 5.0, 6, 60),
        (3.0, 4.0, 0.5, 9, 0),
    ],
)
def test_erlang_a_matches_truncated_chain(lam, aht, patience, n, t) -> None:
    exact = chain_metrics(lam, aht, patience, n, t)
    m = erlang_a(lam, aht, patience, n, t)
    assert m.p_wait == pytest.approx(exact["p_wait"], abs=1e-6)
    assert m.p_abandon == pytest.approx(exact["p_abandon"], abs=1e-6)
    assert m.service_level == pytest.approx(exact["sl"], abs=1e-6)
    assert m.service_level_excl_short_abandons == pytest.approx(exact["sl_excl"], abs=1e-6)


def test_erlang_a_tends_to_erlang_c_with_endless_patience() -> None:
    c = erlang_c(100 / 30, 3.0, 14, 20)
    a = erlang_a(100 / 30, 3.0, 1e7, 14, 20)
    assert a.p_wait == pytest.approx(c.p_wait, abs=1e-6)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-6)
    assert a.asa_s == pytest.approx(c.asa_s, rel=1e-4)
    assert erlang_a(100 / 30, 3.0, math.inf, 14, 20) == c


def test_erlang_a_flow_balance() -> None:
    # carried load = offered x (1 - P(abandon)) and occupancy = carried / N
    m = erlang_a(2.0, 10.0, 1.5, 18, 30)
    assert m.occupancy == pytest.approx(2.0 * 10.0 * (1 - m.p_abandon) / 18)
    # with exponential patience P(abandon) = E[wait] / patience (each waiting minute
    # carries a 1/patience chance of leaving)
    assert m.mean_wait_s == pytest.approx(m.p_abandon * 1.5 * 60.0)


@pytest.mark.parametrize(("n", "k"), [(3, 3), (5, 2), (1, 4), (7, 1)])
def test_concurrency_without_slowdown_is_erlang_a_on_nk_slots(n: int, k: int) -> None:
    a = erlang_a(1.3, 9.0, 2.5, n * k, 30)
    c = concurrent_chats(1.3, 9.0, n, k, slowdown=0.0, patience=2.5, answer_within_s=30)
    for field in (
        "p_wait",
        "p_abandon",
        "service_level",
        "service_level_excl_short_abandons",
        "asa_s",
        "mean_wait_s",
        "occupancy",
    ):
        assert getattr(c, field) == pytest.approx(getattr(a, field), rel=1e-9, abs=1e-12)


def test_concurrency_slowdown_hurts_and_matches_its_own_chain() -> None:
    lam, aht1, n, k, alpha, pat = 1.0, 6.0, 4, 3, 0.3, 2.0
    fast = concurrent_chats(lam, aht1, n, k, slowdown=0.0, patience=pat)
    slow = concurrent_chats(lam, aht1, n, k, slowdown=alpha, patience=pat)
    assert slow.service_level < fast.service_level
    assert slow.p_abandon > fast.p_abandon
    # independent check of P(wait): explicit chain with balanced-routing death rates
    size = n * k + 300
    q = np.zeros((size, size))
    for s in range(size):
        if s + 1 < size:
            q[s, s + 1] = lam
        if s > 0:
            busy = min(s, n * k)
            lv, r = divmod(busy, n)
            d = r * (lv + 1) / (aht1 * (1 + alpha * lv)) if r else 0.0
            d += (n - r) * lv / (aht1 * (1 + alpha * (lv - 1))) if lv else 0.0
            q[s, s - 1] = d + max(0, s - n * k) / pat
        q[s, s] = -q[s].sum()
    a = np.vstack([q.T, np.ones(size)])
    rhs = np.zeros(size + 1)
    rhs[-1] = 1
    pi = np.linalg.lstsq(a, rhs, rcond=None)[0]
    assert slow.p_wait == pytest.approx(pi[n * k :].sum(), abs=1e-8)
    queue = np.maximum(np.arange(size) - n * k, 0)
    assert slow.p_abandon == pytest.approx((queue * pi).sum() / pat / lam, abs=1e-8)
