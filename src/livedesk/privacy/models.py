"""The privacy domain's tables: each business's retention periods, the purge's runs with what
they removed, and the lease that lets one process purge at a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from livedesk.db import Base, UTCDateTime, new_id, utcnow

# Defaults for a business without a row: chats a year, offline messages half a year (they are
# passed on to the business at once), other leads two years (a contract's usual term).
DEFAULT_TRANSCRIPTS_MONTHS = 12
DEFAULT_OFFLINE_MESSAGES_MONTHS = 6
DEFAULT_LEADS_MONTHS = 24


class RetentionSettings(Base):
    """How long a business's visitors' data is kept, in calendar months."""

    __tablename__ = "privacy_retention"

    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True
    )
    transcripts_months: Mapped[int] = mapped_column(Integer, default=DEFAULT_TRANSCRIPTS_MONTHS)
    offline_messages_months: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_OFFLINE_MESSAGES_MONTHS
    )
    leads_months: Mapped[int] = mapped_column(Integer, default=DEFAULT_LEADS_MONTHS)
    updated_by: Mapped[str | None] = mapped_column(String(32), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PurgeRun(Base):
    """One pass of the retention purge. A run a crash left `running` is taken up again by the
    next one (same `as_of`, same counts), so its report ends up whole and counted once."""

    __tablename__ = "privacy_purge_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # The moment whose retention limits the run applies; kept when the run is resumed.
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | finished
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | cli
    resumed: Mapped[int] = mapped_column(Integer, default=0)  # times taken up after a crash


class PurgeCount(Base):
    """What one run removed, per business and kind; raised in the same transaction as the
    batch that removed it, so a count can never run ahead of (or behind) the data."""

    __tablename__ = "privacy_purge_counts"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("privacy_purge_runs.id", ondelete="CASCADE"), primary_key=True
    )
    # A plain value, like the audit log's: the report outlives a business whose contract ended.
    business_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class Lease(Base):
    """A named lease: whoever holds `holder` until `until` may do the named job."""

    __tablename__ = "privacy_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime] = mapped_column(UTCDateTime())
