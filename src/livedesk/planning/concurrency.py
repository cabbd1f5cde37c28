"""Operators who handle several chats at once, with chats that slow down as load grows.

Birth-death model: n operators, each holding up to k chats. With balanced routing the s
chats in service are spread as evenly as possible (r operators hold q+1, the rest q, where
s = q·n + r). A chat whose operator holds l chats lasts on average
AHT_l = AHT_1 · (1 + α·(l - 1)), so the completion rate in state s is
r·(q+1)/AHT_{q+1} + (n-r)·q/AHT_q. Above n·k the extra chats wait and leave with
exponential patience, exactly as in Erlang A; with α = 0 this *is* Erlang A on n·k slots.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np

from .erlang import QueueMetrics, _check_common, _logsumexp, _metrics, queue_tail
from .errors import require


def aht_at(aht1: float, level: int | np.ndarray, slowdown: float) -> float | np.ndarray:
    """Mean chat duration when its operator holds ``level`` chats."""
    return aht1 * (1.0 + slowdown * (np.asarray(level) - 1.0))


def completion_rates(operators: int, concurrency: int, aht1: float, slowdown: float) -> np.ndarray:
    """Completion rate d_s for s = 0..n·k chats in service under balanced routing."""
    n, k = operators, concurrency
    s = np.arange(n * k + 1)
    if n == 0:
        return np.zeros(1)
    q, r = np.divmod(s, n)
    hi = np.where(q + 1 <= k, (q + 1) / aht_at(aht1, q + 1, slowdown), 0.0)
    lo = np.where(q >= 1, q / aht_at(aht1, np.maximum(q, 1), slowdown), 0.0)
    return cast(np.ndarray, r * hi + (n - r) * lo)


def concurrent_chats(
    lam: float,
    aht1: float,
    operators: int,
    concurrency: int = 1,
    *,
    slowdown: float = 0.0,
    patience: float = 2.0,
    answer_within_s: float = 30.0,
) -> QueueMetrics:
    """Metrics for ``operators`` people each taking up to ``concurrency`` chats.

    ``aht1`` is the mean duration of a chat handled alone; ``slowdown`` is α.
    """
    _check_common(lam, aht1, operators, answer_within_s)
    require(concurrency >= 1, "invalid_concurrency", "concurrency must be >= 1", value=concurrency)
    require(slowdown >= 0, "invalid_slowdown", "slowdown α must be >= 0", value=slowdown)
    require(patience > 0, "invalid_patience", "patience must be > 0 minutes", patience=patience)
    slots = operators * concurrency
    load = lam * aht1
    if lam == 0:
        return QueueMetrics(
            "concurrency", slots, 0.0, True, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, answer_within_s
        )
    d = completion_rates(operators, concurrency, aht1, slowdown)
    # log π_s relative to the state with no chats; then re-centre on the full state s = N.
    with np.errstate(divide="ignore"):
        log_pi = np.concatenate(([0.0], np.cumsum(math.log(lam) - np.log(d[1:]))))
    rel = log_pi - log_pi[-1]
    log_lower = _logsumexp(rel[:-1])
    tail = queue_tail(lam, float(d[-1]), patience, log_lower, answer_within_s / 60.0)
    if slots == 0:
        occ = 1.0
    else:
        # busy slots: lower states by their own weight, every waiting state has all N busy
        weight_lower = np.exp(rel[:-1] - log_lower) if slots else np.zeros(0)
        p_lower = 1.0 - tail.p_full
        busy = p_lower * float((np.arange(slots) * weight_lower).sum()) + slots * tail.p_full
        occ = busy / slots
    return _metrics("concurrency", slots, load, tail, min(occ, 1.0), answer_within_s)
