"""In-house cost (the whitepaper's example) and outsourcing price models with break-even.

Each price model has one formula, `charges`: the lines of a month's bill from what was billed
on (`Quantities`), exact in Decimal. A monthly statement (livedesk.billing) feeds it the
measured month; the planner feeds it the quantities it expects for a volume
(`expected_quantities`), so the plan's outsourcing cost and the statement cannot disagree.
A line's amount is rounded half up to the cent (`to_cents`); a total is the sum of its lines.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple, Protocol, cast

import numpy as np

from .errors import PlanningInputError, require
from .numbers import money, num, pct

CENT = Decimal("0.01")


def cents(x: float) -> float:
    """Round money half-up to the cent, as a person with a calculator would."""
    return float(Decimal(repr(x)).quantize(CENT, rounding=ROUND_HALF_UP))


def exact(x: float | Decimal) -> Decimal:
    """A number as the decimal it was written as: 4.5 → 4.5 and 0.1 → 0.1 (a float through
    its shortest repr, not its binary value 0.1000000000000000055…)."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, int):
        return Decimal(x)
    return Decimal(repr(float(x)))


def to_cents(amount: Decimal) -> Decimal:
    """Money half up to the cent: 0.125 → 0.13."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CostParams:
    """Whitepaper defaults: €2,000 gross/month, factor 1.2, 40 h/week, 4.2 weeks/month."""

    gross_salary_month: float = 2000.0
    employer_factor: float = 1.2
    fulltime_hours_week: float = 40.0
    weeks_per_month: float = 4.2
    absence_surcharge: float = 0.10  # vacation + sickness on 1 FTE, whitepaper: ~10 %

    def __post_init__(self) -> None:
        require(self.gross_salary_month >= 0, "invalid_cost", "salary must be >= 0")
        require(self.employer_factor >= 1.0, "invalid_cost", "employer factor must be >= 1")
        require(self.fulltime_hours_week > 0, "invalid_cost", "full-time hours must be > 0")
        require(self.weeks_per_month > 0, "invalid_cost", "weeks per month must be > 0")
        require(0 <= self.absence_surcharge < 1, "invalid_cost", "absence must be in [0, 1)")

    @property
    def hourly_cost(self) -> float:
        """salary × factor / (full-time hours × 4.2), exact (2400/168 = 14.2857…)."""
        return (
            self.gross_salary_month
            * self.employer_factor
            / (self.fulltime_hours_week * self.weeks_per_month)
        )

    @property
    def hourly_cost_rounded(self) -> float:
        """The whitepaper's rounded hourly cost (€14.29)."""
        return cents(self.hourly_cost)

    def monthly_cost(
        self, hours_per_week: float, *, rounded: bool = False, with_absence: bool = False
    ) -> float:
        rate = self.hourly_cost_rounded if rounded else self.hourly_cost
        cost = hours_per_week * self.weeks_per_month * rate
        if with_absence:
            cost *= 1.0 + self.absence_surcharge
        return cost

    def cost_table(self, hours: Sequence[float] = (8, 16, 24, 32, 40)) -> list[dict[str, float]]:
        """The whitepaper's table: hours per week → hours per month → monthly cost."""
        return [
            {
                "hours_per_week": h,
                "hours_per_month": cents(h * self.weeks_per_month),
                "monthly_exact": cents(self.monthly_cost(h)),
                "monthly_rounded_rate": cents(self.monthly_cost(h, rounded=True)),
                "monthly_with_absence": cents(self.monthly_cost(h, with_absence=True)),
            }
            for h in hours
        ]

    def fte(self, hours_per_week: float) -> float:
        return hours_per_week / self.fulltime_hours_week


def _whole_euros(x: float, lang: str) -> str:
    """€1.250 for whole amounts, €1.250,50 otherwise."""
    return money(x, lang, decimals=0 if float(x).is_integer() else 2)


ZERO = Decimal(0)


