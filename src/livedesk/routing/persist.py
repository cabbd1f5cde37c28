"""Write back what one routing unit of work decided: the events, then the engine's state.

Each engine event kind has one function below that records it: a ConversationEvent row, the
conversation's move along the lifecycle table (``enter_state``, the same table the engine and
the conversation actions use) and the frames to publish after the commit. The routing rows
(``routing_conversations``, ``routing_operators``, ``routing_stats``) are then written back
with one executemany per kind, only where the engine changed something.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import User
from livedesk.conversations.actions import queue_conversation_update
from livedesk.conversations.lifecycle import enter_state
from livedesk.conversations.models import Conversation, ConversationEvent
from livedesk.realtime import protocol
from livedesk.routing import engine as ev
from livedesk.routing.engine import RoutingEngine
from livedesk.routing.models import PresenceLog
from livedesk.routing.policy import Status
from livedesk.routing.snapshot import (
    ACCEPT_STAT,
    RC,
    RO,
    RS,
    Snapshot,
    conversation_key,
    handle_stat,
    operator_key,
)
from livedesk.runtime import ALL_STAFF, conversation_topic, queue_after_commit, user_topic

EVENTS = cast(Table, ConversationEvent.__table__)
PRESENCE_LOG = cast(Table, PresenceLog.__table__)


@dataclass
class WriteBack:
    """What one unit of work has recorded so far; flushed by ``persist``."""

    session: AsyncSession
    snap: Snapshot
    rows: dict[str, Conversation]  # the conversations an event touches, as ORM rows
    touched: dict[str, Conversation] = field(default_factory=dict)
    event_rows: list[dict[str, Any]] = field(default_factory=list)
    presence_rows: list[dict[str, Any]] = field(default_factory=list)

    def record(
        self, conv_id: str, kind: str, operator_id: str | None, at: datetime, **data: Any
    ) -> Conversation:
        row = self.rows[conv_id]
        self.event_rows.append(
            dict(
                business_id=row.business_id,
                conversation_id=conv_id,
                kind=kind,
                operator_id=operator_id,
                at=at,
                data=data,
            )
        )
        self.touched[conv_id] = row
        return row

    def requeue(self, row: Conversation, at: datetime) -> None:
        enter_state(row, Status.QUEUED, at)
        row.operator_id = None

    def revoke(self, operator_id: str, conv_id: str, reason: str) -> None:
        frame = protocol.frame("offer_revoked", conversation_id=conv_id, reason=reason)
        queue_after_commit(self.session, user_topic(operator_id), frame)


# --- one function per event kind ------------------------------------------------------------


def _offered(w: WriteBack, e: ev.Offered) -> None:
    expires = e.expires_at.isoformat()
    extra = {"note": e.note} if e.note else {}
    row = w.record(
        e.conversation_id, "offered", e.operator_id, e.at, via=e.via, expires_at=expires, **extra
    )
    enter_state(row, Status.OFFERED, e.at)
    row.operator_id = e.operator_id
    offer = protocol.frame(
        "offer",
        conversation_id=e.conversation_id,
        business_id=row.business_id,
        language=row.language,
        via=e.via,
        expires_at=e.expires_at,
        expires_in=(e.expires_at - e.at).total_seconds(),
        **extra,
    )
    queue_after_commit(w.session, user_topic(e.operator_id), offer)


def _assigned(w: WriteBack, e: ev.Assigned) -> None:
    row = w.record(e.conversation_id, "accepted", e.operator_id, e.at, via=e.via)
    enter_state(row, Status.ACTIVE, e.at)
    row.operator_id = e.operator_id


def _declined(w: WriteBack, e: ev.OfferDeclined) -> None:
    w.requeue(w.record(e.conversation_id, "offer_declined", e.operator_id, e.at), e.at)


def _expired(w: WriteBack, e: ev.OfferExpired) -> None:
    row = w.record(
        e.conversation_id, "offer_expired", e.operator_id, e.at, consecutive=e.consecutive
    )
    w.requeue(row, e.at)
    w.revoke(e.operator_id, e.conversation_id, "expired")


def _withdrawn(w: WriteBack, e: ev.OfferWithdrawn) -> None:
    row = w.record(e.conversation_id, "offer_withdrawn", e.operator_id, e.at, reason=e.reason)
    w.requeue(row, e.at)
    w.revoke(e.operator_id, e.conversation_id, e.reason)


def _requeued(w: WriteBack, e: ev.Requeued) -> None:
    w.requeue(w.record(e.conversation_id, "requeued", e.operator_id, e.at, reason=e.reason), e.at)


def _transferred(w: WriteBack, e: ev.Transferred) -> None:
    row = w.record(
        e.conversation_id, "transfer", e.from_operator_id, e.at, to_operator_id=e.to_operator_id
    )
    if e.to_operator_id is None:
        w.requeue(row, e.at)
    # A transfer to a named operator is followed by its own Offered or Assigned event.


def _closed(w: WriteBack, e: ev.Closed) -> None:
    row = w.record(e.conversation_id, "closed", e.operator_id, e.at, by=e.by)
    enter_state(row, Status.CLOSED, e.at)


def _abandoned(w: WriteBack, e: ev.Abandoned) -> None:
    row = w.record(e.conversation_id, "abandoned", e.operator_id, e.at)
    enter_state(row, Status.ABANDONED, e.at)


def _missed(w: WriteBack, e: ev.Missed) -> None:
    row = w.record(e.conversation_id, "missed", e.operator_id, e.at)
    enter_state(row, Status.MISSED, e.at)
    if e.operator_id:
        w.revoke(e.operator_id, e.conversation_id, "visitor_left")


def _presence_changed(w: WriteBack, e: ev.PresenceChanged) -> None:
    w.presence_rows.append(
        dict(operator_id=e.operator_id, at=e.at, old=e.old, new=e.new, reason=e.reason)
    )
    frame = protocol.frame(
        "presence",
        operator_id=e.operator_id,
        name=w.snap.names.get(e.operator_id),
        state=e.new,
        previous=e.old,
        reason=e.reason,
        at=e.at,
    )
    queue_after_commit(w.session, ALL_STAFF, frame)
    queue_after_commit(w.session, user_topic(e.operator_id), frame)


def _overflows(w: WriteBack) -> None:
    """The contract's overflow (overflow.py): logged, and told to the visitor before the frame
    of the chat's end, so the widget shows the offline form rather than an ended chat."""
    for notice in w.snap.overflows:
        w.event_rows.append(
            dict(
                business_id=notice.business_id,
                conversation_id=notice.conversation_id,
                kind="overflow",
                operator_id=None,
                at=notice.at,
                data={"action": notice.action, "reason": notice.reason},
            )
        )
        frame = protocol.frame(
            "overflow",
            conversation_id=notice.conversation_id,
            action=notice.action,
            reason=notice.reason,
        )
        queue_after_commit(w.session, conversation_topic(notice.conversation_id), frame)


def _nothing(w: WriteBack, e: ev.Event) -> None:
    """Events that only inform (queued, first reply): the chat core records those itself."""


RECORDERS: dict[type[ev.Event], Callable[[WriteBack, Any], None]] = {
    ev.Offered: _offered,
    ev.Assigned: _assigned,
    ev.OfferDeclined: _declined,
    ev.OfferExpired: _expired,
    ev.OfferWithdrawn: _withdrawn,
    ev.Requeued: _requeued,
    ev.Transferred: _transferred,
    ev.Closed: _closed,
    ev.Abandoned: _abandoned,
    ev.Missed: _missed,
    ev.PresenceChanged: _presence_changed,
    ev.Queued: _nothing,
    ev.FirstReply: _nothing,
}


# --- the write-back -------------------------------------------------------------------------


async def persist(
    session: AsyncSession,
    snap: Snapshot,
    engine: RoutingEngine,
    events: list[ev.Event],
    now: datetime,
) -> None:
    await _load_names(session, snap, events)
    w = WriteBack(session, snap, await _touched_rows(session, snap, events))
    for conv_id, disposition in snap.dispositions.items():
        if conv_id in w.rows:
            w.rows[conv_id].disposition = disposition
    _overflows(w)  # logged before the end it causes
    for event in events:
        RECORDERS[type(event)](w, event)
    await session.flush()  # the conversation rows first (events reference them)
    if w.event_rows:
        await session.execute(insert(EVENTS), w.event_rows)
    if w.presence_rows:
        await session.execute(insert(PRESENCE_LOG), w.presence_rows)
    await _write_conversations(session, snap, engine)
    await _write_operators(session, snap, engine, now)
    await _write_stats(session, snap, engine)
    for row in w.touched.values():
        queue_conversation_update(session, row, snap.names.get(row.operator_id or ""))


