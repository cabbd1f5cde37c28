"""A business's expert in a live chat over HTTP: join, hand back, and the expert's page.

Messages, typing and read receipts go over the staff socket (/ws/agent) like an operator's;
what the expert may send there is in realtime/permissions.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from livedesk.conversations.experts import do_hand_back, do_join_as_expert, participant_payload
from livedesk.deps import ActorDep, RuntimeDep

TEMPLATE = Path(__file__).parents[1] / "web" / "templates" / "expert.html"

router = APIRouter(tags=["conversations"])


@router.post("/api/v1/conversations/{conversation_id}/join")
async def join_as_expert(
    conversation_id: str, actor: ActorDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """A business user joins a live chat of their own business as its expert (when the
    provider allows the business that). The visitor and the operator see a system message;
    joining again while joined changes nothing."""
    async with runtime.transaction() as session:
        participant = await do_join_as_expert(session, actor, conversation_id)
        payload = participant_payload(participant, actor.name)
    return payload


@router.post("/api/v1/conversations/{conversation_id}/leave")
async def hand_back(conversation_id: str, actor: ActorDep, runtime: RuntimeDep) -> dict[str, Any]:
    """The expert hands the chat back to the operator (who never left it)."""
    async with runtime.transaction() as session:
        participant = await do_hand_back(session, actor, conversation_id)
        payload = participant_payload(participant, actor.name)
    return payload


# Registered before the client portal's own pages, whose /portal/{path} would take this too.
@router.get("/portal/chat/{conversation_id}", include_in_schema=False)
async def expert_page(conversation_id: str) -> HTMLResponse:
    """The page is the same for everyone; the API behind it decides what a user may see."""
    return HTMLResponse(
        TEMPLATE.read_text("utf-8"),
        headers={"Cache-Control": "no-store", "Referrer-Policy": "same-origin"},
    )
