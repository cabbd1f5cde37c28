"""Making erased words leave the portal's transcript search for good.

The search index follows `messages` by itself: on PostgreSQL it is an expression index over the
rows, on SQLite a contentless FTS5 table kept in step with updates and deletes by triggers
(migrations 0012_portal, 0017_search_indexer), so an erased message is no longer found the
moment its text is replaced. (New messages reach it from portal/indexer.py up to a second later;
one erased before that is indexed with its new text only.) FTS5 only marks a removed
entry as deleted, though, and the old words stay inside its index pages until segments are
merged. After an erasure the index is therefore merged down, a small step per write transaction
(chats get the write lock in between), with SQLite's secure_delete on, so the freed pages are
overwritten rather than left holding the text.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from livedesk.portal.models import SQLITE_SEARCH_TABLE
from livedesk.privacy.subject import secure_delete
from livedesk.runtime import Runtime

MERGE_PAGES = 64  # work per step: a few milliseconds of the write lock
MAX_STEPS = 100_000


async def search_index_exists(runtime: Runtime) -> bool:
    if runtime.engine.dialect.name != "sqlite":
        return False
    async with runtime.reading() as session:
        found = await session.scalar(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": SQLITE_SEARCH_TABLE},
        )
    return found is not None


async def compact_search_index(runtime: Runtime, max_steps: int = MAX_STEPS) -> int:
    """Merge the SQLite search index until a step finds nothing left to merge; the steps
    taken. Nothing to do on PostgreSQL."""
    if not await search_index_exists(runtime):
        return 0
    merge = text(
        f"INSERT INTO {SQLITE_SEARCH_TABLE}({SQLITE_SEARCH_TABLE}, rank)"
        f" VALUES ('merge', -{MERGE_PAGES})"
    )
    changes = text("SELECT total_changes()")
    for step in range(1, max_steps + 1):
        async with runtime.transaction() as session:
            await secure_delete(session, True)
            before = int(await session.scalar(changes) or 0)
            await session.execute(merge)
            done = int(await session.scalar(changes) or 0) - before <= 1  # only its own row
            await secure_delete(session, False)
        if done:
            return step
        await asyncio.sleep(0)
    return max_steps
