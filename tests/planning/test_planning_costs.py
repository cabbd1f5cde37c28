"""The whitepaper's cost example to the cent, price models and break-even."""

from __future__ import annotations

import numpy as np
import pytest

from livedesk.planning.costs import (
    Bundle,
    CostParams,
    MonthlyFee,
    PerChat,
    PerHour,
    PerLead,
    StepCost,
    break_even,
    cents,
    price_from_dict,
)
from livedesk.planning.errors import PlanningInputError


def test_whitepaper_example_to_the_cent() -> None:
    cp = CostParams()
    assert cp.hourly_cost == pytest.approx(2400 / 168)
    assert cp.hourly_cost_rounded == 14.29
    assert cents(cp.monthly_cost(40)) == 2400.00
    assert cents(cp.monthly_cost(40, rounded=True)) == 2400.72
    assert cents(cp.monthly_cost(40, with_absence=True)) == 2640.00  # + 10 % absence
    table = {row["hours_per_week"]: row for row in cp.cost_table()}
    assert table[40]["hours_per_month"] == 168.0
    assert table[20 * 2]["monthly_rounded_rate"] == 2400.72
    assert table[8]["monthly_exact"] == 480.00
    assert table[8]["monthly_rounded_rate"] == 480.14  # 33.6 h × 14.29 = 480.144
    assert cp.fte(98) == pytest.approx(2.45)


def test_cost_parameters_are_editable_and_checked() -> None:
    cp = CostParams(gross_salary_month=3000, employer_factor=1.3, absence_surcharge=0.12)
    assert cp.hourly_cost == pytest.approx(3900 / 168)
    assert cents(cp.monthly_cost(32, with_absence=True)) == cents(32 * 4.2 * 3900 / 168 * 1.12)
    with pytest.raises(PlanningInputError):
        CostParams(employer_factor=0.9)


def test_price_models() -> None:
    hours = 98.0
    assert PerHour(7.5).monthly_cost(123, hours) == pytest.approx(7.5 * 98 * 4.2)
    assert PerChat(4.0, billable_share=0.75).monthly_cost(1000, hours) == pytest.approx(3000)
    assert PerLead(20.0, lead_rate=0.1).monthly_cost(1000, hours) == pytest.approx(2000)
    b = Bundle(500, included_chats=200, overage_price=3.0)
    assert b.monthly_cost(150, hours) == 500 and b.monthly_cost(300, hours) == 800
    assert MonthlyFee(900, setup_fee=600, contract_months=12).monthly_cost(0, hours) == 950
    p = price_from_dict({"kind": "per_chat", "price": 2.5})
    assert isinstance(p, PerChat) and p.price == 2.5
    for bad in (
        {"kind": "per_visit", "price": 1},
        {"kind": "per_chat", "price": -1},
        {"kind": "per_chat", "cost": 1},
        {"kind": "per_lead", "price": 1, "lead_rate": 2},
    ):
        with pytest.raises(PlanningInputError):
            price_from_dict(bad)


def test_break_even_against_a_step_function() -> None:
    # in-house: €5,000 up to 1,000 chats, €8,000 up to 2,000, then €11,000
    inhouse = StepCost(np.array([1000.0, 2000.0]), np.array([5000.0, 8000.0, 11000.0]))
    cheap = break_even(inhouse, lambda v: PerChat(4.0).monthly_cost(v, 0), 5000)
    # 4·v stays under every step until 2,750 (11,000 / 4)
    assert len(cheap) == 1 and cheap[0]["cheaper_above"] == "in_house"
    assert cheap[0]["volume"] == pytest.approx(2750.0, rel=1e-9)
    dear = break_even(inhouse, lambda v: PerChat(6.0).monthly_cost(v, 0), 5000)
    # 6·v passes 5,000 at 833.3; the step to 8,000 at 1,000 flips it back; 8,000 at 1,333.3
    assert [b["cheaper_above"] for b in dear] == ["in_house", "outsourced", "in_house"]
    assert [b["volume"] for b in dear] == pytest.approx([5000 / 6, 1000.0, 8000 / 6])
    # a flat price above every step never crosses; one between two steps crosses at the step
    assert break_even(inhouse, lambda v: 20000.0, 5000) == []
    assert break_even(inhouse, lambda v: 6000.0, 5000) == [
        {"volume": 1000.0, "cheaper_above": "outsourced"}
    ]
