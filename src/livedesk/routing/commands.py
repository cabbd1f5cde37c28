"""The routing commands staff and visitors cause, as functions of (engine, snapshot).

Each builder checks what it can before the unit of work, and returns the command the batcher
applies to the pool's engine under its lock. Commands raise ``Conflict`` before changing
anything, or return the engine's events (a ``Rejected`` event fails only that command).
"""

from __future__ import annotations

from dataclasses import replace

from livedesk.accounts.models import Role
from livedesk.conversations.lifecycle import check_transition
from livedesk.conversations.models import Disposition
from livedesk.errors import Conflict, Forbidden, Invalid
from livedesk.realtime.protocol import FrameError
from livedesk.routing import engine as ev
from livedesk.routing.batching import Command
from livedesk.routing.engine import RoutingEngine
from livedesk.routing.policy import TERMINAL, ConversationState, Presence, Status
from livedesk.routing.snapshot import Snapshot
from livedesk.security.actors import StaffActor


def accept(actor: StaffActor, conversation_id: str) -> Command:
    """The agent socket's `accept`: the pending offer, or a queued chat taken by hand."""
    if not actor.is_staff:
        raise Forbidden("only staff can accept conversations")

    def command(engine: RoutingEngine, snap: Snapshot) -> list[ev.Event]:
        conv = engine.conversations.get(conversation_id)
        if conv is None:
            raise Conflict("this conversation is no longer waiting", code="not_open")
        if conv.status is Status.OFFERED and conv.operator_id == actor.user_id:
            return engine.accept(conversation_id, actor.user_id)
        if conv.status is Status.ACTIVE:
            if conv.operator_id == actor.user_id:
                return []  # accepting twice is harmless
            raise Conflict("another operator has this conversation", code="already_assigned")
        return take_by_hand(engine, conv, actor)

    return command


def checked_disposition(disposition: str | None) -> Disposition | None:
    if disposition is None:
        return None
    try:
        return Disposition(disposition)
    except ValueError:
        raise Invalid(
            f"unknown disposition {disposition!r}",
            code="invalid_disposition",
            data={"allowed": [d.value for d in Disposition]},
        ) from None


def close(actor: StaffActor, conversation_id: str, disposition: str | None) -> Command:
    chosen = checked_disposition(disposition)

    def command(engine: RoutingEngine, snap: Snapshot) -> list[ev.Event]:
        conv = engine.conversations.get(conversation_id)
        if conv is None:
            return []  # closing a closed chat is harmless
        if chosen is not None:
            snap.dispositions[conversation_id] = chosen
        if conv.status is Status.ACTIVE and conv.operator_id == actor.user_id:
            return engine.close(conversation_id, actor.user_id)
        return end_by_hand(engine, conv, Status.CLOSED, "staff") + engine.tick()

    return command


def visitor_left(conversation_id: str) -> Command:
    """The visitor left (an explicit `leave` frame, or gone past the grace period)."""

    def command(engine: RoutingEngine, snap: Snapshot) -> list[ev.Event]:
        if conversation_id not in engine.conversations:
            return []
        return engine.visitor_left(conversation_id)

    return command


def set_presence(operator_id: str, state: str, reason: str = "manual") -> Command:
    try:
        presence = Presence(state)
    except ValueError:
        raise FrameError(
            "invalid_field", "`state` is online, away or offline", field="state"
        ) from None

    def command(engine: RoutingEngine, snap: Snapshot) -> list[ev.Event]:
        events = engine.set_presence(operator_id, presence, reason)
        op = engine.operators.get(operator_id)
        if op is not None and presence is not Presence.OFFLINE:
            op.last_heartbeat_at = engine.clock()  # saying something proves they are there
        return events

    return command


def decline(operator_id: str, conversation_id: str) -> Command:
    def command(engine: RoutingEngine, snap: Snapshot) -> list[ev.Event]:
        return engine.decline(conversation_id, operator_id)

    return command


