"""What the billing API answers. Money and quantities travel as decimal strings ("5572.50"), so
no client reads a binary float; each also comes formatted for people in the request's language
(`*_text`: "€5.572,50" in Dutch)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel

from livedesk import i18n
from livedesk.billing.queries import BusinessMonth
from livedesk.billing.statement import euros, line_label, quantity_text
from livedesk.planning.costs import price_to_dict

i18n.register(
    {
        "nl": {
            "month_invalid": "Geef een maand als 2026-03.",
            "billing_staff_only": "Facturen zijn voor de beheerders van de dienstverlener en "
            "voor het eigen bedrijf, niet voor operators.",
            "in_house_no_traffic": "Er zijn in deze maanden geen chats om mee te rekenen.",
            "in_house_cannot_plan": "Met deze gegevens kan de planner niet rekenen: {reason}",
        },
        "en": {
            "month_invalid": "Give a month like 2026-03.",
            "billing_staff_only": "Statements are for the provider's managers and for the "
            "business itself, not for operators.",
            "in_house_no_traffic": "There are no chats in these months to work from.",
            "in_house_cannot_plan": "The planner cannot work with this data: {reason}",
        },
    }
)

FOUR_PLACES = Decimal("0.0001")
CENTS = Decimal("0.01")


def _four(value: Decimal) -> Decimal:
    """An exact quantity (22.3333… hours) at most four decimals long for the wire; amounts are
    computed from the exact value."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -4:
        return value
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def _price(value: Decimal) -> Decimal:
    """A unit price in cents at least (595.00, 4.125), at most four decimals."""
    exponent = value.as_tuple().exponent
    return value.quantize(CENTS) if isinstance(exponent, int) and exponent > -2 else _four(value)


class UsageOut(BaseModel):
    business_id: str
    month: str
    timezone: str  # the month runs from midnight to midnight in this zone
    chats: int
    billable_chats: int
    excluded: dict[str, int]  # spam, test, unanswered, greeting_only
    accepted_leads: int
    handled_minutes: Decimal
    covered_hours: Decimal
    bot_answers: int

    @classmethod
    def of(cls, found: BusinessMonth) -> UsageOut:
        u = found.usage
        return cls(
            business_id=found.business.id,
            month=str(u.month),
            timezone=found.business.timezone,
            chats=u.chats,
            billable_chats=u.billable_chats,
            excluded=u.excluded,
            accepted_leads=u.accepted_leads,
            handled_minutes=_four(u.handled_minutes),
            covered_hours=_four(u.covered_hours),
            bot_answers=u.bot_answers,
        )


class LineOut(BaseModel):
    item: str
    label: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    quantity_text: str
    unit_price_text: str
    amount_text: str


class StatementOut(BaseModel):
    business_id: str
    business_name: str
    month: str
    currency: str = "EUR"
    price: dict[str, Any] | None  # the contract's price model; None: nothing is billed
    price_label: str | None
    lines: list[LineOut]
    subtotal: Decimal
    vat_rate: Decimal | None
    vat: Decimal
    total: Decimal
    subtotal_text: str
    vat_text: str
    total_text: str
    usage: UsageOut

    @classmethod
    def of(cls, found: BusinessMonth, lang: str) -> StatementOut:
        st = found.statement
        lines = [
            LineOut(
                item=line.item,
                label=line_label(line, st.price, lang),
                quantity=_four(line.quantity),
                unit_price=_price(line.unit_price),
                amount=line.amount,
                quantity_text=quantity_text(line.quantity, lang),
                unit_price_text=euros(line.unit_price, lang),
                amount_text=euros(line.amount, lang),
            )
            for line in st.lines
        ]
        return cls(
            business_id=found.business.id,
            business_name=found.business.name,
            month=str(st.usage.month),
            price=price_to_dict(st.price) if st.price else None,
            price_label=st.price.label(lang) if st.price else None,
            lines=lines,
            subtotal=st.subtotal,
            vat_rate=st.vat_rate,
            vat=st.vat,
            total=st.total,
            subtotal_text=euros(st.subtotal, lang),
            vat_text=euros(st.vat, lang),
            total_text=euros(st.total, lang),
            usage=UsageOut.of(found),
        )


class StatementsOut(BaseModel):
    month: str
    statements: list[StatementOut]
    subtotal: Decimal
    vat: Decimal
    total: Decimal


class InHouseOut(BaseModel):
    business_id: str
    months: list[str]
    traffic: dict[str, Any]
    target: dict[str, Any]
    in_house: dict[str, Any]
    outsourcing_planned: list[dict[str, Any]]
    paid: list[dict[str, Any]]  # empty when the contract has no billing terms
    paid_per_month: Decimal | None
    difference_per_month: Decimal | None  # in-house minus paid: more than 0, in-house is dearer
    explanation: str
