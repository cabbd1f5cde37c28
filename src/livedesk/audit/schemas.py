"""What the audit API returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from livedesk.audit.models import AuditEntry


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: dict[str, str | None]
    business_id: str | None
    entity: str
    entity_id: str
    action: str
    before: dict[str, Any]
    after: dict[str, Any]

    @classmethod
    def of(cls, e: AuditEntry) -> AuditEntryOut:
        return cls(
            id=e.id,
            at=e.at,
            actor={"id": e.actor_id, "name": e.actor_name},
            business_id=e.business_id,
            entity=e.entity,
            entity_id=e.entity_id,
            action=e.action,
            before=e.before,
            after=e.after,
        )
