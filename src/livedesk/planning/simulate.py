"""Discrete-event simulation of the chat system, to check formulas and plans.

Same assumptions as the formulas so the two can be compared: Poisson arrivals per interval,
exponential chat durations whose mean depends on how many chats the operator holds
(AHT_l = AHT_1·(1 + α(l−1))), exponential patience, first-come-first-served, new chats go to
the least-loaded operator. When staffing drops at an interval boundary the leaving
operators are the least loaded ones; they finish the chats they hold but take no new ones.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .errors import require


@dataclass
class IntervalStats:
    offered: int = 0
    answered: int = 0
    answered_within: int = 0
    abandoned: int = 0
    abandoned_within: int = 0
    wait_answered_min: float = 0.0
    wait_all_min: float = 0.0
    busy_slot_min: float = 0.0
    slot_min: float = 0.0

    def add(self, other: IntervalStats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def service_level(self) -> float:
        return self.answered_within / self.offered if self.offered else 1.0

    @property
    def service_level_excl_short_abandons(self) -> float:
        denom = self.offered - self.abandoned_within
        return self.answered_within / denom if denom else 1.0

    @property
    def p_abandon(self) -> float:
        return self.abandoned / self.offered if self.offered else 0.0

    @property
    def asa_s(self) -> float:
        return 60.0 * self.wait_answered_min / self.answered if self.answered else 0.0

    @property
    def occupancy(self) -> float:
        return self.busy_slot_min / self.slot_min if self.slot_min else 0.0


@dataclass
class SimulationResult:
    intervals: list[IntervalStats]
    replications: list[IntervalStats] = field(default_factory=list)  # totals per replication

    @property
    def total(self) -> IntervalStats:
        t = IntervalStats()
        for s in self.intervals:
            t.add(s)
        return t

    def replication_sl(self) -> np.ndarray:
        return np.array([r.service_level for r in self.replications])


class _Rng:
    """Batched NumPy draws; a Python event loop calling the generator per event is slow."""

    def __init__(self, seed: int | None) -> None:
        self.gen = np.random.default_rng(seed)
        self._exp = np.empty(0)
        self._uni = np.empty(0)
        self._i = self._j = 0

    def exp(self) -> float:
        if self._i >= self._exp.size:
            self._exp, self._i = self.gen.standard_exponential(65536), 0
        self._i += 1
        return float(self._exp[self._i - 1])

    def uniform(self) -> float:
        if self._j >= self._uni.size:
            self._uni, self._j = self.gen.random(65536), 0
        self._j += 1
        return float(self._uni[self._j - 1])


def simulate(
    lams: Sequence[float],
    staffing: Sequence[int],
    *,
    aht: float,
    patience: float = 2.0,
    concurrency: int = 1,
    slowdown: float = 0.0,
    interval_min: float = 60.0,
    answer_within_s: float = 30.0,
    replications: int = 1,
    seed: int | None = None,
    warmup_intervals: int = 0,
) -> SimulationResult:
    """Simulate consecutive intervals with arrival rates ``lams`` (per minute) and staffing.

    Statistics are per interval of arrival; the first ``warmup_intervals`` are simulated
    but left out. After the last interval no new chats arrive and the system drains with
    the last staffing level.
    """
    lam = [float(x) for x in lams]
    staff = [int(x) for x in staffing]
    require(
        len(lam) == len(staff) and bool(lam), "invalid_profile", "need one staffing per interval"
    )
    require(all(x >= 0 for x in lam), "negative_rate", "arrival rates must be >= 0")
    require(all(x >= 0 for x in staff), "invalid_slots", "staffing must be >= 0")
    require(
        aht > 0 and patience > 0 and concurrency >= 1 and slowdown >= 0,
        "invalid_input",
        "aht, patience > 0, concurrency >= 1, slowdown >= 0",
    )
    rng = _Rng(seed)
    totals = [IntervalStats() for _ in lam]
    per_rep: list[IntervalStats] = []
    for _ in range(replications):
        stats = _run(
            lam,
            staff,
            aht,
            patience,
            concurrency,
            slowdown,
            interval_min,
            answer_within_s / 60.0,
            rng,
        )
        rep = IntervalStats()
        for i, s in enumerate(stats):
            if i >= warmup_intervals:
                totals[i].add(s)
                rep.add(s)
        per_rep.append(rep)
    return SimulationResult(totals[warmup_intervals:], per_rep)


def _run(
    lam: list[float],
    staff: list[int],
    aht: float,
    patience: float,
    k: int,
    alpha: float,
    interval_min: float,
    t_ans: float,
    rng: _Rng,
) -> list[IntervalStats]:
    stats = [IntervalStats() for _ in lam]
    rate_at = [0.0] + [lv / (aht * (1.0 + alpha * (lv - 1))) for lv in range(1, k + 1)]
    on = [0] * (k + 1)  # on-shift operators by number of chats held
    off = [0] * (k + 1)  # off-shift operators still finishing chats
    on[0] = staff[0]
    queue: deque[list] = deque()  # [arrival time, interval, alive]
    deadlines: list[tuple[float, int, list]] = []
    counter = 0
    t = 0.0
    n_int = len(lam)
    horizon = n_int * interval_min
    cur = 0
    in_service = 0

    def assign() -> None:
        nonlocal in_service
        while queue:
            lv = next((lv for lv in range(k) if on[lv]), None)
            if lv is None:
                return
            item = queue.popleft()
            if not item[2]:
                continue
            item[2] = False
            on[lv] -= 1
            on[lv + 1] += 1
            in_service += 1
            waited = t - item[0]
            s = stats[item[1]]
            s.answered += 1
            s.wait_answered_min += waited
            s.wait_all_min += waited
            if waited <= t_ans + 1e-12:
                s.answered_within += 1

    while True:
        arrival_rate = lam[cur] if t < horizon else 0.0
        service_rate = sum((on[lv] + off[lv]) * rate_at[lv] for lv in range(1, k + 1))
        total = arrival_rate + service_rate
        dt = rng.exp() / total if total > 0 else math.inf
        while deadlines and not deadlines[0][2][2]:
            heapq.heappop(deadlines)
        next_deadline = deadlines[0][0] if deadlines else math.inf
        next_boundary = (cur + 1) * interval_min if t < horizon else math.inf
        t_next = min(t + dt, next_deadline, next_boundary)
        if math.isinf(t_next):
            break
        if t < horizon:  # occupancy bookkeeping for the current interval
            s = stats[cur]
            s.busy_slot_min += in_service * (t_next - t)
            s.slot_min += staff[cur] * k * (t_next - t)
        t = t_next
        if t == next_boundary:
            cur += 1
            if cur < n_int:
                _restaff(on, off, staff[cur], k)
                assign()
            continue
        if t == next_deadline:
            _, _, item = heapq.heappop(deadlines)
            item[2] = False
            s = stats[item[1]]
            s.abandoned += 1
            waited = t - item[0]
            s.wait_all_min += waited
            if waited <= t_ans + 1e-12:
                s.abandoned_within += 1
            continue
        if rng.uniform() * total < arrival_rate:
            stats[cur].offered += 1
            item = [t, cur, True]
            queue.append(item)
            counter += 1
            heapq.heappush(deadlines, (t + patience * rng.exp(), counter, item))
            assign()
        else:
            # pick the level, then on/off shift, in proportion to completion rates
            u = rng.uniform() * service_rate
            lv = 0
            for level in range(1, k + 1):
                w = (on[level] + off[level]) * rate_at[level]
                if w <= 0:
                    continue
                lv = level
                if u < w:
                    break
                u -= w
            in_service -= 1
            if u < on[lv] * rate_at[lv]:
                on[lv] -= 1
                on[lv - 1] += 1
            else:
                off[lv] -= 1
                off[lv - 1] += 1
            assign()
    return stats


def _restaff(on: list[int], off: list[int], target: int, k: int) -> None:
    current = sum(on)
    if target > current:
        on[0] += target - current
        return
    leave = current - target
    for lv in range(k + 1):  # least-loaded operators go first
        take = min(leave, on[lv])
        on[lv] -= take
        off[lv] += take
        leave -= take
    off[0] = 0  # idle leavers are simply gone
