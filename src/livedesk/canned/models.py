"""Canned responses: ready answers operators insert with `/` in the composer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from livedesk.db import Base, UTCDateTime, new_id, utcnow


class CannedResponse(Base):
    """One business's answer, or a shared one (business_id None) every business may use.

    The body may hold the placeholders {operator}, {business} and {visitor}, filled in the
    console when inserted."""

    __tablename__ = "canned_responses"
    __table_args__ = (Index("ix_canned_responses_business_shortcut", "business_id", "shortcut"),)

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
