"""Planner inputs estimated from Livedesk's own events.

The routing layer will produce these records; until then they are plain dataclasses so the
estimators can be tested on synthetic data and wired to the database later.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from .errors import PlanningInputError, require

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DEFAULT_TZ = AMSTERDAM


@dataclass(frozen=True)
class ConversationRecord:
    """One chat request. Exactly one of answered_at / abandoned_at is set once it is over."""

    queued_at: datetime
    answered_at: datetime | None = None
    abandoned_at: datetime | None = None
    wait_seconds: float | None = None  # derived from the timestamps when absent
    handle_seconds: float | None = None  # answered → closed
    concurrency: int | None = None  # chats the operator held while handling this one

    @property
    def wait(self) -> float | None:
        if self.wait_seconds is not None:
            return self.wait_seconds
        end = self.answered_at or self.abandoned_at
        return None if end is None else (end - self.queued_at).total_seconds()


@dataclass(frozen=True)
class WidgetLoad:
    at: datetime
    visitor_id: str | None = None


@dataclass
class Estimates:
    weeks: float
    arrivals_per_hour_of_week: np.ndarray  # mean chats per hour, Monday 00:00 first
    aht_min: float | None
    aht_by_concurrency: dict[int, float]
    concurrency: int | None  # the level most chats were worked at
    slowdown: float | None  # α fitted to AHT_l = AHT_1·(1 + α(l−1))
    aht1_min: float | None
    patience_min: float | None
    chat_rate: float | None
    notes: list[str] = field(default_factory=list)

    def scenario_fields(self) -> dict[str, Any]:
        """Fields to merge into a Scenario; values that could not be estimated are left out."""
        out: dict[str, Any] = {"chats_per_hour": self.arrivals_per_hour_of_week.tolist()}
        if self.aht1_min is not None and self.slowdown is not None and self.concurrency:
            out.update(aht_min=self.aht1_min, slowdown=self.slowdown, concurrency=self.concurrency)
        elif self.aht_min is not None:
            out["aht_min"] = self.aht_min
        if self.patience_min is not None:
            out["patience_min"] = self.patience_min
        if self.chat_rate is not None:
            out["chat_rate"] = self.chat_rate
        return out


def _aware(dt: datetime, what: str) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise PlanningInputError("naive_datetime", f"{what} must be timezone-aware")
    return dt


def hour_of_week(dt: datetime, tz: ZoneInfo = DEFAULT_TZ) -> int:
    local = _aware(dt, "timestamp").astimezone(tz)
    return local.weekday() * 24 + local.hour


def arrivals_per_hour_of_week(
    records: Iterable[ConversationRecord], weeks: float, tz: ZoneInfo = DEFAULT_TZ
) -> np.ndarray:
    """Mean chats arriving in each hour of the week over ``weeks`` weeks of history."""
    require(weeks > 0, "invalid_weeks", "weeks must be > 0", weeks=weeks)
    counts = np.zeros(168)
    for r in records:
        counts[hour_of_week(r.queued_at, tz)] += 1
    return counts / weeks


def aht_by_concurrency(records: Iterable[ConversationRecord]) -> dict[int, float]:
    """Mean handle time in minutes per concurrency level actually worked."""
    sums: dict[int, list[float]] = {}
    for r in records:
        if r.answered_at is None or r.handle_seconds is None:
            continue
        require(r.handle_seconds >= 0, "invalid_record", "handle time must be >= 0")
        sums.setdefault(max(1, r.concurrency or 1), []).append(r.handle_seconds / 60.0)
    return {lv: float(np.mean(v)) for lv, v in sorted(sums.items())}


def fit_slowdown(by_level: dict[int, float], counts: dict[int, int]) -> tuple[float, float] | None:
    """Weighted least squares of AHT_l = b0 + b1·(l−1); returns (AHT_1, α = b1/b0)."""
    if len(by_level) < 2:
        return None
    lv = np.array(list(by_level), dtype=float)
    y = np.array([by_level[k] for k in by_level])
    w = np.array([counts[k] for k in by_level], dtype=float)
    x = np.column_stack([np.ones_like(lv), lv - 1.0])
    sw = np.sqrt(w)
    b, *_ = np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)
    if b[0] <= 0:
        return None
    return float(b[0]), max(0.0, float(b[1] / b[0]))


def patience_estimate(records: Iterable[ConversationRecord]) -> float | None:
    """Mean patience in minutes = total waiting time / number of abandonments.

    With exponential patience this is the maximum-likelihood estimate: every wait, answered
    or not, is time during which the visitor could have left.
    """
    total, abandons = 0.0, 0
    for r in records:
        w = r.wait
        if w is None:
            continue
        require(w >= 0, "invalid_record", "wait must be >= 0")
        total += w
        abandons += r.abandoned_at is not None
    return None if abandons == 0 else total / abandons / 60.0


def chat_rate_estimate(
    records: Sequence[ConversationRecord], loads: Sequence[WidgetLoad]
) -> float | None:
    """Chats per visitor; unique visitors when ids are known, else widget loads."""
    if not loads:
        return None
    if all(w.visitor_id for w in loads):
        visitors = len({w.visitor_id for w in loads})
    else:
        visitors = len(loads)
    return min(1.0, len(records) / visitors)


def estimate_inputs(
    records: Sequence[ConversationRecord],
    loads: Sequence[WidgetLoad] = (),
    *,
    weeks: float | None = None,
    tz: ZoneInfo = DEFAULT_TZ,
) -> Estimates:
    """All planner inputs from event records; ``weeks`` defaults to the span of the data."""
    require(len(records) > 0, "no_data", "no conversation records to estimate from")
    for r in records:
        _aware(r.queued_at, "queued_at")
        if r.answered_at and r.abandoned_at:
            raise PlanningInputError("invalid_record", "a chat cannot be answered and abandoned")
    if weeks is None:
        first = min(r.queued_at for r in records)
        last = max(r.queued_at for r in records)
        weeks = max((last - first) / timedelta(weeks=1), 1.0 / 7.0)
        weeks = math.ceil(weeks * 7) / 7  # whole days
    notes = []
    by_level = aht_by_concurrency(records)
    counts: dict[int, int] = {}
    for r in records:
        if r.answered_at is not None and r.handle_seconds is not None:
            lv = max(1, r.concurrency or 1)
            counts[lv] = counts.get(lv, 0) + 1
    handled = sum(counts.values())
    aht = sum(by_level[k] * counts[k] for k in by_level) / handled if handled else None
    level = max(counts, key=lambda k: counts[k]) if counts else None
    fit = fit_slowdown(by_level, counts)
    if fit is None and len(by_level) < 2:
        notes.append("one concurrency level only: AHT is taken at that level, α not estimated")
    patience = patience_estimate(records)
    if patience is None:
        notes.append("no abandonments: patience cannot be estimated")
    rate = chat_rate_estimate(records, loads)
    if rate is None:
        notes.append("no widget loads: chat rate not estimated")
    return Estimates(
        weeks=weeks,
        arrivals_per_hour_of_week=arrivals_per_hour_of_week(records, weeks, tz),
        aht_min=aht,
        aht_by_concurrency=by_level,
        concurrency=level if fit else None,
        slowdown=fit[1] if fit else None,
        aht1_min=fit[0] if fit else None,
        patience_min=patience,
        chat_rate=rate,
        notes=notes,
    )
