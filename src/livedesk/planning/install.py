"""Plugs the capacity planner's page and API into the app (public: no login needed)."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.planning.views import router


def install(app: FastAPI) -> None:
    app.include_router(router)
