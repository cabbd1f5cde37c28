"""Plugs the accounts domain into the app: logins and API tokens, the people API, and the page
where an invited user chooses a password."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.accounts.people_views import router as people_router
from livedesk.accounts.views import pages, router


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(people_router)
    app.include_router(pages)
