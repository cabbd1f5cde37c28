"""Changes to attachments: storing an upload, and deleting the files of conversations whose
transcripts go (retention, a visitor's erasure, the end of a contract).

An upload is checked before anything is written: the size, the type from its first bytes, and
for an image that it decodes (into its thumbnail) within the pixel limit. The files are written
first and the row after, so a row always has its file; a file whose row never committed is
removed again."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import delete, event, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.attachments import images
from livedesk.attachments.models import Attachment
from livedesk.attachments.sniff import IMAGES, clean_name, sniff
from livedesk.attachments.storage import AttachmentSettings, Storage
from livedesk.conversations.models import OPEN_STATES, Conversation
from livedesk.db import new_id
from livedesk.errors import ApiError, Conflict

i18n.register(
    {
        "nl": {
            "attachment_too_large": "Dit bestand is te groot (hoogstens {max_mb} MB).",
            "attachment_type": "Dit soort bestand kan niet worden verstuurd: alleen afbeeldingen"
            " (PNG, JPEG, GIF, WebP) en PDF.",
            "attachment_unreadable": "Deze afbeelding kan niet worden gelezen.",
            "attachment_image_too_large": "Deze afbeelding heeft te veel pixels.",
            "attachment_empty": "Dit bestand is leeg.",
            "attachment_not_found": "Bijlage niet gevonden.",
            "attachment_in_note": "Een interne notitie kan geen bijlage hebben.",
        },
        "en": {
            "attachment_too_large": "This file is too large (at most {max_mb} MB).",
            "attachment_type": "This kind of file cannot be sent: only images (PNG, JPEG, GIF,"
            " WebP) and PDF.",
            "attachment_unreadable": "This image cannot be read.",
            "attachment_image_too_large": "This image has too many pixels.",
            "attachment_empty": "This file is empty.",
            "attachment_not_found": "Attachment not found.",
            "attachment_in_note": "An internal note cannot carry an attachment.",
        },
    }
)


def too_large(settings: AttachmentSettings) -> ApiError:
    max_mb = round(settings.max_bytes / (1024 * 1024), 1)
    return ApiError(
        "the file is too large",
        code="attachment_too_large",
        status_code=413,
        data={"max_bytes": settings.max_bytes, "max_mb": f"{max_mb:g}"},
    )


@dataclass(frozen=True, slots=True)
class CheckedFile:
    data: bytes
    content_type: str
    thumbnail: bytes | None
    thumbnail_type: str | None


async def check_upload(data: bytes, settings: AttachmentSettings) -> CheckedFile:
    """Raises an ApiError (413, 415 or 422) for a file that may not be sent."""
    if len(data) > settings.max_bytes:
        raise too_large(settings)
    if not data:
        raise ApiError("the file is empty", code="attachment_empty", status_code=422)
    content_type = sniff(data[:16])
    if content_type is None:
        raise ApiError("unsupported file type", code="attachment_type", status_code=415)
    if content_type not in IMAGES:
        return CheckedFile(data, content_type, None, None)
    try:  # decoding takes milliseconds to a second: not on the event loop
        thumb, thumb_type = await asyncio.to_thread(
            images.thumbnail,
            data,
            content_type,
            settings.thumbnail_pixels,
            settings.max_image_pixels,
        )
    except images.BadImage as exc:
        raise ApiError("the image cannot be used", code=exc.code, status_code=422) from None
    return CheckedFile(data, content_type, thumb, thumb_type)


async def do_add_attachment(
    session: AsyncSession,
    storage: Storage,
    conversation: Conversation,
    checked: CheckedFile,
    *,
    name: str | None,
    uploader_kind: str,
    uploader_id: str,
) -> Attachment:
    """Writes the files, then adds the row; the caller's transaction commits it."""
    if conversation.state not in OPEN_STATES:
        raise Conflict("this conversation has ended", code="conversation_closed")
    attachment = Attachment(
        id=new_id(),
        conversation_id=conversation.id,
        business_id=conversation.business_id,
        uploader_kind=uploader_kind,
        uploader_id=uploader_id,
        content_type=checked.content_type,
        size=len(checked.data),
        name=clean_name(name, checked.content_type),
        sha256=hashlib.sha256(checked.data).hexdigest(),
        thumbnail_type=checked.thumbnail_type,
    )
    await asyncio.to_thread(storage.write, attachment.id, checked.data, checked.thumbnail)
    _remove_unless_committed(session, storage, attachment.id)
    session.add(attachment)
    await session.flush()
    return attachment


def _remove_unless_committed(session: AsyncSession, storage: Storage, attachment_id: str) -> None:
    committed = False

    def on_commit(_session: object) -> None:
        nonlocal committed
        committed = True

    def on_rollback(_session: object) -> None:
        if not committed:
            storage.remove([attachment_id])

    event.listen(session.sync_session, "after_commit", on_commit, once=True)
    event.listen(session.sync_session, "after_rollback", on_rollback, once=True)


async def delete_attachments(
    session: AsyncSession, storage: Storage, conversation_ids: Collection[str]
) -> int:
    """Deletes these conversations' attachment rows in the caller's unit of work, and their
    files once it has committed (rolled back, rows and files both stay). How many rows."""
    ids = list(
        await session.scalars(
            select(Attachment.id).where(Attachment.conversation_id.in_(list(conversation_ids)))
        )
    )
    return await delete_attachment_ids(session, storage, ids)


async def delete_attachment_ids(session: AsyncSession, storage: Storage, ids: list[str]) -> int:
    """Deletes these attachment rows in the caller's unit of work, and their files once it has
    committed (rolled back, rows and files both stay). How many rows."""
    if not ids:
        return 0
    await session.execute(
        delete(Attachment).where(Attachment.id.in_(ids)),
        execution_options={"synchronize_session": False},
    )

    def remove_files(_session: object) -> None:
        storage.remove(ids)

    event.listen(session.sync_session, "after_commit", remove_files, once=True)
    return len(ids)
