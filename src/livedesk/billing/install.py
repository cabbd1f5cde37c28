"""Plugs billing into the app: its API and its pages. It keeps no state of its own: usage and
statements are computed from the conversations, leads and contracts when asked for."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.billing import pages, views


def install(app: FastAPI) -> None:
    app.include_router(views.router)
    app.include_router(pages.router)
