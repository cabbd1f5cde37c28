"""The agent-socket frames routing adds: presence, heartbeat, decline and transfer.

Registered through ``runtime.extensions["agent_frames"]``; each handler takes the staff
connection and the parsed frame, and answers through the connection or raises ``FrameError``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from livedesk.accounts.models import Role
from livedesk.db import utcnow
from livedesk.realtime import protocol
from livedesk.realtime.protocol import FrameError
from livedesk.routing import engine as ev
from livedesk.security.actors import StaffActor

if TYPE_CHECKING:
    from livedesk.routing.service import Router

FrameHandler = Callable[[Any, dict[str, Any]], Awaitable[None]]


def _operator(conn: Any) -> StaffActor:
    actor: StaffActor = conn.actor
    if actor.role != Role.OPERATOR:
        raise FrameError("forbidden", "only operators take part in routing")
    return actor


def agent_frames(router: Router) -> dict[str, FrameHandler]:
    async def presence(conn: Any, data: dict[str, Any]) -> None:
        actor = _operator(conn)
        state = protocol.require_str(data, "state", max_len=16)
        events = await router.set_presence(actor.user_id, state)
        if not any(
            isinstance(e, ev.PresenceChanged) and e.operator_id == actor.user_id for e in events
        ):  # no change: confirm the current state to the sender
            conn.send(
                protocol.frame(
                    "presence",
                    operator_id=actor.user_id,
                    name=actor.name,
                    state=state,
                    previous=state,
                    reason="manual",
                    at=utcnow(),
                )
            )

    async def heartbeat(conn: Any, data: dict[str, Any]) -> None:
        actor = _operator(conn)
        state = await router.heartbeat(actor.user_id)
        conn.send(protocol.frame("heartbeat", state=state, server_time=utcnow()))

    async def decline(conn: Any, data: dict[str, Any]) -> None:
        actor = _operator(conn)
        conversation_id = protocol.require_str(data, "conversation_id", max_len=64)
        await router.decline(actor.user_id, conversation_id)

    async def transfer(conn: Any, data: dict[str, Any]) -> None:
        actor: StaffActor = conn.actor
        if not actor.is_staff:
            raise FrameError("forbidden", "business users cannot transfer chats")
        conversation_id = protocol.require_str(data, "conversation_id", max_len=64)
        target = data.get("to_operator_id")
        if target is not None and not isinstance(target, str):
            raise FrameError(
                "invalid_field", "`to_operator_id` is a string or null", field="to_operator_id"
            )
        note = protocol.optional_str(data, "note", max_len=500)
        await conn._visible(conversation_id)
        await router.transfer(actor, conversation_id, target, note)

    return {"presence": presence, "heartbeat": heartbeat, "decline": decline, "transfer": transfer}
