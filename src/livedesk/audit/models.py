"""The audit log: every back-office change, who made it, when, and the value before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from livedesk.db import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_business_at", "business_id", "at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Kept as plain values, not foreign keys: the record outlives the user and the business.
    actor_id: Mapped[str | None] = mapped_column(String(32), default=None)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    business_id: Mapped[str | None] = mapped_column(String(32), default=None)
    entity: Mapped[str] = mapped_column(String(32))  # business, widget, hours, contract, user…
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))  # create, update, deactivate…
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)
