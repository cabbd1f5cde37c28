"""The client portal's own tables: per-business portal settings and the changes a business
proposes to its guidelines and opening hours.

Transcript search adds no model: on PostgreSQL it is an expression index on `messages`, on
SQLite an FTS5 table filled by the indexer (portal/indexer.py) and kept in step with updates and
deletes by triggers (made by migrations 0012_portal and 0017_search_indexer only).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column

from livedesk.db import Base, UTCDateTime, new_id, utcnow

# What migrations 0012 and 0017 make that no model describes (the models cannot say "SQLite only" or
# "PostgreSQL only"): the schema comparison in tests leaves these names out.
SQLITE_SEARCH_TABLE = "messages_fts"
# One row: the id up to which messages are indexed (portal/indexer.py).
SQLITE_SEARCH_STATE = "messages_search_state"
# A contentless FTS5 table keeps its index in shadow tables (the text stays in `messages`).
SQLITE_SEARCH_OBJECTS = frozenset(
    {SQLITE_SEARCH_TABLE}
    | {f"{SQLITE_SEARCH_TABLE}_{part}" for part in ("data", "idx", "docsize", "config")}
    | {SQLITE_SEARCH_STATE}
)
POSTGRES_SEARCH_INDEX = "ix_messages_body_fts"
SEARCH_SCHEMA_OBJECTS = SQLITE_SEARCH_OBJECTS | {POSTGRES_SEARCH_INDEX}
# The text search configuration of the PostgreSQL index; queries must name the same one.
POSTGRES_SEARCH_CONFIG = "dutch"


class ChangeKind(enum.StrEnum):
    GUIDELINES = "guidelines"
    OPENING_HOURS = "opening_hours"


class ChangeStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a provider admin
    APPLIED = "applied"  # applied at once: the business needs no approval
    APPROVED = "approved"  # a provider admin approved it, and it was applied
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # a newer proposal of the same kind replaced it while pending


class PortalSettings(Base):
    """Per business, set by the provider: how far the business's own hand reaches."""

    __tablename__ = "portal_settings"

    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True
    )
    # True: guideline and opening-hour changes wait for a provider admin; False: apply at once.
    changes_need_approval: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    # The business's own people may join a live chat as its expert.
    experts_may_join: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(32), default=None)


class ChangeRequest(Base):
    """A business user's proposed guidelines or opening hours, whole (not a diff), with the
    value they replaced at the time, so a reviewer sees what changes."""

    __tablename__ = "portal_change_requests"
    __table_args__ = (
        Index("ix_portal_change_requests_business_status", "business_id", "status"),
        Index("ix_portal_change_requests_status_proposed", "status", "proposed_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    proposed: Mapped[dict[str, Any]] = mapped_column(default=dict)
    previous: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str] = mapped_column(Text, default="")  # the business's why
    status: Mapped[str] = mapped_column(String(16), default=ChangeStatus.PENDING)
    # Plain values, like the audit log: the record outlives the people.
    proposed_by: Mapped[str | None] = mapped_column(String(32), default=None)
    proposed_by_name: Mapped[str] = mapped_column(String(200), default="")
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(32), default=None)
    decided_by_name: Mapped[str | None] = mapped_column(String(200), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    decision_note: Mapped[str | None] = mapped_column(Text, default=None)
