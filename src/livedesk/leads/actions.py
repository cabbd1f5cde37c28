"""Leads: creation, review, the visitor's transcript request, settings and delivery routes.

Actions run inside the caller's unit of work and never commit; every outbox row is written in the
same transaction as the lead (or closed chat) it delivers, so a commit means "will be delivered".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import Role
from livedesk.businesses.models import Business
from livedesk.conversations.access import access_conversation_by_id
from livedesk.conversations.models import Conversation
from livedesk.db import new_secret, utcnow
from livedesk.errors import Conflict, Forbidden, NotFound
from livedesk.leads.access import access_lead_by_id
from livedesk.leads.models import (
    DeliveryRoute,
    Lead,
    LeadConfig,
    LeadKind,
    LeadStatus,
    LeadStatusChange,
    OutboxItem,
    RouteKind,
)
from livedesk.leads.outbox import add_outbox, enqueue_lead, transcript
from livedesk.leads.schemas import (
    FieldErrors,
    LeadIn,
    OfflineIn,
    RouteIn,
    RoutePatch,
    check_contact,
    check_qualification,
    check_route,
    normalise_email,
)
from livedesk.security.actors import StaffActor

DEFAULT_REVIEW_WINDOW_DAYS = 14
# Which review decisions may follow which: a dispute can still be settled either way.

# Which review decisions may follow which: a dispute can still be settled either way.
REVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    LeadStatus.NEW: frozenset({"accepted", "rejected", "disputed"}),
    LeadStatus.ACCEPTED: frozenset({"disputed"}),
    LeadStatus.DISPUTED: frozenset({"accepted", "rejected"}),
    LeadStatus.REJECTED: frozenset(),
}


async def lead_config(
    session: AsyncSession, business_id: str, default_window: int = DEFAULT_REVIEW_WINDOW_DAYS
) -> LeadConfig:
    config = await session.get(LeadConfig, business_id)
    if config is None:
        config = LeadConfig(
            business_id=business_id, review_window_days=default_window, qualification_fields=[]
        )
    return config


async def do_update_config(
    session: AsyncSession,
    business_id: str,
    *,
    review_window_days: int | None,
    fields: list[dict[str, Any]] | None,
    default_window: int = DEFAULT_REVIEW_WINDOW_DAYS,
) -> LeadConfig:
    config = await session.get(LeadConfig, business_id)
    if config is None:
        config = LeadConfig(
            business_id=business_id, review_window_days=default_window, qualification_fields=[]
        )
        session.add(config)
    if review_window_days is not None:
        config.review_window_days = review_window_days
    if fields is not None:
        config.qualification_fields = fields
    config.updated_at = utcnow()
    await session.flush()
    return config


async def do_request_visitor_transcript(
    session: AsyncSession,
    *,
    business_id: str,
    visitor_id: str,
    widget_id: str,
    email: str,
    conversation_id: str | None,
) -> OutboxItem:
    errors = FieldErrors()
    address = normalise_email(email, errors)
    errors.raise_if_any("The e-mail address is not valid")
    query = select(Conversation).where(
        Conversation.visitor_id == visitor_id, Conversation.widget_id == widget_id
    )
    if conversation_id:
        query = query.where(Conversation.id == conversation_id)
    conversation = await session.scalar(query.order_by(Conversation.created_at.desc()).limit(1))
    if conversation is None:
        raise NotFound("conversation not found")
    business = await session.get(Business, business_id)
    assert business is not None
    lines = await transcript(session, conversation.id)
    payload = {
        "business": {"id": business.id, "name": business.name},
        "conversation": {"id": conversation.id, "created_at": conversation.created_at},
        "transcript": lines,
    }
    return add_outbox(
        session,
        business_id=business_id,
        route=None,
        event="visitor.transcript",
        key=f"visitor-transcript.{new_secret(12)}",
        payload=payload,
        conversation_id=conversation.id,
        channel=RouteKind.EMAIL,
        target={"emails": [address], "language": conversation.language},
    )


async def _store_lead(
    session: AsyncSession, business: Business, lead: Lead, actor_id: str | None
) -> Lead:
    session.add(lead)
    await session.flush()
    session.add(
        LeadStatusChange(
            lead_id=lead.id,
            from_status=None,
            to_status=LeadStatus.NEW,
            actor_id=actor_id,
            at=lead.created_at,
        )
    )
    await enqueue_lead(session, lead, business)
    return lead


async def do_create_lead_from_chat(
    session: AsyncSession, actor: StaffActor, conversation_id: str, data: LeadIn
) -> Lead:
    conversation = await access_conversation_by_id(session, actor, conversation_id)
    if not actor.is_staff:
        raise Forbidden("leads are filed by the operators serving this business")
    business = await session.get(Business, conversation.business_id)
    assert business is not None
    config = await lead_config(session, business.id)
    errors = FieldErrors()
    name, email, phone = check_contact(data.name, data.email, data.phone, errors)
    qualification = check_qualification(data.qualification, config.qualification_fields, errors)
    errors.raise_if_any("The lead is not valid")
    lead = Lead(
        business_id=business.id,
        conversation_id=conversation.id,
        kind=data.kind,
        source="operator",
        name=name,
        email=email,
        phone=phone,
        intent=data.intent.strip(),
        notes=data.notes.strip(),
        qualification=qualification,
        consent=data.consent,
        language=conversation.language,
        page_url=conversation.page_url,
        created_by=actor.user_id,
        created_at=utcnow(),
    )
    return await _store_lead(session, business, lead, actor.user_id)


async def do_create_offline_lead(
    session: AsyncSession,
    business: Business,
    data: OfflineIn,
    *,
    language: str,
    conversation_id: str | None,
) -> Lead:
    config = await lead_config(session, business.id)
    errors = FieldErrors()
    name, email, phone = check_contact(data.name, data.email, data.phone, errors)
    if not data.question.strip():
        errors.add(["question"], "tell us your question", "required")
    if not data.consent:
        errors.add(["consent"], "consent is needed before we can pass this on", "consent")
    qualification = check_qualification(data.qualification, config.qualification_fields, errors)
    errors.raise_if_any("Some fields need attention")
    lead = Lead(
        business_id=business.id,
        conversation_id=conversation_id,
        kind=LeadKind.OFFLINE_MESSAGE,
        source="offline_form",
        name=name,
        email=email,
        phone=phone,
        intent=data.question.strip(),
        qualification=qualification,
        consent=True,
        language=language,
        page_url=data.page_url,
        created_at=utcnow(),
    )
    return await _store_lead(session, business, lead, None)


async def do_review_lead(
    session: AsyncSession,
    actor: StaffActor,
    lead_id: str,
    decision: str,
    reason: str | None,
    *,
    now: datetime | None = None,
    default_window: int = DEFAULT_REVIEW_WINDOW_DAYS,
) -> Lead:
    lead = await access_lead_by_id(session, actor, lead_id)
    if actor.role not in (Role.BUSINESS_USER, Role.PROVIDER_ADMIN, Role.SUPERVISOR):
        raise Forbidden("leads are reviewed by the business")
    reason = (reason or "").strip() or None
    if decision in ("rejected", "disputed") and not reason:
        errors = FieldErrors()
        errors.add(["reason"], "say why", "required")
        errors.raise_if_any("A reason is required")
    config = await lead_config(session, lead.business_id, default_window)
    now = now or utcnow()
    closes = lead.created_at + timedelta(days=config.review_window_days)
    if now > closes:
        raise Conflict(
            "the review window for this lead has closed",
            code="review_window_closed",
            data={"window_days": config.review_window_days, "closed_at": closes},
        )
    if decision not in REVIEW_TRANSITIONS[lead.status]:
        raise Conflict(
            f"a {lead.status} lead cannot become {decision}",
            code="invalid_review",
            data={"status": lead.status, "to": decision},
        )
    session.add(
        LeadStatusChange(
            lead_id=lead.id,
            from_status=lead.status,
            to_status=decision,
            reason=reason,
            actor_id=actor.user_id,
            at=now,
        )
    )
    lead.status = decision
    lead.reviewed_at = now
    lead.review_reason = reason
    return lead


async def do_create_route(session: AsyncSession, business_id: str, data: RouteIn) -> DeliveryRoute:
    emails, url = check_route(data.kind, data.emails, data.url)
    route = DeliveryRoute(
        business_id=business_id,
        kind=data.kind,
        name=data.name,
        active=data.active,
        emails=emails,
        language=data.language,
        url=url,
        secret=new_secret(32) if data.kind == RouteKind.WEBHOOK else None,
        send_leads=data.send_leads,
        send_transcripts=data.send_transcripts,
        lead_kinds=[k.value for k in data.lead_kinds],
        created_at=utcnow(),
    )
    session.add(route)
    await session.flush()
    return route


async def do_update_route(
    session: AsyncSession, route: DeliveryRoute, data: RoutePatch
) -> DeliveryRoute:
    emails = data.emails if data.emails is not None else route.emails
    url = data.url if data.url is not None else route.url
    emails, url = check_route(route.kind, emails, url)
    route.emails, route.url = emails, url
    for name in ("name", "active", "language", "send_leads", "send_transcripts"):
        value = getattr(data, name)
        if value is not None:
            setattr(route, name, value)
    if data.lead_kinds is not None:
        route.lead_kinds = [k.value for k in data.lead_kinds]
    if data.rotate_secret and route.kind == RouteKind.WEBHOOK:
        route.secret = new_secret(32)
    return route


async def do_deactivate_route(session: AsyncSession, route: DeliveryRoute) -> DeliveryRoute:
    """Deliveries already owed to this route are still made (and logged); no new ones."""
    route.active = False
    return route
