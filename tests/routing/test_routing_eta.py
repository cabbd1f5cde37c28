"""Wait estimates: unit checks plus accuracy against a discrete-event simulation of the engine.

Run ``pytest tests/routing/test_routing_eta.py -s`` to print the accuracy figures quoted in
docs/routing.md.
"""

from __future__ import annotations

import heapq
import random
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from livedesk.routing.engine import Assigned, Event, Offered, RoutingConfig, RoutingEngine
from livedesk.routing.eta import Ewma, estimate_wait, queue_position
from livedesk.routing.policy import ConversationState, OperatorState, Presence, Status

T0 = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)


def test_ewma_starts_at_prior_then_tracks_recent_values() -> None:
    e = Ewma(300.0, prior_weight=4.0, alpha=0.1)
    e.observe(100.0)  # running mean of 4 x 300 and 100
    assert e.mean == pytest.approx(260.0)
    for _ in range(200):
        e.observe(60.0)
    assert e.mean == pytest.approx(60.0, abs=0.01)


def test_estimate_counts_competitors_free_slots_and_release_rate() -> None:
    a = OperatorState("a", frozenset({"acme", "globex"}), frozenset({"nl"}), 2, Presence.ONLINE)
    b = OperatorState("b", frozenset({"acme"}), frozenset({"nl"}), 1, Presence.ONLINE)
    convs = {
        "x": ConversationState("x", "acme", "nl", T0, status=Status.ACTIVE, operator_id="a"),
        "y": ConversationState("y", "globex", "nl", T0, status=Status.ACTIVE, operator_id="a"),
        "z": ConversationState("z", "acme", "nl", T0, status=Status.ACTIVE, operator_id="b"),
        "q1": ConversationState("q1", "globex", "nl", T0 + timedelta(seconds=1)),
        "q2": ConversationState("q2", "acme", "nl", T0 + timedelta(seconds=2)),
        "q3": ConversationState("q3", "acme", "en", T0),  # nobody speaks en: not competing
    }
    a.active, b.active = {"x", "y"}, {"z"}
    means = {"acme": 200.0, "globex": 400.0}
    est = estimate_wait(convs["q2"], convs, [a, b], means.__getitem__, accept_latency=5.0)
    # q1 is ahead and served by a; no free slots; so two releases are needed.
    rate = 1 / 200 + 1 / 400 + 1 / 200
    assert (est.position, est.free_slots, est.capacity) == (2, 0, 3)
    assert est.seconds == pytest.approx(2 / rate + 5.0)
    assert queue_position(convs["q1"], convs.values(), [a, b]) == 1
    nobody = estimate_wait(convs["q3"], convs, [a, b], means.__getitem__)
    assert nobody.seconds is None


# --- simulation ---------------------------------------------------------------------------------


@dataclass
class SimResult:
    estimates: list[float]
    actuals: list[float]
    queued: list[bool]  # True if the conversation had to wait for a slot

    def errors(self, only_queued: bool) -> tuple[float, float, float, float, int]:
        pairs = [
            (e, a)
            for e, a, q in zip(self.estimates, self.actuals, self.queued, strict=True)
            if q or not only_queued
        ]
        mae = statistics.fmean(abs(e - a) for e, a in pairs)
        bias = statistics.fmean(e - a for e, a in pairs)
        within = sum(abs(e - a) <= 0.3 * a for e, a in pairs) / len(pairs)
        mean_actual = statistics.fmean(a for _, a in pairs)
        # Hindsight baseline: always quote the true mean wait of this very sample.
        baseline = statistics.fmean(abs(mean_actual - a) for _, a in pairs)
        return mae, within, bias, baseline, len(pairs)


