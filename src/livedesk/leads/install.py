"""Plugs the leads domain into the app: routers, the dispatcher task and the close hook."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.leads.delivery import Dispatcher
from livedesk.leads.service import EXTENSION, LeadsService
from livedesk.leads.settings import LeadsSettings, SmtpSettings
from livedesk.leads.views import router, widget_router
from livedesk.runtime import Hook, Runtime


def install(app: FastAPI) -> None:
    app.include_router(widget_router)
    app.include_router(router)

    async def start(runtime: Runtime) -> None:
        # Tests and embedders may put their own settings on app.state before start-up.
        settings = getattr(app.state, "leads_settings", None) or LeadsSettings()
        smtp = getattr(app.state, "smtp_settings", None) or SmtpSettings()
        dispatcher = Dispatcher(
            runtime.sessions,
            runtime.engine.dialect.name,
            settings,
            smtp,
            write_gate=runtime.write_gate,
        )
        service = LeadsService(runtime, settings, smtp, dispatcher)
        runtime.extensions[EXTENSION] = service
        runtime.on(Hook.CONVERSATION_CLOSED, service.on_conversation_closed)
        if settings.dispatcher_enabled:
            dispatcher.start()

    async def stop(runtime: Runtime) -> None:
        service: LeadsService | None = runtime.extensions.pop(EXTENSION, None)
        if service is not None:
            await service.dispatcher.stop()

    app.state.on_start.append(start)
    app.state.on_stop.append(stop)
