"""Canned responses: ready answers operators insert with `/` in the composer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from livedesk.db import Base, UTCDateTime, new_id, utcnow


class CannedResponse(Base):
    """One business's answer, or a shared one (business_id None) every business may use.

    The body may hold the placeholders {operator}, {business} and {visitor}, filled in the
    console when inserted."""

    __tablename__ = "canned_responses"
    # A shortcut is unique per business and among the shared ones (migration 0021).
    __table_args__ = (
        Index(
            "uq_canned_responses_business_shortcut",
            "business_id",
            "shortcut",
            unique=True,
            sqlite_where=text("business_id IS NOT NULL"),
            postgresql_where=text("business_id IS NOT NULL"),
        ),
        Index(
            "uq_canned_responses_shared_shortcut",
            "shortcut",
            unique=True,
            sqlite_where=text("business_id IS NULL"),
            postgresql_where=text("business_id IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    business_id: Mapped[str | None] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), default=None
    )
    shortcut: Mapped[str] = mapped_column(String(40))  # typed after `/`, e.g. "groet"
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="nl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(32), default=None)
