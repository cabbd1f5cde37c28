"""Leads: creation, drafts, review, scoped reads, routes and the outbox rows they cause.

Actions run inside the caller's unit of work and never commit; every outbox row is written in the
same transaction as the lead (or closed chat) it delivers, so a commit means "will be delivered".
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import jsonutil
from livedesk.accounts.models import Role
from livedesk.businesses.models import Business
from livedesk.conversations.access import access_conversation_by_id
from livedesk.conversations.models import AuthorKind, Conversation, Message, Visitor
from livedesk.db import new_secret, utcnow
from livedesk.errors import Conflict, Forbidden, Invalid, NotFound
from livedesk.leads.models import (
    SYSTEM_EMAIL,
    DeliveryAttempt,
    DeliveryRoute,
    Lead,
    LeadConfig,
    LeadKind,
    LeadStatus,
    LeadStatusChange,
    OutboxItem,
    RouteKind,
)
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
    normalise_phone,
)
from livedesk.security.actors import StaffActor

DEFAULT_REVIEW_WINDOW_DAYS = 14
# Which review decisions may follow which: a dispute can still be settled either way.
REVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    LeadStatus.NEW: frozenset({"accepted", "rejected", "disputed"}),
    LeadStatus.ACCEPTED: frozenset({"disputed"}),
    LeadStatus.DISPUTED: frozenset({"accepted", "rejected"}),
    LeadStatus.REJECTED: frozenset(),
}


def as_json(value: Any) -> Any:
    """Datetimes to ISO strings: outbox payloads are stored as JSON snapshots."""
    return jsonutil.loads(jsonutil.dumps(value))


# -- access ------------------------------------------------------------------------------------


def scoped_leads(actor: StaffActor) -> Select[tuple[Lead]]:
    query = select(Lead)
    if actor.business_ids is not None:
        query = query.where(Lead.business_id.in_(actor.business_ids))
    return query


async def access_lead_by_id(session: AsyncSession, actor: StaffActor, lead_id: str) -> Lead:
    lead = await session.scalar(scoped_leads(actor).where(Lead.id == lead_id))
    if lead is None:
        raise NotFound("lead not found")
    return lead


async def access_business(session: AsyncSession, actor: StaffActor, business_id: str) -> Business:
    business = await session.get(Business, business_id)
    if business is None or not actor.can_see_business(business_id):
        raise NotFound("business not found")
    return business


def require_manager(actor: StaffActor) -> None:
    """Routes and fields: provider admins and supervisors, or the business for itself."""
    if actor.role not in (Role.PROVIDER_ADMIN, Role.SUPERVISOR, Role.BUSINESS_USER):
        raise Forbidden("only supervisors, admins and the business itself may change this")


# -- configuration -----------------------------------------------------------------------------


async def lead_config(
    session: AsyncSession, business_id: str, default_window: int = DEFAULT_REVIEW_WINDOW_DAYS
) -> LeadConfig:
    config = await session.get(LeadConfig, business_id)
    if config is None:
        config = LeadConfig(
            business_id=business_id, review_window_days=default_window, qualification_fields=[]
        )
    return config


def config_payload(config: LeadConfig) -> dict[str, Any]:
    return {
        "business_id": config.business_id,
        "review_window_days": config.review_window_days,
        "qualification_fields": config.qualification_fields,
    }


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


# -- payloads ----------------------------------------------------------------------------------


def lead_payload(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.id,
        "business_id": lead.business_id,
        "conversation_id": lead.conversation_id,
        "kind": lead.kind,
        "status": lead.status,
        "source": lead.source,
        "name": lead.name,
        "email": lead.email,
        "phone": lead.phone,
        "intent": lead.intent,
        "notes": lead.notes,
        "qualification": lead.qualification,
        "consent": lead.consent,
        "language": lead.language,
        "page_url": lead.page_url,
        "created_at": lead.created_at,
        "reviewed_at": lead.reviewed_at,
        "review_reason": lead.review_reason,
    }


def status_change_payload(change: LeadStatusChange) -> dict[str, Any]:
    return {
        "from": change.from_status,
        "to": change.to_status,
        "reason": change.reason,
        "actor_id": change.actor_id,
        "at": change.at,
    }


def route_payload(route: DeliveryRoute) -> dict[str, Any]:
    return {
        "id": route.id,
        "business_id": route.business_id,
        "kind": route.kind,
        "name": route.name,
        "active": route.active,
        "emails": route.emails,
        "language": route.language,
        "url": route.url,
        "secret": route.secret,
        "send_leads": route.send_leads,
        "send_transcripts": route.send_transcripts,
        "lead_kinds": route.lead_kinds,
        "created_at": route.created_at,
    }


async def transcript(session: AsyncSession, conversation_id: str) -> list[dict[str, Any]]:
    """What the visitor saw: internal notes stay with the provider's staff."""
    rows = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.internal.is_(False))
        .order_by(Message.seq)
    )
    return [
        {
            "seq": m.seq,
            "author_kind": m.author_kind,
            "author_name": m.author_name,
            "body": m.body,
            "at": m.created_at,
        }
        for m in rows
    ]


