"""Per-business portal settings: read by anyone who needs them (the change requests here, the
expert join in the chat), changed by provider admins and audited.

Actions run inside the caller's unit of work and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.audit.actions import record_change
from livedesk.businesses.models import Business
from livedesk.db import utcnow
from livedesk.portal.models import PortalSettings
from livedesk.portal.schemas import PortalSettingsIn
from livedesk.security.actors import StaffActor

ENTITY = "portal_settings"


@dataclass(frozen=True, slots=True)
class PortalRules:
    """A business's settings as values (the defaults when it never had any stored)."""

    changes_need_approval: bool = True
    experts_may_join: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "changes_need_approval": self.changes_need_approval,
            "experts_may_join": self.experts_may_join,
        }


async def portal_rules(session: AsyncSession, business_id: str) -> PortalRules:
    """What the provider allows this business (e.g. `experts_may_join` before an expert joins)."""
    row = await session.get(PortalSettings, business_id)
    if row is None:
        return PortalRules()
    return PortalRules(row.changes_need_approval, row.experts_may_join)


async def do_set_portal_settings(
    session: AsyncSession, actor: StaffActor, business: Business, data: PortalSettingsIn
) -> PortalRules:
    """Only the fields the request names change."""
    row = await session.get(PortalSettings, business.id)
    if row is None:
        defaults = PortalRules()
        row = PortalSettings(
            business_id=business.id,
            changes_need_approval=defaults.changes_need_approval,
            experts_may_join=defaults.experts_may_join,
        )
        session.add(row)
    before = PortalRules(row.changes_need_approval, row.experts_may_join).as_dict()
    for name in data.model_fields_set:
        setattr(row, name, getattr(data, name))
    after = PortalRules(row.changes_need_approval, row.experts_may_join)
    if after.as_dict() != before:
        row.updated_at = utcnow()
        row.updated_by = actor.user_id
    record_change(
        session,
        actor,
        entity=ENTITY,
        entity_id=business.id,
        action="update",
        business_id=business.id,
        before=before,
        after=after.as_dict(),
    )
    return after