async def _load_names(session: AsyncSession, snap: Snapshot, events: list[ev.Event]) -> None:
    """Display names of operators the events mention (for presence and conversation frames)."""
    missing = {getattr(e, "operator_id", None) for e in events} - set(snap.names) - {None}
    if missing:
        rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(missing)))
        snap.names.update(dict(rows.all()))


async def _touched_rows(
    session: AsyncSession, snap: Snapshot, events: list[ev.Event]
) -> dict[str, Conversation]:
    """Only the conversations an event touches become ORM rows (their frames need them)."""
    ids = {cid for e in events if (cid := getattr(e, "conversation_id", None)) is not None}
    ids |= set(snap.dispositions)
    if not ids:
        return {}
    rows = await session.scalars(select(Conversation).where(Conversation.id.in_(ids)))
    return {r.id: r for r in rows}


async def _write_conversations(
    session: AsyncSession, snap: Snapshot, engine: RoutingEngine
) -> None:
    gone: list[str] = []
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for conv_id, loaded in snap.loaded_convs.items():
        state = engine.conversations.get(conv_id)
        if state is None:
            if conv_id in snap.rc_existing:
                gone.append(conv_id)
            continue
        if conversation_key(state) == loaded:
            continue  # a missing row reads back as these same defaults
        values = dict(
            offer_expires_at=state.offer_expires_at,
            held_since=state.held_since,
            requeued=state.requeued,
            declined_by=sorted(state.declined_by),
            was_offered=state.was_offered,
        )
        if conv_id in snap.rc_existing:
            updates.append({"k_id": conv_id, **values})
        else:
            inserts.append({"conversation_id": conv_id, **values})
    if gone:
        await session.execute(delete(RC).where(RC.c.conversation_id.in_(gone)))
    if inserts:
        await session.execute(insert(RC), inserts)
    if updates:
        await session.execute(RC.update().where(RC.c.conversation_id == bindparam("k_id")), updates)


async def _write_operators(
    session: AsyncSession, snap: Snapshot, engine: RoutingEngine, now: datetime
) -> None:
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for op_id, op in engine.operators.items():
        if operator_key(op) == snap.loaded_ops.get(op_id):
            continue
        values = dict(
            presence=str(op.presence),
            last_heartbeat_at=op.last_heartbeat_at,
            last_assigned_at=op.last_assigned_at,
            consecutive_expired=op.consecutive_expired,
            updated_at=now,
        )
        if op_id in snap.op_existing:
            updates.append({"k_id": op_id, **values})
        else:
            inserts.append({"user_id": op_id, **values})
    if inserts:
        await session.execute(insert(RO), inserts)
    if updates:
        await session.execute(RO.update().where(RO.c.user_id == bindparam("k_id")), updates)


async def _write_stats(session: AsyncSession, snap: Snapshot, engine: RoutingEngine) -> None:
    stats = {handle_stat(b): e for b, e in engine.handle_times.items() if b in snap.scope}
    stats[ACCEPT_STAT] = engine.accept_latency
    for name, ewma in stats.items():
        stat = snap.stats.get(name)
        if stat is None and ewma.count:
            await session.execute(insert(RS).values(name=name, mean=ewma.mean, count=ewma.count))
        elif stat is not None and stat[1] != ewma.count:
            await session.execute(
                RS.update().where(RS.c.name == name).values(mean=ewma.mean, count=ewma.count)
            )
