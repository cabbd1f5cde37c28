"""Erlang B, Erlang C and Erlang A (M/M/N+M) queue metrics, numerically stable at any size.

Units: arrival rate ``lam`` in chats per minute, ``aht`` and ``patience`` in minutes,
answer threshold ``answer_within_s`` in seconds. ``slots`` is N = operators x concurrency.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .errors import require

SL_PRIMARY = "primary"
SL_EXCL_SHORT = "excl_short_abandons"
SL_VARIANT_TEXT = {
    SL_PRIMARY: "answered within t / all offered chats (abandoned chats count as failures)",
    SL_EXCL_SHORT: "answered within t / (offered - chats abandoned within t)",
}


@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state performance of one interval."""

    model: str
    slots: int
    offered_load: float  # erlangs: lam * aht
    stable: bool
    p_wait: float  # probability an arriving chat is not answered at once
    p_abandon: float  # probability a chat leaves before it is answered
    service_level: float  # primary variant: abandons count as failures
    service_level_excl_short_abandons: float
    asa_s: float  # mean wait of answered chats, seconds
    mean_wait_s: float  # mean wait of all chats incl. those who leave, seconds
    occupancy: float  # busy slots / slots
    answer_within_s: float

    @property
    def status(self) -> str:
        return "ok" if self.stable else "unstable"

    def sl(self, variant: str = SL_PRIMARY) -> float:
        if variant == SL_EXCL_SHORT:
            return self.service_level_excl_short_abandons
        return self.service_level

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"] = self.status
        return d


def _check_common(lam: float, aht: float, slots: int, answer_within_s: float) -> None:
    require(math.isfinite(lam) and lam >= 0, "negative_rate", "arrival rate must be >= 0", lam=lam)
    require(math.isfinite(aht) and aht > 0, "invalid_aht", "chat duration must be > 0", aht=aht)
    require(slots >= 0, "invalid_slots", "number of slots must be >= 0", slots=slots)
    require(
        math.isfinite(answer_within_s) and answer_within_s >= 0,
        "invalid_threshold",
        "answer threshold must be >= 0 seconds",
        answer_within_s=answer_within_s,
    )


def erlang_b(slots: int, load: float) -> float:
    """Blocking probability B(N, A) by the stable recursion B(k) = A·B(k-1) / (k + A·B(k-1))."""
    require(load >= 0, "negative_rate", "offered load must be >= 0", load=load)
    b = 1.0
    for k in range(1, int(slots) + 1):
        b = load * b / (k + load * b)
    return b


def erlang_b_all(max_slots: int, load: float) -> np.ndarray:
    """B(N, A) for N = 0..max_slots, same recursion; handy for scanning staffing levels."""
    out = np.empty(int(max_slots) + 1)
    b = 1.0
    out[0] = b
    for k in range(1, int(max_slots) + 1):
        b = load * b / (k + load * b)
        out[k] = b
    return out


def _log_lower_over_top(slots: int, load: float) -> float:
    """log(sum_{s<N} A^s/s! / (A^N/N!)) = log(1/B - 1), computed in log space when B underflows."""
    if slots == 0:
        return -math.inf
    if load == 0:
        return math.inf
    b = erlang_b(slots, load)
    if b > 1e-250:
        return math.log1p(-b) - math.log(b)
    # r_k = 1/B_k obeys r_k = 1 + (k/A) r_{k-1}; iterate log r_k without overflow.
    lr = 0.0
    for k in range(1, slots + 1):
        a = math.log(k / load) + lr
        lr = a + math.log1p(math.exp(-a)) if a > 0 else math.log1p(math.exp(a))
    return lr + math.log1p(-math.exp(-lr))


def erlang_c_probability(slots: int, load: float) -> float:
    """P(wait) in M/M/N; 1.0 when the queue is unstable (N <= A)."""
    if slots <= load:
        return 1.0
    b = erlang_b(slots, load)
    return slots * b / (slots - load * (1.0 - b))


