"""Leads, their review history, delivery routes and the delivery outbox."""

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
)
from sqlalchemy.orm import Mapped, mapped_column

from livedesk.db import Base, UTCDateTime, new_id, utcnow


class LeadKind(enum.StrEnum):
    SALES_LEAD = "sales_lead"
    CALLBACK_REQUEST = "callback_request"
    QUESTION_FOR_BUSINESS = "question_for_business"
    OFFLINE_MESSAGE = "offline_message"


class LeadStatus(enum.StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DISPUTED = "disputed"


class RouteKind(enum.StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DELIVERED = "delivered"
    FAILED = "failed"  # permanent error or gave up: flagged for a human


# The outbox event of a mail from the provider itself (see outbox.queue_system_email).
SYSTEM_EMAIL = "system.email"


class LeadConfig(Base):
    """Per business: the review window and the business's own qualification fields."""

    __tablename__ = "lead_configs"

    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True
    )
    review_window_days: Mapped[int] = mapped_column(Integer, default=14)
    # [{"key", "label", "type": text|number|choice|date|boolean, "required", "choices"}]
    qualification_fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (Index("ix_leads_business_created", "business_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True, default=None
    )
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=LeadStatus.NEW)
    source: Mapped[str] = mapped_column(String(16))  # operator | offline_form
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    intent: Mapped[str] = mapped_column(Text, default="")  # the visitor's words
    notes: Mapped[str] = mapped_column(Text, default="")  # the operator's
    qualification: Mapped[dict[str, Any]] = mapped_column(default=dict)
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8), default="nl")
    page_url: Mapped[str | None] = mapped_column(Text, default=None)
    created_by: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    review_reason: Mapped[str | None] = mapped_column(Text, default=None)


class LeadStatusChange(Base):
    __tablename__ = "lead_status_changes"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16), default=None)
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    actor_id: Mapped[str | None] = mapped_column(String(32), default=None)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DeliveryRoute(Base):
    __tablename__ = "lead_delivery_routes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    emails: Mapped[list[str]] = mapped_column(default=list)
    language: Mapped[str] = mapped_column(String(8), default="nl")  # of the e-mail
    url: Mapped[str | None] = mapped_column(Text, default=None)
    secret: Mapped[str | None] = mapped_column(String(128), default=None)  # webhook signing key
    send_leads: Mapped[bool] = mapped_column(Boolean, default=True)
    send_transcripts: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_kinds: Mapped[list[str]] = mapped_column(default=list)  # empty: every kind
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxItem(Base):
    """One delivery owed to one receiver, written in the same transaction as what caused it."""

    __tablename__ = "lead_outbox"
    __table_args__ = (Index("ix_lead_outbox_due", "state", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # None for a system mail (an invitation, a password link) that belongs to no business.
    business_id: Mapped[str | None] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    # None for a transcript the visitor asked for (the address is in the payload).
    route_id: Mapped[str | None] = mapped_column(
        ForeignKey("lead_delivery_routes.id", ondelete="SET NULL"), default=None
    )
    lead_id: Mapped[str | None] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), index=True, default=None
    )
    conversation_id: Mapped[str | None] = mapped_column(String(32), default=None)
    # lead.created | transcript | visitor.transcript | system.email
    event: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook
    target: Mapped[dict[str, Any]] = mapped_column(default=dict)  # url / addresses / language
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  # snapshot at commit time
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)  # needs a human
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class DeliveryAttempt(Base):
    __tablename__ = "lead_delivery_attempts"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    outbox_id: Mapped[str] = mapped_column(
        ForeignKey("lead_outbox.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    # in_flight | delivered | retry | failed | lease_expired
    outcome: Mapped[str] = mapped_column(String(16), default="in_flight")
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
