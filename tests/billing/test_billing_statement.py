"""Statements to the cent under every price model, with VAT and a DST month, and the planner's
outsourcing cost agreeing with them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from livedesk.billing.statement import Statement, build_statement, euros, quantity_text
from livedesk.billing.terms import BillingTerms
from livedesk.billing.usage import Month, Usage, covered_hours
from livedesk.planning.costs import Quantities, price_from_dict
from livedesk.planning.scenario import plan
from livedesk.routing.hours import Schedule, open_intervals

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
D = Decimal


def usage(
    billable: int = 0, leads: int = 0, hours: Decimal = D(0), month: Month = Month(2026, 2)
) -> Usage:
    return Usage(
        month=month,
        chats=billable + 10,
        billable_chats=billable,
        excluded={},
        accepted_leads=leads,
        handled_minutes=D(0),
        covered_hours=hours,
        bot_answers=0,
    )


def statement(u: Usage, price: dict[str, Any], vat_rate: float | None = None) -> Statement:
    return build_statement(u, BillingTerms.model_validate({"price": price, "vat_rate": vat_rate}))


def lines(st: Statement) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    return [(line.item, line.quantity, line.unit_price, line.amount) for line in st.lines]


def test_per_billable_chat_rounds_each_line_half_up() -> None:
    st = statement(usage(billable=373), {"kind": "per_chat", "price": 4.125})
    # 373 × 4.125 = 1538.625: half a cent rounds up
    assert lines(st) == [("billable_chats", D(373), D("4.125"), D("1538.63"))]
    assert (st.subtotal, st.vat, st.total, st.vat_rate) == (
        D("1538.63"),
        D("0.00"),
        D("1538.63"),
        None,
    )


def test_per_accepted_lead_with_vat() -> None:
    st = statement(usage(billable=500, leads=17), {"kind": "per_lead", "price": 23.45}, 0.21)
    assert lines(st) == [("accepted_leads", D(17), D("23.45"), D("398.65"))]
    # 398.65 × 0.21 = 83.7165 → 83.72
    assert (st.subtotal, st.vat_rate, st.vat, st.total) == (
        D("398.65"),
        D("0.21"),
        D("83.72"),
        D("482.37"),
    )


def test_bundle_with_overage_and_vat() -> None:
    price = {"kind": "bundle", "fee": 595, "included_chats": 200, "overage_price": 4.25}
    st = statement(usage(billable=263), price, 0.21)
    assert lines(st) == [
        ("bundle_fee", D(1), D(595), D("595.00")),
        ("extra_chats", D(63), D("4.25"), D("267.75")),
    ]
    # 862.75 × 0.21 = 181.1775 → 181.18
    assert (st.subtotal, st.vat, st.total) == (D("862.75"), D("181.18"), D("1043.93"))
    within = statement(usage(billable=150), price)
    assert lines(within)[1] == ("extra_chats", D(0), D("4.25"), D("0.00"))
    assert within.total == D("595.00")


def test_fixed_monthly_fee_with_setup_spread_over_the_contract() -> None:
    price = {"kind": "monthly_fee", "fee": 1250, "setup_fee": 1000, "contract_months": 12}
    st = statement(usage(billable=999), price, 0.09)
    assert [(i, a) for i, _, _, a in lines(st)] == [
        ("monthly_fee", D("1250.00")),
        ("setup_fee_share", D("83.33")),  # 1000 / 12 = 83.333…
    ]
    # 1333.33 × 0.09 = 119.9997 → 120.00
    assert (st.subtotal, st.vat, st.total) == (D("1333.33"), D("120.00"), D("1453.33"))
    assert [i for i, *_ in lines(statement(usage(), {"kind": "monthly_fee", "fee": 99}))] == [
        "monthly_fee"
    ]


def _hours(weekly: dict[str, list[list[str]]], month: Month) -> Decimal:
    schedule = Schedule.from_dict({"timezone": "Europe/Amsterdam", "weekly": weekly})
    start, end = month.bounds(AMSTERDAM)
    return covered_hours(open_intervals(schedule, start, end))


def test_per_hour_over_a_month_with_a_dst_change() -> None:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    always = {d: [["00:00", "24:00"]] for d in days}
    night = {d: [["01:00", "04:00"]] for d in days}
    march, october = Month(2026, 3), Month(2026, 10)
    # Summer time starts 29 March (02:00 → 03:00) and ends 25 October (03:00 → 02:00).
    assert _hours(always, march) == 31 * 24 - 1
    assert _hours(always, october) == 31 * 24 + 1
    assert _hours(night, march) == 31 * 3 - 1  # 01:00–04:00 lasts two hours that night
    assert _hours(night, october) == 31 * 3 + 1
    st = statement(
        usage(hours=_hours(always, march), month=march), {"kind": "per_hour", "rate": 7.35}, 0.21
    )
    # 743 × 7.35 = 5461.05; VAT 1146.8205 → 1146.82
    assert lines(st) == [("covered_hours", D(743), D("7.35"), D("5461.05"))]
    assert (st.subtotal, st.vat, st.total) == (D("5461.05"), D("1146.82"), D("6607.87"))


def test_per_hour_with_hours_that_are_not_whole_is_priced_exactly() -> None:
    hours = _hours({"mon": [["09:00", "17:20"]]}, Month(2026, 6))  # 5 Mondays × 8 h 20 min
    assert hours == D(125) / D(3)  # 41.666…
    st = statement(usage(hours=hours), {"kind": "per_hour", "rate": 7.5})
    assert st.lines[0].amount == D("312.50")  # not 41.67 × 7.5 = 312.525 → 312.53
    assert quantity_text(st.lines[0].quantity) == "41,67"


def test_a_contract_without_billing_terms_bills_nothing() -> None:
    st = build_statement(usage(billable=40), None)
    assert st.price is None and st.lines == () and st.total == D("0.00")


def test_amounts_in_dutch_and_english() -> None:
    assert euros(D("1234.56")) == "€1.234,56"
    assert euros(D("1234.56"), "en") == "€1,234.56"
    assert euros(D("4.125")) == "€4,125" and euros(D("4.50")) == "€4,50"
    assert euros(D(1000) / D(12)) == "€83,33"
    assert quantity_text(D(1234)) == "1.234"


PRICES = [
    {"kind": "per_hour", "rate": 7.35},
    {"kind": "per_chat", "price": 4.125},
    {"kind": "per_lead", "price": 23.45, "lead_rate": 0.5},
    {"kind": "bundle", "fee": 595, "included_chats": 200, "overage_price": 4.25},
    {"kind": "monthly_fee", "fee": 1250, "setup_fee": 1000, "contract_months": 12},
]


@pytest.mark.parametrize("price", PRICES, ids=[p["kind"] for p in PRICES])
def test_the_planner_and_the_statement_agree_for_the_same_month(price: dict[str, Any]) -> None:
    """The plan's outsourcing cost is the statement of a month with the quantities the plan
    expects: the same volume of chats, leads at the lead rate, the weeks' opening hours."""
    result = plan(chats_per_hour=[2.5] * 168, opening="09:00-21:00", prices=[price], lang="nl")
    chats, open_hours = result.summary["chats_per_month"], result.summary["open_hours_per_week"]
    model = price_from_dict(price)
    expected: Quantities = model.expected_quantities(chats, open_hours)
    month = Usage(
        month=Month(2026, 3),
        chats=int(expected.billable_chats),
        billable_chats=int(expected.billable_chats),
        excluded={},
        accepted_leads=int(expected.accepted_leads),
        handled_minutes=D(0),
        covered_hours=expected.covered_hours,
        bot_answers=0,
    )
    st = statement(month, price)
    assert chats == 882  # 2.5 an hour, 84 open hours a week, 4.2 weeks
    assert D(repr(result.outsourcing[0]["monthly_cost"])) == st.subtotal
    assert st.subtotal > 0


def test_month_bounds_are_local_midnights() -> None:
    start, end = Month(2026, 3).bounds(AMSTERDAM)
    assert start == datetime(2026, 2, 28, 23, tzinfo=UTC)
    assert end == datetime(2026, 3, 31, 22, tzinfo=UTC)  # summer time by then
    assert Month.parse("2026-12").next() == Month(2027, 1)
    assert Month(2026, 1).previous() == Month(2025, 12)
    for bad in ("2026-13", "2026-3", "march", ""):
        with pytest.raises(ValueError):
            Month.parse(bad)
