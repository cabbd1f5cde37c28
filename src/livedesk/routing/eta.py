"""Queue position and estimated wait.

Method: let ``S`` be the online operators who could serve the conversation (skills only). Each
slot of ``S`` frees up at rate ``1 / h`` where ``h`` is the mean time a slot stays held by a chat
of that business (an exponentially-weighted mean with a prior). With ``F`` free slots and ``k``
conversations ahead in the queue that ``S`` could also serve, the conversation needs
``m = k + 1 - F`` slot releases. With releases arriving at the total rate ``R = sum 1/h`` over all
slots of ``S`` (busy slots at their chat's business mean, free slots at this business's mean),
the expected time for ``m`` releases is ``m / R``. The expected offer-to-accept latency is added
on top. If nobody online can serve the conversation there is no honest number: ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .policy import (
    ConversationState,
    OperatorState,
    Presence,
    Status,
    can_serve,
    queue_key,
)

__all__ = ["Ewma", "WaitEstimate", "estimate_wait", "queue_position"]


@dataclass
class Ewma:
    """Exponentially-weighted mean that starts as a running mean seeded with a prior.

    The prior counts as ``prior_weight`` observations; once ``1/(prior_weight + n)`` falls
    below ``alpha`` the weight stays at ``alpha`` so the mean tracks recent behaviour.
    Plain fields so a router can persist ``mean`` and ``count`` next to the business.
    """

    mean: float
    prior_weight: float = 5.0
    alpha: float = 0.05
    count: int = 0

    def observe(self, value: float) -> None:
        self.count += 1
        weight = max(self.alpha, 1.0 / (self.prior_weight + self.count))
        self.mean += weight * (value - self.mean)


@dataclass(frozen=True)
class WaitEstimate:
    position: int  # 1 = next in line among conversations competing for the same operators
    seconds: float | None  # None: no online operator can serve this conversation
    free_slots: int
    capacity: int


def _competing(
    conv: ConversationState,
    conversations: Iterable[ConversationState],
    serving: list[OperatorState],
) -> int:
    key = queue_key(conv)
    return sum(
        1
        for other in conversations
        if other.status is Status.QUEUED
        and other.id != conv.id
        and queue_key(other) < key
        and any(can_serve(op, other) for op in serving)
    )


def queue_position(
    conv: ConversationState,
    conversations: Iterable[ConversationState],
    operators: Iterable[OperatorState],
) -> int:
    """1-based position among queued conversations that compete for the same operators."""
    serving = [op for op in operators if can_serve(op, conv)]
    return _competing(conv, conversations, serving) + 1


def estimate_wait(
    conv: ConversationState,
    conversations: Mapping[str, ConversationState],
    operators: Iterable[OperatorState],
    handle_time: Callable[[str], float],
    accept_latency: float = 0.0,
) -> WaitEstimate:
    """Expected seconds until ``conv`` is assigned; see the module docstring for the model.

    ``handle_time(business_id)`` returns the mean slot-holding time in seconds.
    """
    online = [op for op in operators if op.presence is Presence.ONLINE]
    serving = [op for op in online if can_serve(op, conv)]
    ahead = _competing(conv, conversations.values(), serving)
    capacity = sum(op.max_concurrent for op in serving)
    free = sum(op.free_slots for op in serving)
    if not serving or capacity == 0:
        return WaitEstimate(ahead + 1, None, 0, 0)
    # A competitor that other operators can also serve only takes a share of our slots:
    # weight it by the fraction of its capacity that lies with our operators.
    ours = {op.id for op in serving}
    key = queue_key(conv)
    load_ahead = 0.0
    for other in conversations.values():
        if other.status is not Status.QUEUED or other.id == conv.id or queue_key(other) >= key:
            continue
        theirs = [op for op in online if can_serve(op, other)]
        shared = sum(op.max_concurrent for op in theirs if op.id in ours)
        if shared:
            load_ahead += shared / sum(op.max_concurrent for op in theirs)
    needed = load_ahead + 1 - free
    if needed <= 0:
        return WaitEstimate(ahead + 1, accept_latency, free, capacity)
    rate = 0.0
    for op in serving:
        for cid in op.active | op.offered:
            held = conversations.get(cid)
            rate += 1.0 / handle_time(held.business_id if held else conv.business_id)
        rate += op.free_slots / handle_time(conv.business_id)
    return WaitEstimate(ahead + 1, needed / rate + accept_latency, free, capacity)
