"""Usage from plain records: each billable-rule switch excludes what it says and nothing else,
handled minutes with and without rounding up, greetings told from questions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from livedesk.billing.greetings import Greetings
from livedesk.billing.terms import DEFAULT_GREETINGS, BillableRule, BillingTerms
from livedesk.billing.usage import ChatRecord, Month, handled_minutes, measure_usage

T0 = datetime(2026, 3, 10, 9, tzinfo=UTC)

# One chat of each kind; the name says what it is.
CHATS: dict[str, ChatRecord] = {
    "real": ChatRecord(
        T0, "answered", visitor_messages=3, operator_replies=2, short_visitor_texts=("Hoi",)
    ),
    "spam": ChatRecord(T0, "spam", visitor_messages=1, operator_replies=1),
    "test": ChatRecord(T0, "test", visitor_messages=2, operator_replies=1),
    "abandoned": ChatRecord(T0, None, visitor_messages=1),  # a question nobody answered
    "bot_answered": ChatRecord(T0, None, visitor_messages=1, bot_answers=1),
    "greeted": ChatRecord(  # only greetings, though an operator answered
        T0,
        "no_intent",
        visitor_messages=2,
        operator_replies=1,
        short_visitor_texts=("Goedemiddag!", "hallo 👋"),
    ),
    "short_unanswered": ChatRecord(  # one short message, no reply, but the bot said something
        T0, None, visitor_messages=1, bot_answers=1, short_visitor_texts=("prijs?",)
    ),
    "short_answered": ChatRecord(  # one short message an operator replied to: real
        T0, "answered", visitor_messages=1, operator_replies=1, short_visitor_texts=("prijs?",)
    ),
}
ALL_OFF = {
    "exclude_spam": False,
    "exclude_test": False,
    "exclude_unanswered": False,
    "exclude_greeting_only": False,
}


def billable_names(rule: BillableRule) -> set[str]:
    """The chats the rule bills, each measured on its own (and all together, to agree)."""

    def billable(chats: list[ChatRecord]) -> int:
        month = measure_usage(Month(2026, 3), chats, accepted_leads=0, open_spans=(), rule=rule)
        return month.billable_chats

    names = {name for name, chat in CHATS.items() if billable([chat])}
    assert billable(list(CHATS.values())) == len(names)
    return names


def test_with_every_switch_off_every_chat_is_billable() -> None:
    assert billable_names(BillableRule(**ALL_OFF)) == set(CHATS)


@pytest.mark.parametrize(
    ("switch", "excluded"),
    [
        ("exclude_spam", {"spam"}),
        ("exclude_test", {"test"}),
        ("exclude_unanswered", {"abandoned"}),
        ("exclude_greeting_only", {"greeted", "short_unanswered"}),
    ],
)
def test_each_switch_excludes_what_it_says(switch: str, excluded: set[str]) -> None:
    assert billable_names(BillableRule(**{**ALL_OFF, switch: True})) == set(CHATS) - excluded


def test_the_default_rule_counts_each_exclusion_once_under_its_first_reason() -> None:
    usage = measure_usage(Month(2026, 3), list(CHATS.values()), accepted_leads=4, open_spans=())
    assert usage.chats == 8
    assert usage.billable_chats == 3  # real, bot_answered, short_answered
    assert usage.excluded == {"spam": 1, "test": 1, "unanswered": 1, "greeting_only": 2}
    assert usage.bot_answers == 2 and usage.accepted_leads == 4


def test_greeting_length_is_the_contracts() -> None:
    rule = BillableRule(**{**ALL_OFF, "exclude_greeting_only": True, "greeting_max_chars": 5})
    assert "short_unanswered" in billable_names(rule)  # "prijs?" has 6 characters
    stricter = rule.model_copy(update={"greeting_max_chars": 6})
    assert "short_unanswered" not in billable_names(stricter)


def test_greetings_are_whole_rows_of_greetings() -> None:
    greetings = Greetings(DEFAULT_GREETINGS)
    for text in ("Hallo", "goedemiddag!!", "Hoi, goedemorgen", "Good Morning :)", "👋", "HOI"):
        assert greetings.matches(text), text
    for text in ("hallo, wat kost een abonnement?", "good", "dagje uit", "hé hallo"):
        assert not greetings.matches(text), text
    own = Greetings(["moin", "hé"])
    assert own.matches("Moin moin") and own.matches("he") and not own.matches("hallo")


def test_handled_minutes_rounded_up_per_chat_or_exact() -> None:
    chats = [
        ChatRecord(T0, accepted_at=T0, closed_at=T0 + timedelta(minutes=2)),
        ChatRecord(T0, accepted_at=T0, closed_at=T0 + timedelta(minutes=2, seconds=1)),
        ChatRecord(T0, accepted_at=T0, closed_at=T0 + timedelta(seconds=20)),
        ChatRecord(T0, accepted_at=T0),  # still open: not counted
        ChatRecord(T0, closed_at=T0),  # never accepted: not counted
    ]
    assert handled_minutes(chats, round_up=True) == 2 + 3 + 1
    assert handled_minutes(chats, round_up=False) == Decimal(261) / 60  # 4 min 21 s


def test_terms_refuse_more_decimals_than_money_has() -> None:
    with pytest.raises(ValueError, match="at most 4 decimals"):
        BillingTerms.model_validate({"price": {"kind": "per_chat", "price": 4.12345}})
    with pytest.raises(ValueError, match="at most 2 decimals"):
        BillingTerms.model_validate(
            {"price": {"kind": "bundle", "fee": 9.999, "included_chats": 1, "overage_price": 1}}
        )
    terms = BillingTerms.model_validate({"price": {"kind": "per_chat", "price": 0.1}})
    assert terms.billable == BillableRule() and terms.round_minutes_up and terms.vat_rate is None


def test_every_price_schema_has_the_planners_fields() -> None:
    """The contract's price terms and the planner's price models are one list of fields."""
    from livedesk.billing import terms as T
    from livedesk.planning.costs import PRICE_KINDS

    schemas = {
        "per_hour": T.PerHourTerms,
        "per_chat": T.PerChatTerms,
        "per_lead": T.PerLeadTerms,
        "bundle": T.BundleTerms,
        "monthly_fee": T.MonthlyFeeTerms,
    }
    assert set(schemas) == set(PRICE_KINDS)
    for kind, schema in schemas.items():
        assert set(schema.model_fields) == set(PRICE_KINDS[kind].__dataclass_fields__), kind
