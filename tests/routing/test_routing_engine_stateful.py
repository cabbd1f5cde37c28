"""Hypothesis state machine: random command sequences against the engine with a fake clock.

The test keeps its own model of every conversation's status, rebuilt only from the emitted
events, so it also proves the event stream is complete enough for a DB router to persist.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from livedesk.routing.engine import (
    Abandoned,
    Assigned,
    Closed,
    Event,
    Missed,
    OfferDeclined,
    Offered,
    OfferExpired,
    OfferWithdrawn,
    Queued,
    Rejected,
    Requeued,
    RoutingConfig,
    RoutingEngine,
    Transferred,
)
from livedesk.routing.policy import OperatorState, Presence

BUSINESSES = ["b1", "b2", "b3"]
LANGUAGES = ["nl", "en"]

# Independent copy of the state machine, written from the spec rather than imported.
LEGAL = {
    "queued": {"offered", "active", "abandoned", "missed", "closed"},
    "offered": {"active", "queued", "missed", "closed"},
    "active": {"closed", "queued", "offered", "abandoned"},
}


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class RoutingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.engine = RoutingEngine(self.clock, RoutingConfig(max_consecutive_expired=2))
        self.status: dict[str, str] = {}
        self.requeued: dict[str, bool] = {}
        self.declined: dict[str, set[str]] = {}
        self.queued_at: dict[str, datetime] = {}
        self.priority: dict[str, int] = {}
        self.business: dict[str, str] = {}
        self.language: dict[str, str] = {}
        self.counter = 0

    @initialize(
        specs=st.lists(
            st.tuples(
                st.sets(st.sampled_from(BUSINESSES), min_size=1),
                st.sets(st.sampled_from(LANGUAGES), min_size=1),
                st.integers(1, 3),
                st.booleans(),
            ),
            min_size=1,
            max_size=4,
        )
    )
    def setup(self, specs: list[tuple[set[str], set[str], int, bool]]) -> None:
        for i, (businesses, languages, cap, auto) in enumerate(specs):
            op = OperatorState(
                id=f"op{i}",
                businesses=frozenset(businesses),
                languages=frozenset(languages),
                max_concurrent=cap,
                auto_accept=auto and i == 0,  # at most one auto-accept operator
            )
            self.apply(self.engine.add_operator(op))
            self.apply(self.engine.set_presence(op.id, Presence.ONLINE))

    # --- event replay into the test's own model --------------------------------------------

    def apply(self, events: list[Event]) -> None:
        for ev in events:
            if isinstance(ev, Rejected):
                continue
            cid = getattr(ev, "conversation_id", None)
            if isinstance(ev, Queued):
                assert cid not in self.status
                self.status[cid] = "queued"
                continue
            if isinstance(ev, Offered | Assigned) and ev.via in ("dispatch", "auto"):
                self.check_fifo(cid, ev.operator_id)
            new = {
                Offered: "offered",
                Assigned: "active",
                OfferDeclined: "queued",
                OfferExpired: "queued",
                OfferWithdrawn: "queued",
                Requeued: "queued",
                Closed: "closed",
                Abandoned: "abandoned",
                Missed: "missed",
            }.get(type(ev))
            if isinstance(ev, Transferred):
                self.requeued[cid] = True
                self.declined.setdefault(cid, set()).add(ev.from_operator_id)
                new = "queued" if ev.to_operator_id is None else None
            if isinstance(ev, Requeued):
                self.requeued[cid] = True
            if isinstance(ev, OfferDeclined | OfferExpired):
                self.declined.setdefault(cid, set()).add(ev.operator_id)
            if new is None or cid is None:
                continue
            old = self.status[cid]
            if not (old == new == "active"):  # transfer to an auto-accept operator
                assert new in LEGAL.get(old, set()), f"{cid}: {old} -> {new}"
            self.status[cid] = new

    def key(self, cid: str) -> tuple[bool, datetime, int, str]:
        return (not self.requeued.get(cid, False), self.queued_at[cid], -self.priority[cid], cid)

    def check_fifo(self, cid: str, op_id: str) -> None:
        # Nobody queued ahead of `cid` in the same business and language may be passed over
        # by an operator who had not declined it: that operator was free and eligible for it.
        for other, st_ in self.status.items():
            if (
                st_ == "queued"
                and other != cid
                and self.business[other] == self.business[cid]
                and self.language[other] == self.language[cid]
                and op_id not in self.declined.get(other, set())
            ):
                assert self.key(other) > self.key(cid), f"{other} passed over by {cid}"

    # --- rules ------------------------------------------------------------------------------

    @rule(
        business=st.sampled_from(BUSINESSES),
        language=st.sampled_from(LANGUAGES),
        priority=st.integers(0, 2),
        gap=st.integers(0, 5),
    )
    def arrive(self, business: str, language: str, priority: int, gap: int) -> None:
        self.clock.now += timedelta(seconds=gap)  # distinct arrival times make FIFO visible
        self.counter += 1
        cid = f"c{self.counter:03d}"
        self.queued_at[cid] = self.clock.now
        self.priority[cid] = priority
        self.business[cid] = business
        self.language[cid] = language
        self.apply(self.engine.arrive(cid, business, language, priority))

    def _pick(self, data: st.DataObject, status: str) -> str | None:
        ids = sorted(c for c, s in self.status.items() if s == status)
        return data.draw(st.sampled_from(ids)) if ids else None

    @rule(data=st.data())
    def accept(self, data: st.DataObject) -> None:
        cid = self._pick(data, "offered")
        if cid:
            op = self.engine.conversations[cid].operator_id
            self.apply(self.engine.accept(cid, op))

    @rule(data=st.data())
    def decline(self, data: st.DataObject) -> None:
        cid = self._pick(data, "offered")
        if cid:
            self.apply(self.engine.decline(cid, self.engine.conversations[cid].operator_id))

    @rule(data=st.data())
    def stale_commands_are_rejected(self, data: st.DataObject) -> None:
        cid = self._pick(data, "queued")
        if cid:
            op = data.draw(st.sampled_from(sorted(self.engine.operators)))
            events = self.engine.accept(cid, op) + self.engine.close(cid, op)
            assert all(isinstance(e, Rejected) for e in events)

    @rule(data=st.data(), reply=st.booleans())
    def close(self, data: st.DataObject, reply: bool) -> None:
        cid = self._pick(data, "active")
        if cid:
            op = self.engine.conversations[cid].operator_id
            if reply:
                self.apply(self.engine.reply(cid, op))
            self.apply(self.engine.close(cid, op))

    @rule(data=st.data(), to_queue=st.booleans())
    def transfer(self, data: st.DataObject, to_queue: bool) -> None:
        cid = self._pick(data, "active")
        if cid:
            src = self.engine.conversations[cid].operator_id
            target = None if to_queue else data.draw(st.sampled_from(sorted(self.engine.operators)))
            self.apply(self.engine.transfer(cid, src, target))

    @rule(data=st.data(), replied=st.booleans())
    def visitor_leaves(self, data: st.DataObject, replied: bool) -> None:
        live = sorted(c for c, s in self.status.items() if s in LEGAL)
        if live:
            cid = data.draw(st.sampled_from(live))
            conv = self.engine.conversations[cid]
            if replied and conv.operator_id and self.status[cid] == "active":
                self.apply(self.engine.reply(cid, conv.operator_id))
            self.apply(self.engine.visitor_left(cid))

    @rule(
        op=st.integers(0, 3),
        presence=st.sampled_from([Presence.ONLINE, Presence.AWAY, Presence.OFFLINE]),
    )
    def presence(self, op: int, presence: Presence) -> None:
        op_id = f"op{op}"
        if op_id in self.engine.operators:
            self.apply(self.engine.set_presence(op_id, presence))

    @rule()
    def heartbeats(self) -> None:
        for op_id in sorted(self.engine.operators):
            self.apply(self.engine.heartbeat(op_id))

    @rule(seconds=st.integers(0, 45))
    def tick(self, seconds: int) -> None:
        self.clock.now += timedelta(seconds=seconds)
        self.apply(self.engine.tick())

    @precondition(lambda self: self.engine.next_deadline() is not None)
    @rule()
    def jump_to_deadline(self) -> None:
        deadline = self.engine.next_deadline()
        assert deadline is not None
        self.clock.now = max(self.clock.now, deadline)
        events = self.engine.tick()
        assert any(not isinstance(e, Rejected) for e in events)  # something really was due
        self.apply(events)

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def capacity_is_never_exceeded(self) -> None:
        for op in self.engine.operators.values():
            assert len(op.active) + len(op.offered) <= op.max_concurrent

    @invariant()
    def slots_and_conversations_agree(self) -> None:
        holders: dict[str, list[str]] = {}
        for op in self.engine.operators.values():
            assert not (op.active & op.offered)
            for cid in op.active | op.offered:
                holders.setdefault(cid, []).append(op.id)
        for cid, conv in self.engine.conversations.items():
            assert conv.status.value == self.status[cid]  # the events told the whole story
            if conv.status.value in ("offered", "active"):
                assert holders.get(cid) == [conv.operator_id]  # never offered to two at once
                op = self.engine.operators[conv.operator_id]
                assert cid in (op.offered if conv.status.value == "offered" else op.active)
            else:
                assert cid not in holders and conv.operator_id is None
        assert set(holders) <= set(self.engine.conversations)
        live = {c for c, s in self.status.items() if s in LEGAL}
        assert live == set(self.engine.conversations)

    @invariant()
    def work_conserving(self) -> None:
        ops = list(self.engine.operators.values())
        for conv in self.engine.conversations.values():
            if conv.status.value != "queued":
                continue
            candidates = [
                op
                for op in ops
                if op.presence is Presence.ONLINE
                and conv.business_id in op.businesses
                and conv.language in op.languages
            ]
            everyone_declined = all(op.id in conv.declined_by for op in candidates)
            for op in candidates:
                if everyone_declined or op.id not in conv.declined_by:
                    assert len(op.active) + len(op.offered) >= op.max_concurrent, (
                        f"{conv.id} waits while {op.id} has room"
                    )

    @invariant()
    def offline_operators_hold_nothing_and_away_hold_no_offers(self) -> None:
        for op in self.engine.operators.values():
            if op.presence is Presence.OFFLINE:
                assert not op.active and not op.offered
            if op.presence is Presence.AWAY:
                assert not op.offered


RoutingMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=50, deadline=None)
TestRoutingMachine = RoutingMachine.TestCase
