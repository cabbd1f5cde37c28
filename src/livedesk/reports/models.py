"""The one table reports need: which business-months' monthly reports went out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from livedesk.db import Base, UTCDateTime, new_id, utcnow


class MonthlyReportSent(Base):
    """Inserted in the same transaction as the month's mails: the unique (business, month) is
    what makes the monthly report go out once, however many processes try at once."""

    __tablename__ = "report_monthly_sent"
    __table_args__ = (UniqueConstraint("business_id", "month"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # "2026-03", in the business's timezone
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
