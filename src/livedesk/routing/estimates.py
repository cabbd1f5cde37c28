"""Queue position and expected wait for every queued conversation at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from livedesk.routing.policy import (
    ConversationState,
    OperatorState,
    Presence,
    Status,
    can_serve,
    queue_key,
)


def queue_estimates(
    conversations: Mapping[str, ConversationState],
    operators: Iterable[OperatorState],
    handle_time: Callable[[str], float],
    accept_latency: float,
) -> dict[str, tuple[int, float | None]]:
    """The same numbers as ``eta.estimate_wait`` for each queued conversation, in one pass.

    estimate_wait is O(queue × operators) per conversation; a burst of 2,000 queued chats would
    make a refresh O(n²·ops). Conversations of one (business, language) class share their
    serving operators, so walking the queue once and keeping per-class running totals of "ahead"
    and "capacity share ahead" gives identical results in O(queue × classes). One deliberate
    difference: with nobody online to serve a chat, estimate_wait ranks it 1 whatever is ahead;
    here it gets its place in the line of its business (the estimate stays None).
    """
    online = [op for op in operators if op.presence is Presence.ONLINE]
    queued = sorted((c for c in conversations.values() if c.status is Status.QUEUED), key=queue_key)
    classes: dict[tuple[str, str], ConversationState] = {}
    for conv in queued:
        classes.setdefault((conv.business_id, conv.language), conv)
    serving = {k: [op for op in online if can_serve(op, rep)] for k, rep in classes.items()}
    ids = {k: {op.id for op in ops} for k, ops in serving.items()}
    cap = {k: sum(op.max_concurrent for op in ops) for k, ops in serving.items()}
    free = {k: sum(op.free_slots for op in ops) for k, ops in serving.items()}
    rate: dict[tuple[str, str], float] = {}
    for k, ops in serving.items():
        total = 0.0
        for op in ops:
            for cid in op.active | op.offered:
                held = conversations.get(cid)
                total += 1.0 / handle_time(held.business_id if held else k[0])
            total += op.free_slots / handle_time(k[0])
        rate[k] = total
    # share[s][t]: how much one queued chat of class s weighs on the slots of class t.
    share: dict[tuple[str, str], list[tuple[tuple[str, str], float]]] = {}
    for s in classes:
        out = []
        for t in classes:
            common = [op for op in serving[s] if op.id in ids[t]]
            if common:
                shared = sum(op.max_concurrent for op in common)
                out.append((t, shared / cap[s] if cap[s] else 0.0))
        share[s] = out
    ahead: dict[tuple[str, str], int] = defaultdict(int)
    load: dict[tuple[str, str], float] = defaultdict(float)
    same_business: dict[str, int] = defaultdict(int)
    result: dict[str, tuple[int, float | None]] = {}
    for conv in queued:
        k = (conv.business_id, conv.language)
        seconds: float | None
        if not serving[k] or cap[k] == 0:
            # Nobody online to compete for: the honest position is the line at this business.
            result[conv.id] = (same_business[conv.business_id] + 1, None)
        else:
            needed = load[k] + 1 - free[k]
            seconds = accept_latency if needed <= 0 else needed / rate[k] + accept_latency
            result[conv.id] = (ahead[k] + 1, seconds)
        same_business[conv.business_id] += 1
        for t, weight in share[k]:
            ahead[t] += 1
            load[t] += weight
    return result
