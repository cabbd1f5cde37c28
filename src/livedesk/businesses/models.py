"""Business (the tenant) and its widgets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from livedesk.db import Base, UTCDateTime, new_id, utcnow

DEFAULT_TIMEZONE = "Europe/Amsterdam"


def default_opening_hours() -> dict[str, Any]:
    """09:00–23:00 every day, the market's standard coverage (see the whitepaper)."""
    return {
        "timezone": DEFAULT_TIMEZONE,
        "weekly": {
            day: [["09:00", "23:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
        "exceptions": {},
    }


def default_contract() -> dict[str, Any]:
    return {
        "first_reply_seconds": 30,
        "first_reply_share": 0.8,  # 80 % of chats answered within first_reply_seconds
        "max_queue_wait_seconds": 120,
        "overflow": "offline_form",  # or "bot" once the FAQ bot is enabled
        "priority": 0,
    }


class Business(Base):
    __tablename__ = "businesses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="nl")
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    # Guidelines shown beside every chat: tone, what never to promise, escalation contacts.
    guidelines: Mapped[dict[str, Any]] = mapped_column(default=dict)
    opening_hours: Mapped[dict[str, Any]] = mapped_column(default=default_opening_hours)
    contract: Mapped[dict[str, Any]] = mapped_column(default=default_contract)
    # How the widget and the FAQ bot address the business's visitors in Dutch: "u" or "je".
    form_of_address: Mapped[str] = mapped_column(String(2), default="u", server_default="u")
    # Deactivated businesses keep every row; their widgets refuse new chats.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Widget(Base):
    __tablename__ = "widgets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Exact origins ("https://www.example.nl") allowed to open a visitor socket; "*" allows any.
    allowed_origins: Mapped[list[str]] = mapped_column(default=list)
    language: Mapped[str] = mapped_column(String(8), default="nl")
    # Look, pre-chat form and offline form, as the business configures them.
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ServerSecret(Base):
    """Keys generated once per installation (e.g. the visitor-token signing key)."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
