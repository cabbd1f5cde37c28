"""FAQ tables: entries with full revision history, proposals from chats, the log of suggestions
shown per visitor message (and which one the operator used), per-business FAQ settings, the
bot's state per conversation and the evidence learned from visitors' and operators' choices."""

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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from livedesk.db import Base, UTCDateTime, new_id, utcnow


class FaqStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"  # only these are searchable and used by the bot
    ARCHIVED = "archived"


class ProposalStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


_BIGINT = BigInteger().with_variant(Integer, "sqlite")


class FaqEntry(Base):
    __tablename__ = "faq_entries"
    __table_args__ = (Index("ix_faq_entries_business_status", "business_id", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    alternatives: Mapped[list[str]] = mapped_column(default=list)  # other phrasings
    answer: Mapped[str] = mapped_column(Text)  # plain text; never rendered as HTML
    tags: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default=FaqStatus.DRAFT)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Computed when the text is saved (see knowledge.embedding), never at query time.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    embedding_model: Mapped[str | None] = mapped_column(String(64), default=None)
    created_by: Mapped[str | None] = mapped_column(String(32), default=None)
    updated_by: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FaqRevision(Base):
    """A full snapshot after every change: who, when, what changed, and the content."""

    __tablename__ = "faq_revisions"
    __table_args__ = (UniqueConstraint("entry_id", "version"),)

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("faq_entries.id", ondelete="CASCADE"))
    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text)
    alternatives: Mapped[list[str]] = mapped_column(default=list)
    answer: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))  # created, edited, restored, imported, …
    changed_fields: Mapped[list[str]] = mapped_column(default=list)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    changed_by: Mapped[str | None] = mapped_column(String(32), default=None)
    changed_by_name: Mapped[str | None] = mapped_column(String(200), default=None)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FaqProposal(Base):
    """An operator's "add to FAQ" from a chat, waiting for the business to decide."""

    __tablename__ = "faq_proposals"
    __table_args__ = (Index("ix_faq_proposals_business_status", "business_id", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), default=None
    )
    entry_id: Mapped[str | None] = mapped_column(  # set: an edit of an existing entry
        ForeignKey("faq_entries.id", ondelete="CASCADE"), default=None
    )
    base_version: Mapped[int | None] = mapped_column(Integer, default=None)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    alternatives: Mapped[list[str]] = mapped_column(default=list)
    tags: Mapped[list[str]] = mapped_column(default=list)
    source: Mapped[dict[str, Any]] = mapped_column(default=dict)  # message seqs it came from
    status: Mapped[str] = mapped_column(String(16), default=ProposalStatus.PENDING)
    proposed_by: Mapped[str | None] = mapped_column(String(32), default=None)
    proposed_by_name: Mapped[str | None] = mapped_column(String(200), default=None)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(32), default=None)
    decided_by_name: Mapped[str | None] = mapped_column(String(200), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    decision_note: Mapped[str | None] = mapped_column(Text, default=None)
    result_entry_id: Mapped[str | None] = mapped_column(String(32), default=None)


class FaqSuggestionLog(Base):
    """Per visitor message: the entries suggested, their scores, and what the operator used."""

    __tablename__ = "faq_suggestion_logs"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        Index("ix_faq_suggestion_logs_business_at", "business_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    query: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(16))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{faq_id, score}]
    bot_faq_id: Mapped[str | None] = mapped_column(String(32), default=None)  # the bot sent it
    used_recorded: Mapped[bool] = mapped_column(Boolean, default=False)
    used_faq_id: Mapped[str | None] = mapped_column(String(32), default=None)  # None: none fit
    used_by: Mapped[str | None] = mapped_column(String(32), default=None)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FaqBusinessSettings(Base):
    """Per-business FAQ switches; a business without a row gets the defaults."""

    __tablename__ = "faq_business_settings"

    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True
    )
    # The bot also answers when no operator can (closed, no operators, overflow).
    bot_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Provider supervisors/admins may approve chat proposals on the business's behalf.
    supervisors_may_approve: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[str | None] = mapped_column(String(32), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FaqBotState(Base):
    """The bot's memory of one conversation: stopped on the visitor's request, fallback sent."""

    __tablename__ = "faq_bot_states"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    human_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    fallback_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    # The choices the bot offered last and not yet settled: {seq, query, faq_ids}.
    offer: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EvidenceKind(enum.StrEnum):
    """What happened to an entry for one visitor message (knowledge/evidence.py)."""

    CHOSEN = "chosen"  # the visitor picked it among the bot's choices
    REJECTED = "rejected"  # offered, and the visitor chose "none of these"
    AS_IS = "as_is"  # the operator sent its answer unchanged
    EDITED = "edited"  # the operator sent its answer changed
    SEARCH = "search"  # the operator found it by search (it was not suggested)


class FaqEvidence(Base):
    """One visitor message linked to one entry by what the visitor or an operator did. Removing
    a learned phrasing in the FAQ editor sets `removed_at`; the row stays for the reports."""

    __tablename__ = "faq_evidence"
    __table_args__ = (
        Index("ix_faq_evidence_business_at", "business_id", "created_at"),
        Index("ix_faq_evidence_entry", "entry_id"),
    )

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # the visitor message it is about
    query: Mapped[str] = mapped_column(Text)
    entry_id: Mapped[str] = mapped_column(ForeignKey("faq_entries.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(32), default=None)  # the operator
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    removed_by: Mapped[str | None] = mapped_column(String(32), default=None)
