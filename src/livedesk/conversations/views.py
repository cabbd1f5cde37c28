"""Conversation reads for staff and business users (transcripts)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from livedesk.conversations.access import (
    access_conversation_by_id,
    access_messages_by_conversation,
    scoped_conversations,
)
from livedesk.conversations.actions import conversation_payload, load_operator_names
from livedesk.conversations.models import Conversation, ConversationState, Message
from livedesk.conversations.participants import joined_experts
from livedesk.deps import MAX_OFFSET, ActorDep, SessionDep
from livedesk.realtime import protocol
from livedesk.realtime.writer import StoredMessage

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])


def message_payload(m: Message) -> dict[str, Any]:
    """The same shape as the realtime `message` frame, without its `type`."""
    payload = protocol.message_payload(StoredMessage.from_row(m))
    del payload["type"]
    return payload


@router.get("")
async def list_conversations(
    actor: ActorDep,
    session: SessionDep,
    state: ConversationState | None = None,
    business_id: str | None = None,
    visitor_id: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    query = scoped_conversations(actor)
    if state is not None:
        query = query.where(Conversation.state == state)
    if business_id is not None:
        query = query.where(Conversation.business_id == business_id)
    if visitor_id is not None:  # a returning visitor's earlier conversations
        query = query.where(Conversation.visitor_id == visitor_id)
    rows = list(
        await session.scalars(
            query.order_by(Conversation.created_at.desc()).limit(limit).offset(offset)
        )
    )
    await load_operator_names(session, rows)
    return {"items": [conversation_payload(c) for c in rows], "limit": limit, "offset": offset}


@router.get("/{conversation_id}")
async def get_conversation(
    conversation_id: str, actor: ActorDep, session: SessionDep
) -> dict[str, Any]:
    conversation = await access_conversation_by_id(session, actor, conversation_id)
    await load_operator_names(session, [conversation])
    experts = await joined_experts(session, [conversation.id])
    return conversation_payload(conversation, experts=experts[conversation.id])


@router.get("/{conversation_id}/messages")
async def get_messages(
    conversation_id: str,
    actor: ActorDep,
    session: SessionDep,
    after: int = Query(0, ge=0),
    limit: int = Query(500, ge=1, le=1000),
) -> dict[str, Any]:
    rows = await access_messages_by_conversation(
        session, actor, conversation_id, after_seq=after, limit=limit
    )
    return {"items": [message_payload(m) for m in rows]}
