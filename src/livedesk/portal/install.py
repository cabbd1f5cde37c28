"""Plugs the client portal into the app: its API and its pages."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.portal import change_views, pages, views


def install(app: FastAPI) -> None:
    app.include_router(views.router)
    app.include_router(change_views.router)
    app.include_router(pages.router)
