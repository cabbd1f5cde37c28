"""A visitor's row exists from the moment they actually say something.

A visitor session only hands out a signed token naming a fresh visitor id: opening a page with
the widget on it stores nothing. The row is made when the visitor starts a chat or leaves an
offline message, from the ids in their token. Two tabs of one visitor can do that at the same
moment, so the insert is `ON CONFLICT DO NOTHING` on the id (SQLite and PostgreSQL alike) rather
than a read followed by an insert.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.conversations.models import Visitor
from livedesk.db import utcnow
from livedesk.security.actors import VisitorActor


async def do_ensure_visitor(session: AsyncSession, visitor: VisitorActor) -> None:
    """Stores the visitor if they are not stored yet, else notes that they were seen now."""
    now = utcnow()
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    created = await session.execute(
        insert(Visitor)
        .values(
            id=visitor.visitor_id,
            business_id=visitor.business_id,
            widget_id=visitor.widget_id,
            created_at=now,
            last_seen_at=now,
        )
        .on_conflict_do_nothing(index_elements=[Visitor.id])
    )
    if not created.rowcount:  # type: ignore[attr-defined]
        await session.execute(
            update(Visitor).where(Visitor.id == visitor.visitor_id).values(last_seen_at=now)
        )
