"""The contract's overflow, applied to a waiting chat in the chat itself.

A queued chat that nobody has answered yet overflows when it has waited the contract's
`max_queue_wait_seconds` (reason "max_wait"), or has waited `nobody_grace` while nobody who
serves its business and language is online (reason "no_operators"); the FAQ bot overflows a
chat too when it promises the offline form (reason "bot"). The contract's `overflow` then says
what happens, and the visitor gets an `overflow` frame with the action:

- "offline_form": the chat leaves the queue as the lifecycle says for a visitor who goes
  (abandoned; missed when it was offered once; closed after a first reply) and the widget shows
  the offline form, filled in with what the visitor already said;
- "bot" (and "bot_then_form"): the chat keeps its place in line and the FAQ bot answers
  meanwhile; with "bot_then_form" the bot hands over to the form when it has no sure answer.

Each overflow is logged as a conversation event `overflow` (data: action, reason), which is
also how a chat is known to have overflowed once: it is never overflowed twice.

`OverflowWatch.run` is one task per process: it sleeps until the earliest deadline of the
waiting chats (woken when a chat starts, so a new one's deadline is known at once), or the
next sweep. Only the holder of the timers' lease looks (timers.py), so the bot's notice is
not repeated by a second process; the command also re-checks under the pool's lock that the
chat still waits, so the form ends a chat once even around a change of holder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, select

from livedesk.businesses.models import Business, default_contract
from livedesk.conversations.models import Conversation, ConversationEvent
from livedesk.db import read_only, utcnow
from livedesk.leases import Lease
from livedesk.routing import engine as ev
from livedesk.routing.batching import Command
from livedesk.routing.engine import RoutingEngine
from livedesk.routing.policy import Presence, Status, can_serve
from livedesk.routing.snapshot import Snapshot

if TYPE_CHECKING:
    from livedesk.routing.batching import CommandBatcher

log = logging.getLogger(__name__)

FORM = "offline_form"
BOT = "bot"
# A chat waiting this long with nobody online who serves it gets the overflow: a console reload
# or a short break must not send the queue to the offline form. LIVEDESK_ROUTING_NOBODY_GRACE.
NOBODY_GRACE = timedelta(seconds=float(os.environ.get("LIVEDESK_ROUTING_NOBODY_GRACE", 30)))


def frame_action(contract_action: str | None) -> str:
    """What the widget does: the form, or the bot first (bot, bot_then_form)."""
    return BOT if contract_action in ("bot", "bot_then_form") else FORM


@dataclass(frozen=True)
class OverflowNotice:
    """Recorded and published by persist.py in the same unit of work as the chat's end."""

    conversation_id: str
    business_id: str
    action: str  # offline_form | bot
    reason: str  # max_wait | no_operators | bot
    at: datetime


def overflow(conversation_id: str, action: str, reason: str) -> Command:
    """Apply `action` to a chat still waiting; a chat taken or ended meanwhile is left alone."""

    def command(engine: RoutingEngine, snap: Snapshot) -> list[ev.Event]:
        conv = engine.conversations.get(conversation_id)
        if conv is None or conv.status is not Status.QUEUED or conv.first_reply_at is not None:
            return []
        now = engine.clock()
        snap.overflows.append(
            OverflowNotice(conversation_id, conv.business_id, action, reason, now)
        )
        if action != FORM:
            return []
        return engine.visitor_left(conversation_id)

    return command


def nobody_serves(engine: RoutingEngine, conversation_id: str) -> bool:
    conv = engine.conversations.get(conversation_id)
    if conv is None:
        return False
    return not any(
        op.presence is Presence.ONLINE and can_serve(op, conv) for op in engine.operators.values()
    )


def max_wait(contract: dict[str, Any] | None) -> timedelta:
    merged = {**default_contract(), **(contract or {})}
    try:
        return timedelta(seconds=float(merged["max_queue_wait_seconds"]))
    except (TypeError, ValueError):
        return timedelta(seconds=float(default_contract()["max_queue_wait_seconds"]))


