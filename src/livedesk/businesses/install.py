"""Plugs the businesses domain into the app: the back office's business configuration API and
the public widget endpoints."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.businesses import views, widget_views


def install(app: FastAPI) -> None:
    app.include_router(views.router)
    app.include_router(widget_views.router)
