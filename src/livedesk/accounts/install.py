"""Plugs the accounts domain into the app: users, logins and API tokens."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.accounts.views import router


def install(app: FastAPI) -> None:
    app.include_router(router)
