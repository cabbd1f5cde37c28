"""Plugs the web front ends into the app: widget assets, console, floor and demo pages."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.web import admin_views, preview_views
from livedesk.web.views import router


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(preview_views.router)
    app.include_router(admin_views.router)  # last: its /admin/{path} catches what is left
