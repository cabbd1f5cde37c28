"""Reads of attachments, scoped like the conversation they belong to: the visitor of that
conversation, the provider's staff who see its business, and the business's own people (its
transcripts are theirs; a joined expert is one of them). "Not found" and "not yours" are the
same 404."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.attachments.models import Attachment
from livedesk.conversations.access import access_conversation_by_id
from livedesk.errors import Conflict, NotFound
from livedesk.realtime.protocol import SendFrame
from livedesk.runtime import Runtime
from livedesk.security.actors import Actor


def attachment_not_found() -> NotFound:
    return NotFound("attachment not found", code="attachment_not_found")


async def access_attachment(session: AsyncSession, actor: Actor, attachment_id: str) -> Attachment:
    attachment = await session.get(Attachment, attachment_id)
    if attachment is None:
        raise attachment_not_found()
    try:
        await access_conversation_by_id(session, actor, attachment.conversation_id)
    except NotFound:
        raise attachment_not_found() from None
    return attachment


def reference(attachment: Attachment) -> dict[str, Any]:
    """What a message says of its file (`messages.attachment`); its body is the name."""
    return {"id": attachment.id, "type": attachment.content_type, "size": attachment.size}


async def attachment_for_send(
    session: AsyncSession,
    conversation_id: str,
    attachment_id: str,
    *,
    uploader_kind: str,
    uploader_id: str,
    internal: bool,
) -> tuple[str, dict[str, Any]]:
    """The body and reference of a message that sends this file: only into the conversation it
    was uploaded to, and only by whoever uploaded it. Files go to the visitor, so not in an
    internal note."""
    if internal:
        raise Conflict("an internal note cannot carry a file", code="attachment_in_note")
    attachment = await session.get(Attachment, attachment_id)
    if (
        attachment is None
        or attachment.conversation_id != conversation_id
        or attachment.uploader_kind != uploader_kind
        or attachment.uploader_id != uploader_id
    ):
        raise attachment_not_found()
    return attachment.name, reference(attachment)


async def file_message(
    runtime: Runtime, send: SendFrame, *, uploader_kind: str, uploader_id: str
) -> tuple[str, dict[str, Any] | None]:
    """The body and attachment of a `send` frame: as sent for text; for a file, its name and
    reference (one read, only for frames that name a file)."""
    if send.attachment_id is None:
        return send.body, None
    async with runtime.reading() as session:
        return await attachment_for_send(
            session,
            send.conversation_id,
            send.attachment_id,
            uploader_kind=uploader_kind,
            uploader_id=uploader_id,
            internal=send.internal,
        )
