"""Plugs attachments into the app: the upload and download endpoints, the storage directory
they share (LIVEDESK_ATTACHMENTS_*, read once at start-up), and the hourly sweep of uploads
never sent."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.attachments.storage import AttachmentSettings, Storage, storage_dir
from livedesk.attachments.sweep import UnsentSweeper
from livedesk.attachments.views import router
from livedesk.runtime import Runtime


def install(app: FastAPI) -> None:
    app.include_router(router)

    async def start(runtime: Runtime) -> None:
        settings = AttachmentSettings()
        app.state.attachment_settings = settings
        root = storage_dir(runtime.settings.database_url, settings)
        app.state.attachment_storage = Storage(root)
        sweeper = app.state.unsent_sweeper = UnsentSweeper(runtime, app.state.attachment_storage)
        sweeper.start()

    async def stop(runtime: Runtime) -> None:
        sweeper: UnsentSweeper | None = getattr(app.state, "unsent_sweeper", None)
        if sweeper is not None:
            await sweeper.stop()

    app.state.on_start.append(start)
    app.state.on_stop.append(stop)
