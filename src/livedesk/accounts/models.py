"""Users (provider staff and business users), operator profiles and login tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from livedesk.db import Base, UTCDateTime, new_id, utcnow


class Role(enum.StrEnum):
    PROVIDER_ADMIN = "provider_admin"
    SUPERVISOR = "supervisor"
    OPERATOR = "operator"
    BUSINESS_USER = "business_user"


STAFF_ROLES = frozenset({Role.PROVIDER_ADMIN, Role.SUPERVISOR, Role.OPERATOR})


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Set for business users only: the one business whose data they may see.
    business_id: Mapped[str | None] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True, default=None
    )
    language: Mapped[str] = mapped_column(String(8), default="nl")
    # Where invitations and password links go; optional (the CLI can print a link instead).
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OperatorProfile(Base):
    __tablename__ = "operator_profiles"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    languages: Mapped[list[str]] = mapped_column(default=lambda: ["nl"])
    # Spans all businesses: experienced operators handle about 6 chats at once, new ones 3.
    max_concurrent: Mapped[int] = mapped_column(Integer, default=3)
    auto_accept: Mapped[bool] = mapped_column(Boolean, default=False)


class OperatorBusiness(Base):
    """Which businesses an operator may serve (their skills)."""

    __tablename__ = "operator_businesses"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AuthToken(Base):
    """A login session (cookie) or an API token; only the SHA-256 of the secret is stored."""

    __tablename__ = "auth_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # "session" | "api" | "password" (a set link)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # API tokens: when a request last used it (written at most once a minute).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
