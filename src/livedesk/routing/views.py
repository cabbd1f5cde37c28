"""Routing HTTP API: the widget's availability (public) and the supervisor's live floor."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import func, select

from livedesk.accounts.models import OperatorBusiness, OperatorProfile, Role, User
from livedesk.businesses.access import list_businesses, widget_by_public_key
from livedesk.businesses.models import Business, default_contract
from livedesk.businesses.widget_views import cors_for_widget
from livedesk.conversations.models import Conversation, ConversationEvent
from livedesk.db import read_only, utcnow
from livedesk.deps import RuntimeDep, SessionDep, StaffDep
from livedesk.routing.policy import Presence, Status
from livedesk.routing.service import Router

router = APIRouter(tags=["routing"])


def _router(runtime: Any) -> Router:
    return runtime.extensions["router"]  # type: ignore[no-any-return]


@router.get("/api/v1/widget/{key}/availability", tags=["widget"])
async def widget_availability(
    key: str,
    request: Request,
    response: Response,
    session: SessionDep,
    runtime: RuntimeDep,
    language: str | None = Query(None, max_length=8),
) -> dict[str, Any]:
    """Open for chat now? If not, `reason` says why and `overflow_action` what the contract
    says for it: the widget lets the FAQ bot try first ("bot", "bot_then_form") or shows the
    offline form."""
    widget = await widget_by_public_key(session, key)
    cors_for_widget(request, response, widget)
    response.headers["Cache-Control"] = "no-store"
    # An "auto" widget follows the visitor's browser; a caller that does not say which
    # language gets the business's own.
    fixed = None if widget.language == "auto" else widget.language
    return await _router(runtime).availability(widget.business_id, language or fixed)


def _local_midnight(business: Business, now: datetime) -> datetime:
    from zoneinfo import ZoneInfo

    try:
        tz = ZoneInfo(business.timezone)
    except (KeyError, ValueError):
        tz = ZoneInfo("Europe/Amsterdam")
    local = now.astimezone(tz)
    return datetime.combine(local.date(), time(), tz)


@router.get("/api/v1/floor")
async def floor(actor: StaffDep, runtime: RuntimeDep) -> dict[str, Any]:
    """Live view for supervisors (every business) and operators (the businesses they serve)."""
    now = utcnow()
    async with read_only(runtime.sessions) as session:
        businesses = await list_businesses(session, actor)
        ids = [b.id for b in businesses]
        snap = await _router(runtime).snapshot(ids)
        since = min((_local_midnight(b, now) for b in businesses), default=now)
        op_query = (
            select(User.id, User.display_name, OperatorProfile.max_concurrent)
            .join(OperatorProfile, OperatorProfile.user_id == User.id)
            .where(User.role == Role.OPERATOR, User.is_active.is_(True))
        )
        if actor.business_ids is not None:
            op_query = op_query.where(
                User.id.in_(
                    select(OperatorBusiness.user_id).where(OperatorBusiness.business_id.in_(ids))
                )
            )
        operators = (await session.execute(op_query.order_by(User.display_name))).all()
        missed = dict(
            (
                await session.execute(
                    select(ConversationEvent.operator_id, func.count())
                    .where(ConversationEvent.kind == "offer_expired", ConversationEvent.at >= since)
                    .group_by(ConversationEvent.operator_id)
                )
            ).all()
        )
    out_businesses = []
    for business in businesses:
        contract = {**default_contract(), **(business.contract or {})}
        target = float(contract["first_reply_seconds"])
        midnight = _local_midnight(business, now)
        waiting = [
            c
            for c in snap.conversations.values()
            if c.business_id == business.id and c.status in (Status.QUEUED, Status.OFFERED)
        ]
        out_businesses.append(
            {
                "business_id": business.id,
                "name": business.name,
                "queue_length": len(waiting),
                "longest_wait_seconds": max(
                    ((now - c.queued_at).total_seconds() for c in waiting), default=0.0
                ),
                "active": sum(
                    1
                    for c in snap.conversations.values()
                    if c.business_id == business.id and c.status is Status.ACTIVE
                ),
                "first_reply_target_seconds": target,
                **await _today(runtime, business.id, midnight, target),
            }
        )
    out_operators = []
    for user_id, name, max_concurrent in operators:
        op = snap.operators.get(user_id)
        out_operators.append(
            {
                "operator_id": user_id,
                "name": name,
                "presence": op.presence if op else Presence.OFFLINE,
                "active_chats": len(op.active) if op else 0,
                "pending_offers": len(op.offered) if op else 0,
                "max_concurrent": max_concurrent,
                "offers_missed_today": int(missed.get(user_id, 0)),
                "consecutive_missed": op.consecutive_expired if op else 0,
                "businesses": sorted(op.businesses) if op else [],
            }
        )
    return {"at": now, "businesses": out_businesses, "operators": out_operators}


async def _today(runtime: Any, business_id: str, since: datetime, target: float) -> dict[str, Any]:
    async with read_only(runtime.sessions) as session:
        rows = (
            await session.execute(
                select(
                    Conversation.queued_at, Conversation.first_reply_at, Conversation.state
                ).where(Conversation.business_id == business_id, Conversation.queued_at >= since)
            )
        ).all()
    answered = [(r - q).total_seconds() for q, r, _ in rows if q is not None and r is not None]
    return {
        "chats_today": len(rows),
        "answered_today": len(answered),
        "within_target_today": sum(1 for s in answered if s <= target),
        "abandoned_today": sum(1 for _, _, s in rows if s in ("abandoned", "missed")),
    }
