"""Estimating planner inputs from synthetic event records with known parameters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from livedesk.planning.errors import PlanningInputError
from livedesk.planning.estimate import (
    AMSTERDAM,
    ConversationRecord,
    WidgetLoad,
    estimate_inputs,
    hour_of_week,
)


def synthetic(seed: int = 1, weeks: int = 4):
    """Chats on weekdays 10–12 local time at 30/h, patience 1.5 min, AHT 8·(1+0.25(l−1))."""
    rng = np.random.default_rng(seed)
    start = datetime(2025, 3, 3, tzinfo=AMSTERDAM)  # a Monday
    records, loads = [], []
    for day in range(weeks * 7):
        if (start + timedelta(days=day)).weekday() >= 5:
            continue
        t = 0.0
        while True:
            t += rng.exponential(2.0)  # minutes: 30 per hour
            if t >= 120:
                break
            queued = start + timedelta(days=day, hours=10, minutes=t)
            wait = rng.exponential(1.0)  # service would start after this
            patience = rng.exponential(1.5)
            level = int(rng.integers(1, 4))
            if patience < wait:
                rec = ConversationRecord(
                    queued, abandoned_at=queued + timedelta(minutes=patience), concurrency=level
                )
            else:
                handle = rng.exponential(8.0 * (1 + 0.25 * (level - 1))) * 60
                rec = ConversationRecord(
                    queued,
                    answered_at=queued + timedelta(minutes=wait),
                    handle_seconds=handle,
                    concurrency=level,
                )
            records.append(rec)
            # the chatting visitor loads the widget twice, 24 others once: chat rate 4 %
            loads.append(WidgetLoad(queued, visitor_id=f"{day}-{t:.6f}-0"))
            for i in range(25):
                loads.append(WidgetLoad(queued, visitor_id=f"{day}-{t:.6f}-{i}"))
    return records, loads


def test_estimates_recover_known_parameters() -> None:
    records, loads = synthetic()
    est = estimate_inputs(records, loads, weeks=4)
    arr = est.arrivals_per_hour_of_week
    assert arr.shape == (168,)
    monday_10 = hour_of_week(datetime(2025, 3, 3, 10, tzinfo=AMSTERDAM))
    assert monday_10 == 10
    weekday_hours = [d * 24 + h for d in range(5) for h in (10, 11)]
    assert np.mean(arr[weekday_hours]) == pytest.approx(30.0, rel=0.05)
    assert arr.sum() == pytest.approx(len(records) / 4)
    assert arr[5 * 24 + 10] == 0  # Saturday
    # patience: each wait is min(wait, patience); MLE = total waiting / abandonments
    assert est.patience_min == pytest.approx(1.5, rel=0.1)
    assert est.chat_rate == pytest.approx(0.04)
    assert est.aht1_min == pytest.approx(8.0, rel=0.1)
    assert est.slowdown == pytest.approx(0.25, abs=0.1)
    fields = est.scenario_fields()
    assert fields["patience_min"] == est.patience_min and len(fields["chats_per_hour"]) == 168


def test_patience_is_total_wait_over_abandonments() -> None:
    t0 = datetime(2025, 1, 6, 9, tzinfo=UTC)
    recs = [
        ConversationRecord(t0, answered_at=t0 + timedelta(seconds=30), handle_seconds=600),
        ConversationRecord(t0, abandoned_at=t0 + timedelta(seconds=90)),
        ConversationRecord(t0, wait_seconds=60, abandoned_at=t0 + timedelta(seconds=60)),
    ]
    est = estimate_inputs(recs, weeks=1)
    assert est.patience_min == pytest.approx((30 + 90 + 60) / 2 / 60)
    assert est.aht_min == pytest.approx(10.0)
    assert est.chat_rate is None and any("widget" in n for n in est.notes)


def test_hour_of_week_uses_local_time_across_dst() -> None:
    # 2025-03-30 01:30 UTC is 03:30 CEST on Sunday
    assert hour_of_week(datetime(2025, 3, 30, 1, 30, tzinfo=UTC)) == 6 * 24 + 3


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(PlanningInputError) as e:
        estimate_inputs([ConversationRecord(datetime(2025, 1, 1, 9))], weeks=1)
    assert e.value.code == "naive_datetime"
    with pytest.raises(PlanningInputError):
        estimate_inputs([], weeks=1)
