"""Alembic environment: runs migrations on the async engine of the configured database."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import livedesk.models  # noqa: F401  (registers every table on Base.metadata)
from livedesk.db import Base, make_engine
from livedesk.portal.models import SEARCH_SCHEMA_OBJECTS
from livedesk.settings import Settings

target_metadata = Base.metadata


def _modelled(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate must not drop what only a migration describes: one backend's search index
    (0012_portal)."""
    return name not in SEARCH_SCHEMA_OBJECTS


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name
        == "sqlite",  # SQLite needs table rebuilds for ALTER
        compare_type=True,
        include_name=_modelled,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    engine = make_engine(Settings(database_url=url))
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_async())
