"""Plugs the conversations domain into the app: transcripts, messages and ratings over HTTP, and
a business's expert joining a chat (before the portal's pages: its page lives under /portal)."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.conversations import expert_views, search_views
from livedesk.conversations.views import router


def install(app: FastAPI) -> None:
    app.include_router(search_views.router)  # /search before /{conversation_id}
    app.include_router(router)
    app.include_router(expert_views.router)
