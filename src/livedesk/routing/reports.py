"""Routing report per business and hour, computed from the ConversationEvent log.

Every chat is counted in the hour it was queued (UTC):

* offered — chats that entered the queue; answered — accepted by an operator;
* answered_within_target — first operator reply within the contract's `first_reply_seconds`
  of being queued; abandoned / missed — the visitor left (never offered / offer unanswered);
* first_response p50/p90 — queued → first reply, seconds; handle time — accepted → end;
* occupancy — seconds operators held this business's chats divided by the online seconds × max
  concurrent chats of operators serving the business (their capacity, shared with their other
  businesses, so occupancies of businesses sharing operators add up rather than each being 100 %).

Held intervals, online time and percentiles come from the reports domain's pure modules, which
its period reports (/api/v1/reports/summary, in local time) are computed with too.
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
from livedesk.reports.chats import holds_of
from livedesk.reports.metrics import percentile
from livedesk.reports.occupancy import online_intervals
from livedesk.reports.records import Event, PresenceRecord
from livedesk.routing.models import PresenceLog

router = APIRouter(tags=["reports"])
MAX_RANGE = timedelta(days=93)
Interval = tuple[datetime, datetime]


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
    intervals: list[Interval], hours: list[datetime], weight: float = 1.0
) -> dict[datetime, float]:
    out: dict[datetime, float] = defaultdict(float)
    for a, b in intervals:
        for h in hours:
            out[h] += weight * _overlap(a, b, h, h + timedelta(hours=1))
    return out


def _hours(start: datetime, end: datetime) -> list[datetime]:
    hours, h = [], _hour(start)
    while h < end:
        hours.append(h)
        h += timedelta(hours=1)
    return hours


Events = dict[str, list[Event]]


async def _load_events(
    session: Any, business_id: str, start: datetime, end: datetime
) -> tuple[dict[str, datetime], Events]:
    """When each chat queued in the range was queued, and every event of the business from a
    day before to a day after (a chat's handle time may run past the end)."""
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
    rows = await session.execute(
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
    by_conv: Events = defaultdict(list)
    for cid, kind, op, at in rows.all():
        by_conv[cid].append(Event(kind, op, at))
    return queued, by_conv


def _empty_row() -> dict[str, Any]:
    counts = ("offered", "answered", "answered_within_target", "abandoned", "missed")
    return {**dict.fromkeys(counts, 0), "_frt": [], "_handle": []}


def _count_chat(row: dict[str, Any], queued_at: datetime, evs: list[Event], target: float) -> None:
    """One chat in the hour it was queued: answered = accepted, as routing counts it."""
    first = {e.kind: e.at for e in reversed(evs)}  # the first occurrence of each kind
    row["offered"] += 1
    if "accepted" in first:
        row["answered"] += 1
        ended = next((e.at for e in evs if e.kind in ("closed", "abandoned")), None)
        if ended is not None:
            row["_handle"].append((ended - first["accepted"]).total_seconds())
    if "first_reply" in first:
        frt = (first["first_reply"] - queued_at).total_seconds()
        row["_frt"].append(frt)
        row["answered_within_target"] += frt <= target
    row["abandoned"] += "abandoned" in first
    row["missed"] += "missed" in first


def _tally(
    queued: dict[str, datetime],
    by_conv: Events,
    hours: list[datetime],
    target: float,
    stop: datetime,
) -> tuple[dict[datetime, dict[str, Any]], list[Interval]]:
    """Per hour the chats queued in it; and the slot-holding intervals of every chat."""
    rows = {h: _empty_row() for h in hours}
    holds: list[Interval] = []
    for cid, evs in by_conv.items():
        holds += [(h.start, h.end or stop) for h in holds_of(tuple(evs))]
        if cid in queued:
            _count_chat(rows[_hour(queued[cid])], queued[cid], evs, target)
    return rows, holds


def _finish(
    row: dict[str, Any], hour: datetime, busy: float, capacity: float | None
) -> dict[str, Any]:
    frt, handle = row.pop("_frt"), row.pop("_handle")
    return {
        "hour": hour,
        **row,
        "first_response_p50": percentile(frt, 0.5),
        "first_response_p90": percentile(frt, 0.9),
        "handle_time_mean": sum(handle) / len(handle) if handle else None,
        "handle_time_p50": percentile(handle, 0.5),
        "occupancy": round(busy / capacity, 4) if capacity else None,
    }


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
    hours = _hours(start, end)
    stop = min(end, datetime.now(UTC))
    queued, by_conv = await _load_events(session, business_id, start, end)
    rows, holds = _tally(queued, by_conv, hours, target, stop)
    busy = _spread(holds, hours)
    capacity = await _capacity(session, business_id, end, hours, stop)
    out = [_finish(rows[h], h, busy[h], capacity.get(h)) for h in hours]
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
    session: Any, business_id: str, end: datetime, hours: list[datetime], stop: datetime
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
    log = await session.execute(
        select(PresenceLog.operator_id, PresenceLog.at, PresenceLog.new)
        .where(PresenceLog.operator_id.in_(list(ops)), PresenceLog.at < end)
        .order_by(PresenceLog.at, PresenceLog.id)
    )
    presence = [PresenceRecord(op, at, new) for op, at, new in log.all()]
    total: dict[datetime, float] = defaultdict(float)
    for op, spans in online_intervals(presence, stop).items():
        for h, secs in _spread(spans, hours, float(ops[op])).items():
            total[h] += secs
    return total
