"""Tables of the database-backed router: what the pure engine's snapshot needs beyond the
foundation rows (presence, offer deadlines, decline rounds, handle-time means)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from livedesk.db import Base, UTCDateTime, utcnow


class RoutingOperator(Base):
    """An operator's routing state; no row means offline and never assigned."""

    __tablename__ = "routing_operators"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    presence: Mapped[str] = mapped_column(String(16), default="offline")
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    consecutive_expired: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RoutingConversation(Base):
    """Per open conversation: the parts of the engine's ConversationState not on `conversations`."""

    __tablename__ = "routing_conversations"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    held_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    requeued: Mapped[bool] = mapped_column(Boolean, default=False)
    declined_by: Mapped[list[str]] = mapped_column(JSON, default=list)
    was_offered: Mapped[bool] = mapped_column(Boolean, default=False)


class RoutingStat(Base):
    """Exponentially-weighted means: `handle:<business_id>` and `accept` (seconds)."""

    __tablename__ = "routing_stats"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    mean: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer, default=0)


class PresenceLog(Base):
    """Append-only presence changes: occupancy in reports needs the online time."""

    __tablename__ = "routing_presence_log"
    __table_args__ = (Index("ix_routing_presence_log_operator_at", "operator_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    operator_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    old: Mapped[str] = mapped_column(String(16))
    new: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32))
