"""The staff socket: every conversation of the businesses an operator serves."""

from __future__ import annotations

import asyncio
import functools
from typing import Any, ClassVar

from sqlalchemy import select
from starlette.websockets import WebSocket

from livedesk import jsonutil
from livedesk.accounts.actions import STAFF_ACCESS_TOPIC, actor_for_token
from livedesk.attachments.access import file_message
from livedesk.conversations.access import scoped_conversations
from livedesk.conversations.actions import (
    conversation_payload,
    do_accept_conversation,
    do_close_conversation,
    load_operator_names,
)
from livedesk.conversations.models import OPEN_STATES, AuthorKind, Conversation
from livedesk.conversations.participants import joined_experts
from livedesk.db import utcnow
from livedesk.deps import SESSION_COOKIE
from livedesk.realtime import permissions, protocol
from livedesk.realtime.connection import Connection, Handler
from livedesk.realtime.hub import Outbox
from livedesk.realtime.protocol import FrameError
from livedesk.realtime.writer import NewMessage
from livedesk.runtime import (
    ALL_STAFF,
    ConversationFacts,
    Hook,
    Runtime,
    business_topic,
    conversation_topic,
    user_topic,
)
from livedesk.security.actors import StaffActor
from livedesk.security.cross_site import staff_socket_origin_ok


async def authenticate_staff(websocket: WebSocket, runtime: Runtime) -> StaffActor | None:
    secret = websocket.cookies.get(SESSION_COOKIE)
    if secret and not staff_socket_origin_ok(websocket):
        return None  # a foreign page opening the socket with a staff member's cookie
    header = websocket.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        secret = header[7:].strip()
    if not secret:
        return None
    async with runtime.reading() as session:
        return await actor_for_token(session, secret)


# Why a staff socket was closed from the server's side: the final error frame's code, and the
# close code. The console stops after the first two (it shows the login) and reconnects after
# the last (the socket was opened with rights the user no longer has).
END_REASONS = {
    "account_deactivated": ("this account was deactivated", 4003),
    "signed_out": ("this login has ended", 4001),
    "access_changed": ("your businesses or role changed: reconnect", 4012),
}


class StaffSockets:
    """The staff sockets open in this process, per user, so that ending a user's access
    (deactivation, a new password, changed businesses) closes theirs at once.

    The order comes over the broker on STAFF_ACCESS_TOPIC (accounts.actions.end_staff_sockets,
    after the commit), so every process closes its own sockets. It arrives through an outbox
    like any subscriber's, whose `send` is this registry's handler."""

    EXTENSION = "staff_sockets"

    def __init__(self, runtime: Runtime) -> None:
        self._open: dict[str, set[AgentConnection]] = {}
        self._orders = Outbox(self._on_order, limit=10_000)
        runtime.hub.subscribe(self._orders, [STAFF_ACCESS_TOPIC])

    @classmethod
    def of(cls, runtime: Runtime) -> StaffSockets:
        sockets = runtime.extensions.get(cls.EXTENSION)
        if sockets is None:
            sockets = runtime.extensions[cls.EXTENSION] = cls(runtime)
        return sockets

    def add(self, connection: AgentConnection) -> None:
        self._open.setdefault(connection.actor.user_id, set()).add(connection)

    def discard(self, connection: AgentConnection) -> None:
        mine = self._open.get(connection.actor.user_id)
        if mine is not None:
            mine.discard(connection)
            if not mine:
                del self._open[connection.actor.user_id]

    def count(self, user_id: str) -> int:
        return len(self._open.get(user_id, ()))

    async def _on_order(self, frame: str) -> None:
        order = jsonutil.loads(frame)
        reason = order.get("reason")
        if reason not in END_REASONS:
            return
        for connection in list(self._open.pop(order.get("user_id"), ())):
            connection.end(reason)


MESSAGE_FRAME = '{"type":"message"'


class NoInternalNotes(Outbox):
    """The outbox of a business user's socket. Internal notes are for the provider's staff, but
    they are published to the business's topic with everything else; this drops them on the way
    out (replays already leave them out)."""

    __slots__ = ()

    def put(self, frame: str) -> None:
        if frame.startswith(MESSAGE_FRAME) and jsonutil.loads(frame).get("internal"):
            return
        super().put(frame)

    def put_message(
        self, frame: str, conversation_id: str, seq: int, prev: int | None, internal: bool
    ) -> None:
        if not internal:
            super().put_message(frame, conversation_id, seq, prev, internal)