class OverflowWatch:
    """Finds the waiting chats whose overflow is due and applies it; says when to look next."""

    def __init__(self, batcher: CommandBatcher, nobody_grace: timedelta = NOBODY_GRACE) -> None:
        self.batcher = batcher
        self.nobody_grace = nobody_grace
        self._wake = asyncio.Event()
        self.lease: Lease | None = None  # set by the Router: only the holder applies overflows

    def wake(self) -> None:
        """A chat started: look again, its deadline may be the next one."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            upcoming: datetime | None = None
            try:
                if self.lease is None or self.lease.held:
                    upcoming = await self.apply_due()
            except Exception:  # the loop must survive a failed look; the next one retries
                log.exception("overflow check failed")
            wait = self.batcher.options.sweep_interval
            if upcoming is not None:
                wait = min(wait, max(0.05, (upcoming - utcnow()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()
            self._wake.clear()

    async def due(self) -> tuple[list[tuple[str, str, str, dict[str, Any]]], datetime | None]:
        """(conversation, business, reason, contract) of every chat due now, and the earliest
        deadline still ahead (for the timer)."""
        now = utcnow()
        grace = self.nobody_grace
        overflowed = exists().where(
            ConversationEvent.conversation_id == Conversation.id,
            ConversationEvent.kind == "overflow",
        )
        async with read_only(self.batcher.runtime.sessions) as session:
            rows = (
                await session.execute(
                    select(
                        Conversation.id,
                        Conversation.business_id,
                        Conversation.queued_at,
                        Business.contract,
                    )
                    .join(Business, Business.id == Conversation.business_id)
                    .where(
                        Conversation.state == Status.QUEUED,
                        Conversation.first_reply_at.is_(None),
                        ~overflowed,
                    )
                )
            ).all()
        due: list[tuple[str, str, str, dict[str, Any]]] = []
        ahead: list[datetime] = []
        unattended: list[tuple[str, str, dict[str, Any]]] = []
        for conversation_id, business_id, queued_at, contract in rows:
            queued_at = queued_at or now
            deadline = queued_at + max_wait(contract)
            if deadline <= now:
                due.append((conversation_id, business_id, "max_wait", contract or {}))
                continue
            ahead.append(deadline)
            if queued_at + grace <= now:
                unattended.append((conversation_id, business_id, contract or {}))
            else:
                ahead.append(queued_at + grace)
        if unattended:
            snap = await self.batcher.snapshot({b for _, b, _ in unattended})
            engine = snap.engine(now, self.batcher.options.engine)
            for conversation_id, business_id, contract in unattended:
                if nobody_serves(engine, conversation_id):
                    due.append((conversation_id, business_id, "no_operators", contract))
        return due, min(ahead, default=None)

    async def apply_due(self) -> datetime | None:
        """Overflow what is due; the next deadline to wake up for."""
        due, upcoming = await self.due()
        for conversation_id, business_id, reason, contract in due:
            action = frame_action(contract.get("overflow", default_contract()["overflow"]))
            await self.apply(conversation_id, action, reason, business_id=business_id)
        return upcoming

    async def apply(
        self, conversation_id: str, action: str, reason: str, *, business_id: str | None = None
    ) -> bool:
        """Run the overflow command; True when it ended the chat (the form's action)."""
        scope: dict[str, Any] = {"conversation_id": conversation_id}
        if business_id:
            scope["businesses"] = [business_id]
        events = await self.batcher.run(overflow(conversation_id, action, reason), **scope)
        hand_over = self.batcher.runtime.extensions.get("bot_takeover")
        if action == BOT and hand_over is not None:
            try:
                await hand_over(conversation_id)
            except Exception:  # the bot failing must not stop the timers
                log.exception("the bot could not take over %s", conversation_id)
        return bool(events)
