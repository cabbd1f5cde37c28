"""SQLite's transcript search index, filled in the background instead of inside the chat's
commit: an FTS5 insert trigger cost ~26 µs of the event loop's CPU per message on the message
writer's path (docs/benchmarks.md, message store). Search may lag a write by up to about a
second.

One task per process. Every POLL_SECONDS, or when woken, it indexes the messages with an id above
`messages_search_state.last_id` (migration 0017_search_indexer), BATCH at a time. A batch reads
that bound, inserts into the index and moves the bound in one short write transaction through
the runtime's write gate, so it queues behind the message writer rather than competing with it,
and a second process (or a restart after a crash) can neither index a message twice nor skip
one. Internal notes are passed over. PostgreSQL needs none of this: its GIN index follows rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import text

from livedesk.background import Background
from livedesk.portal.models import SQLITE_SEARCH_STATE, SQLITE_SEARCH_TABLE
from livedesk.runtime import Runtime

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
# A batch holds the write lock for ~10-20 µs a message, and costs the loop ~2.5 ms of CPU
# whatever its size (sessions, thread hops): 500 keep both small (docs/benchmarks.md).
BATCH = 500
EXTENSION = "search_indexer"

_BEHIND = text(
    f"SELECT EXISTS (SELECT 1 FROM messages WHERE id > (SELECT last_id FROM {SQLITE_SEARCH_STATE}))"
)
_UPTO = text(
    f"SELECT max(id), count(*) FROM (SELECT id FROM messages"
    f" WHERE id > (SELECT last_id FROM {SQLITE_SEARCH_STATE}) ORDER BY id LIMIT :batch)"
)
_INDEX = text(
    f"INSERT INTO {SQLITE_SEARCH_TABLE}(rowid, body) SELECT id, body FROM messages"
    f" WHERE id > (SELECT last_id FROM {SQLITE_SEARCH_STATE}) AND id <= :upto AND NOT internal"
)
_MOVE = text(f"UPDATE {SQLITE_SEARCH_STATE} SET last_id = :upto")


class SearchIndexer:
    def __init__(self, runtime: Runtime, batch: int = BATCH) -> None:
        self._runtime = runtime
        self._batch = batch
        self._wake = asyncio.Event()
        self._background = Background("search-indexer")

    def start(self) -> None:
        self._background.start(self._run())

    async def stop(self) -> None:
        await self._background.stop()

    def wake(self) -> None:
        self._wake.set()

    async def behind(self) -> bool:
        """Messages wait to be indexed; a read, outside the write lock."""
        async with self._runtime.reading() as session:
            return bool(await session.scalar(_BEHIND))

    async def index_batch(self, look_first: bool = True) -> int:
        """Indexes the next messages; how many it passed (notes too), 0 when none were left.
        Unless told there is a backlog, it looks first, so that idle it takes no write lock."""
        if look_first and not await self.behind():
            return 0
        async with self._runtime.transaction() as session:
            # Read again under the lock: another process may have indexed them meanwhile.
            upto, passed = (await session.execute(_UPTO, {"batch": self._batch})).one()
            if not passed:
                return 0
            await session.execute(_INDEX, {"upto": upto})
            await session.execute(_MOVE, {"upto": upto})
            return int(passed)

    async def catch_up(self) -> None:
        """Indexes batch after batch while they come full, and stops at the first that does
        not: messages written after it wait for the next round (tests, the loop). Chasing them
        under steady traffic committed a few at a time (a transaction every ~20 ms at 500
        messages/s), each costing a batch's CPU and rewriting FTS index pages
        (docs/benchmarks.md, chat round trip)."""
        passed = await self.index_batch()
        while passed == self._batch:
            await asyncio.sleep(0)  # the message writer goes first between batches
            passed = await self.index_batch(look_first=False)

    async def _run(self) -> None:
        while True:
            try:
                await self.catch_up()
            except Exception:
                log.exception("indexing messages for search failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            self._wake.clear()


async def has_search_state(runtime: Runtime) -> bool:
    """SQLite migrated past 0017: the indexer has work to do."""
    if runtime.engine.dialect.name != "sqlite":
        return False
    async with runtime.reading() as session:
        found = await session.scalar(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": SQLITE_SEARCH_STATE},
        )
    return found is not None