class Quantities(NamedTuple):
    """What a month is billed on."""

    billable_chats: Decimal = ZERO
    accepted_leads: Decimal = ZERO
    covered_hours: Decimal = ZERO  # the hours the chat was open for the business


class Charge(NamedTuple):
    """One line of a bill: ``item`` names what is charged (billable_chats, bundle_fee, …)."""

    item: str
    quantity: Decimal
    unit_price: Decimal

    @property
    def exact_amount(self) -> Decimal:
        return self.quantity * self.unit_price

    @property
    def amount(self) -> Decimal:
        return to_cents(self.exact_amount)


class PriceModel(Protocol):
    @property
    def kind(self) -> str: ...

    def charges(self, quantities: Quantities) -> tuple[Charge, ...]: ...

    def expected_quantities(
        self, chats_per_month: float, open_hours_per_week: float
    ) -> Quantities: ...

    def monthly_cost(self, chats_per_month: float, open_hours_per_week: float) -> float: ...

    def monthly_total(self, chats_per_month: float, open_hours_per_week: float) -> Decimal: ...

    def label(self, lang: str = "nl") -> str: ...


class _Priced:
    """The planner's view of a price model, derived from its one formula (`charges`)."""

    def charges(self, quantities: Quantities) -> tuple[Charge, ...]:
        raise NotImplementedError

    def expected_quantities(self, chats_per_month: float, open_hours_per_week: float) -> Quantities:
        """By default every chat is billable; models that know better say so."""
        return Quantities(billable_chats=exact(chats_per_month))

    def monthly_cost(self, chats_per_month: float, open_hours_per_week: float) -> float:
        """Unrounded, for the break-even search and the cost curve."""
        lines = self.charges(self.expected_quantities(chats_per_month, open_hours_per_week))
        return float(sum((line.exact_amount for line in lines), ZERO))

    def monthly_total(self, chats_per_month: float, open_hours_per_week: float) -> Decimal:
        """What a statement for this volume would say: each line to the cent, then summed."""
        lines = self.charges(self.expected_quantities(chats_per_month, open_hours_per_week))
        return sum((line.amount for line in lines), ZERO)


@dataclass(frozen=True)
class PerHour(_Priced):
    """A price per hour the chat is staffed by the provider (all opening hours)."""

    rate: float
    weeks_per_month: float = 4.2
    kind: str = "per_hour"

    def charges(self, quantities: Quantities) -> tuple[Charge, ...]:
        return (Charge("covered_hours", quantities.covered_hours, exact(self.rate)),)

    def expected_quantities(self, chats_per_month: float, open_hours_per_week: float) -> Quantities:
        hours = exact(open_hours_per_week) * exact(self.weeks_per_month)
        return Quantities(billable_chats=exact(chats_per_month), covered_hours=hours)

    def label(self, lang: str = "nl") -> str:
        rate = money(self.rate, lang)
        return f"{rate} per uur" if lang == "nl" else f"{rate} per hour"


@dataclass(frozen=True)
class PerChat(_Priced):
    """A price per billable chat; ``billable_share`` (for planning) is the share of chats that
    are billable, less than 1 when spam, unanswered and greeting-only chats are not charged."""

    price: float
    billable_share: float = 1.0
    kind: str = "per_chat"

    def charges(self, quantities: Quantities) -> tuple[Charge, ...]:
        return (Charge("billable_chats", quantities.billable_chats, exact(self.price)),)

    def expected_quantities(self, chats_per_month: float, open_hours_per_week: float) -> Quantities:
        return Quantities(billable_chats=exact(chats_per_month) * exact(self.billable_share))

    def label(self, lang: str = "nl") -> str:
        only = self.billable_share < 1
        price = money(self.price, lang)
        if lang == "nl":
            return f"{price} per {'factureerbare ' if only else ''}chat"
        return f"{price} per {'billable ' if only else ''}chat"


