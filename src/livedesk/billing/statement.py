"""A month's statement: the usage priced under the contract's price model (pure: no I/O).

Rounding, in this order:
1. each line's amount is quantity × unit price, exact, rounded half up to the cent
   (the price model's `Charge.amount`: 0.125 → 0.13);
2. the subtotal is the sum of the rounded lines;
3. VAT is subtotal × rate, rounded half up to the cent;
4. the total is subtotal + VAT.
Quantities are exact (covered hours may be 37.25 or 22.3333…: they are shown with two decimals
but priced exactly). The planner's outsourcing cost for a volume is the same computation on the
quantities it expects (`PriceModel.monthly_total`), so a plan and a statement of the same
month and price model agree to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from livedesk.billing.terms import BillingTerms
from livedesk.billing.usage import Usage
from livedesk.planning.costs import Bundle, MonthlyFee, PriceModel, exact, to_cents
from livedesk.planning.numbers import num

ZERO = Decimal("0.00")

LINE_LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "covered_hours": "Openingsuren met chatdekking",
        "billable_chats": "Factureerbare chats",
        "accepted_leads": "Geaccepteerde leads",
        "bundle_fee": "Bundel, {included} chats inbegrepen",
        "extra_chats": "Chats boven de bundel",
        "monthly_fee": "Vast bedrag per maand",
        "setup_fee_share": "Opstartkosten, verdeeld over {months} maanden",
    },
    "en": {
        "covered_hours": "Opening hours with chat coverage",
        "billable_chats": "Billable chats",
        "accepted_leads": "Accepted leads",
        "bundle_fee": "Bundle, {included} chats included",
        "extra_chats": "Chats above the bundle",
        "monthly_fee": "Fixed monthly fee",
        "setup_fee_share": "Setup fee, spread over {months} months",
    },
}


@dataclass(frozen=True)
class StatementLine:
    item: str  # what is charged: a key of LINE_LABELS
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal  # quantity × unit price, rounded half up to the cent


@dataclass(frozen=True)
class Statement:
    usage: Usage
    price: PriceModel | None  # None: the contract has no billing terms, nothing is billed
    lines: tuple[StatementLine, ...]
    subtotal: Decimal
    vat_rate: Decimal | None
    vat: Decimal
    total: Decimal


def build_statement(usage: Usage, terms: BillingTerms | None) -> Statement:
    if terms is None:
        return Statement(usage, None, (), ZERO, None, ZERO, ZERO)
    price = terms.price_model()
    lines = tuple(
        StatementLine(c.item, c.quantity, c.unit_price, c.amount)
        for c in price.charges(usage.quantities())
    )
    subtotal = sum((line.amount for line in lines), ZERO)
    rate = None if terms.vat_rate is None else exact(terms.vat_rate)
    vat = ZERO if rate is None else to_cents(subtotal * rate)
    return Statement(usage, price, lines, subtotal, rate, vat, subtotal + vat)


# -- for people ----------------------------------------------------------------------------------


def euros(amount: Decimal, lang: str = "nl") -> str:
    """€1.234,56 in Dutch, €1,234.56 in English; a unit price like €0,125 keeps its decimals
    (up to four), anything longer (a setup fee's share) shows to the cent."""
    exponent = amount.normalize().as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and 2 < -exponent <= 4 else 2
    return "€" + num(amount, decimals, lang)


def quantity_text(quantity: Decimal, lang: str = "nl") -> str:
    """Whole quantities as 1.234, others with two decimals (37,25; 22,33)."""
    whole = quantity == quantity.to_integral_value()
    return num(quantity, 0 if whole else 2, lang)


def line_label(line: StatementLine, price: PriceModel | None, lang: str = "nl") -> str:
    values: dict[str, Any] = {}
    if isinstance(price, Bundle):
        values["included"] = num(exact(price.included_chats), 0, lang)
    if isinstance(price, MonthlyFee):
        values["months"] = price.contract_months
    return LINE_LABELS[lang][line.item].format(**values)
