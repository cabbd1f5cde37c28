"""Plugs routing into the app: the availability and floor API, reports, and the Router."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.routing import reports, supervision_views, views
from livedesk.routing.options import RouterOptions
from livedesk.routing.service import Router
from livedesk.runtime import Runtime


def install(app: FastAPI) -> None:
    app.include_router(views.router)
    app.include_router(reports.router)
    app.include_router(supervision_views.router)

    async def start(runtime: Runtime) -> None:
        # Tests and benchmarks may put their own options on app.state before start-up.
        options = getattr(app.state, "routing_options", None) or RouterOptions.from_env()
        app.state.router = Router(runtime, options)
        await app.state.router.start()

    async def stop(runtime: Runtime) -> None:
        router = getattr(app.state, "router", None)
        if router is not None:
            await router.stop()

    app.state.on_start.append(start)
    app.state.on_stop.append(stop)
