"""Uploads that were never sent: once their conversation has ended they can no longer be (a
`send` needs an open conversation), and nobody but the uploader ever saw them, so they go.

Every `every_seconds` a process deletes, rows and files, the uploads of conversations that
ended between `window` and `grace` ago and that no message names. The grace lets a send that
was already on its way when the chat ended be stored first; the window bounds the scan, which
repeats hourly, so a chat is looked at about a day's worth of times and then never again (one
ended while every process was down longer than that keeps its unsent files until retention
removes the chat's files). Several processes may sweep at once: deleting twice changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select

from livedesk.attachments.actions import delete_attachment_ids
from livedesk.attachments.models import Attachment
from livedesk.attachments.storage import Storage
from livedesk.background import Background
from livedesk.conversations.models import OPEN_STATES, Conversation, Message
from livedesk.db import utcnow
from livedesk.runtime import Runtime

log = logging.getLogger(__name__)
GRACE = timedelta(minutes=10)
WINDOW = timedelta(hours=25)
EVERY_SECONDS = 3600.0
BATCH = 500


async def sweep_unsent(runtime: Runtime, storage: Storage, now: datetime | None = None) -> int:
    """Deletes the unsent uploads of chats that ended within the window; how many."""
    now = now or utcnow()
    sent = exists().where(
        Message.conversation_id == Attachment.conversation_id,
        Message.attachment["id"].as_string() == Attachment.id,
    )
    # Closed by staff, left by the visitor before a reply, or missed: each stamps its own column.
    ended = func.coalesce(Conversation.closed_at, Conversation.abandoned_at, Conversation.missed_at)
    query = (
        select(Attachment.id)
        .join(Conversation, Conversation.id == Attachment.conversation_id)
        .where(
            Conversation.state.not_in(OPEN_STATES),
            ended > now - WINDOW,
            ended <= now - GRACE,
            ~sent,
        )
        .limit(BATCH)
    )
    removed = 0
    while True:
        async with runtime.reading() as session:
            ids = list(await session.scalars(query))
        if not ids:
            return removed
        async with runtime.transaction() as session:
            removed += await delete_attachment_ids(session, storage, ids)
        if len(ids) < BATCH:
            return removed


class UnsentSweeper:
    def __init__(
        self, runtime: Runtime, storage: Storage, every_seconds: float = EVERY_SECONDS
    ) -> None:
        self.runtime = runtime
        self.storage = storage
        self.every_seconds = every_seconds
        self._background = Background("unsent-uploads")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.every_seconds)  # a short-lived process never sweeps
            try:
                if removed := await sweep_unsent(self.runtime, self.storage):
                    log.info("removed %d uploads that were never sent", removed)
            except Exception:  # tried again at the next round
                log.exception("sweeping unsent uploads failed")

    def start(self) -> None:
        self._background.start(self._loop())

    async def stop(self) -> None:
        await self._background.stop()
