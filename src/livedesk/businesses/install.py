"""Plugs the businesses domain into the app: the business reads and the public widget endpoints."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.businesses.views import router


def install(app: FastAPI) -> None:
    app.include_router(router)
