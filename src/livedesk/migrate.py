"""Schema management: Alembic is the only way the schema is made, on SQLite and PostgreSQL.

Each domain may own its own branch of revisions off the foundation, so we always upgrade to
(and check against) *all* heads.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from livedesk.settings import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", settings.database_url)
    return config


def upgrade(settings: Settings) -> None:
    """Run in a thread or a sync context: env.py starts its own event loop."""
    command.upgrade(alembic_config(settings), "heads")


def head_revisions(settings: Settings) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(settings)).get_heads())


async def current_revisions(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_heads()))


async def is_current(engine: AsyncEngine, settings: Settings) -> bool:
    return await current_revisions(engine) == head_revisions(settings)