def simulate(
    seed: int,
    arrivals: int = 3000,
    warmup: int = 300,
    utilisation: float = 0.92,
) -> SimResult:
    rng = random.Random(seed)
    handle = {"b1": 240.0, "b2": 420.0}
    mix = {"b1": 0.6, "b2": 0.4}
    ops = [
        OperatorState(f"op{i}", frozenset(b), frozenset({"nl"}), cap, Presence.ONLINE)
        for i, (b, cap) in enumerate(
            [({"b1", "b2"}, 3), ({"b1", "b2"}, 3), ({"b1"}, 2), ({"b2"}, 4)]
        )
    ]
    slots = sum(o.max_concurrent for o in ops)
    mean_handle = sum(mix[b] * handle[b] for b in handle)
    rate = utilisation * slots / mean_handle  # arrivals per second
    now = [T0]
    engine = RoutingEngine(lambda: now[0], RoutingConfig(heartbeat_timeout=timedelta(days=365)))
    for o in ops:
        engine.add_operator(o)

    heap: list[tuple[datetime, int, str, str, str]] = []
    seq = 0

    def push(at: datetime, kind: str, cid: str = "", op: str = "") -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(heap, (at, seq, kind, cid, op))

    arrived: dict[str, datetime] = {}
    estimate: dict[str, float] = {}
    was_queued: dict[str, bool] = {}
    actual: dict[str, float] = {}

    def react(events: list[Event]) -> None:
        for ev in events:
            if isinstance(ev, Offered):
                # Operators answer in 1-6 s; one offer in twenty is declined.
                kind = "decline" if rng.random() < 0.05 else "accept"
                push(
                    ev.at + timedelta(seconds=rng.uniform(1, 6)),
                    kind,
                    ev.conversation_id,
                    ev.operator_id,
                )
            elif isinstance(ev, Assigned):
                cid = ev.conversation_id
                actual.setdefault(cid, (ev.at - arrived[cid]).total_seconds())
                business = engine.conversations[cid].business_id
                push(
                    ev.at + timedelta(seconds=rng.expovariate(1 / handle[business])),
                    "close",
                    cid,
                    ev.operator_id,
                )

    push(T0, "arrival")
    count = 0
    while heap:
        at, _, kind, cid, op = heapq.heappop(heap)
        now[0] = at
        if kind == "arrival":
            count += 1
            cid = f"c{count}"
            business = "b1" if rng.random() < mix["b1"] else "b2"
            arrived[cid] = at
            events = engine.arrive(cid, business, "nl")
            est = engine.estimate_wait(cid)
            was_queued[cid] = est is not None
            estimate[cid] = (
                est.seconds if est and est.seconds is not None else (engine.accept_latency.mean)
            )
            react(events)
            if count < arrivals:
                push(at + timedelta(seconds=rng.expovariate(rate)), "arrival")
        elif kind == "accept":
            react(engine.accept(cid, op))
        elif kind == "decline":
            react(engine.decline(cid, op))
        elif kind == "close":
            react(engine.close(cid, op))
        deadline = engine.next_deadline()
        if deadline is not None and (not heap or deadline < heap[0][0]):
            push(deadline, "tick")
        if kind == "tick":
            react(engine.tick())

    ids = [f"c{i}" for i in range(warmup + 1, arrivals + 1)]
    return SimResult(
        estimates=[estimate[c] for c in ids],
        actuals=[actual[c] for c in ids],
        queued=[was_queued[c] for c in ids],
    )


@pytest.mark.parametrize(("seed", "utilisation"), [(1, 0.92), (2, 0.97)])
def test_estimates_against_simulation(seed: int, utilisation: float) -> None:
    result = simulate(seed, utilisation=utilisation)
    mae_all, within_all, bias_all, base_all, n_all = result.errors(only_queued=False)
    mae_q, within_q, bias_q, base_q, n_q = result.errors(only_queued=True)
    mean_actual_q = statistics.fmean(
        a for a, q in zip(result.actuals, result.queued, strict=True) if q
    )
    print(
        f"\nutilisation {utilisation}: mean queued wait {mean_actual_q:.0f}s; "
        f"all n={n_all} MAE={mae_all:.1f}s "
        f"within30%={within_all:.0%} bias={bias_all:+.1f}s (hindsight-constant MAE "
        f"{base_all:.1f}s); queued n={n_q} MAE={mae_q:.1f}s within30%={within_q:.0%} "
        f"bias={bias_q:+.1f}s (hindsight-constant MAE {base_q:.1f}s)"
    )
    assert n_q > 300  # the scenario really builds queues
    # Better than quoting the (hindsight) mean wait to everybody, and not badly biased.
    assert mae_q < 0.8 * base_q
    assert mae_all < 0.8 * base_all
    assert abs(bias_q) < 0.25 * mean_actual_q
    assert within_q > 0.35
