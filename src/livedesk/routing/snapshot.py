"""A routing pool's state, read from the database for one unit of work.

A *pool* is the set of businesses connected through operators who serve several of them: a
decision in one can change what is possible in another, so a pool is locked and routed as one.
The snapshot is read with Core (plain tuples, no ORM identity map) and handed to the pure
RoutingEngine; persist.py writes back what the engine changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import OperatorBusiness, OperatorProfile, Role, User
from livedesk.conversations.models import OPEN_STATES, Conversation
from livedesk.routing.engine import RoutingConfig, RoutingEngine
from livedesk.routing.eta import Ewma
from livedesk.routing.models import RoutingConversation, RoutingOperator, RoutingStat
from livedesk.routing.policy import ConversationState, OperatorState, Presence, Status

ACCEPT_STAT = "accept"

# The tables themselves, for Core statements (plain tuples, executemany): typed as Table.
RO = cast(Table, RoutingOperator.__table__)
RC = cast(Table, RoutingConversation.__table__)
RS = cast(Table, RoutingStat.__table__)
CONV = cast(Table, Conversation.__table__)


def handle_stat(business_id: str) -> str:
    return f"handle:{business_id}"


def operator_key(op: OperatorState) -> tuple[Any, ...]:
    """What persist.py writes back for an operator: compared to tell whether it changed."""
    return (op.presence, op.last_heartbeat_at, op.last_assigned_at, op.consecutive_expired)


def conversation_key(c: ConversationState) -> tuple[Any, ...]:
    """What persist.py writes back to routing_conversations: compared to tell a change."""
    return (c.offer_expires_at, c.held_since, c.requeued, sorted(c.declined_by), c.was_offered)


@dataclass
class Snapshot:
    scope: frozenset[str]
    operators: dict[str, OperatorState]
    op_businesses: dict[str, frozenset[str]]
    names: dict[str, str]
    op_existing: set[str]  # operators with a routing_operators row
    conversations: dict[str, ConversationState]
    conv_business: dict[str, str]  # every loaded open conversation → its business
    rc_existing: set[str]  # conversations with a routing_conversations row
    stats: dict[str, tuple[float, int]]
    loaded_ops: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    loaded_convs: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    dispositions: dict[str, str] = field(default_factory=dict)  # set by `close`, persisted
    overflows: list[Any] = field(default_factory=list)  # overflow.OverflowNotice, persisted

    def engine(self, now: datetime, config: RoutingConfig) -> RoutingEngine:
        engine = RoutingEngine(
            lambda: now,
            config,
            operators=self.operators.values(),
            conversations=self.conversations.values(),
        )
        for business_id in self.scope:
            stat = self.stats.get(handle_stat(business_id))
            if stat is not None:
                engine.handle_times[business_id] = Ewma(stat[0], count=stat[1])
        stat = self.stats.get(ACCEPT_STAT)
        if stat is not None:
            engine.accept_latency = Ewma(stat[0], count=stat[1])
        return engine


def pool_of(pairs: Iterable[tuple[str, str]], seeds: Iterable[str]) -> set[str]:
    """Businesses connected to ``seeds`` through operators serving several of them."""
    by_business: dict[str, set[str]] = defaultdict(set)
    by_operator: dict[str, set[str]] = defaultdict(set)
    for user_id, business_id in pairs:
        by_business[business_id].add(user_id)
        by_operator[user_id].add(business_id)
    pool: set[str] = set()
    todo = list(seeds)
    seen_ops: set[str] = set()
    while todo:
        business_id = todo.pop()
        if business_id in pool:
            continue
        pool.add(business_id)
        for user_id in by_business.get(business_id, ()):
            if user_id not in seen_ops:
                seen_ops.add(user_id)
                todo.extend(by_operator[user_id] - pool)
    return pool


async def skill_pairs(session: AsyncSession) -> list[tuple[str, str]]:
    """(operator, business) for every business every operator serves."""
    rows = await session.execute(select(OperatorBusiness.user_id, OperatorBusiness.business_id))
    return [(u, b) for u, b in rows]


async def load_snapshot(
    session: AsyncSession, scope: set[str], pairs: list[tuple[str, str]]
) -> Snapshot:
    op_businesses: dict[str, set[str]] = defaultdict(set)
    for user_id, business_id in pairs:
        if business_id in scope:
            op_businesses[user_id].add(business_id)
    for user_id, business_id in pairs:  # all skills of the pool's operators
        if user_id in op_businesses:
            op_businesses[user_id].add(business_id)
    operators, names, op_existing = await _load_operators(session, op_businesses)
    conversations, conv_business, rc_existing = await _load_conversations(session, scope, operators)
    stat_names = [handle_stat(b) for b in scope] + [ACCEPT_STAT]
    stats = {
        name: (mean, count)
        for name, mean, count in await session.execute(
            select(RS.c.name, RS.c.mean, RS.c.count).where(RS.c.name.in_(stat_names))
        )
    }
    snap = Snapshot(
        frozenset(scope),
        operators,
        {k: frozenset(v) for k, v in op_businesses.items()},
        names,
        op_existing,
        conversations,
        conv_business,
        rc_existing,
        stats,
    )
    snap.loaded_ops = {k: operator_key(v) for k, v in operators.items()}
    snap.loaded_convs = {k: conversation_key(v) for k, v in conversations.items()}
    return snap


async def _load_operators(
    session: AsyncSession, op_businesses: dict[str, set[str]]
) -> tuple[dict[str, OperatorState], dict[str, str], set[str]]:
    """Active operators of the pool with their profile and routing row (presence, timers)."""
    if not op_businesses:
        return {}, {}, set()
    rows = await session.execute(
        select(
            User.id,
            User.display_name,
            OperatorProfile.languages,
            OperatorProfile.max_concurrent,
            OperatorProfile.auto_accept,
            RO.c.user_id,
            RO.c.presence,
            RO.c.last_assigned_at,
            RO.c.last_heartbeat_at,
            RO.c.consecutive_expired,
        )
        .join(OperatorProfile, OperatorProfile.user_id == User.id)
        .outerjoin(RO, RO.c.user_id == User.id)
        .where(
            User.id.in_(list(op_businesses)), User.is_active.is_(True), User.role == Role.OPERATOR
        )
    )
    operators: dict[str, OperatorState] = {}
    names: dict[str, str] = {}
    existing: set[str] = set()
    for (user_id, name, languages, max_concurrent, auto_accept, ro_id, presence, assigned,
         heartbeat, expired) in rows:  # fmt: skip
        names[user_id] = name
        if ro_id is not None:
            existing.add(user_id)
        operators[user_id] = OperatorState(
            id=user_id,
            businesses=frozenset(op_businesses[user_id]),
            languages=frozenset(languages or ()),
            max_concurrent=max_concurrent,
            presence=Presence(presence) if ro_id is not None else Presence.OFFLINE,
            auto_accept=auto_accept,
            last_assigned_at=assigned,
            last_heartbeat_at=heartbeat,
            consecutive_expired=expired or 0,
        )
    return operators, names, existing


async def _load_conversations(
    session: AsyncSession, scope: set[str], operators: dict[str, OperatorState]
) -> tuple[dict[str, ConversationState], dict[str, str], set[str]]:
    """Open conversations of the pool, plus any held by its operators elsewhere (capacity spans
    every business, even one whose skill was removed since); fills the operators' slots."""
    c = CONV.c
    where: ColumnElement[bool] = c.business_id.in_(scope)
    if operators:
        where = or_(where, c.operator_id.in_(list(operators)))
    rows = await session.execute(
        select(
            c.id,
            c.business_id,
            c.language,
            c.queued_at,
            c.created_at,
            c.priority,
            c.state,
            c.operator_id,
            c.accepted_at,
            c.offered_at,
            c.first_reply_at,
            RC.c.conversation_id,
            RC.c.offer_expires_at,
            RC.c.held_since,
            RC.c.requeued,
            RC.c.declined_by,
            RC.c.was_offered,
        )
        .select_from(CONV.outerjoin(RC, RC.c.conversation_id == c.id))
        .where(c.state.in_(OPEN_STATES), where)
    )
    conversations: dict[str, ConversationState] = {}
    conv_business: dict[str, str] = {}
    rc_existing: set[str] = set()
    for (conv_id, business_id, language, queued_at, created_at, priority, state_, operator_id,
         accepted_at, offered_at, first_reply_at, rc_id, offer_expires_at, held_since, requeued,
         declined_by, was_offered) in rows:  # fmt: skip
        conv_business[conv_id] = business_id
        has_rc = rc_id is not None
        if has_rc:
            rc_existing.add(conv_id)
        status = Status(state_)
        if has_rc and held_since:
            held = held_since
        else:
            held = accepted_at if status is Status.ACTIVE else None
        state = ConversationState(
            id=conv_id,
            business_id=business_id,
            language=language,
            queued_at=queued_at or created_at,
            priority=priority,
            status=status,
            operator_id=None if status is Status.QUEUED else operator_id,
            offer_expires_at=offer_expires_at if has_rc else None,
            held_since=held,
            requeued=bool(requeued) if has_rc else False,
            declined_by=set(declined_by or ()) if has_rc else set(),
            was_offered=bool(was_offered) if has_rc else offered_at is not None,
            first_reply_at=first_reply_at,
        )
        conversations[conv_id] = state
        op = operators.get(operator_id or "")
        if op is not None and status is Status.ACTIVE:
            op.active.add(conv_id)
        elif op is not None and status is Status.OFFERED:
            op.offered.add(conv_id)
    return conversations, conv_business, rc_existing
