"""Visitors, conversations, messages and the event log routing and reports are computed from."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from livedesk.conversations.lifecycle import (  # re-exported: the lifecycle is part of the model
    OPEN_STATES,
    ConversationState,
    check_transition,
)
from livedesk.db import Base, UTCDateTime, new_id, utcnow

__all__ = [
    "OPEN_STATES",
    "AuthorKind",
    "Conversation",
    "ConversationEvent",
    "ConversationParticipant",
    "ConversationState",
    "Disposition",
    "Message",
    "ParticipantRole",
    "Rating",
    "Visitor",
]


class AuthorKind(enum.StrEnum):
    VISITOR = "visitor"
    OPERATOR = "operator"
    BOT = "bot"
    SYSTEM = "system"
    # One of the business's own people, joined to answer what only the business knows.
    EXPERT = "expert"


class ParticipantRole(enum.StrEnum):
    EXPERT = "expert"


class Disposition(enum.StrEnum):
    ANSWERED = "answered"
    LEAD = "lead"
    NOT_ANSWERABLE = "not_answerable"  # handed to the business
    SPAM = "spam"
    TEST = "test"
    NO_INTENT = "no_intent"


class Visitor(Base):
    __tablename__ = "visitors"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    widget_id: Mapped[str] = mapped_column(ForeignKey("widgets.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_business_state", "business_id", "state"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    widget_id: Mapped[str] = mapped_column(ForeignKey("widgets.id", ondelete="CASCADE"))
    visitor_id: Mapped[str] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default=ConversationState.QUEUED)
    language: Mapped[str] = mapped_column(String(8), default="nl")
    operator_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    # The highest seq handed out; the message writer bumps it in the same transaction as the insert.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    # Raised with every `conversation` frame (queue_conversation_update): a client's socket is
    # never handed an older state after a newer one (docs/protocol.md).
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    disposition: Mapped[str | None] = mapped_column(String(32), default=None)
    page_url: Mapped[str | None] = mapped_column(Text, default=None)
    page_title: Mapped[str | None] = mapped_column(Text, default=None)
    referrer: Mapped[str | None] = mapped_column(Text, default=None)
    prechat: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=utcnow)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    @validates("state")
    def _check_state(self, _key: str, to: str) -> str:
        """Every ORM write of a state goes through the lifecycle table, whoever writes it."""
        current = inspect(self).attrs.state.loaded_value
        if isinstance(current, str) and current != to:
            check_transition(current, to, what=f"conversation {self.id}")
        return str(ConversationState(to))


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # Also what a retried send is looked up by (realtime/writer.py): no index of its own.
        UniqueConstraint("conversation_id", "seq"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    # Not indexed: messages are always read by conversation (migration 0006).
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    author_kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[str | None] = mapped_column(String(32), default=None)
    author_name: Mapped[str | None] = mapped_column(String(200), default=None)
    body: Mapped[str] = mapped_column(Text)  # stored exactly as typed; never rendered as HTML
    internal: Mapped[bool] = mapped_column(Boolean, default=False)  # staff-only note
    client_msg_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A file sent as this message, {"id", "type", "size"} (the body is its name): attachments/.
    # SQL NULL for text, so the writer's text-only statements need not name the column.
    attachment: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), default=None)


class ConversationEvent(Base):
    """Append-only log of state transitions and routing decisions (queued, offered, accepted…)."""

    __tablename__ = "conversation_events"
    __table_args__ = (Index("ix_conversation_events_business_at", "business_id", "at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    operator_id: Mapped[str | None] = mapped_column(String(32), default=None)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Rating(Base):
    """The visitor's verdict at the end of a chat (CSAT): 1–5 and an optional comment."""

    __tablename__ = "ratings"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConversationParticipant(Base):
    """Someone besides the visitor and the assigned operator who takes part in a conversation:
    a business user joined as the business's expert. One row per join; `left_at` is set when
    they hand the chat back, so a later join is a new row and the history stays."""

    __tablename__ = "conversation_participants"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default=ParticipantRole.EXPERT)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
