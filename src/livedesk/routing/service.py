"""The routing domain's service: what the rest of Livedesk asks routing to do.

``Router`` puts the parts together: the ``CommandBatcher`` (batching.py) runs every command in
a locked unit of work per routing pool, ``Timers`` (timers.py) wake it for what falls due,
``QueueAnnouncer`` (queue_frames.py) keeps waiting visitors informed, ``OverflowWatch``
(overflow.py) applies the contract's overflow to chats that waited too long. The commands themselves
are in commands.py, the widget's availability in availability.py, the agent-socket frames in
frames.py; install.py plugs all of it into the app.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import update

from livedesk.conversations.actions import do_record_first_reply
from livedesk.conversations.models import AuthorKind, Conversation
from livedesk.db import utcnow
from livedesk.leases import Lease
from livedesk.realtime.writer import NewMessage, StoredMessage
from livedesk.routing import availability as availability_
from livedesk.routing import commands
from livedesk.routing import engine as ev
from livedesk.routing.batching import Command, CommandBatcher, tick
from livedesk.routing.frames import agent_frames
from livedesk.routing.models import RoutingOperator
from livedesk.routing.options import RouterOptions
from livedesk.routing.overflow import OverflowWatch
from livedesk.routing.policy import Presence
from livedesk.routing.queue_frames import QueueAnnouncer
from livedesk.routing.snapshot import Snapshot
from livedesk.routing.timers import Timers
from livedesk.runtime import Hook, Runtime
from livedesk.security.actors import StaffActor, VisitorActor


class Router:
    def __init__(self, runtime: Runtime, options: RouterOptions) -> None:
        self.runtime = runtime
        self.options = options
        self.batcher = CommandBatcher(runtime, options)
        self.timers = Timers(self.batcher)
        self.queue = QueueAnnouncer(self.batcher)
        self.overflow = OverflowWatch(self.batcher)
        # Timers and overflow run in one process at a time; another takes over when it dies.
        self.lease = Lease(runtime, "routing-timers", options.lease_seconds)
        self.timers.lease = self.overflow.lease = self.lease
        self._first_reply_logged: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        rt = self.runtime
        rt.extensions["router"] = self
        rt.extensions["accept"] = self.accept
        rt.extensions["close"] = self.close
        rt.extensions["leave"] = self.visitor_leave
        rt.extensions["availability"] = self.availability
        rt.extensions["overflow"] = self.overflow.apply  # the bot hands a chat to the form
        rt.extensions["agent_frames"] = agent_frames(self)
        rt.on(Hook.CONVERSATION_STARTED, self._on_started)
        rt.on(Hook.CONVERSATION_CLOSED, self._on_closed)
        rt.on(Hook.HUMAN_REPLY, self._on_human_reply)
        rt.on(Hook.VISITOR_DISCONNECTED, self._on_visitor_disconnected)
        await self.lease.take()  # alone (or first), this process ticks from the start
        self._tasks = [
            asyncio.create_task(self.lease.keep(on_gained=self._lease_gained)),
            self.batcher.start(),
            asyncio.create_task(self.timers.run()),
            asyncio.create_task(self.queue.run()),
            asyncio.create_task(self.overflow.run()),
        ]
        self.timers.wake()  # an initial sweep picks up offers left by a previous process

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        await self.lease.release()
        self.batcher.stopped()

    def _lease_gained(self) -> None:
        """The previous holder stopped or died: look at once for what fell due meanwhile."""
        self.timers.take_over()
        self.overflow.wake()

    # -- what the batcher counts (benchmarks and tests) -------------------------------------

    @property
    def batches(self) -> int:
        return self.batcher.batches

    @property
    def commands(self) -> int:
        return self.batcher.commands

    async def run(self, command: Command, **scope: Any) -> list[ev.Event]:
        return await self.batcher.run(command, **scope)

    async def snapshot(self, business_ids: Iterable[str]) -> Snapshot:
        return await self.batcher.snapshot(business_ids)

    # -- commands ----------------------------------------------------------------------------

    async def dispatch(self, business_ids: Iterable[str]) -> list[ev.Event]:
        """Offer queued chats to whoever has room (a tick: also applies anything due)."""
        return await self.batcher.run(tick, businesses=business_ids, tick=True)

    async def tick_all(self, *, sweep: bool = False) -> list[ev.Event]:
        return await self.timers.tick_all(sweep=sweep)

    async def accept(self, actor: StaffActor, conversation_id: str) -> None:
        command = commands.accept(actor, conversation_id)
        await self.batcher.run(command, operators=[actor.user_id], conversation_id=conversation_id)

    async def close(
        self, actor: StaffActor, conversation_id: str, disposition: str | None = None
    ) -> None:
        command = commands.close(actor, conversation_id, disposition)
        await self.batcher.run(command, operators=[actor.user_id], conversation_id=conversation_id)

    async def visitor_leave(self, visitor: VisitorActor | None, conversation_id: str) -> None:
        command = commands.visitor_left(conversation_id)
        await self.batcher.run(command, conversation_id=conversation_id)

    async def set_presence(
        self, operator_id: str, state: str, reason: str = "manual"
    ) -> list[ev.Event]:
        command = commands.set_presence(operator_id, state, reason)
        return await self.batcher.run(command, operators=[operator_id])

    async def heartbeat(self, operator_id: str) -> str:
        """A heartbeat touches one row and takes no routing lock; "offline" if it is too late."""
        async with self.runtime.transaction() as session:
            result = await session.execute(
                update(RoutingOperator)
                .where(
                    RoutingOperator.user_id == operator_id,
                    RoutingOperator.presence != Presence.OFFLINE,
                )
                .values(last_heartbeat_at=utcnow())
                .returning(RoutingOperator.presence)
            )
            row = result.first()
        return str(row[0]) if row else Presence.OFFLINE

    async def decline(self, operator_id: str, conversation_id: str) -> list[ev.Event]:
        command = commands.decline(operator_id, conversation_id)
        return await self.batcher.run(
            command, operators=[operator_id], conversation_id=conversation_id
        )

    async def transfer(
        self,
        actor: StaffActor,
        conversation_id: str,
        to_operator_id: str | None,
        note: str | None = None,
    ) -> list[ev.Event]:
        command = commands.transfer(actor, conversation_id, to_operator_id, note)
        ops = [actor.user_id] + ([to_operator_id] if to_operator_id else [])
        events = await self.batcher.run(command, operators=ops, conversation_id=conversation_id)
        await self._leave_note(actor, conversation_id, note)
        return events

    async def direct(
        self, actor: StaffActor, conversation_id: str, to_operator_id: str, note: str | None = None
    ) -> list[ev.Event]:
        """The floor: a supervisor hands a waiting or active chat to a named operator."""
        command = commands.direct(actor, conversation_id, to_operator_id, note)
        events = await self.batcher.run(
            command, operators=[to_operator_id], conversation_id=conversation_id
        )
        await self._leave_note(actor, conversation_id, note)
        return events

    async def _leave_note(self, actor: StaffActor, conversation_id: str, note: str | None) -> None:
        """A hand-over note stays in the chat as an internal note, for whoever answers next."""
        facts = await self.runtime.conversation_facts(conversation_id) if note else None
        if note and facts is not None:
            await self.runtime.writer.write(
                NewMessage(
                    conversation_id=conversation_id,
                    business_id=facts.business_id,
                    author_kind=AuthorKind.OPERATOR,
                    body=note,
                    author_id=actor.user_id,
                    author_name=actor.name,
                    internal=True,
                )
            )

    async def availability(self, business_id: str, language: str | None = None) -> dict[str, Any]:
        return await availability_.availability(self.batcher, business_id, language)

    async def publish_queue(
        self, business_ids: Iterable[str]
    ) -> dict[str, tuple[int, float | None]]:
        return await self.queue.publish_queue(business_ids)

    # -- hooks -------------------------------------------------------------------------------

    async def _on_started(self, conversation: Conversation) -> None:
        self.overflow.wake()
        await self.dispatch([conversation.business_id])

    async def _on_closed(self, conversation_id: str) -> None:
        await self.batcher.run(tick, conversation_id=conversation_id, tick=True)

    async def _on_human_reply(self, stored: StoredMessage) -> None:
        if stored.internal or stored.conversation_id in self._first_reply_logged:
            return
        async with self.runtime.transaction() as session:
            logged = await do_record_first_reply(
                session, stored.conversation_id, stored.author_id, stored.author_kind
            )
        if logged:
            if len(self._first_reply_logged) > 100_000:
                self._first_reply_logged.clear()
            self._first_reply_logged.add(stored.conversation_id)

    async def _on_visitor_disconnected(
        self, visitor: VisitorActor, conversation_ids: Iterable[str]
    ) -> None:
        self.timers.visitor_disconnected(conversation_ids)
