"""Routing report per business and hour, computed from the ConversationEvent log.

Every chat is counted in the hour it was queued (UTC):

* offered — chats that entered the queue; answered — accepted by an operator;
* answered_within_target — first operator reply within the contract's `first_reply_seconds`
  of being queued; abandoned / missed — the visitor left (never offered / offer unanswered);
* first_response p50/p90 — queued → first reply, seconds; handle time — accepted → end;
* occupancy — seconds operators held this business's chats divided by the online seconds × max
  concurrent chats of operators serving the business (their capacity, shared with their other
  businesses, so occupancies of businesses sharing operators add up rather than each being 100 %).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from livedesk.accounts.models import OperatorBusiness, OperatorProfile
from livedesk.businesses.access import access_business_by_id
from livedesk.businesses.models import default_contract
from livedesk.conversations.models import ConversationEvent
from livedesk.deps import ActorDep, SessionDep
from livedesk.errors import Invalid
from livedesk.routing.models import PresenceLog

router = APIRouter(tags=["reports"])
MAX_RANGE = timedelta(days=93)
HOLD_START = {"accepted"}
HOLD_END = {"closed", "abandoned", "missed", "requeued", "transfer", "offer_withdrawn"}


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..1) of ``values``; None for no data."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(q * 1000) * len(ordered) // 1000))  # ceil(q·n) without float drift
    return ordered[min(rank, len(ordered)) - 1]


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise Invalid(
            f"`{name}` needs a timezone (e.g. 2026-01-01T00:00:00Z)",
            code="naive_datetime",
            data={"field": name},
        )
    return value.astimezone(UTC)


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _overlap(a: datetime, b: datetime, start: datetime, end: datetime) -> float:
    return max(0.0, (min(b, end) - max(a, start)).total_seconds())


def _spread(
    intervals: list[tuple[datetime, datetime]], hours: list[datetime], weight: float = 1.0
) -> dict[datetime, float]:
    out: dict[datetime, float] = defaultdict(float)
    for a, b in intervals:
        for h in hours:
            out[h] += weight * _overlap(a, b, h, h + timedelta(hours=1))
    return out


@router.get("/api/v1/reports/routing")
async def routing_report(
    actor: ActorDep,
    session: SessionDep,
    business_id: str,
    start: datetime = Query(...),
    end: datetime = Query(...),
) -> dict[str, Any]:
    business = await access_business_by_id(session, actor, business_id)  # 404 if not theirs
    start, end = _aware(start, "start"), _aware(end, "end")
    if not start < end or end - start > MAX_RANGE:
        raise Invalid("need start < end and at most 93 days", code="invalid_range")
    target = float({**default_contract(), **(business.contract or {})}["first_reply_seconds"])
    hours = []
    h = _hour(start)
    while h < end:
        hours.append(h)
        h += timedelta(hours=1)
    # Chats queued in the range, and every event of theirs (their handle time may run past end).
    queued = dict(
        (
            await session.execute(
                select(ConversationEvent.conversation_id, ConversationEvent.at).where(
                    ConversationEvent.business_id == business_id,
                    ConversationEvent.kind == "queued",
                    ConversationEvent.at >= start,
                    ConversationEvent.at < end,
                )
            )
        ).all()
    )
    events = (
        await session.execute(
            select(
                ConversationEvent.conversation_id,
                ConversationEvent.kind,
                ConversationEvent.operator_id,
                ConversationEvent.at,
            )
            .where(
                ConversationEvent.business_id == business_id,
                ConversationEvent.at >= start - timedelta(days=1),
                ConversationEvent.at < end + timedelta(days=1),
            )
            .order_by(ConversationEvent.at, ConversationEvent.id)
        )
    ).all()
    by_conv: dict[str, list[tuple[str, str | None, datetime]]] = defaultdict(list)
    for cid, kind, op, at in events:
        by_conv[cid].append((kind, op, at))
    rows: dict[datetime, dict[str, Any]] = {
        h: {
            "offered": 0,
            "answered": 0,
            "answered_within_target": 0,
            "abandoned": 0,
            "missed": 0,
            "_frt": [],
            "_handle": [],
        }
        for h in hours
    }
    holds: list[tuple[datetime, datetime]] = []
    for cid, evs in by_conv.items():
        # Slot-holding intervals (accept → release), for occupancy, for every chat of the window.
        held_from: datetime | None = None
        for kind, _op, at in evs:
            if kind in HOLD_START and held_from is None:
                held_from = at
            elif kind in HOLD_END and held_from is not None:
                holds.append((held_from, at))
                held_from = None
        if held_from is not None:
            holds.append((held_from, min(end, datetime.now(UTC))))
        if cid not in queued:
            continue
        row = rows[_hour(queued[cid])]
        kinds = {k: at for k, _op, at in reversed(evs)}  # first occurrence of each kind
        row["offered"] += 1
        if "accepted" in kinds:
            row["answered"] += 1
            ended = next((at for k, _o, at in evs if k in ("closed", "abandoned")), None)
            if ended is not None:
                row["_handle"].append((ended - kinds["accepted"]).total_seconds())
        if "first_reply" in kinds:
            frt = (kinds["first_reply"] - queued[cid]).total_seconds()
            row["_frt"].append(frt)
            row["answered_within_target"] += frt <= target
        if "abandoned" in kinds:
            row["abandoned"] += 1
        if "missed" in kinds:
            row["missed"] += 1
    busy = _spread(holds, hours)
    capacity = await _capacity(session, business_id, start, end, hours)
    out = []
    for h in hours:
        row = rows[h]
        frt, handle = row.pop("_frt"), row.pop("_handle")
        out.append(
            {
                "hour": h,
                **row,
                "first_response_p50": percentile(frt, 0.5),
                "first_response_p90": percentile(frt, 0.9),
                "handle_time_mean": sum(handle) / len(handle) if handle else None,
                "handle_time_p50": percentile(handle, 0.5),
                "occupancy": round(busy[h] / capacity[h], 4) if capacity.get(h) else None,
            }
        )
    totals = {
        k: sum(r[k] for r in out)
        for k in ("offered", "answered", "answered_within_target", "abandoned", "missed")
    }
    return {
        "business_id": business_id,
        "start": start,
        "end": end,
        "first_reply_target_seconds": target,
        "hours": out,
        "totals": totals,
    }


async def _capacity(
    session: Any, business_id: str, start: datetime, end: datetime, hours: list[datetime]
) -> dict[datetime, float]:
    """Online slot-seconds per hour of the operators serving the business."""
    ops = dict(
        (
            await session.execute(
                select(OperatorProfile.user_id, OperatorProfile.max_concurrent)
                .join(OperatorBusiness, OperatorBusiness.user_id == OperatorProfile.user_id)
                .where(OperatorBusiness.business_id == business_id)
            )
        ).all()
    )
    if not ops:
        return {}
    log = (
        await session.execute(
            select(PresenceLog.operator_id, PresenceLog.at, PresenceLog.new)
            .where(PresenceLog.operator_id.in_(list(ops)), PresenceLog.at < end)
            .order_by(PresenceLog.at, PresenceLog.id)
        )
    ).all()
    online_since: dict[str, datetime] = {}
    intervals: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for op, at, new in log:
        if new == "online":
            online_since.setdefault(op, at)
        elif op in online_since:
            intervals[op].append((online_since.pop(op), at))
    stop = min(end, datetime.now(UTC))
    for op, since in online_since.items():
        intervals[op].append((since, stop))
    total: dict[datetime, float] = defaultdict(float)
    for op, spans in intervals.items():
        for h, secs in _spread(spans, hours, float(ops[op])).items():
            total[h] += secs
    return total
