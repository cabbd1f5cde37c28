"""Reads about the people who take part in a conversation besides the visitor and the assigned
operator: a business's experts (see experts.py for joining and handing back)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import User
from livedesk.conversations.models import ConversationParticipant, ParticipantRole
from livedesk.portal.actions import portal_rules

CHUNK = 500  # ids per IN list: well inside every backend's limit on bound parameters


async def experts_may_join(session: AsyncSession, business_id: str) -> bool:
    """Whether the provider lets this business's own people join its chats as experts: the
    client portal's per-business setting (not allowed unless the provider switched it on)."""
    return (await portal_rules(session, business_id)).experts_may_join


async def open_participation(
    session: AsyncSession, conversation_id: str, user_id: str
) -> ConversationParticipant | None:
    """This user's current join of this conversation (not handed back yet), if any."""
    return await session.scalar(
        select(ConversationParticipant)
        .where(
            ConversationParticipant.conversation_id == conversation_id,
            ConversationParticipant.user_id == user_id,
            ConversationParticipant.left_at.is_(None),
        )
        .limit(1)
    )


async def is_joined_expert(session: AsyncSession, conversation_id: str, user_id: str) -> bool:
    return await open_participation(session, conversation_id, user_id) is not None


def expert_payload(user_id: str, name: str, joined_at: datetime) -> dict[str, Any]:
    return {"id": user_id, "name": name, "role": ParticipantRole.EXPERT, "joined_at": joined_at}


async def joined_experts(
    session: AsyncSession, conversation_ids: Collection[str]
) -> dict[str, list[dict[str, Any]]]:
    """The experts in each of these conversations now, in the order they joined. Every id is a
    key, so a caller can put `experts: []` on a conversation nobody joined."""
    ids = list(dict.fromkeys(conversation_ids))
    found: dict[str, list[dict[str, Any]]] = {cid: [] for cid in ids}
    for start in range(0, len(ids), CHUNK):
        rows = await session.execute(
            select(
                ConversationParticipant.conversation_id,
                ConversationParticipant.user_id,
                User.display_name,
                ConversationParticipant.joined_at,
            )
            .join(User, User.id == ConversationParticipant.user_id)
            .where(
                ConversationParticipant.conversation_id.in_(ids[start : start + CHUNK]),
                ConversationParticipant.left_at.is_(None),
            )
            .order_by(ConversationParticipant.joined_at, ConversationParticipant.id)
        )
        for conversation_id, user_id, name, joined_at in rows:
            found[conversation_id].append(expert_payload(user_id, name, joined_at))
    return found
