"""Changes to a business's retention periods, audited in the same unit of work."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.audit.actions import record_change
from livedesk.businesses.models import Business
from livedesk.db import utcnow
from livedesk.privacy.models import RetentionSettings
from livedesk.privacy.retention import Retention
from livedesk.privacy.schemas import RetentionIn
from livedesk.security.actors import StaffActor

RETENTION_ENTITY = "retention"


async def retention_of(
    session: AsyncSession, business_id: str
) -> tuple[Retention, datetime | None]:
    """The business's periods (the defaults when nobody set them) and when they were set."""
    row = await session.get(RetentionSettings, business_id)
    return Retention.of(row), row.updated_at if row is not None else None


async def do_set_retention(
    session: AsyncSession, actor: StaffActor, business: Business, data: RetentionIn
) -> RetentionSettings:
    row = await session.get(RetentionSettings, business.id)
    before = asdict(Retention.of(row))
    if row is None:
        row = RetentionSettings(business_id=business.id)
        session.add(row)
    row.transcripts_months = data.transcripts_months
    row.offline_messages_months = data.offline_messages_months
    row.leads_months = data.leads_months
    row.updated_by = actor.user_id or None
    row.updated_at = utcnow()
    record_change(
        session,
        actor,
        entity=RETENTION_ENTITY,
        entity_id=business.id,
        action="update",
        business_id=business.id,
        before=before,
        after=asdict(Retention.of(row)),
    )
    return row
