"""Unit tests, one or two per routing rule."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from livedesk.routing.engine import (
    Abandoned,
    Assigned,
    Closed,
    Missed,
    Offered,
    OfferExpired,
    OfferWithdrawn,
    PresenceChanged,
    Rejected,
    Requeued,
    RoutingConfig,
    RoutingEngine,
    Transferred,
)
from livedesk.routing.policy import (
    ConversationState,
    OperatorState,
    Presence,
    Status,
    choose_operator,
    eligible_operators,
    next_conversation_for,
    plan_assignments,
    waiting,
)

T0 = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def op(id_: str, *, b: str = "acme", lang: str = "nl", cap: int = 2, **kw: object) -> OperatorState:
    return OperatorState(
        id=id_,
        businesses=frozenset(b.split(",")),
        languages=frozenset(lang.split(",")),
        max_concurrent=cap,
        presence=kw.pop("presence", Presence.ONLINE),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def conv(id_: str, *, b: str = "acme", lang: str = "nl", at: int = 0, **kw: object):
    return ConversationState(
        id=id_, business_id=b, language=lang, queued_at=T0 + timedelta(seconds=at), **kw
    )  # type: ignore[arg-type]


def engine(*ops: OperatorState, **cfg: object) -> tuple[RoutingEngine, Clock]:
    clock = Clock()
    e = RoutingEngine(clock, RoutingConfig(**cfg))  # type: ignore[arg-type]
    for o in ops:
        e.add_operator(o)
    return e, clock


# --- policy ---------------------------------------------------------------------------------


def test_eligibility_filters() -> None:
    c = conv("c1", b="acme", lang="nl")
    ops = [
        op("ok"),
        op("other_business", b="globex"),
        op("wrong_language", lang="en"),
        op("away", presence=Presence.AWAY),
        op("full", cap=2, active={"x"}, offered={"y"}),  # pending offers use capacity
        op("declined"),
    ]
    c.declined_by.add("declined")
    assert [o.id for o in eligible_operators(c, ops)] == ["ok"]


def test_choice_fewest_chats_then_longest_idle_then_id() -> None:
    c = conv("c1")
    busy = op("a", cap=3, active={"x"})
    recent = op("b", last_assigned_at=T0)
    older = op("c", last_assigned_at=T0 - timedelta(minutes=5))
    assert choose_operator(c, [busy, recent, older]).id == "c"
    never = op("d")
    assert choose_operator(c, [busy, recent, older, never]).id == "d"
    assert choose_operator(c, [op("y"), op("x")]).id == "x"
    offered = op("e", offered={"z"})  # a pending offer counts as a chat
    assert choose_operator(c, [offered, recent]).id == "b"


def test_queue_order_requeued_then_fifo_then_priority() -> None:
    convs = [
        conv("late_vip", at=10, priority=5),
        conv("early", at=0),
        conv("same_time_vip", at=0, priority=1),
        conv("requeued", at=30, requeued=True),
    ]
    assert [c.id for c in waiting(convs)] == ["requeued", "same_time_vip", "early", "late_vip"]


def test_freed_operator_takes_longest_waiting_across_businesses() -> None:
    o = op("o", b="acme,globex", lang="nl,en")
    convs = [
        conv("acme2", b="acme", at=20),
        conv("globex1", b="globex", lang="en", at=5),
        conv("acme1", b="acme", at=10),
        conv("initech", b="initech", at=0),  # not served by o
    ]
    assert next_conversation_for(o, convs, [o]).id == "globex1"


def test_round_restarts_only_when_every_online_candidate_declined() -> None:
    c = conv("c1")
    c.declined_by = {"a"}
    a, b_full = op("a"), op("b", cap=1, active={"x"})
    assert eligible_operators(c, [a, b_full]) == []  # wait for b rather than bounce to a
    b_full.presence = Presence.AWAY
    assert [o.id for o in eligible_operators(c, [a, b_full])] == ["a"]  # new round


def test_plan_spreads_simultaneous_arrivals() -> None:
    ops = [op("a"), op("b")]
    plan = plan_assignments([conv("c1", at=0), conv("c2", at=1), conv("c3", at=2)], ops, T0)
    assert plan == [("c1", "a"), ("c2", "b"), ("c3", "a")]
    assert not ops[0].offered  # inputs are untouched


# --- engine ---------------------------------------------------------------------------------


def test_offer_accept_and_auto_accept() -> None:
    e, clock = engine(op("a"), op("auto", b="globex", auto_accept=True))
    (_, offered) = e.arrive("c1", "acme", "nl")
    assert offered == Offered(
        at=T0, conversation_id="c1", operator_id="a", expires_at=T0 + timedelta(seconds=20)
    )
    clock.advance(4)
    assert e.accept("c1", "a") == [
        Assigned(at=clock.now, conversation_id="c1", operator_id="a", via="accept")
    ]
    assert e.conversations["c1"].status is Status.ACTIVE
    (_, assigned) = e.arrive("c2", "globex", "nl")
    assert assigned == Assigned(at=clock.now, conversation_id="c2", operator_id="auto", via="auto")
    assert e.accept_latency.count == 1 and e.accept_latency.mean < 5.0


def test_offer_expiry_requeues_and_three_in_a_row_sets_away() -> None:
    e, clock = engine(op("a", cap=3), op("b", cap=3))
    e.arrive("c1", "acme", "nl")  # -> a
    clock.advance(19.9)
    assert e.tick() == []
    clock.advance(0.1)
    events = e.tick()
    assert events[0] == OfferExpired(
        at=clock.now, conversation_id="c1", operator_id="a", consecutive=1
    )
    assert events[1].operator_id == "b"  # re-offered elsewhere, not back to a
    assert e.accept("c1", "a")[0] == Rejected(
        at=clock.now,
        command="accept",
        reason="no_pending_offer",
        conversation_id="c1",
        operator_id="a",
    )
    e.set_presence("b", Presence.AWAY)  # withdrawn from b; a is the only one left: new round
    for _ in range(2):
        e.heartbeat("a")
        clock.advance(20)
        events = e.tick()
    assert (
        PresenceChanged(
            at=clock.now,
            operator_id="a",
            old=Presence.ONLINE,
            new=Presence.AWAY,
            reason="missed_offers",
        )
        in events
    )
    assert e.operators["a"].presence is Presence.AWAY


def test_accept_resets_consecutive_expiries() -> None:
    e, clock = engine(op("a", cap=3), max_consecutive_expired=2)
    e.arrive("c1", "acme", "nl")
    clock.advance(20)
    e.tick()  # expired once; a is the only candidate so it is offered again
    assert e.operators["a"].consecutive_expired == 1
    e.accept("c1", "a")
    assert e.operators["a"].consecutive_expired == 0


def test_offline_requeues_active_chats_ahead_of_the_queue() -> None:
    e, clock = engine(op("a", cap=1, auto_accept=True), op("b", cap=1, auto_accept=True))
    e.arrive("c1", "acme", "nl")  # -> a
    e.arrive("c2", "acme", "nl")  # -> b
    clock.advance(5)
    e.arrive("c3", "acme", "nl")  # queued
    events = e.set_presence("a", Presence.OFFLINE)
    assert Requeued(at=clock.now, conversation_id="c1", operator_id="a", reason="offline") in events
    clock.advance(1)
    e.close("c2", "b")
    assert e.conversations["c1"].operator_id == "b"  # re-queued chat beats older c3
    assert e.conversations["c3"].status is Status.QUEUED


def test_away_withdraws_offers_but_keeps_chats() -> None:
    e, _ = engine(op("a", cap=2))
    e.arrive("c1", "acme", "nl")
    e.accept("c1", "a")
    e.arrive("c2", "acme", "nl")
    events = e.set_presence("a", Presence.AWAY)
    assert any(isinstance(ev, OfferWithdrawn) and ev.conversation_id == "c2" for ev in events)
    assert e.operators["a"].active == {"c1"} and not e.operators["a"].offered


def test_heartbeat_timeout_goes_offline() -> None:
    e, clock = engine(op("a"))
    clock.advance(59)
    e.heartbeat("a")
    clock.advance(59)
    assert e.tick() == []
    assert e.next_deadline() == clock.now + timedelta(seconds=1)
    clock.advance(1)
    assert e.tick() == [
        PresenceChanged(
            at=clock.now,
            operator_id="a",
            old=Presence.ONLINE,
            new=Presence.OFFLINE,
            reason="heartbeat_timeout",
        )
    ]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("queued", Abandoned(at=T0, conversation_id="c1", operator_id=None)),
        ("offered", Missed(at=T0, conversation_id="c1", operator_id="a")),
        ("expired", Missed(at=T0, conversation_id="c1", operator_id=None)),
        ("active", Abandoned(at=T0, conversation_id="c1", operator_id="a")),
        ("replied", Closed(at=T0, conversation_id="c1", operator_id="a", by="visitor")),
    ],
)
def test_visitor_leaves(setup: str, expected: object) -> None:
    e, _ = engine(op("a"))
    if setup in ("queued", "expired"):
        e.set_presence("a", Presence.AWAY)
    e.arrive("c1", "acme", "nl")
    if setup == "expired":
        e.conversations["c1"].was_offered = True  # as if an earlier offer had lapsed
    if setup in ("active", "replied"):
        e.accept("c1", "a")
    if setup == "replied":
        e.reply("c1", "a")
    events = e.visitor_left("c1")
    assert events[0] == expected
    assert "c1" not in e.conversations and not e.operators["a"].load


def test_transfers() -> None:
    e, _ = engine(op("a"), op("b"), op("c", auto_accept=True))
    e.arrive("c1", "acme", "nl")
    e.accept("c1", "a")
    events = e.transfer("c1", "a", "b")
    assert isinstance(events[0], Transferred) and isinstance(events[1], Offered)
    assert events[1].via == "transfer" and e.operators["a"].load == 0
    e.accept("c1", "b")
    assert e.transfer("c1", "b", "c")[1] == Assigned(
        at=T0, conversation_id="c1", operator_id="c", via="transfer"
    )
    # Back to the queue: it goes to someone other than the transferring operator.
    events = e.transfer("c1", "c", None)
    assert events[1].operator_id == "a"
    e.accept("c1", "a")
    e.operators["b"].max_concurrent = 0
    assert e.transfer("c1", "a", "b")[0].reason == "target_full"


def test_rebuilt_engine_makes_identical_decisions() -> None:
    e, clock = engine(op("a"), op("b", cap=1), op("c", auto_accept=True, b="globex"))
    for i in range(4):
        clock.advance(3)
        e.arrive(f"c{i}", "acme", "nl")
    e.accept("c0", "a")
    twin = RoutingEngine(
        clock,
        e.config,
        operators=copy.deepcopy(list(e.operators.values())),
        conversations=copy.deepcopy(list(e.conversations.values())),
    )
    clock.advance(25)
    assert twin.tick() == e.tick()
    assert twin.close("c0", "a") == e.close("c0", "a")


def test_simultaneous_expiries_that_set_away_withdraw_the_rest() -> None:
    # Regression found by the state machine: the third due offer was already withdrawn.
    e, clock = engine(op("a", cap=3), max_consecutive_expired=2)
    for i in range(3):
        e.arrive(f"c{i}", "acme", "nl")
    clock.advance(20)
    kinds = [type(ev).__name__ for ev in e.tick()]
    assert kinds == ["OfferExpired", "OfferExpired", "PresenceChanged", "OfferWithdrawn"]
    assert all(c.status is Status.QUEUED for c in e.conversations.values())


# --- a supervisor hands a chat to a named operator ------------------------------------------


def test_direct_withdraws_the_pending_offer_and_offers_to_the_named_operator() -> None:
    e, _ = engine(op("a"), op("b"))
    e.arrive("c1", "acme", "nl")  # offered to a (fewest chats, then id)
    events = e.direct("c1", "b")
    assert [type(x) for x in events] == [OfferWithdrawn, Offered]
    assert events[0].operator_id == "a" and events[0].reason == "reassigned"
    assert events[1].operator_id == "b" and events[1].via == "supervisor"
    assert e.operators["a"].offered == set() and e.operators["b"].offered == {"c1"}


def test_direct_of_an_active_chat_is_a_transfer_and_refuses_who_cannot_take_it() -> None:
    e, _ = engine(op("a"), op("b", cap=1), op("x", b="globex"))
    e.arrive("c1", "acme", "nl")
    e.accept("c1", "a")
    assert [type(x) for x in e.direct("c1", "x")] == [Rejected]  # does not serve acme
    assert [type(x) for x in e.direct("c1", "a")] == [Rejected]  # already has it
    e.arrive("c2", "acme", "nl")  # offered to b, who is then full
    assert e.direct("c1", "b")[0].reason == "target_full"
    e.decline("c2", "b")
    moved = e.direct("c1", "b")
    assert [type(x) for x in moved][:2] == [Transferred, Offered]
    assert e.conversations["c1"].status is Status.OFFERED


def test_direct_to_an_operator_who_is_away_is_refused_and_changes_nothing() -> None:
    e, _ = engine(op("a"), op("b", presence=Presence.AWAY))
    e.arrive("c1", "acme", "nl")
    before = copy.deepcopy((e.conversations, e.operators))
    (rejected,) = e.direct("c1", "b")
    assert isinstance(rejected, Rejected) and rejected.reason == "target_unavailable"
    assert (e.conversations, e.operators) == before
