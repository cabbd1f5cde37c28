"""How long one plan takes: the current planner against the old method as a baseline.

The old method, kept here only as the baseline, built the in-house cost curve from a
25-step bisection per head count (``capacity(n)``), turned it into jumps hour by hour in
Python, scanned every jump for break-evens one volume at a time, and evaluated the queue
model again for every open hour of the week. The current planner computes the capacities
by a warm-started root search (``capacities``), the jumps and the break-even scan with
NumPy, and evaluates each (rate, staff) pair of the week once. Both give the same plan; this
script checks that (every figure of ``Plan.to_dict()``) before it prints a time.

Run: .venv/bin/python bench/planner.py [--repeat 7] [--cli 5]
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from livedesk.planning import scenario as scenario_module
from livedesk.planning.costs import StepCost
from livedesk.planning.scenario import Scenario, plan
from livedesk.planning.staffing import (
    RULES,
    IntervalPlan,
    Staffing,
    System,
    Target,
    capacity,
    lag_aware_rates,
    required_operators,
    scheduled_operators,
)

ROOT = Path(__file__).resolve().parent.parent
IMPORT_CLI = "import livedesk.cli"
PROFILE = [0] * 9 + [3, 4, 5, 6, 5, 4, 4, 4, 4, 5, 7, 8, 6, 4] + [0]
SCENARIOS: dict[str, dict[str, Any]] = {
    "default (whitepaper example, `livedesk plan`)": {},
    "3,000 visitors/day, 2 chats at once, slowdown 0.2": dict(
        visitors_per_day=3000, concurrency=2, slowdown=0.2
    ),
    "20,000 visitors/day, peaked profile, 2 at once": dict(
        visitors_per_day=20_000, hourly_profile=PROFILE, concurrency=2, slowdown=0.2
    ),
    "100,000 visitors/day, 3 at once, slowdown 0.1": dict(
        visitors_per_day=100_000, concurrency=3, slowdown=0.1
    ),
}


# ---- the old method (baseline only) ---------------------------------------------------


def old_step_cost(sc: Scenario, lam_week: np.ndarray, mask: np.ndarray, v_now: float) -> tuple:
    system, target, cp = sc.system, sc.target, sc.cost_params
    hourly_month = cp.weeks_per_month * cp.hourly_cost * (1 + cp.absence_surcharge)
    v_max = max(10.0 * v_now, 5000.0)
    share = lam_week / lam_week.sum() if lam_week.sum() > 0 else mask / mask.sum()
    weekly_per_month = 1.0 / (cp.weeks_per_month * 60.0)
    sized = lag_aware_rates(share, system.holding_time) if sc.rule == "lag-aware" else share
    c = sized * weekly_per_month
    caps = [0.0]
    need_top = v_max * float(c.max())
    while caps[-1] < need_top:
        caps.append(capacity(len(caps), system, target))
    caps_arr = np.array(caps)
    n_min = sc.min_operators
    base = sum(scheduled_operators(n_min, sc.shrinkage) for _ in np.flatnonzero(mask))
    events: list[tuple[float, float]] = []
    for h in np.flatnonzero(mask):
        if c[h] <= 0:
            continue
        for n in range(max(n_min, 0) + 1, len(caps_arr)):
            step = scheduled_operators(n, sc.shrinkage) - scheduled_operators(n - 1, sc.shrinkage)
            if step:
                events.append((caps_arr[n - 1] / c[h], step * hourly_month))
    events.sort()
    jumps = np.array([e[0] for e in events])
    levels = base * hourly_month + np.concatenate(([0.0], np.cumsum([e[1] for e in events])))
    return StepCost(jumps, levels), v_max


def old_break_even(
    inhouse: StepCost, outsourced: Callable[[float], float], v_max: float
) -> list[dict[str, Any]]:
    edges = [0.0, *[float(j) for j in inhouse.jumps if 0 < j < v_max], v_max]
    out: list[dict[str, Any]] = []

    def cheaper(v: float) -> str:
        return "in_house" if inhouse(v) < outsourced(v) else "outsourced"

    prev = cheaper(0.0)
    for a, b in itertools.pairwise(edges):
        level = inhouse(a)
        if cheaper(a) != prev:
            out.append({"volume": a, "cheaper_above": cheaper(a)})
            prev = cheaper(a)
        if outsourced(a) <= level < outsourced(b - 1e-9 * max(b, 1.0)):
            lo, hi = a, b
            for _ in range(80):
                mid = 0.5 * (lo + hi)
                if outsourced(mid) <= level:
                    lo = mid
                else:
                    hi = mid
            if prev != "in_house":
                out.append({"volume": hi, "cheaper_above": "in_house"})
                prev = "in_house"
    return out


def old_plan_intervals(
    lams: Sequence[float],
    open_mask: Sequence[bool],
    system: System,
    target: Target,
    *,
    rule: str = "lag-aware",
    interval_min: float = 60.0,
    min_operators_open: int = 1,
    shrinkage: float = 0.0,
) -> list[IntervalPlan]:
    assert rule in RULES
    lam = np.asarray(lams, dtype=float)
    mask = np.asarray(open_mask, dtype=bool)
    lag = lag_aware_rates(lam, system.holding_time, interval_min)
    cache: dict[float, Staffing] = {}

    def need(x: float) -> Staffing:
        key = round(x, 12)
        if key not in cache:
            cache[key] = required_operators(x, system, target, min_operators=min_operators_open)
        return cache[key]

    out = []
    for i in range(lam.size):
        if not mask[i]:
            m = system.evaluate(0.0, 0, target.answer_within_s)
            out.append(IntervalPlan(i, 0.0, 0.0, 0, 0, 0, 0, m))
            continue
        naive = need(float(lam[i])).operators
        lagged = need(float(lag[i])).operators
        chosen = lagged if rule == "lag-aware" else naive
        sized = float(lag[i]) if rule == "lag-aware" else float(lam[i])
        metrics = system.evaluate(float(lam[i]), chosen, target.answer_within_s)
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


@contextmanager
def old_method() -> Iterator[None]:
    saved = (
        scenario_module._step_cost,
        scenario_module.break_even,
        scenario_module.plan_intervals,
    )
    scenario_module._step_cost = old_step_cost
    scenario_module.break_even = old_break_even
    scenario_module.plan_intervals = old_plan_intervals
    try:
        yield
    finally:
        (
            scenario_module._step_cost,
            scenario_module.break_even,
            scenario_module.plan_intervals,
        ) = saved


# ---- measuring ------------------------------------------------------------------------


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median and minimum wall time in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def cpu_timed(fn: Callable[[], Any], repeat: int) -> float:
    """Median CPU time of this process in seconds (less swayed by other work than wall)."""
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def same_plan(a: dict[str, Any], b: dict[str, Any], path: str = "") -> list[str]:
    """Paths where two plans' figures differ (beyond the 1e-9 of a float's last digits)."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = set(a) | set(b)
        return [d for k in sorted(keys) for d in same_plan(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} != {len(b)} items"]
        pairs = enumerate(zip(a, b, strict=True))
        return [d for i, (x, y) in pairs for d in same_plan(x, y, f"{path}[{i}]")]
    if isinstance(a, float) and isinstance(b, float):
        return [] if abs(a - b) <= 1e-9 * max(1.0, abs(a)) else [f"{path}: {a} != {b}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def command(argv: list[str], repeat: int) -> tuple[float, float, float]:
    """Median wall, minimum wall and median CPU seconds of a command (CPU is what the load
    of other work on the machine inflates least)."""
    cpu: list[float] = []

    def run() -> None:
        before = child_cpu()
        subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        cpu.append(child_cpu() - before)

    med, low = timed(run, repeat)
    return med, low, statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per figure (median shown)")
    parser.add_argument("--cli", type=int, default=5, help="runs of `livedesk plan` (0: skip)")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, numpy {np.__version__}, "
        f"load average {load:.2f}; median (min) of {args.repeat} runs"
    )
    print(
        f"{'scenario':52s} {'plan now':>17s} {'old method':>19s} {'ratio':>6s}"
        f" {'CPU now':>9s} {'CPU old':>9s}  same plan"
    )
    for name, kwargs in SCENARIOS.items():
        new_plan = plan(**kwargs).to_dict()
        runs = max(3, args.repeat // 2)
        with old_method():
            old_plan = plan(**kwargs).to_dict()
            old_med, old_min = timed(lambda kw=kwargs: plan(**kw), runs)
            old_cpu = cpu_timed(lambda kw=kwargs: plan(**kw), runs)
        diffs = same_plan(new_plan, old_plan)
        new_med, new_min = timed(lambda kw=kwargs: plan(**kw), args.repeat)
        new_cpu = cpu_timed(lambda kw=kwargs: plan(**kw), args.repeat)
        print(
            f"{name:52s} {new_med * 1000:7.1f} ({new_min * 1000:6.1f}) ms "
            f"{old_med * 1000:8.1f} ({old_min * 1000:6.1f}) ms {old_med / new_med:5.1f}x"
            f" {new_cpu * 1000:6.1f} ms {old_cpu * 1000:6.1f} ms  "
            + ("yes" if not diffs else f"NO: {diffs[:3]}")
        )
    if args.cli > 0:
        exe = str(Path(sys.executable).with_name("livedesk"))
        for label, argv in (
            ("`livedesk plan` (default plan, text report)", [exe, "plan"]),
            ("python -c 'import livedesk.cli' (no plan)", [sys.executable, "-c", IMPORT_CLI]),
        ):
            med, low, cpu = command(argv, args.cli)
            print(f"{label:52s} wall {med:.3f} s ({low:.3f})  CPU {cpu:.3f} s")


if __name__ == "__main__":
    main()
