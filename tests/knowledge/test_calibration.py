"""A business's own bot threshold, from its operators' recorded choices."""

from __future__ import annotations

import numpy as np

from livedesk.knowledge.calibration import MIN_RECORDED_CHOICES, business_threshold

DEFAULT = 0.8


def record(n: int, right_from: float) -> tuple[np.ndarray, np.ndarray]:
    """n choices with confidences spread over [0.5, 1); the top suggestion was the entry the
    operator used exactly when its confidence was at least `right_from`."""
    confidences = np.linspace(0.5, 0.999, n)
    return confidences, confidences >= right_from


def test_too_few_choices_leave_the_shared_default() -> None:
    confidences, correct = record(MIN_RECORDED_CHOICES - 1, right_from=2.0)  # all wrong
    assert business_threshold(confidences, correct, DEFAULT) == DEFAULT


def test_a_record_worse_than_the_default_raises_the_threshold() -> None:
    confidences, correct = record(400, right_from=0.9)
    threshold = business_threshold(confidences, correct, DEFAULT)
    assert threshold is not None and 0.9 <= threshold <= 0.95
    answered = confidences >= threshold
    assert correct[answered].mean() >= 0.93


def test_a_better_record_never_makes_the_bot_bolder() -> None:
    confidences, correct = record(400, right_from=0.0)  # every top suggestion was used
    assert business_threshold(confidences, correct, DEFAULT) == DEFAULT


def test_no_precise_enough_threshold_silences_the_bot() -> None:
    confidences, correct = record(400, right_from=2.0)  # operators never used the top entry
    assert business_threshold(confidences, correct, DEFAULT) is None