# -- outbox ------------------------------------------------------------------------------------


def route_target(route: DeliveryRoute) -> dict[str, Any]:
    if route.kind == RouteKind.EMAIL:
        return {"emails": list(route.emails), "language": route.language}
    return {"url": route.url, "route_id": route.id}


def add_outbox(
    session: AsyncSession,
    *,
    business_id: str | None,
    route: DeliveryRoute | None,
    event: str,
    key: str,
    payload: dict[str, Any],
    lead_id: str | None = None,
    conversation_id: str | None = None,
    channel: str | None = None,
    target: dict[str, Any] | None = None,
) -> OutboxItem:
    item = OutboxItem(
        business_id=business_id,
        route_id=route.id if route else None,
        lead_id=lead_id,
        conversation_id=conversation_id,
        event=event,
        channel=channel or (route.kind if route else RouteKind.EMAIL),
        target=target if target is not None else route_target(route),  # type: ignore[arg-type]
        payload=as_json(payload),
        idempotency_key=key,
        next_attempt_at=utcnow(),
    )
    session.add(item)
    return item


def queue_system_email(
    session: AsyncSession,
    *,
    to: str,
    subject: str,
    text: str,
    language: str,
    key: str,
    erase_when_sent: bool = False,
) -> OutboxItem:
    """A plain-text mail from the provider itself (an invitation, a password link), delivered by
    the same dispatcher as lead mails: at least once, retried, flagged when it fails for good.

    It belongs to no business. `erase_when_sent`: the text holds a secret (a one-time link), so
    the dispatcher blanks it once the mail server took it."""
    return add_outbox(
        session,
        business_id=None,
        route=None,
        event=SYSTEM_EMAIL,
        key=key,
        payload={"subject": subject, "text": text, "erase_when_sent": erase_when_sent},
        channel=RouteKind.EMAIL,
        target={"emails": [to], "language": language},
    )


async def active_routes(session: AsyncSession, business_id: str) -> list[DeliveryRoute]:
    return list(
        await session.scalars(
            select(DeliveryRoute)
            .where(DeliveryRoute.business_id == business_id, DeliveryRoute.active.is_(True))
            .order_by(DeliveryRoute.created_at)
        )
    )


async def enqueue_lead(session: AsyncSession, lead: Lead, business: Business) -> list[OutboxItem]:
    lines = await transcript(session, lead.conversation_id) if lead.conversation_id else []
    payload = {
        "business": {"id": business.id, "name": business.name},
        "lead": lead_payload(lead),
        "transcript": lines,
    }
    items = []
    for route in await active_routes(session, lead.business_id):
        if not route.send_leads or (route.lead_kinds and lead.kind not in route.lead_kinds):
            continue
        items.append(
            add_outbox(
                session,
                business_id=lead.business_id,
                route=route,
                event="lead.created",
                key=f"lead.{lead.id}.{route.id}",
                payload=payload,
                lead_id=lead.id,
                conversation_id=lead.conversation_id,
            )
        )
    return items


async def enqueue_closed_transcript(session: AsyncSession, conversation_id: str) -> int:
    """For each route that wants every transcript; the key makes a repeated close harmless."""
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        return 0
    routes = [
        r for r in await active_routes(session, conversation.business_id) if r.send_transcripts
    ]
    if not routes:
        return 0
    lines = await transcript(session, conversation_id)
    if not lines:
        return 0  # nothing was said; nothing to hand over
    business = await session.get(Business, conversation.business_id)
    assert business is not None
    payload = {
        "business": {"id": business.id, "name": business.name},
        "conversation": {
            "id": conversation.id,
            "state": conversation.state,
            "page_url": conversation.page_url,
            "created_at": conversation.created_at,
            "closed_at": conversation.closed_at,
        },
        "transcript": lines,
    }
    count = 0
    for route in routes:
        key = f"transcript.{conversation_id}.{route.id}"
        exists = await session.scalar(
            select(OutboxItem.id).where(OutboxItem.idempotency_key == key)
        )
        if exists is None:
            add_outbox(
                session,
                business_id=business.id,
                route=route,
                event="transcript",
                key=key,
                payload=payload,
                conversation_id=conversation_id,
            )
            count += 1
    return count


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


