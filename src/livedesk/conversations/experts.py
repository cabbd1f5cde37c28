"""A business's own expert in a live chat: a business user joins a conversation of their own
business (when the provider allows it), answers beside the operator, and hands it back.

Each action runs inside the caller's unit of work and never commits. The join and the hand-back
each leave a system message in the chat, stored in the same transaction (so neither exists
without the other), and queue the message and the conversation's new `experts` for after the
commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.accounts.models import Role
from livedesk.audit.actions import record_change
from livedesk.businesses.models import Business
from livedesk.conversations.access import access_conversation_by_id
from livedesk.conversations.actions import queue_conversation_update
from livedesk.conversations.models import (
    OPEN_STATES,
    AuthorKind,
    Conversation,
    ConversationParticipant,
    Message,
    ParticipantRole,
)
from livedesk.conversations.participants import (
    experts_may_join,
    joined_experts,
    open_participation,
)
from livedesk.db import utcnow
from livedesk.errors import Conflict, Forbidden
from livedesk.realtime import protocol
from livedesk.realtime.writer import StoredMessage
from livedesk.runtime import ALL_STAFF, business_topic, conversation_topic, queue_after_commit
from livedesk.security.actors import StaffActor

AUDIT_ENTITY = "conversation_expert"

i18n.register(
    {
        "nl": {
            "experts_only": "Alleen mensen van het bedrijf zelf kunnen als expert meedoen.",
            # Read by the business's own people, whom the client portal addresses with "u".
            "experts_not_allowed": "Uw bedrijf kan (nog) niet meedoen aan chats. "
            "Vraag uw dienstverlener om dat aan te zetten.",
            "conversation_closed": "Dit gesprek is al beëindigd.",
            "not_joined": "U neemt niet deel aan dit gesprek.",
        },
        "en": {
            "experts_only": "Only the business's own people can join as its expert.",
            "experts_not_allowed": "Your business cannot join chats (yet). "
            "Ask your service provider to switch it on.",
            "conversation_closed": "This conversation has already ended.",
            "not_joined": "You are not taking part in this conversation.",
        },
    }
)

# What the chat shows both sides, in the visitor's language (the conversation's).
SYSTEM_TEXTS = {
    "nl": {
        "joined": "{name} van {business} neemt deel aan het gesprek.",
        "left": "{name} van {business} heeft het gesprek teruggegeven aan de medewerker.",
    },
    "en": {
        "joined": "{name} of {business} has joined the conversation.",
        "left": "{name} of {business} has handed the conversation back to the agent.",
    },
}


def system_text(key: str, language: str, **values: str) -> str:
    texts = SYSTEM_TEXTS.get(language[:2], SYSTEM_TEXTS["nl"])
    return texts[key].format(**values)


async def _conversation_of_own_business(
    session: AsyncSession, actor: StaffActor, conversation_id: str
) -> Conversation:
    """Another business's chat answers 404 like an unknown one; staff are not experts."""
    conversation = await access_conversation_by_id(session, actor, conversation_id, for_update=True)
    if actor.role != Role.BUSINESS_USER:
        raise Forbidden("only the business's own people join as its expert", code="experts_only")
    return conversation


def append_system_message(session: AsyncSession, conversation: Conversation, body: str) -> None:
    """A message from Livedesk itself, seen by the visitor and staff. The conversation row is
    locked (access ... for_update), so taking the next seq here is as safe as the writer's."""
    now = utcnow()
    conversation.last_seq += 1
    session.add(
        Message(
            conversation_id=conversation.id,
            business_id=conversation.business_id,
            seq=conversation.last_seq,
            author_kind=AuthorKind.SYSTEM,
            body=body,
            created_at=now,
        )
    )
    stored = StoredMessage(
        conversation.id,
        conversation.business_id,
        conversation.last_seq,
        AuthorKind.SYSTEM,
        None,
        None,
        body,
        False,
        None,
        now,
    )
    frame = protocol.message_frame(stored)
    for topic in (
        conversation_topic(conversation.id),
        business_topic(conversation.business_id),
        ALL_STAFF,
    ):
        queue_after_commit(session, topic, frame)


async def _announce(
    session: AsyncSession, conversation: Conversation, actor: StaffActor, key: str
) -> None:
    business = await session.get(Business, conversation.business_id)
    business_name = business.name if business is not None else ""
    body = system_text(key, conversation.language, name=actor.name, business=business_name)
    append_system_message(session, conversation, body)
    await session.flush()
    experts = (await joined_experts(session, [conversation.id]))[conversation.id]
    queue_conversation_update(session, conversation, experts=experts)


def participant_payload(participant: ConversationParticipant, name: str) -> dict[str, Any]:
    return {
        "conversation_id": participant.conversation_id,
        "user_id": participant.user_id,
        "name": name,
        "role": participant.role,
        "joined_at": participant.joined_at,
        "left_at": participant.left_at,
    }


async def do_join_as_expert(
    session: AsyncSession, actor: StaffActor, conversation_id: str
) -> ConversationParticipant:
    """Join a live chat of one's own business. Joining again while joined changes nothing."""
    conversation = await _conversation_of_own_business(session, actor, conversation_id)
    if not await experts_may_join(session, conversation.business_id):
        raise Forbidden(
            "this business does not let its people join chats", code="experts_not_allowed"
        )
    if conversation.state not in OPEN_STATES:
        raise Conflict("this conversation has ended", code="conversation_closed")
    current = await open_participation(session, conversation.id, actor.user_id)
    if current is not None:
        return current
    participant = ConversationParticipant(
        conversation_id=conversation.id,
        user_id=actor.user_id,
        role=ParticipantRole.EXPERT,
        joined_at=utcnow(),
    )
    session.add(participant)
    await session.flush()
    record_change(
        session,
        actor,
        entity=AUDIT_ENTITY,
        entity_id=conversation.id,
        action="join",
        business_id=conversation.business_id,
        after=participant_payload(participant, actor.name),
    )
    await _announce(session, conversation, actor, "joined")
    return participant


async def do_hand_back(
    session: AsyncSession, actor: StaffActor, conversation_id: str
) -> ConversationParticipant:
    """The expert leaves the chat to the operator. In a chat that has ended it only records
    the leaving: nobody is there to read a message any more."""
    conversation = await _conversation_of_own_business(session, actor, conversation_id)
    participant = await open_participation(session, conversation.id, actor.user_id)
    if participant is None:
        raise Conflict("you are not taking part in this conversation", code="not_joined")
    before = participant_payload(participant, actor.name)
    participant.left_at = utcnow()
    record_change(
        session,
        actor,
        entity=AUDIT_ENTITY,
        entity_id=conversation.id,
        action="leave",
        business_id=conversation.business_id,
        before=before,
        after=participant_payload(participant, actor.name),
    )
    await session.flush()
    if conversation.state in OPEN_STATES:
        await _announce(session, conversation, actor, "left")
    else:
        queue_conversation_update(
            session,
            conversation,
            experts=(await joined_experts(session, [conversation.id]))[conversation.id],
        )
    return participant
