"""Scoped reads of leads and delivery routes: another business's rows answer 404 like rows
that do not exist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import Role
from livedesk.errors import Forbidden, NotFound
from livedesk.leads.models import (
    DeliveryAttempt,
    DeliveryRoute,
    Lead,
    LeadStatusChange,
    OutboxItem,
)
from livedesk.security.actors import StaffActor


def scoped_leads(actor: StaffActor) -> Select[Lead]:
    query = select(Lead)
    if actor.business_ids is not None:
        query = query.where(Lead.business_id.in_(actor.business_ids))
    return query


async def access_lead_by_id(session: AsyncSession, actor: StaffActor, lead_id: str) -> Lead:
    lead = await session.scalar(scoped_leads(actor).where(Lead.id == lead_id))
    if lead is None:
        raise NotFound("lead not found")
    return lead


async def access_route(session: AsyncSession, business_id: str, route_id: str) -> DeliveryRoute:
    """The caller has checked the business is the actor's (businesses.access)."""
    route = await session.get(DeliveryRoute, route_id)
    if route is None or route.business_id != business_id:
        raise NotFound("route not found")
    return route


def require_manager(actor: StaffActor) -> None:
    """Routes and fields: provider admins and supervisors, or the business for itself."""
    if actor.role not in (Role.PROVIDER_ADMIN, Role.SUPERVISOR, Role.BUSINESS_USER):
        raise Forbidden("only supervisors, admins and the business itself may change this")


async def lead_history(session: AsyncSession, lead_id: str) -> list[LeadStatusChange]:
    return list(
        await session.scalars(
            select(LeadStatusChange)
            .where(LeadStatusChange.lead_id == lead_id)
            .order_by(LeadStatusChange.id)
        )
    )


def filtered_leads(
    actor: StaffActor,
    *,
    business_id: str | None,
    kind: str | None,
    status: str | None,
    start: datetime | None,
    end: datetime | None,
) -> Select[Lead]:
    query = scoped_leads(actor)
    if business_id is not None:
        query = query.where(Lead.business_id == business_id)
    if kind is not None:
        query = query.where(Lead.kind == kind)
    if status is not None:
        query = query.where(Lead.status == status)
    if start is not None:
        query = query.where(Lead.created_at >= start)
    if end is not None:
        query = query.where(Lead.created_at < end)
    return query


async def count(session: AsyncSession, query: Select[Lead]) -> int:
    return int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)


async def deliveries_of_lead(
    session: AsyncSession, lead_id: str
) -> list[tuple[OutboxItem, list[DeliveryAttempt]]]:
    items = list(
        await session.scalars(
            select(OutboxItem).where(OutboxItem.lead_id == lead_id).order_by(OutboxItem.created_at)
        )
    )
    out = []
    for item in items:
        attempts = list(
            await session.scalars(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.outbox_id == item.id)
                .order_by(DeliveryAttempt.number, DeliveryAttempt.id)
            )
        )
        out.append((item, attempts))
    return out