@dataclass(frozen=True)
class PerLead(_Priced):
    """A price per accepted lead; ``lead_rate`` (for planning) is the share of chats that
    become one."""

    price: float
    lead_rate: float = 0.2
    kind: str = "per_lead"

    def charges(self, quantities: Quantities) -> tuple[Charge, ...]:
        return (Charge("accepted_leads", quantities.accepted_leads, exact(self.price)),)

    def expected_quantities(self, chats_per_month: float, open_hours_per_week: float) -> Quantities:
        chats = exact(chats_per_month)
        return Quantities(billable_chats=chats, accepted_leads=chats * exact(self.lead_rate))

    def label(self, lang: str = "nl") -> str:
        share = pct(self.lead_rate, 0, lang)
        price = money(self.price, lang)
        if lang == "nl":
            return f"{price} per lead ({share} van de chats)"
        return f"{price} per lead ({share} of chats)"


@dataclass(frozen=True)
class Bundle(_Priced):
    """A monthly bundle of (billable) chats with a price per chat above the bundle."""

    fee: float
    included_chats: float
    overage_price: float
    kind: str = "bundle"

    def charges(self, quantities: Quantities) -> tuple[Charge, ...]:
        extra = max(ZERO, quantities.billable_chats - exact(self.included_chats))
        return (
            Charge("bundle_fee", Decimal(1), exact(self.fee)),
            Charge("extra_chats", extra, exact(self.overage_price)),
        )

    def label(self, lang: str = "nl") -> str:
        fee, chats = _whole_euros(self.fee, lang), num(self.included_chats, 0, lang)
        over = money(self.overage_price, lang)
        if lang == "nl":
            return f"bundel {fee}/mnd incl. {chats} chats, daarboven {over} per chat"
        return f"bundle {fee}/month incl. {chats} chats, then {over} per chat"


@dataclass(frozen=True)
class MonthlyFee(_Priced):
    """A flat monthly fee plus a one-off setup fee spread over the contract."""

    fee: float
    setup_fee: float = 0.0
    contract_months: int = 12
    kind: str = "monthly_fee"

    def charges(self, quantities: Quantities) -> tuple[Charge, ...]:
        lines = [Charge("monthly_fee", Decimal(1), exact(self.fee))]
        if self.setup_fee:
            share = exact(self.setup_fee) / Decimal(self.contract_months)
            lines.append(Charge("setup_fee_share", Decimal(1), share))
        return tuple(lines)

    def label(self, lang: str = "nl") -> str:
        fee, setup = _whole_euros(self.fee, lang), _whole_euros(self.setup_fee, lang)
        if lang == "nl":
            return f"{fee} per maand + {setup} opstart ({self.contract_months} mnd)"
        return f"{fee} per month + {setup} setup ({self.contract_months} months)"


PRICE_KINDS: dict[str, type] = {
    "per_hour": PerHour,
    "per_chat": PerChat,
    "per_lead": PerLead,
    "bundle": Bundle,
    "monthly_fee": MonthlyFee,
}


def price_from_dict(d: dict[str, Any]) -> PriceModel:
    d = dict(d)
    kind = d.pop("kind", None)
    require(kind in PRICE_KINDS, "invalid_price", f"unknown price model {kind!r}", kind=kind)
    try:
        model = PRICE_KINDS[kind](**d)
    except TypeError as e:
        msg = f"bad fields for price model {kind}: {e}"
        raise PlanningInputError("invalid_price", msg, kind=kind) from e
    for name in ("rate", "price", "fee", "setup_fee", "overage_price", "included_chats"):
        v = getattr(model, name, 0.0)
        require(v >= 0, "invalid_price", f"{name} must be >= 0", kind=kind)
    for name in ("billable_share", "lead_rate"):
        v = getattr(model, name, 0.5)
        require(0 <= v <= 1, "invalid_price", f"{name} must be in [0, 1]", kind=kind)
    if kind == "monthly_fee":
        require(model.contract_months >= 1, "invalid_price", "contract_months must be >= 1")
    return cast(PriceModel, model)


