"""The visitor's socket: one visitor of one widget, their own conversations only."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocket

from livedesk.attachments.access import file_message
from livedesk.businesses.access import UNAVAILABLE, inactive_code
from livedesk.businesses.models import Business, Widget
from livedesk.businesses.widget_views import visitor_language
from livedesk.conversations.actions import (
    conversation_payload,
    do_close_conversation,
    do_start_conversation,
    load_operator_names,
)
from livedesk.conversations.models import OPEN_STATES, AuthorKind, Conversation, Rating
from livedesk.conversations.participants import joined_experts
from livedesk.conversations.visitors import do_ensure_visitor
from livedesk.db import utcnow
from livedesk.realtime import protocol
from livedesk.realtime.connection import Connection
from livedesk.realtime.protocol import FrameError
from livedesk.realtime.writer import NewMessage
from livedesk.runtime import Hook, Runtime, conversation_topic
from livedesk.security.actors import VisitorActor
from livedesk.security.origins import is_same_origin, origin_allowed
from livedesk.security.tokens import InvalidToken, read_visitor_token

log = logging.getLogger(__name__)

# Every process hears on this topic which conversations' visitors are connected again (to any
# process), so a grace period started where the visitor's old socket was ends there too.
VISITOR_BACK_TOPIC = "visitors:back"
# runtime.extensions[VISITOR_RESUME_FRAMES]: async (session, open conversation ids) -> frames a
# (re)connecting visitor gets after the welcome and the replay.
VISITOR_RESUME_FRAMES = "visitor_resume_frames"


async def authenticate_visitor(websocket: WebSocket, runtime: Runtime) -> VisitorActor | None:
    """Checks the token and the Origin before the upgrade; None means refuse with 403."""
    token = websocket.query_params.get("token", "")
    try:
        claims = read_visitor_token(runtime.visitor_token_keys, token)
    except InvalidToken as exc:
        log.info("visitor socket refused: %s", exc)
        return None
    async with runtime.reading() as session:
        widget = await session.get(Widget, claims.widget_id)
    if widget is None:
        log.info("visitor socket refused: widget gone")
        return None
    origin = websocket.headers.get("origin")
    scheme = "https" if websocket.url.scheme == "wss" else "http"
    if not (
        origin_allowed(origin, widget.allowed_origins)
        or is_same_origin(origin, websocket.headers.get("host"), scheme)
    ):
        log.info("visitor socket refused: origin %r not allowed", websocket.headers.get("origin"))
        return None
    return VisitorActor(claims.visitor_id, widget.id, widget.business_id)


class VisitorConnection(Connection):
    __slots__ = ("actor", "conversations")
    FRAMES: ClassVar[dict[str, str]] = {
        "hello": "on_hello",
        "start": "on_start",
        "send": "on_send",
        "typing": "on_typing",
        "read": "on_read",
        "leave": "on_leave",
        "rating": "on_rating",
        "ping": "on_ping",
    }
    EXTENSION_FRAMES: ClassVar[str] = "visitor_frames"

    def __init__(self, websocket: WebSocket, runtime: Runtime, actor: VisitorActor) -> None:
        super().__init__(websocket, runtime)
        self.actor = actor
        self.conversations: set[str] = set()

    async def on_ping(self, data: dict[str, Any]) -> None:
        self.send(protocol.frame("pong", t=data.get("t")))

    async def on_hello(self, data: dict[str, Any]) -> None:
        resume = protocol.parse_resume(data)
        async with self.runtime.reading() as session:
            ids = list(
                await session.scalars(
                    select(Conversation.id).where(
                        Conversation.visitor_id == self.actor.visitor_id,
                        (Conversation.state.in_(OPEN_STATES)) | (Conversation.id.in_(resume)),
                    )
                )
            )
        # Subscribed (and holding live frames) before the state is read: a change committed
        # after the read arrives live behind the welcome, one committed before is in it.
        self.hold()
        self.subscribe(ids)
        try:
            await self._welcome_and_replay(ids, resume)
        finally:
            self.release()
        if ids:
            frame = protocol.frame("visitor_back", conversation_ids=ids)
            self.runtime.broker.publish(VISITOR_BACK_TOPIC, frame)

    async def _welcome_and_replay(self, ids: list[str], resume: dict[str, int]) -> None:
        async with self.runtime.reading() as session:
            rows = (
                list(
                    await session.scalars(
                        select(Conversation)
                        .where(Conversation.id.in_(ids))
                        .order_by(Conversation.created_at)
                    )
                )
                if ids
                else []
            )
            await load_operator_names(session, rows)
            experts = await joined_experts(session, [c.id for c in rows])
        mine = {c.id: c for c in rows}
        self.outbox.put_direct(
            protocol.frame(
                "welcome",
                protocol=protocol.PROTOCOL_VERSION,
                accepts=self.accepts(),
                role="visitor",
                server_time=utcnow(),
                conversations=[conversation_payload(c, experts=experts[c.id]) for c in rows],
            )
        )
        for conversation in rows:
            self.outbox.saw_state(conversation.id, conversation.version)
        for conversation_id, last_seq in resume.items():
            if conversation_id not in mine:
                self.error("not_found", "conversation not found", conversation_id=conversation_id)
                continue
            if last_seq > mine[conversation_id].last_seq:  # state from elsewhere: reset
                self.error(
                    "seq_ahead",
                    protocol.SEQ_AHEAD,
                    conversation_id=conversation_id,
                    held=last_seq,
                    last_seq=mine[conversation_id].last_seq,
                )
                continue
            await self.replay(conversation_id, last_seq)
        # Frames other domains owe a (re)connecting visitor after the transcript, such as the
        # buttons of a bot's offer that can still be answered.
        resumed = self.runtime.extensions.get(VISITOR_RESUME_FRAMES)
        if resumed is not None and rows:
            async with self.runtime.reading() as session:
                for frame in await resumed(session, [c.id for c in rows if c.state in OPEN_STATES]):
                    self.outbox.put_direct(frame)

    def subscribe(self, conversation_ids: Any) -> None:
        fresh = set(conversation_ids) - self.conversations
        self.conversations |= fresh
        self.runtime.hub.subscribe(self.outbox, [conversation_topic(c) for c in fresh])

    async def on_start(self, data: dict[str, Any]) -> None:
        page = data.get("page") or {}
        prechat = data.get("prechat") or {}
        if not isinstance(page, dict) or not isinstance(prechat, dict):
            raise FrameError("invalid_field", "`page` and `prechat` are objects")
        language = protocol.optional_str(data, "language", max_len=8)
        async with self.runtime.transaction() as session:
            await self._refuse_if_switched_off(session, language)
            await do_ensure_visitor(session, self.actor)  # stored from their first chat on
            conversation, created = await do_start_conversation(
                session,
                self.actor,
                language=language,
                page_url=protocol.optional_str(page, "url"),
                page_title=protocol.optional_str(page, "title", max_len=500),
                referrer=protocol.optional_str(page, "referrer"),
                prechat={str(k)[:100]: str(v)[:2000] for k, v in list(prechat.items())[:20]},
            )
        # Subscribed only now, so the frame published at commit did not reach us: send it here.
        self.subscribe([conversation.id])
        self.outbox.saw_state(conversation.id, conversation.version)
        self.send(protocol.encode(conversation_payload(conversation)))
        if created:
            await self.runtime.emit(Hook.CONVERSATION_STARTED, conversation)

    async def _refuse_if_switched_off(self, session: AsyncSession, language: str | None) -> None:
        """A deactivated business or widget takes no new chats; the visitor is told why."""
        widget = await session.get(Widget, self.actor.widget_id)
        business = await session.get(Business, self.actor.business_id)
        if widget is None or business is None:
            raise FrameError("not_found", "widget not found")
        code = inactive_code(widget, business)
        if code is not None:
            fallback = visitor_language(widget, business, None)
            raise FrameError(code, UNAVAILABLE.get(language or "", UNAVAILABLE[fallback]))

    async def _mine(self, conversation_id: str) -> str:
        facts = await self.runtime.conversation_facts(conversation_id)
        if facts is None or facts.visitor_id != self.actor.visitor_id:
            raise FrameError("not_found", "conversation not found", conversation_id=conversation_id)
        return facts.state

    async def on_send(self, data: dict[str, Any]) -> None:
        send = protocol.parse_send(data, self.runtime.settings.max_body_chars)
        state = await self._mine(send.conversation_id)
        if state not in OPEN_STATES:
            raise FrameError(
                "conversation_closed",
                "this conversation has ended",
                conversation_id=send.conversation_id,
            )
        body, attachment = await file_message(
            self.runtime, send, uploader_kind="visitor", uploader_id=self.actor.visitor_id
        )
        stored = await self.store(
            NewMessage(
                conversation_id=send.conversation_id,
                business_id=self.actor.business_id,
                author_kind=AuthorKind.VISITOR,
                body=body,
                client_msg_id=send.client_msg_id,
                after_seq=send.after_seq,
                attachment=attachment,
            )
        )
        if not stored.duplicate:
            await self.runtime.emit(Hook.VISITOR_MESSAGE, stored)

    async def on_typing(self, data: dict[str, Any]) -> None:
        conversation_id = protocol.require_str(data, "conversation_id", max_len=64)
        await self._mine(conversation_id)
        frame = protocol.frame(
            "typing",
            conversation_id=conversation_id,
            who="visitor",
            state="on" if data.get("state") == "on" else "off",
        )
        self.runtime.publish_to_staff(self.actor.business_id, frame)

    async def on_read(self, data: dict[str, Any]) -> None:
        conversation_id = protocol.require_str(data, "conversation_id", max_len=64)
        seq = data.get("seq")
        if not isinstance(seq, int) or seq < 0:
            raise FrameError("invalid_field", "`seq` is a non-negative integer", field="seq")
        await self._mine(conversation_id)
        self.runtime.publish_to_staff(
            self.actor.business_id,
            protocol.frame("read", conversation_id=conversation_id, who="visitor", seq=seq),
        )

    async def on_leave(self, data: dict[str, Any]) -> None:
        conversation_id = protocol.require_str(data, "conversation_id", max_len=64)
        await self._mine(conversation_id)
        hook = self.runtime.extensions.get("leave")  # routing decides abandoned / missed
        if hook is not None:
            await hook(self.actor, conversation_id)
        else:
            async with self.runtime.transaction() as session:
                await do_close_conversation(session, self.actor, conversation_id)
        await self.runtime.emit(Hook.CONVERSATION_CLOSED, conversation_id)

    async def on_rating(self, data: dict[str, Any]) -> None:
        """The visitor's verdict (1–5, optional comment) once the chat has ended; may be changed."""
        conversation_id = protocol.require_str(data, "conversation_id", max_len=64)
        score = data.get("score")
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise FrameError(
                "invalid_field", "`score` is a whole number from 1 to 5", field="score"
            )
        comment = protocol.optional_str(data, "comment", max_len=2000)
        if await self._mine(conversation_id) in OPEN_STATES:
            raise FrameError(
                "conversation_open",
                "rate the conversation once it has ended",
                conversation_id=conversation_id,
            )
        async with self.runtime.transaction() as session:
            rating = await session.get(Rating, conversation_id)
            if rating is None:
                session.add(
                    Rating(
                        conversation_id=conversation_id,
                        business_id=self.actor.business_id,
                        score=score,
                        comment=comment,
                    )
                )
            else:
                rating.score, rating.comment = score, comment
        self.send(protocol.frame("rated", conversation_id=conversation_id, score=score))
        self.runtime.publish_to_staff(
            self.actor.business_id,
            protocol.frame("rating", conversation_id=conversation_id, score=score, comment=comment),
        )


async def visitor_endpoint(websocket: WebSocket) -> None:
    runtime: Runtime = websocket.app.state.runtime
    actor = await authenticate_visitor(websocket, runtime)
    if actor is None:
        await websocket.close(code=1008)  # before accept: the client sees HTTP 403
        return
    await websocket.accept()
    connection = VisitorConnection(websocket, runtime, actor)
    await connection.run()
    # Routing starts the grace period after which a visitor who has not come back has left.
    await runtime.emit(Hook.VISITOR_DISCONNECTED, actor, set(connection.conversations))