class AgentConnection(Connection):
    __slots__ = ("actor",)
    FRAMES: ClassVar[dict[str, str]] = {
        "hello": "on_hello",
        "send": "on_send",
        "typing": "on_typing",
        "read": "on_read",
        "accept": "on_accept",
        "close": "on_close",
        "ping": "on_ping",
    }
    # Routing adds presence, heartbeat, decline and transfer here.
    EXTENSION_FRAMES: ClassVar[str] = "agent_frames"

    def __init__(self, websocket: WebSocket, runtime: Runtime, actor: StaffActor) -> None:
        super().__init__(
            websocket, runtime, Outbox if actor.sees_internal_notes else NoInternalNotes
        )
        self.actor = actor

    def sees_internal_notes(self) -> bool:
        return self.actor.sees_internal_notes

    def handler_for(self, kind: str) -> Handler | None:
        """Every frame, routing's too, passes the permission table before its handler."""
        handler = super().handler_for(kind)
        if handler is None:
            return None
        return functools.partial(self._authorized, kind, handler)

    async def _authorized(self, kind: str, handler: Handler, data: dict[str, Any]) -> None:
        await permissions.authorize(self.runtime, self.actor, kind, data)
        await handler(data)

    def accepts(self) -> list[str]:
        """The frame types this user may send at all, so clients offer only those."""
        return [k for k in super().accepts() if permissions.may_send(k, self.actor.role)]

    async def run(self) -> None:
        sockets = StaffSockets.of(self.runtime)
        sockets.add(self)
        try:
            await super().run()
        finally:
            sockets.discard(self)

    def end(self, reason: str) -> None:
        """Closes this socket from the server's side: a last error frame, then the close code
        (the receive loop ends when the client answers the close)."""
        message, code = END_REASONS[reason]
        self.error(reason, message)
        self._close_code = code
        self._closer = asyncio.ensure_future(self._close())

    def topics(self) -> list[str]:
        if self.actor.business_ids is None:
            return [ALL_STAFF, user_topic(self.actor.user_id)]
        return [business_topic(b) for b in self.actor.business_ids] + [
            user_topic(self.actor.user_id)
        ]

    async def on_ping(self, data: dict[str, Any]) -> None:
        self.send(protocol.frame("pong", t=data.get("t")))

    async def on_hello(self, data: dict[str, Any]) -> None:
        resume = protocol.parse_resume(data)
        # Subscribed (and holding live frames) before the state is read: a change committed
        # after the read arrives live behind the welcome, one committed before is in it.
        self.hold()
        self.runtime.hub.subscribe(self.outbox, self.topics())
        try:
            await self._welcome_and_replay(resume)
        finally:
            self.release()

    async def _welcome_and_replay(self, resume: dict[str, int]) -> None:
        async with self.runtime.reading() as session:
            open_rows = list(
                await session.scalars(
                    scoped_conversations(self.actor)
                    .where(Conversation.state.in_(OPEN_STATES))
                    .order_by(Conversation.queued_at)
                    .limit(2000)
                )
            )
            named = (
                list(await session.scalars(select(Conversation).where(Conversation.id.in_(resume))))
                if resume
                else []
            )
            visible = {c.id: c for c in named if self.actor.can_see_business(c.business_id)}
            # Named chats the welcome leaves out (ended while the client was away, or past its
            # limit): their state is sent after their messages, so a client that was away
            # converges on the same state as one that stayed.
            listed = {c.id for c in open_rows}
            unlisted = [c for c in visible.values() if c.id not in listed]
            await load_operator_names(session, [*open_rows, *unlisted])
            experts = await joined_experts(session, [c.id for c in [*open_rows, *unlisted]])
        self.outbox.put_direct(
            protocol.frame(
                "welcome",
                protocol=protocol.PROTOCOL_VERSION,
                accepts=self.accepts(),
                role=self.actor.role,
                user={"id": self.actor.user_id, "name": self.actor.name},
                server_time=utcnow(),
                conversations=[conversation_payload(c, experts=experts[c.id]) for c in open_rows],
            )
        )
        for conversation in open_rows:
            self.outbox.saw_state(conversation.id, conversation.version)
        for conversation_id, last_seq in resume.items():
            if conversation_id not in visible:
                self.error("not_found", "conversation not found", conversation_id=conversation_id)
                continue
            conversation = visible[conversation_id]
            if last_seq > conversation.last_seq:  # state from elsewhere: it must reset
                self.error(
                    "seq_ahead",
                    protocol.SEQ_AHEAD,
                    conversation_id=conversation_id,
                    held=last_seq,
                    last_seq=conversation.last_seq,
                )
            else:
                await self.replay(conversation_id, last_seq)
            if conversation_id not in listed:
                payload = conversation_payload(conversation, experts=experts[conversation_id])
                self.outbox.put_direct(protocol.encode(payload))
                self.outbox.saw_state(conversation_id, conversation.version)

    async def _visible(self, conversation_id: str) -> ConversationFacts:
        facts = await self.runtime.conversation_facts(conversation_id)
        if facts is None or not self.actor.can_see_business(facts.business_id):
            raise FrameError("not_found", "conversation not found", conversation_id=conversation_id)
        return facts

    async def on_send(self, data: dict[str, Any]) -> None:
        send = protocol.parse_send(data, self.runtime.settings.max_body_chars)
        facts = await self._visible(send.conversation_id)
        if not send.internal and facts.state not in OPEN_STATES:
            raise FrameError(
                "conversation_closed",
                "this conversation has ended",
                conversation_id=send.conversation_id,
            )
        body, attachment = await file_message(
            self.runtime, send, uploader_kind="staff", uploader_id=self.actor.user_id
        )
        stored = await self.store(
            NewMessage(
                conversation_id=send.conversation_id,
                business_id=facts.business_id,
                author_kind=self.author_kind,
                body=body,
                attachment=attachment,
                author_id=self.actor.user_id,
                author_name=self.actor.name,
                internal=send.internal,
                client_msg_id=send.client_msg_id,
                after_seq=send.after_seq,
            )
        )
        if not stored.duplicate and not stored.internal:
            await self.runtime.emit(Hook.HUMAN_REPLY, stored)

    @property
    def author_kind(self) -> AuthorKind:
        """Staff answer as the operator; a business user (a joined expert) as the expert."""
        return AuthorKind.OPERATOR if self.actor.is_staff else AuthorKind.EXPERT

    async def on_typing(self, data: dict[str, Any]) -> None:
        conversation_id = protocol.require_str(data, "conversation_id", max_len=64)
        self.runtime.broker.publish(
            conversation_topic(conversation_id),
            protocol.frame(
                "typing",
                conversation_id=conversation_id,
                who=self.author_kind,
                name=self.actor.name,
                state="on" if data.get("state") == "on" else "off",
            ),
        )

    async def on_read(self, data: dict[str, Any]) -> None:
        conversation_id = protocol.require_str(data, "conversation_id", max_len=64)
        seq = data.get("seq")
        if not isinstance(seq, int) or seq < 0:
            raise FrameError("invalid_field", "`seq` is a non-negative integer", field="seq")
        self.runtime.broker.publish(
            conversation_topic(conversation_id),
            protocol.frame("read", conversation_id=conversation_id, who=self.author_kind, seq=seq),
        )

    async def on_accept(self, data: dict[str, Any]) -> None:
        conversation_id = protocol.require_str(data, "conversation_id", max_len=64)
        hook = self.runtime.extensions.get("accept")
        if hook is not None:
            await hook(self.actor, conversation_id)
            return
        async with self.runtime.transaction() as session:
            await do_accept_conversation(session, self.actor, conversation_id)

    async def on_close(self, data: dict[str, Any]) -> None:
        conversation_id = protocol.require_str(data, "conversation_id", max_len=64)
        disposition = protocol.optional_str(data, "disposition", max_len=32)
        facts = await self._visible(conversation_id)
        if facts.state not in OPEN_STATES:  # a client needs an answer, not silence
            raise FrameError(
                "invalid_transition",
                "this conversation has already ended",
                conversation_id=conversation_id,
                state=facts.state,
            )
        hook = self.runtime.extensions.get("close")  # routing frees the slot under its lock
        if hook is not None:
            await hook(self.actor, conversation_id, disposition)
        else:
            async with self.runtime.transaction() as session:
                await do_close_conversation(session, self.actor, conversation_id, disposition)
        await self.runtime.emit(Hook.CONVERSATION_CLOSED, conversation_id)


async def agent_endpoint(websocket: WebSocket) -> None:
    runtime: Runtime = websocket.app.state.runtime
    actor = await authenticate_staff(websocket, runtime)
    if actor is None:
        await websocket.close(code=1008)
        return
    await websocket.accept()
    await AgentConnection(websocket, runtime, actor).run()
