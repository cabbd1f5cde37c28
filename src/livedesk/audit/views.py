"""The audit log, per business or provider-wide: for provider admins and supervisors."""

from __future__ import annotations

from fastapi import APIRouter, Query
from sqlalchemy import select

from livedesk.audit.models import AuditEntry
from livedesk.audit.schemas import AuditEntryOut
from livedesk.businesses.access import access_business_by_id
from livedesk.deps import ManagerDep, SessionDep

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("")
async def list_audit_entries(
    actor: ManagerDep,
    session: SessionDep,
    business_id: str | None = Query(None, max_length=32),
    entity: str | None = Query(None, max_length=32),
    entity_id: str | None = Query(None, max_length=64),
    before_id: int | None = Query(None, ge=1, description="page back from this entry"),
    limit: int = Query(100, ge=1, le=500),
) -> list[AuditEntryOut]:
    """Newest first. With `business_id`, that business's changes only."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if business_id is not None:
        await access_business_by_id(session, actor, business_id)
        query = query.where(AuditEntry.business_id == business_id)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return [AuditEntryOut.of(e) for e in await session.scalars(query)]
