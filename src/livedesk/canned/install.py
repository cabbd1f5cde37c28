"""Plugs the canned-responses API into the app."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.canned.views import router


def install(app: FastAPI) -> None:
    app.include_router(router)