def erlang_c(lam: float, aht: float, slots: int, answer_within_s: float = 30.0) -> QueueMetrics:
    """M/M/N without abandonment. Unstable input (N <= A) reports stable=False, never p > 1."""
    _check_common(lam, aht, slots, answer_within_s)
    load = lam * aht
    if lam == 0:
        return QueueMetrics(
            "erlang-c", slots, 0.0, True, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, answer_within_s
        )
    if slots <= load:
        return QueueMetrics(
            "erlang-c",
            slots,
            load,
            False,
            1.0,
            0.0,
            0.0,
            0.0,
            math.inf,
            math.inf,
            1.0,
            answer_within_s,
        )
    pw = erlang_c_probability(slots, load)
    t = answer_within_s / 60.0
    sl = 1.0 - pw * math.exp(-(slots - load) * t / aht)
    asa = pw * aht / (slots - load) * 60.0
    return QueueMetrics(
        "erlang-c", slots, load, True, pw, 0.0, sl, sl, asa, asa, load / slots, answer_within_s
    )


def _logsumexp(x: np.ndarray) -> float:
    if x.size == 0:
        return -math.inf
    m = float(np.max(x))
    if not math.isfinite(m):
        return m
    return m + math.log(float(np.sum(np.exp(x - m))))


def _inc_beta_seq(x: float, q: float, count: int) -> np.ndarray:
    """Regularised incomplete beta I_x(p, q) for p = 1..count by the downward-term recurrence.

    I_x(1, q) = 1 - (1-x)^q and I_x(p+1, q) = I_x(p, q) - x^p (1-x)^q Γ(p+q) / (Γ(p+1) Γ(q)).
    """
    if x <= 0.0:
        return np.zeros(count)
    p = np.arange(1, count, dtype=float)  # terms for p = 1..count-1
    # log Γ(p+q)/(Γ(q)Γ(p+1)) as cumulative sums, so no gamma function is needed.
    lg = np.cumsum(np.log(q + p - 1.0)) - np.cumsum(np.log(p))
    with np.errstate(divide="ignore"):
        log_terms = p * math.log(x) + q * math.log1p(-x) + lg
    first = -math.expm1(q * math.log1p(-x))
    out = np.empty(count)
    out[0] = first
    out[1:] = first - np.cumsum(np.exp(log_terms))
    return np.clip(out, 0.0, 1.0)


@dataclass(frozen=True)
class _Tail:
    p_wait: float
    p_abandon: float
    answered_within: float  # P(answered within t), over all arrivals
    abandoned_within: float  # P(abandoned within t)
    asa_min: float
    mean_wait_min: float
    p_full: float  # P(all slots busy) = p_wait by PASTA


def queue_tail(lam: float, d_full: float, patience: float, log_lower: float, t_min: float) -> _Tail:
    """Waiting-room metrics of a birth-death system with exponential patience.

    ``d_full`` is the completion rate when all slots are busy, ``log_lower`` is
    log(sum of unnormalised probabilities of states with a free slot / that of the full
    state). The tagged arrival that finds m chats ahead is answered when m+1 "progress"
    events (rate d_full + j/patience with j ahead) beat its own patience; with a = d·patience
    that is answered with probability a/(a+m+1), within t with a/(a+m+1) I_x(m+1, a+1),
    x = 1 - exp(-t/patience).
    """
    if math.isinf(patience):
        return _tail_no_abandon(lam, d_full, log_lower, t_min)
    theta = 1.0 / patience
    if d_full <= 0:  # nobody is ever answered; every chat leaves after its patience
        return _Tail(1.0, 1.0, 0.0, -math.expm1(-t_min * theta), math.inf, patience, 1.0)
    a = d_full / theta
    m0 = max(0.0, (lam - d_full) / theta)
    # Terms peak near m0 and then fall like a Gaussian of width sqrt(lam/theta).
    m_max = int(m0 + 12.0 * math.sqrt(lam / theta + 1.0) + 60)
    if d_full > lam:
        m_max = min(m_max, int(45.0 / math.log(d_full / lam)) + 60)
    m_max = min(m_max, 20_000_000)
    i = np.arange(1, m_max + 1, dtype=float)
    log_tau = np.concatenate(([0.0], np.cumsum(math.log(lam) - np.log(d_full + i * theta))))
    log_j = _logsumexp(log_tau)
    log_total = np.logaddexp(log_lower, log_j)
    w = np.exp(log_tau - log_total)  # P(arrival finds m chats waiting ahead), m = 0..m_max
    m = np.arange(m_max + 1, dtype=float)
    p_wait = float(w.sum())
    e_q = float((m * w).sum())
    p_ab = min(1.0, theta * e_q / lam)
    served = a / (a + m + 1.0)
    x = -math.expm1(-t_min * theta)
    i_a1 = _inc_beta_seq(x, a + 1.0, m_max + 1)
    i_a = _inc_beta_seq(x, a, m_max + 1)
    ans_wait = served * i_a1
    answered_within = (1.0 - p_wait) + float((w * ans_wait).sum())
    still_waiting = (1.0 - x) * (1.0 - i_a)
    ab_within = float((w * np.clip(1.0 - still_waiting - ans_wait, 0.0, 1.0)).sum())
    # E[V·1{answered}] = (1/theta)·a/(a+m+1)·sum_{j=0..m} 1/(a+1+j)
    harmonic = np.cumsum(1.0 / (a + 1.0 + m))
    wait_answered = float((w * served * harmonic).sum()) / theta
    p_served = 1.0 - p_ab
    asa = wait_answered / p_served if p_served > 0 else math.inf
    return _Tail(p_wait, p_ab, answered_within, ab_within, asa, e_q / lam, p_wait)


