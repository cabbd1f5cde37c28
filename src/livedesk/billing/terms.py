"""What a business's contract says about billing (`Business.contract["billing"]`): the price
model, VAT, which chats are billable and how handled minutes are counted.

The price models are the planner's (`livedesk.planning.costs`): each schema here has the fields
of its dataclass, so `price_model()` hands the stored dict to `price_from_dict` as it is.
Money is typed as a JSON number with at most 4 decimals for a unit price and 2 for a fee; the
statement reads each number as the decimal it was written as (`costs.exact`), never as its
binary float value. This module imports nothing of the businesses domain: its `Contract`
schema embeds `BillingTerms`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from livedesk import i18n
from livedesk.billing.greetings import words
from livedesk.planning.costs import PriceModel, exact, price_from_dict

i18n.register(
    {
        "nl": {
            "too_many_decimals": "Gebruik hoogstens {decimals} decimalen.",
            "greeting_empty": "Een begroeting moet minstens één woord bevatten.",
        },
        "en": {
            "too_many_decimals": "Use at most {decimals} decimals.",
            "greeting_empty": "A greeting must have at least one word.",
        },
    }
)

# Said to open a chat and nothing more: a chat in which the visitor wrote only these is not
# billable (when the contract's switch is on). Matched on words, accents and case folded.
DEFAULT_GREETINGS = (
    "hallo",
    "hoi",
    "hey",
    "hee",
    "hai",
    "hi",
    "hallo daar",
    "hoi daar",
    "dag",
    "goedendag",
    "goeiedag",
    "goedemorgen",
    "goeiemorgen",
    "goedemiddag",
    "goeiemiddag",
    "goedenavond",
    "goeienavond",
    "hello",
    "hi there",
    "hey there",
    "good morning",
    "good afternoon",
    "good evening",
)


def _at_most(decimals: int) -> Callable[[float], float]:
    def check(value: float) -> float:
        exponent = exact(value).as_tuple().exponent
        if isinstance(exponent, int) and -exponent > decimals:
            raise PydanticCustomError(
                "too_many_decimals", "at most {decimals} decimals", {"decimals": decimals}
            )
        return value

    return check


def _has_words(value: str) -> str:
    if not words(value):
        raise PydanticCustomError("greeting_empty", "a greeting needs a word")
    return value


UnitPrice = Annotated[float, Field(ge=0, le=100_000), AfterValidator(_at_most(4))]
Fee = Annotated[float, Field(ge=0, le=10_000_000), AfterValidator(_at_most(2))]
Share = Annotated[float, Field(ge=0, le=1), AfterValidator(_at_most(4))]
Greeting = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_has_words)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PerHourTerms(Strict):
    """Covered opening hours × rate."""

    kind: Literal["per_hour"]
    rate: UnitPrice
    weeks_per_month: float = Field(4.2, gt=0, le=5, description="planning only")


class PerChatTerms(Strict):
    """Billable chats × price."""

    kind: Literal["per_chat"]
    price: UnitPrice
    billable_share: Share = Field(1.0, description="planning only: share of chats billable")


class PerLeadTerms(Strict):
    """Accepted leads × price."""

    kind: Literal["per_lead"]
    price: UnitPrice
    lead_rate: Share = Field(0.2, description="planning only: share of chats that are leads")


class BundleTerms(Strict):
    """A fee for `included_chats` billable chats, then `overage_price` per extra chat."""

    kind: Literal["bundle"]
    fee: Fee
    included_chats: int = Field(ge=0, le=10_000_000)
    overage_price: UnitPrice


class MonthlyFeeTerms(Strict):
    """A fixed fee per month, plus a setup fee spread over the contract's months."""

    kind: Literal["monthly_fee"]
    fee: Fee
    setup_fee: Fee = 0.0
    contract_months: int = Field(12, ge=1, le=120)


PriceTerms = Annotated[
    PerHourTerms | PerChatTerms | PerLeadTerms | BundleTerms | MonthlyFeeTerms,
    Field(discriminator="kind"),
]


class BillableRule(Strict):
    """Which chats are not billed. Each switch excludes one kind of chat; all on by default."""

    exclude_spam: bool = Field(True, description="disposition spam")
    exclude_test: bool = Field(True, description="disposition test")
    exclude_unanswered: bool = Field(
        True, description="no operator reply and no FAQ bot answer (abandoned, missed)"
    )
    exclude_greeting_only: bool = Field(
        True,
        description="the visitor only greeted: every visitor message a greeting, or one "
        "message of at most greeting_max_chars characters that nobody replied to",
    )
    greeting_max_chars: int = Field(12, ge=0, le=200)
    greetings: list[Greeting] = Field(
        default_factory=lambda: list(DEFAULT_GREETINGS), max_length=100
    )


class BillingTerms(Strict):
    """How the provider bills the business. Absent from a contract: nothing is billed."""

    price: PriceTerms
    vat_rate: Share | None = Field(None, description="0.21 for 21 %; none: shown without VAT")
    billable: BillableRule = Field(default_factory=BillableRule)
    round_minutes_up: bool = Field(
        True, description="handled minutes: each chat rounded up to whole minutes"
    )

    def price_model(self) -> PriceModel:
        return price_from_dict(self.price.model_dump())

    @classmethod
    def from_contract(cls, contract: dict[str, Any] | None) -> BillingTerms | None:
        """The stored terms, or None when the contract has none (or none that still passes)."""
        raw = (contract or {}).get("billing")
        if not isinstance(raw, dict):
            return None
        try:
            return cls.model_validate(raw)
        except ValueError:
            return None
