"""Migrations are the only way the schema is made: the migrated database must equal the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import livedesk.models  # noqa: F401  (every table on Base.metadata)
from livedesk import migrate
from livedesk.db import Base, make_engine
from livedesk.settings import Settings


async def test_migrated_schema_matches_the_models(settings: Settings) -> None:
    engine = make_engine(settings)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
        )
        heads = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_heads())
    await engine.dispose()
    assert diff == []
    assert set(heads) == migrate.head_revisions(settings)
