"""Conversation lifecycle. Every action runs inside the caller's unit of work (never commits) and
queues its realtime events, which Runtime.transaction publishes after the commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import User
from livedesk.businesses.models import Widget
from livedesk.conversations.access import access_conversation_by_id
from livedesk.conversations.lifecycle import enter_state, is_legal
from livedesk.conversations.models import (
    OPEN_STATES,
    Conversation,
    ConversationEvent,
    ConversationState,
    Disposition,
)
from livedesk.db import utcnow
from livedesk.errors import Conflict, Invalid
from livedesk.realtime import protocol
from livedesk.runtime import ALL_STAFF, business_topic, conversation_topic, queue_after_commit
from livedesk.security.actors import Actor, StaffActor, VisitorActor

# Display names of operators by user id. Names change rarely, and a frame with a stale name is
# harmless, so a process-wide cache spares every state change a users lookup.
_operator_names: dict[str, str] = {}


async def load_operator_names(session: AsyncSession, conversations: list[Conversation]) -> None:
    """Fill the name cache for these conversations' operators with one query."""
    missing = {c.operator_id for c in conversations if c.operator_id} - set(_operator_names)
    if missing:
        rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(missing)))
        _operator_names.update({user_id: name for user_id, name in rows})


def conversation_payload(
    conversation: Conversation,
    operator_name: str | None = None,
    experts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The `conversation` frame. `experts` (the business's people joined now) is there when the
    caller loaded it: welcome, a join or hand-back, the HTTP reads. Without it a client keeps
    the list it had (docs/protocol.md)."""
    if operator_name and conversation.operator_id:
        _operator_names[conversation.operator_id] = operator_name
    payload: dict[str, Any] = {
        "type": "conversation",
        "conversation_id": conversation.id,
        "business_id": conversation.business_id,
        "visitor_id": conversation.visitor_id,
        "state": conversation.state,
        "operator": (
            {
                "id": conversation.operator_id,
                "name": operator_name or _operator_names.get(conversation.operator_id),
            }
            if conversation.operator_id
            else None
        ),
        "prechat": conversation.prechat,
        "last_seq": conversation.last_seq,
        "version": conversation.version,
        "language": conversation.language,
        "page_url": conversation.page_url,
        "page_title": conversation.page_title,
        "referrer": conversation.referrer,
        "disposition": conversation.disposition,
        "queued_at": conversation.queued_at,
        "accepted_at": conversation.accepted_at,
        "first_reply_at": conversation.first_reply_at,
        "closed_at": conversation.closed_at,
    }
    if experts is not None:
        payload["experts"] = experts
    return payload


def transition(
    session: AsyncSession,
    conversation: Conversation,
    to: str,
    *,
    operator_id: str | None = None,
    data: dict[str, Any] | None = None,
    operator_name: str | None = None,
) -> None:
    """Move along the state machine, record the event and queue the realtime update."""
    if not is_legal(conversation.state, to):
        raise Conflict(
            f"a {conversation.state} conversation cannot become {to}",
            code="invalid_transition",
            data={"state": conversation.state, "to": to},
        )
    now = utcnow()
    enter_state(conversation, to, now)
    session.add(
        ConversationEvent(
            business_id=conversation.business_id,
            conversation_id=conversation.id,
            kind=to,
            operator_id=operator_id,
            at=now,
            data=data or {},
        )
    )
    queue_conversation_update(session, conversation, operator_name)


def queue_conversation_update(
    session: AsyncSession,
    conversation: Conversation,
    operator_name: str | None = None,
    experts: list[dict[str, Any]] | None = None,
) -> None:
    conversation.version = (conversation.version or 0) + 1
    frame = protocol.encode(conversation_payload(conversation, operator_name, experts))
    queue_after_commit(session, conversation_topic(conversation.id), frame)
    queue_after_commit(session, business_topic(conversation.business_id), frame)
    queue_after_commit(session, ALL_STAFF, frame)
    session.info["changed_conversations"].append(conversation)


async def do_start_conversation(
    session: AsyncSession,
    visitor: VisitorActor,
    *,
    language: str | None = None,
    page_url: str | None = None,
    page_title: str | None = None,
    referrer: str | None = None,
    prechat: dict[str, Any] | None = None,
) -> tuple[Conversation, bool]:
    """A visitor's open conversation, or a new queued one. Returns (conversation, created)."""
    existing = await session.scalar(
        select(Conversation)
        .where(
            Conversation.visitor_id == visitor.visitor_id,
            Conversation.widget_id == visitor.widget_id,
            Conversation.state.in_(OPEN_STATES),
        )
        .order_by(Conversation.created_at.desc())
        .limit(1)
    )
    if existing is not None:
        return existing, False
    widget = await session.get(Widget, visitor.widget_id)
    assert widget is not None and widget.business_id == visitor.business_id
    conversation = Conversation(
        business_id=visitor.business_id,
        widget_id=widget.id,
        visitor_id=visitor.visitor_id,
        state=ConversationState.QUEUED,
        language=language or widget.language,
        page_url=page_url,
        page_title=page_title,
        referrer=referrer,
        prechat=prechat or {},
        queued_at=utcnow(),
    )
    session.add(conversation)
    await session.flush()
    session.add(
        ConversationEvent(
            business_id=conversation.business_id,
            conversation_id=conversation.id,
            kind="queued",
            at=conversation.queued_at,
        )
    )
    queue_conversation_update(session, conversation)
    return conversation, True


async def do_accept_conversation(
    session: AsyncSession, operator: StaffActor, conversation_id: str
) -> Conversation:
    conversation = await access_conversation_by_id(
        session, operator, conversation_id, for_update=True
    )
    if not operator.is_staff:
        raise Invalid("only staff can accept conversations", code="forbidden")
    if (
        conversation.state == ConversationState.ACTIVE
        and conversation.operator_id == operator.user_id
    ):
        return conversation  # accepting twice is harmless
    conversation.operator_id = operator.user_id
    transition(
        session,
        conversation,
        ConversationState.ACTIVE,
        operator_id=operator.user_id,
        operator_name=operator.name,
    )
    return conversation


async def do_close_conversation(
    session: AsyncSession, actor: Actor, conversation_id: str, disposition: str | None = None
) -> Conversation:
    conversation = await access_conversation_by_id(session, actor, conversation_id, for_update=True)
    if conversation.state not in OPEN_STATES:
        return conversation
    if disposition is not None:
        try:
            conversation.disposition = Disposition(disposition)
        except ValueError:
            raise Invalid(
                f"unknown disposition {disposition!r}",
                code="invalid_disposition",
                data={"allowed": [d.value for d in Disposition]},
            ) from None
    by_visitor = isinstance(actor, VisitorActor)
    if by_visitor and conversation.first_reply_at is None:
        # The visitor left before anyone answered: an offer outstanding means it was missed.
        to = (
            ConversationState.MISSED
            if conversation.state == ConversationState.OFFERED
            else ConversationState.ABANDONED
        )
    else:
        to = ConversationState.CLOSED
    transition(
        session,
        conversation,
        to,
        operator_id=None if by_visitor else getattr(actor, "user_id", None),
        data={"by": "visitor" if by_visitor else "staff"},
    )
    return conversation


async def do_record_first_reply(
    session: AsyncSession, conversation_id: str, author_id: str | None, author_kind: str
) -> bool:
    """Log the `first_reply` event once per conversation (the writer sets first_reply_at), by
    the operator or the business's expert who answered. Returns whether the conversation has
    its first reply logged now."""
    conversation = await session.scalar(
        select(Conversation).where(Conversation.id == conversation_id).with_for_update()
    )
    if conversation is None or conversation.first_reply_at is None:
        return False
    logged = await session.scalar(
        select(
            exists().where(
                ConversationEvent.conversation_id == conversation.id,
                ConversationEvent.kind == "first_reply",
            )
        )
    )
    if not logged:
        queued = conversation.queued_at or conversation.created_at
        session.add(
            ConversationEvent(
                business_id=conversation.business_id,
                conversation_id=conversation.id,
                kind="first_reply",
                operator_id=author_id,
                at=conversation.first_reply_at,
                data={
                    "seconds": (conversation.first_reply_at - queued).total_seconds(),
                    "by": author_kind,
                },
            )
        )
    return True
