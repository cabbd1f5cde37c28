"""Plugs privacy into the app: its API, the scheduled retention purge and the access log's
address truncation."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.db import utcnow
from livedesk.privacy.purge import PrivacySettings, Purger, PurgeScheduler
from livedesk.privacy.views import router
from livedesk.runtime import Runtime
from livedesk.security.address_hash import truncate_log_addresses


def install(app: FastAPI) -> None:
    app.include_router(router)
    truncate_log_addresses()

    async def start(runtime: Runtime) -> None:
        # Tests may put their own settings and clock on app.state before start-up.
        settings = getattr(app.state, "privacy_settings", None) or PrivacySettings()
        clock = getattr(app.state, "privacy_clock", None) or utcnow
        scheduler = PurgeScheduler(Purger(runtime, settings, clock=clock))
        app.state.retention_purge = scheduler
        if settings.purge_enabled:
            scheduler.start()

    async def stop(runtime: Runtime) -> None:
        scheduler: PurgeScheduler | None = getattr(app.state, "retention_purge", None)
        if scheduler is not None:
            await scheduler.stop()

    app.state.on_start.append(start)
    app.state.on_stop.append(stop)
