"""Whether a business's widget should offer a chat now, or the offline form or the bot.

Closed outside opening hours, or with reason "inactive" when the business is switched off;
"no_operators" when nobody who serves the business in this language is online; "overflow" when
the expected wait passes the contract's maximum. `overflow_action` is what the contract says for
that reason: `outside_hours` when closed, `overflow` otherwise ("offline_form", "bot" or
"bot_then_form"), so the widget lets the bot try first where the contract says so.
`form_of_address` ("u" or "je") is how the bot speaks to the visitor in Dutch.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from livedesk.businesses.models import Business, default_contract
from livedesk.db import read_only, utcnow
from livedesk.errors import Conflict
from livedesk.routing.batching import CommandBatcher
from livedesk.routing.eta import estimate_wait
from livedesk.routing.hours import EmptyScheduleError, Schedule, ScheduleError, is_open, next_change
from livedesk.routing.policy import ConversationState, Presence, can_serve

log = logging.getLogger(__name__)
ACTIONS = frozenset({"offline_form", "bot", "bot_then_form"})


def _action(value: Any) -> str:
    return value if value in ACTIONS else "offline_form"


async def availability(
    batcher: CommandBatcher, business_id: str, language: str | None = None
) -> dict[str, Any]:
    """Whether the widget should offer a chat now, or show the offline form / the bot."""
    async with read_only(batcher.runtime.sessions) as session:
        business = await session.get(Business, business_id)
    if business is None:
        raise Conflict("unknown business", code="not_found")
    contract = {**default_contract(), **(business.contract or {})}
    language = language or business.language
    now = utcnow()
    out: dict[str, Any] = {
        "open": False,
        "reason": "closed",
        "operators_online": 0,
        "eta_seconds": None,
        "next_open": None,
        "overflow_action": _action(contract.get("outside_hours")),
        "form_of_address": business.form_of_address,
    }
    if not business.is_active:
        # Switched off in the back office: no chat and no "opens at", whatever the hours say.
        out["reason"] = "inactive"
        return out
    try:
        schedule = Schedule.from_dict(business.opening_hours or {})
    except ScheduleError:
        log.warning("business %s has invalid opening hours; using the default", business_id)
        schedule = Schedule.default(business.timezone)
    if not is_open(schedule, now):
        with contextlib.suppress(EmptyScheduleError):
            change = next_change(schedule, now)
            out["next_open"] = change.at.isoformat() if change.is_open else None
        return out
    out["overflow_action"] = _action(contract.get("overflow"))
    snap = await batcher.snapshot([business_id])
    engine = snap.engine(now, batcher.options.engine)
    probe = ConversationState(
        id="~availability",
        business_id=business_id,
        language=language,
        queued_at=now,
        priority=int(contract.get("priority", 0)),
    )
    serving = [
        op
        for op in engine.operators.values()
        if op.presence is Presence.ONLINE and can_serve(op, probe)
    ]
    out["operators_online"] = len(serving)
    if not serving:
        out["reason"] = "no_operators"
        return out
    conversations = {**engine.conversations, probe.id: probe}
    wait = estimate_wait(
        probe,
        conversations,
        engine.operators.values(),
        engine.handle_time,
        engine.accept_latency.mean,
    )
    out["eta_seconds"] = None if wait.seconds is None else round(wait.seconds, 1)
    if wait.seconds is not None and wait.seconds > float(contract["max_queue_wait_seconds"]):
        out["reason"] = "overflow"
        return out
    out.update(open=True, reason="open")
    return out
