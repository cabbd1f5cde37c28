"""Plugs the client portal into the app: its API, its pages and, on SQLite, the indexer that
keeps transcript search up to date."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.portal import change_views, pages, views
from livedesk.portal.indexer import EXTENSION, SearchIndexer, has_search_state
from livedesk.runtime import Runtime


def install(app: FastAPI) -> None:
    app.include_router(views.router)
    app.include_router(change_views.router)
    app.include_router(pages.router)

    async def start(runtime: Runtime) -> None:
        if await has_search_state(runtime):
            indexer = SearchIndexer(runtime)
            runtime.extensions[EXTENSION] = indexer
            indexer.start()

    async def stop(runtime: Runtime) -> None:
        indexer: SearchIndexer | None = runtime.extensions.pop(EXTENSION, None)
        if indexer is not None:
            await indexer.stop()

    app.state.on_start.append(start)
    app.state.on_stop.append(stop)
