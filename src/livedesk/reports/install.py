"""Plugs reports into the app: the API, the pages and the monthly report's periodic check."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.db import utcnow
from livedesk.reports import bot_views, pages, views
from livedesk.reports.monthly import MonthlyReports, ReportsSettings
from livedesk.runtime import Runtime


def install(app: FastAPI) -> None:
    app.include_router(bot_views.router)
    app.include_router(views.router)
    app.include_router(pages.router)

    async def start(runtime: Runtime) -> None:
        # Tests may put their own settings and clock on app.state before start-up.
        settings = getattr(app.state, "reports_settings", None) or ReportsSettings()
        clock = getattr(app.state, "reports_clock", None) or utcnow
        scheduler = MonthlyReports(
            runtime,
            clock=clock,
            interval=settings.monthly_check_seconds,
            base_url=runtime.settings.base_url,
        )
        app.state.monthly_reports = scheduler
        if settings.monthly_enabled:
            scheduler.start()

    async def stop(runtime: Runtime) -> None:
        scheduler: MonthlyReports | None = getattr(app.state, "monthly_reports", None)
        if scheduler is not None:
            await scheduler.stop()

    app.state.on_start.append(start)
    app.state.on_stop.append(stop)