def _tail_no_abandon(lam: float, d_full: float, log_lower: float, t_min: float) -> _Tail:
    if d_full <= lam:
        return _Tail(1.0, 0.0, 0.0, 0.0, math.inf, math.inf, 1.0)
    rho = lam / d_full
    log_j = -math.log1p(-rho)
    p_wait = math.exp(log_j - float(np.logaddexp(log_lower, log_j)))
    gap = d_full - lam
    answered_within = 1.0 - p_wait * math.exp(-gap * t_min)
    asa = p_wait / gap
    return _Tail(p_wait, 0.0, answered_within, 0.0, asa, asa, p_wait)


def erlang_a(
    lam: float,
    aht: float,
    patience: float,
    slots: int,
    answer_within_s: float = 30.0,
) -> QueueMetrics:
    """M/M/N+M (Erlang A): exponential patience with mean ``patience`` minutes.

    ``patience=math.inf`` gives Erlang C. Always stable when patience is finite.
    """
    _check_common(lam, aht, slots, answer_within_s)
    require(patience > 0, "invalid_patience", "patience must be > 0 minutes", patience=patience)
    if math.isinf(patience):
        return erlang_c(lam, aht, slots, answer_within_s)
    load = lam * aht
    if lam == 0:
        return QueueMetrics(
            "erlang-a", slots, 0.0, True, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, answer_within_s
        )
    t_min = answer_within_s / 60.0
    tail = queue_tail(lam, slots / aht, patience, _log_lower_over_top(slots, load), t_min)
    occ = lam * (1.0 - tail.p_abandon) * aht / slots if slots else 1.0
    return _metrics("erlang-a", slots, load, tail, min(occ, 1.0), answer_within_s)


def _metrics(
    model: str, slots: int, load: float, tail: _Tail, occ: float, answer_within_s: float
) -> QueueMetrics:
    stable = math.isfinite(tail.mean_wait_min)
    denom = 1.0 - tail.abandoned_within
    sl_excl = tail.answered_within / denom if denom > 0 else 0.0
    return QueueMetrics(
        model=model,
        slots=slots,
        offered_load=load,
        stable=stable,
        p_wait=min(tail.p_wait, 1.0),
        p_abandon=tail.p_abandon,
        service_level=min(max(tail.answered_within, 0.0), 1.0),
        service_level_excl_short_abandons=min(max(sl_excl, 0.0), 1.0),
        asa_s=tail.asa_min * 60.0,
        mean_wait_s=tail.mean_wait_min * 60.0,
        occupancy=occ,
        answer_within_s=answer_within_s,
    )
