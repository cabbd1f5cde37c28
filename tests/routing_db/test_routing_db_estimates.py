"""The one-pass queue estimates against the reference eta.estimate_wait, and routing pools."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from livedesk.routing.estimates import queue_estimates
from livedesk.routing.eta import estimate_wait
from livedesk.routing.options import RouterOptions
from livedesk.routing.policy import ConversationState, OperatorState, Presence, Status, queue_key
from livedesk.routing.snapshot import pool_of

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)


def world(seed: int) -> tuple[dict[str, ConversationState], list[OperatorState]]:
    rng = random.Random(seed)
    businesses = [f"b{i}" for i in range(rng.randint(1, 5))]
    ops = [
        OperatorState(
            id=f"o{i}",
            businesses=frozenset(
                rng.sample(businesses, rng.randint(1, 2) if len(businesses) > 1 else 1)
            ),
            languages=frozenset(rng.sample(["nl", "en"], rng.randint(1, 2))),
            max_concurrent=rng.randint(1, 4),
            presence=rng.choice(list(Presence)),
        )
        for i in range(rng.randint(0, 6))
    ]
    convs: dict[str, ConversationState] = {}
    for i in range(rng.randint(1, 40)):
        conv = ConversationState(
            id=f"c{i:02d}",
            business_id=rng.choice(businesses),
            language=rng.choice(["nl", "en"]),
            queued_at=T0 + timedelta(seconds=rng.randint(0, 600)),
            priority=rng.randint(0, 1),
            requeued=rng.random() < 0.1,
        )
        holder = rng.choice(ops) if ops and rng.random() < 0.4 else None
        if holder is not None and holder.load < holder.max_concurrent:
            conv.status = rng.choice([Status.ACTIVE, Status.OFFERED])
            conv.operator_id = holder.id
            (holder.active if conv.status is Status.ACTIVE else holder.offered).add(conv.id)
        convs[conv.id] = conv
    return convs, ops


@pytest.mark.parametrize("seed", range(150))
def test_queue_estimates_match_estimate_wait(seed: int) -> None:
    convs, ops = world(seed)
    means = {"b0": 200.0, "b1": 300.0, "b2": 450.0, "b3": 120.0, "b4": 600.0}
    got = queue_estimates(convs, ops, means.__getitem__, 5.0)
    queued = [c for c in convs.values() if c.status is Status.QUEUED]
    assert set(got) == {c.id for c in queued}
    for conv in queued:
        ref = estimate_wait(conv, convs, ops, means.__getitem__, 5.0)
        position, seconds = got[conv.id]
        if ref.seconds is None:
            assert seconds is None
            same = [c for c in queued if c.business_id == conv.business_id]
            assert position == 1 + sum(queue_key(c) < queue_key(conv) for c in same)
        else:
            assert position == ref.position
            assert seconds == pytest.approx(ref.seconds, rel=1e-9)


def test_pool_is_the_connected_component() -> None:
    pairs = [("o1", "a"), ("o1", "b"), ("o2", "b"), ("o2", "c"), ("o3", "d"), ("o4", "e")]
    assert pool_of(pairs, ["a"]) == {"a", "b", "c"}
    assert pool_of(pairs, ["c"]) == {"a", "b", "c"}
    assert pool_of(pairs, ["d"]) == {"d"}
    assert pool_of(pairs, ["z"]) == {"z"}  # a business nobody serves is its own pool
    assert pool_of(pairs, ["d", "e"]) == {"d", "e"}


def test_options_from_env() -> None:
    opts = RouterOptions.from_env(
        {
            "LIVEDESK_ROUTING_OFFER_TIMEOUT": "7.5",
            "LIVEDESK_ROUTING_MAX_EXPIRED": "5",
            "LIVEDESK_ROUTING_VISITOR_GRACE": "12",
        }
    )
    assert opts.engine.offer_timeout == timedelta(seconds=7.5)
    assert opts.engine.max_consecutive_expired == 5
    assert opts.visitor_grace == timedelta(seconds=12)
    assert RouterOptions.from_env({}).engine.offer_timeout == timedelta(seconds=20)
