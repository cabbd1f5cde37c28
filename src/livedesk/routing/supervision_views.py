"""What a shift lead does on the floor, and whom an operator can hand a chat to.

Supervisors and provider admins hand a waiting or active chat to a named operator and set an
operator's presence (someone who walked away from an open console). Operators see the
colleagues they can transfer a chat to, by name, with their load.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from livedesk import i18n
from livedesk.accounts.models import Role
from livedesk.audit.actions import record_change
from livedesk.conversations.access import access_conversation_by_id
from livedesk.deps import ManagerDep, RuntimeDep, SessionDep, StaffDep
from livedesk.errors import NotFound
from livedesk.routing.batching import RoutingRejected
from livedesk.routing.policy import Presence, can_serve
from livedesk.routing.service import Router

router = APIRouter(tags=["routing"])

i18n.register(
    {
        "nl": {
            "bad_target": "Kies een andere collega dan wie de chat nu heeft.",
            "target_unavailable": "Deze collega is niet online of bedient deze klant niet.",
            "target_full": "Deze collega heeft het maximale aantal chats.",
            "not_assigned": "Deze chat is niet van jou.",
            "unknown_operator": "Deze operator bestaat niet of is niet actief.",
        },
        "en": {
            "bad_target": "Choose a colleague other than the one who has the chat now.",
            "target_unavailable": "This colleague is not online or does not serve this client.",
            "target_full": "This colleague has the maximum number of chats.",
            "not_assigned": "This chat is not yours.",
            "unknown_operator": "This operator does not exist or is not active.",
        },
    }
)


def _router(runtime: Any) -> Router:
    return runtime.extensions["router"]  # type: ignore[no-any-return]


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operator_id: str = Field(min_length=1, max_length=32)
    note: str | None = Field(default=None, max_length=500)


class PresenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Literal["online", "away", "offline"]


@router.post("/api/v1/floor/conversations/{conversation_id}/assign")
async def assign_conversation(
    conversation_id: str,
    body: AssignIn,
    actor: ManagerDep,
    runtime: RuntimeDep,
    session: SessionDep,
) -> dict[str, Any]:
    """Hand a waiting chat (offered to them) or an active one (transferred) to this operator."""
    await access_conversation_by_id(session, actor, conversation_id)
    await _router(runtime).direct(actor, conversation_id, body.operator_id, body.note)
    facts = await runtime.conversation_facts(conversation_id)
    assert facts is not None
    return {
        "conversation_id": conversation_id,
        "state": facts.state,
        "operator_id": facts.operator_id,
    }


@router.post("/api/v1/floor/operators/{operator_id}/presence")
async def set_operator_presence(
    operator_id: str, body: PresenceIn, actor: ManagerDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """Set an operator away (or offline, or back online): their offers go back to the queue."""
    try:
        await _router(runtime).set_presence(operator_id, body.state, reason="supervisor")
    except RoutingRejected as exc:
        if exc.code == "unknown_operator":
            raise NotFound("operator not found", code="unknown_operator") from None
        raise
    async with runtime.transaction() as session:
        record_change(
            session,
            actor,
            entity="presence",
            entity_id=operator_id,
            action="update",
            business_id=None,
            after={"state": body.state},
        )
    return {"operator_id": operator_id, "state": body.state}


@router.get("/api/v1/conversations/{conversation_id}/transfer-targets")
async def transfer_targets(
    conversation_id: str, actor: StaffDep, runtime: RuntimeDep, session: SessionDep
) -> dict[str, Any]:
    """Colleagues who could take this chat now (online, serving its business and language),
    by name and load, and the business's team (the queue, ahead of new arrivals)."""
    conversation = await access_conversation_by_id(session, actor, conversation_id)
    snap = await _router(runtime).snapshot([conversation.business_id])
    probe = snap.conversations.get(conversation_id)
    colleagues = []
    for op in sorted(snap.operators.values(), key=lambda o: snap.names.get(o.id, "")):
        if op.id == conversation.operator_id or op.presence is not Presence.ONLINE:
            continue
        if probe is not None and not can_serve(op, probe):
            continue
        colleagues.append(
            {
                "operator_id": op.id,
                "name": snap.names.get(op.id, ""),
                "active_chats": len(op.active),
                "max_concurrent": op.max_concurrent,
                "has_room": op.load < op.max_concurrent,
            }
        )
    return {
        "conversation_id": conversation_id,
        "team": {"business_id": conversation.business_id, "to": None},
        "colleagues": colleagues,
        "may_direct": actor.role in (Role.SUPERVISOR, Role.PROVIDER_ADMIN),
    }
