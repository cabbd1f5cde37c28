"""The delivery outbox rows leads and closed chats cause. Written in the same transaction as
the lead (or closed chat) they deliver, so a commit means "will be delivered"; the dispatcher
(delivery.py) sends them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import jsonutil
from livedesk.businesses.models import Business
from livedesk.conversations.models import Conversation, Message
from livedesk.db import utcnow
from livedesk.leads.models import SYSTEM_EMAIL, DeliveryRoute, Lead, OutboxItem, RouteKind
from livedesk.leads.schemas import lead_payload


def as_json(value: Any) -> Any:
    """Datetimes to ISO strings: outbox payloads are stored as JSON snapshots."""
    return jsonutil.loads(jsonutil.dumps(value))


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
    html: str | None = None,
    business_id: str | None = None,
) -> OutboxItem:
    """A mail from the provider itself (an invitation, a password link, a monthly report),
    delivered by the same dispatcher as lead mails: at least once, retried, flagged when it
    fails for good.

    Plain text, with `html` as an alternative part when given (whoever writes it escapes what a
    person typed). `business_id`: the business it is about, if any. `erase_when_sent`: the text
    holds a secret (a one-time link), so the dispatcher blanks it once the mail server took it."""
    payload: dict[str, Any] = {"subject": subject, "text": text, "erase_when_sent": erase_when_sent}
    if html is not None:
        payload["html"] = html
    return add_outbox(
        session,
        business_id=business_id,
        route=None,
        event=SYSTEM_EMAIL,
        key=key,
        payload=payload,
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