# -- leads -------------------------------------------------------------------------------------


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
) -> Select[tuple[Lead]]:
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


async def count(session: AsyncSession, query: Select[tuple[Lead]]) -> int:
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


# -- drafts ------------------------------------------------------------------------------------

DRAFT_EMAIL_RE = re.compile(r"[^@\s<>()\[\]\"',;:]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
DRAFT_PHONE_RE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d ().-]{6,18}\d(?!\w)")
# The phrase in any case, the name itself capitalised (so "… en ik wil" is not a surname).
NAME_RE = re.compile(
    r"\b(?i:mijn naam is|ik ben|ik heet|my name is|i am|i'm|this is)\s+"
    r"([A-ZÀ-Ý][\w'À-ÿ-]+(?:\s+(?:van|de|der|den|ten|ter)){0,3}(?:\s+[A-ZÀ-Ý][\w'À-ÿ-]+)?)"
)


async def draft_from_chat(
    session: AsyncSession, actor: StaffActor, conversation_id: str
) -> dict[str, Any]:
    """Pre-fill a lead from what the visitor already typed (pre-chat form first, then chat)."""
    conversation = await access_conversation_by_id(session, actor, conversation_id)
    if not actor.is_staff:
        raise Forbidden("leads are filed by the operators serving this business")
    visitor = await session.get(Visitor, conversation.visitor_id)
    bodies = list(
        await session.scalars(
            select(Message.body)
            .where(
                Message.conversation_id == conversation.id,
                Message.author_kind == AuthorKind.VISITOR,
            )
            .order_by(Message.seq)
        )
    )
    prechat = {str(k).lower(): str(v) for k, v in (conversation.prechat or {}).items()}
    ignore = FieldErrors()  # a draft never fails: unusable candidates are skipped

    def first(*candidates: str | None) -> str | None:
        return next((c for c in candidates if c), None)

    emails = [m.group(0).rstrip(".") for b in bodies for m in DRAFT_EMAIL_RE.finditer(b)]
    phones = [
        p
        for b in bodies
        for m in DRAFT_PHONE_RE.finditer(b)
        if (p := normalise_phone(m.group(0), ignore))
    ]
    names = [m.group(1) for b in bodies for m in NAME_RE.finditer(b)]
    emails = [e for e in emails if normalise_email(e, ignore)]
    email = first(
        normalise_email(prechat.get("email") or prechat.get("e-mail"), ignore),
        visitor.email if visitor else None,
        *emails,
    )
    phone = first(normalise_phone(prechat.get("phone") or prechat.get("telefoon"), ignore), *phones)
    name = first(
        prechat.get("name") or prechat.get("naam"), visitor.name if visitor else None, *names
    )
    config = await lead_config(session, conversation.business_id)
    return {
        "conversation_id": conversation.id,
        "business_id": conversation.business_id,
        "kind": LeadKind.SALES_LEAD,
        "name": name,
        "email": email,
        "phone": phone,
        "intent": "\n".join(bodies)[:10_000],
        "notes": "",
        "qualification": {},
        "qualification_fields": config.qualification_fields,
        "candidates": {
            "emails": list(dict.fromkeys(emails)),
            "phones": list(dict.fromkeys(phones)),
            "names": list(dict.fromkeys(names)),
        },
    }


# -- routes ------------------------------------------------------------------------------------


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


async def access_route(session: AsyncSession, business_id: str, route_id: str) -> DeliveryRoute:
    route = await session.get(DeliveryRoute, route_id)
    if route is None or route.business_id != business_id:
        raise NotFound("route not found")
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


def parse_period(value: str | None, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise Invalid(
            f"`{name}` must be an ISO 8601 time with a zone, e.g. 2026-01-01T00:00:00Z",
            code="invalid_period",
            data={"field": name},
        )
    return parsed
