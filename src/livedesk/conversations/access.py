"""Reads of conversations and messages, always scoped by the actor.

"Not found" and "not yours" get the same answer, so ids from another business reveal nothing.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.conversations.models import Conversation, Message
from livedesk.errors import NotFound
from livedesk.security.actors import Actor, StaffActor, VisitorActor


def can_see_conversation(actor: Actor, business_id: str, visitor_id: str) -> bool:
    if isinstance(actor, VisitorActor):
        return visitor_id == actor.visitor_id and business_id == actor.business_id
    return actor.can_see_business(business_id)


def scoped_conversations(actor: Actor) -> Select[Conversation]:
    query = select(Conversation)
    if isinstance(actor, VisitorActor):
        return query.where(Conversation.visitor_id == actor.visitor_id)
    if actor.business_ids is not None:
        return query.where(Conversation.business_id.in_(actor.business_ids))
    return query


async def access_conversation_by_id(
    session: AsyncSession, actor: Actor, conversation_id: str, *, for_update: bool = False
) -> Conversation:
    query = scoped_conversations(actor).where(Conversation.id == conversation_id)
    if for_update:
        query = query.with_for_update()
    conversation = await session.scalar(query)
    if conversation is None:
        raise NotFound("conversation not found")
    return conversation


async def access_messages_by_conversation(
    session: AsyncSession,
    actor: Actor,
    conversation_id: str,
    *,
    after_seq: int = 0,
    limit: int = 1000,
) -> list[Message]:
    await access_conversation_by_id(session, actor, conversation_id)
    query = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
        .order_by(Message.seq)
        .limit(limit)
    )
    if not actor.sees_internal_notes:
        query = query.where(Message.internal.is_(False))
    return list(await session.scalars(query))


def staff_business_filter(actor: StaffActor) -> ColumnElement[bool] | None:
    return None if actor.business_ids is None else Conversation.business_id.in_(actor.business_ids)
