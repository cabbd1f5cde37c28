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
    return _Simulation(lam, staff, aht, patience, k, alpha, interval_min, t_ans, rng).run()


class _Simulation:
    """One simulated run: exponential arrivals, services and patience, event by event.

    Operators are counted by how many chats they hold (`on` for those on shift, `off` for those
    whose shift ended and who finish their chats); a chat's completion rate depends on how many
    its operator holds (`rate_at`). The random draws happen in a fixed order, so a seed gives
    the same run every time."""

    def __init__(
        self,
        lam: list[float],
        staff: list[int],
        aht: float,
        patience: float,
        k: int,
        alpha: float,
        interval_min: float,
        t_ans: float,
        rng: _Rng,
    ) -> None:
        self.lam, self.staff, self.k, self.rng = lam, staff, k, rng
        self.patience, self.interval_min, self.t_ans = patience, interval_min, t_ans
        self.stats = [IntervalStats() for _ in lam]
        self.rate_at = [0.0] + [lv / (aht * (1.0 + alpha * (lv - 1))) for lv in range(1, k + 1)]
        self.on = [0] * (k + 1)  # on-shift operators by number of chats held
        self.off = [0] * (k + 1)  # off-shift operators still finishing chats
        self.on[0] = staff[0]
        self.queue: deque[list] = deque()  # [arrival time, interval, alive]
        self.deadlines: list[tuple[float, int, list]] = []
        self.counter = 0
        self.t = 0.0
        self.horizon = len(lam) * interval_min
        self.cur = 0
        self.in_service = 0

    def run(self) -> list[IntervalStats]:
        while self._step():
            pass
        return self.stats

    def _step(self) -> bool:
        """Advance to the next event and handle it; False when nothing is left to happen."""
        t, cur, k = self.t, self.cur, self.k
        arrival_rate = self.lam[cur] if t < self.horizon else 0.0
        service_rate = sum(
            (self.on[lv] + self.off[lv]) * self.rate_at[lv] for lv in range(1, k + 1)
        )
        total = arrival_rate + service_rate
        dt = self.rng.exp() / total if total > 0 else math.inf
        while self.deadlines and not self.deadlines[0][2][2]:
            heapq.heappop(self.deadlines)
        next_deadline = self.deadlines[0][0] if self.deadlines else math.inf
        next_boundary = (cur + 1) * self.interval_min if t < self.horizon else math.inf
        t_next = min(t + dt, next_deadline, next_boundary)
        if math.isinf(t_next):
            return False
        if t < self.horizon:  # occupancy bookkeeping for the current interval
            s = self.stats[cur]
            s.busy_slot_min += self.in_service * (t_next - t)
            s.slot_min += self.staff[cur] * k * (t_next - t)
        self.t = t_next
        if t_next == next_boundary:
            self._next_interval()
        elif t_next == next_deadline:
            self._abandon()
        elif self.rng.uniform() * total < arrival_rate:
            self._arrive()
        else:
            self._complete(service_rate)
        return True

    def _next_interval(self) -> None:
        self.cur += 1
        if self.cur < len(self.lam):
            _restaff(self.on, self.off, self.staff[self.cur], self.k)
            self._assign()

    def _abandon(self) -> None:
        _, _, item = heapq.heappop(self.deadlines)
        item[2] = False
        s = self.stats[item[1]]
        s.abandoned += 1
        waited = self.t - item[0]
        s.wait_all_min += waited
        if waited <= self.t_ans + 1e-12:
            s.abandoned_within += 1

    def _arrive(self) -> None:
        self.stats[self.cur].offered += 1
        item = [self.t, self.cur, True]
        self.queue.append(item)
        self.counter += 1
        deadline = self.t + self.patience * self.rng.exp()
        heapq.heappush(self.deadlines, (deadline, self.counter, item))
        self._assign()

    def _complete(self, service_rate: float) -> None:
        """A chat ends: pick the level, then on/off shift, in proportion to completion rates."""
        u = self.rng.uniform() * service_rate
        lv = 0
        for level in range(1, self.k + 1):
            w = (self.on[level] + self.off[level]) * self.rate_at[level]
            if w <= 0:
                continue
            lv = level
            if u < w:
                break
            u -= w
        self.in_service -= 1
        if u < self.on[lv] * self.rate_at[lv]:
            self.on[lv] -= 1
            self.on[lv - 1] += 1
        else:
            self.off[lv] -= 1
            self.off[lv - 1] += 1
        self._assign()

    def _assign(self) -> None:
        """Waiting chats go to the least busy on-shift operators, first come first served."""
        on, queue = self.on, self.queue
        while queue:
            lv = next((lv for lv in range(self.k) if on[lv]), None)
            if lv is None:
                return
            item = queue.popleft()
            if not item[2]:
                continue
            item[2] = False
            on[lv] -= 1
            on[lv + 1] += 1
            self.in_service += 1
            waited = self.t - item[0]
            s = self.stats[item[1]]
            s.answered += 1
            s.wait_answered_min += waited
            s.wait_all_min += waited
            if waited <= self.t_ans + 1e-12:
                s.answered_within += 1


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