def price_to_dict(p: PriceModel) -> dict[str, Any]:
    return {k: getattr(p, k) for k in p.__dataclass_fields__}  # type: ignore[attr-defined]


# Illustrative prices so that the default plan shows a break-even; replace with a real quote.
EXAMPLE_PRICES: tuple[PriceModel, ...] = (
    PerHour(rate=7.50),
    PerChat(price=4.50, billable_share=0.9),
    PerLead(price=25.0, lead_rate=0.2),
    Bundle(fee=595.0, included_chats=200, overage_price=4.25),
    MonthlyFee(fee=1250.0, setup_fee=750.0, contract_months=12),
)


@dataclass(frozen=True)
class StepCost:
    """In-house monthly cost as a step function of monthly chat volume.

    ``jumps`` are the volumes where the cost rises; ``levels[i]`` holds on
    [jumps[i-1], jumps[i]) with jumps[-1] = 0 and the last level valid beyond.
    """

    jumps: np.ndarray
    levels: np.ndarray

    def __call__(self, volume: float) -> float:
        return float(self.levels[int(np.searchsorted(self.jumps, volume, side="right"))])


def break_even(
    inhouse: StepCost,
    outsourced: Callable[[float], float],
    v_max: float,
) -> list[dict[str, Any]]:
    """Volumes in [0, v_max] where the cheaper option switches.

    The outsourced cost must be non-decreasing in volume (all models above are). Each
    crossing reports the volume and which option is cheaper just above it.

    Between two jumps the in-house cost is flat, so each such piece [a, b) is settled by the
    outsourced cost at its two ends: in-house is cheaper at a when its level is below it,
    and a rising outsourced cost crosses the level inside the piece when it starts at or
    below the level and ends above it (that crossing alone is found by bisection).
    """
    inner = np.unique(inhouse.jumps[(inhouse.jumps > 0) & (inhouse.jumps < v_max)])
    edges = np.concatenate(([0.0], inner.astype(float), [float(v_max)]))
    a, b = edges[:-1], edges[1:]
    idx = np.searchsorted(inhouse.jumps, a, side="right")
    level = inhouse.levels[idx]
    out_a = np.array([outsourced(float(x)) for x in a])
    b_in = b - 1e-9 * np.maximum(b, 1.0)
    out_b = np.array([outsourced(float(x)) for x in b_in])
    inhouse_at_a = level < out_a  # in-house is cheaper at the start of the piece
    crosses = (out_a <= level) & (level < out_b)  # in-house becomes cheaper inside it
    at_end = inhouse_at_a | crosses  # which option is cheaper at the end of each piece
    switch_at_a = np.zeros(a.size, dtype=bool)
    switch_at_a[1:] = inhouse_at_a[1:] != at_end[:-1]
    out: list[dict[str, Any]] = []
    for i in np.flatnonzero(switch_at_a | crosses):
        if switch_at_a[i]:
            cheaper = "in_house" if inhouse_at_a[i] else "outsourced"
            out.append({"volume": float(a[i]), "cheaper_above": cheaper})
        if crosses[i]:
            lo, hi, lev = float(a[i]), float(b[i]), float(level[i])
            for _ in range(80):
                mid = 0.5 * (lo + hi)
                if outsourced(mid) <= lev:
                    lo = mid
                else:
                    hi = mid
            out.append({"volume": hi, "cheaper_above": "in_house"})
    return out


def nice_ceiling(x: float) -> float:
    """Round up to 1, 2 or 5 × 10^k for chart axes."""
    if x <= 0:
        return 1.0
    e: float = 10.0 ** math.floor(math.log10(x))
    for f in (1, 2, 2.5, 5, 10):
        if x <= f * e:
            return f * e
    return 10 * e
