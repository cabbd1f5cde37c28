"""Capacity planner benchmark: one full week plan and a 1,000-scenario sweep.

Run: .venv/bin/python bench/planning.py
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np

from livedesk.planning import System, Target, plan, required_operators
from livedesk.planning.staffing import plan_intervals

# a busy shop: more traffic at lunch and in the evening
PROFILE = [0] * 9 + [3, 4, 5, 6, 5, 4, 4, 4, 4, 5, 7, 8, 6, 4] + [0]


def week_plan() -> None:
    kwargs = dict(visitors_per_day=20_000, hourly_profile=PROFILE, concurrency=2, slowdown=0.2)
    t0 = time.perf_counter()
    p = plan(**kwargs)
    full = time.perf_counter() - t0
    sc = p.scenario
    t0 = time.perf_counter()
    plan_intervals(sc.chats_per_minute(), sc.open_mask(), sc.system, sc.target, rule="lag-aware")
    staffing_only = time.perf_counter() - t0
    s = p.summary
    print(
        f"week plan (7 x 14 hourly intervals, lag-aware, {s['chats_per_month']:.0f} chats/month,"
        f" peak {s['peak_operators']} operators)"
    )
    print(f"  staffing only:                 {staffing_only * 1000:8.1f} ms")
    print(f"  full plan incl. cost curve and break-even: {full * 1000:8.1f} ms")


def sweep(n: int = 1000, seed: int = 42) -> None:
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    total_ops = 0
    for _ in range(n):
        system = System(
            aht=float(rng.uniform(5, 20)),
            patience=float(rng.uniform(0.5, 5)),
            concurrency=int(rng.integers(1, 4)),
            slowdown=float(rng.choice([0.0, 0.15, 0.3])),
        )
        target = Target(service_level=float(rng.uniform(0.6, 0.95)), answer_within_s=30)
        lam = float(rng.uniform(0.05, 10.0))  # 3 to 600 chats per hour
        total_ops += required_operators(lam, system, target).operators
    dt = time.perf_counter() - t0
    print(
        f"sweep of {n} random scenarios (required operators + metrics): {dt:.2f} s "
        f"({dt / n * 1000:.2f} ms each; mean {total_ops / n:.1f} operators)"
    )


if __name__ == "__main__":
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, numpy {np.__version__}")
    week_plan()
    sweep()
