"""An attachment: a file a visitor or an operator uploaded into a conversation, sent as a message
that references it (`messages.attachment`). The bytes live outside the database and outside any
web root, in the storage directory (storage.py), under the attachment's random id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from livedesk.db import Base, UTCDateTime, new_id, utcnow


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    # "visitor" with the visitor's id, or "staff" with the user's id.
    uploader_kind: Mapped[str] = mapped_column(String(16))
    uploader_id: Mapped[str] = mapped_column(String(32))
    # Sniffed from the bytes (sniff.py), never taken from the name or the request.
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))  # the uploader's file name, sanitised
    sha256: Mapped[str] = mapped_column(String(64))
    thumbnail_type: Mapped[str | None] = mapped_column(String(32), default=None)  # images only
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