def transfer(
    actor: StaffActor, conversation_id: str, to_operator_id: str | None, note: str | None = None
) -> Command:
    def command(engine: RoutingEngine, snap: Snapshot) -> list[ev.Event]:
        conv = engine.conversations.get(conversation_id)
        holder = actor.user_id
        # Supervisors and admins may move anybody's chat; operators only their own.
        if conv is not None and actor.role in (Role.SUPERVISOR, Role.PROVIDER_ADMIN):
            holder = conv.operator_id or actor.user_id
        return with_note(engine.transfer(conversation_id, holder, to_operator_id), note)

    return command


def direct(
    actor: StaffActor, conversation_id: str, to_operator_id: str, note: str | None
) -> Command:
    """A supervisor hands a waiting or active chat to a named operator."""
    if actor.role not in (Role.SUPERVISOR, Role.PROVIDER_ADMIN):
        raise Forbidden("only supervisors hand chats to a named operator", code="forbidden")

    def command(engine: RoutingEngine, snap: Snapshot) -> list[ev.Event]:
        return with_note(engine.direct(conversation_id, to_operator_id), note)

    return command


def with_note(events: list[ev.Event], note: str | None) -> list[ev.Event]:
    """The handing-over colleague's note travels with the offer it caused."""
    if not note:
        return events
    return [replace(e, note=note) if isinstance(e, ev.Offered) else e for e in events]


def take_by_hand(
    engine: RoutingEngine, conv: ConversationState, actor: StaffActor
) -> list[ev.Event]:
    """Staff pick a waiting chat themselves (the console's queue list, or a supervisor)."""
    now = engine.clock()
    op = engine.operators.get(actor.user_id)
    if op is None and actor.role == Role.OPERATOR:
        raise Conflict("you do not serve this business", code="not_eligible")
    if op is not None and op.load >= op.max_concurrent:
        raise Conflict(
            "you are at your maximum of concurrent chats",
            code="at_capacity",
            data={"max_concurrent": op.max_concurrent},
        )
    events: list[ev.Event] = []
    if conv.status is Status.OFFERED and conv.operator_id:
        other = engine.operators.get(conv.operator_id)
        if other is not None:
            other.offered.discard(conv.id)
        events.append(
            ev.OfferWithdrawn(
                at=now, conversation_id=conv.id, operator_id=conv.operator_id, reason="taken"
            )
        )
    conv.status = check_transition(conv.status, Status.ACTIVE, what=f"conversation {conv.id}")
    conv.operator_id = actor.user_id
    conv.offer_expires_at, conv.held_since = None, now
    if op is not None:
        op.active.add(conv.id)
        op.last_assigned_at = now
        op.consecutive_expired = 0
    events.append(
        ev.Assigned(at=now, conversation_id=conv.id, operator_id=actor.user_id, via="manual")
    )
    return events


def end_by_hand(
    engine: RoutingEngine, conv: ConversationState, to: Status, by: str
) -> list[ev.Event]:
    """Staff close a chat that is not theirs (or still waiting): release whatever it holds."""
    assert to in TERMINAL
    now = engine.clock()
    events: list[ev.Event] = []
    op = engine.operators.get(conv.operator_id or "")
    if conv.status is Status.OFFERED and conv.operator_id:
        events.append(
            ev.OfferWithdrawn(
                at=now, conversation_id=conv.id, operator_id=conv.operator_id, reason="closed"
            )
        )
    if op is not None:
        op.active.discard(conv.id)
        op.offered.discard(conv.id)
    operator_id = conv.operator_id if conv.status is Status.ACTIVE else None
    conv.status = check_transition(conv.status, to, what=f"conversation {conv.id}")
    del engine.conversations[conv.id]
    events.append(ev.Closed(at=now, conversation_id=conv.id, operator_id=operator_id, by=by))
    return events
