"""Recording back-office changes. Every do_* action that changes configuration calls
``record_change`` in its own unit of work, so the entry commits or rolls back with the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.audit.models import AuditEntry
from livedesk.db import utcnow
from livedesk.jsonutil import dumps, loads
from livedesk.security.actors import StaffActor


def _plain(value: dict[str, Any] | None) -> dict[str, Any]:
    """A JSON-safe copy (datetimes as ISO strings), detached from the ORM row it came from."""
    return loads(dumps(value or {}))  # type: ignore[no-any-return]


def record_change(
    session: AsyncSession,
    actor: StaffActor | None,
    *,
    entity: str,
    entity_id: str,
    action: str,
    business_id: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry | None:
    """Add one entry; an update that changed nothing is not recorded."""
    before, after = _plain(before), _plain(after)
    if action == "update":
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        if not changed:
            return None
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after.get(k) for k in sorted(changed)}
    entry = AuditEntry(
        at=utcnow(),
        actor_id=(actor.user_id or None) if actor else None,  # SYSTEM_ACTOR has no user
        actor_name=actor.name if actor else "livedesk",
        business_id=business_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry
