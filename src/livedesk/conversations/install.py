"""Plugs the conversations domain into the app: transcripts, messages and ratings over HTTP."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.conversations.views import router


def install(app: FastAPI) -> None:
    app.include_router(router)
