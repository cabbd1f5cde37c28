"""Plugs attachments into the app: the upload and download endpoints, and the storage
directory they share (LIVEDESK_ATTACHMENTS_*, read once at start-up)."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.attachments.storage import AttachmentSettings, Storage, storage_dir
from livedesk.attachments.views import router
from livedesk.runtime import Runtime


def install(app: FastAPI) -> None:
    app.include_router(router)

    async def start(runtime: Runtime) -> None:
        settings = AttachmentSettings()
        app.state.attachment_settings = settings
        root = storage_dir(runtime.settings.database_url, settings)
        app.state.attachment_storage = Storage(root)

    app.state.on_start.append(start)
