"""Plugs the web front ends into the app: widget assets, console, floor and demo pages."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from livedesk.runtime import Runtime
from livedesk.web import admin_views, preview_views
from livedesk.web.views import ASSETS, router


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(preview_views.router)
    app.include_router(admin_views.router)  # last: its /admin/{path} catches what is left

    async def build_assets(runtime: Runtime) -> None:
        # Minified, bundled and gzipped once at start-up, so no visitor waits for it.
        await asyncio.to_thread(ASSETS.url, "widget/widget.js")

    app.state.on_start.append(build_assets)
