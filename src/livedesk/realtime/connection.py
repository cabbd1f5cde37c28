"""One WebSocket's life: a reader that parses and dispatches frames, the outbox that writes
(and, for a slow reader, bounds) what goes out, rate limiting, and resume from the database."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from sqlalchemy import select
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from livedesk import jsonutil
from livedesk.conversations.models import Message
from livedesk.realtime import protocol
from livedesk.realtime.hub import Outbox
from livedesk.realtime.protocol import FrameError
from livedesk.realtime.writer import NewMessage, StoredMessage
from livedesk.runtime import Runtime
from livedesk.security.ratelimit import TokenBucket

log = logging.getLogger(__name__)

# Close codes (4000–4999 are ours): the client reconnects and resumes after 4008, 4013, 4014
# and 4015.
CLOSE_RATE_LIMITED = 4008
CLOSE_SLOW_CONSUMER = 4013
CLOSE_RESYNC = 4014  # the bus between processes had a gap: frames may have been missed
CLOSE_DRAINING = 4015  # this process is going away: reconnect (elsewhere) after the delay named
ABUSE_LIMIT = 20  # rate-limit errors in a row before the connection is closed
FLUSH_SECONDS = 2.0  # how long a closing socket may take to send what is already queued

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class Connection:
    # Slots: ten thousand idle sockets each carry one of these.
    __slots__ = (
        "_busy",
        "_close_code",
        "_close_reason",
        "_closer",
        "_filler",
        "bucket",
        "outbox",
        "replayed",
        "runtime",
        "ws",
    )

    def __init__(
        self, websocket: WebSocket, runtime: Runtime, outbox_type: type[Outbox] = Outbox
    ) -> None:
        self.ws = websocket
        self.runtime = runtime
        settings = runtime.settings
        self.outbox = outbox_type(
            websocket.send_text, settings.outbound_queue_size, on_overflow=self._overflowed
        )
        self.outbox.on_gap = self._fill_gap
        self._filler: asyncio.Task[None] | None = None
        self.bucket = TokenBucket(settings.frames_per_second, settings.frames_per_second * 2)
        self._close_code: int | None = None
        self._closer: asyncio.Future[None] | None = None
        self._close_reason: str | None = None  # set when draining: it names the delay
        self._busy = False  # a frame's handler is running (its ack has not gone out yet)
        self.replayed: dict[str, int] = {}  # highest seq the client holds, after a resume

    def hold(self) -> None:
        self.replayed = {}
        self.outbox.hold()

    def release(self) -> None:
        """Let held live frames through, minus messages the replay already sent."""
        self.outbox.release(skip=self._already_replayed)

    def _already_replayed(self, frame: str) -> bool:
        if not self.replayed or not frame.startswith('{"type":"message"'):
            return False
        data = jsonutil.loads(frame)
        return bool(data["seq"] <= self.replayed.get(data["conversation_id"], 0))

    def send(self, frame: str) -> None:
        self.outbox.put(frame)

    def sees_internal_notes(self) -> bool:
        return False

    # Frame type → method name, per class: a dict of bound methods per socket would cost about a
    # kilobyte on each of ten thousand idle connections. Domains add frames through
    # runtime.extensions[EXTENSION_FRAMES] as functions taking (connection, data).
    FRAMES: ClassVar[dict[str, str]] = {}
    EXTENSION_FRAMES: ClassVar[str] = ""

    def handler_for(self, kind: str) -> Handler | None:
        name = self.FRAMES.get(kind)
        if name is not None:
            return getattr(self, name)  # type: ignore[no-any-return]
        extra = self.runtime.extensions.get(self.EXTENSION_FRAMES, {}).get(kind)
        return functools.partial(extra, self) if extra is not None else None

    def accepts(self) -> list[str]:
        return sorted({*self.FRAMES, *self.runtime.extensions.get(self.EXTENSION_FRAMES, {})})

    async def store(self, message: NewMessage) -> StoredMessage:
        """Stores through the group-committing writer, then acknowledges to this socket."""
        stored = await self.runtime.writer.write(message)
        self.send(protocol.ack_frame(stored))
        return stored

    def error(self, code: str, message: str, **data: Any) -> None:
        self.outbox.put(protocol.error_frame(code, message, **data))

    def _overflowed(self) -> None:
        # A slow reader: close it (which also ends the receive loop); it resumes by seq.
        self._end(CLOSE_SLOW_CONSUMER)

    def resync(self) -> None:
        """Called by the hub after a bus gap: the client reconnects and resumes by seq."""
        if self._closer is None and not self.outbox.closed:  # not closing for another reason
            self._end(CLOSE_RESYNC)

    def drain(self, reconnect_after_ms: int) -> None:
        """Called when the process drains for a deploy: close with 4015, naming the delay
        after which the client reconnects. A frame being handled finishes first, so the ack of
        a message stored just now still goes out before the close."""
        if self._closer is not None or self.outbox.closed or self._close_reason is not None:
            return
        self._close_reason = f"draining: reconnect after {reconnect_after_ms} ms"
        if not self._busy:
            self._end(CLOSE_DRAINING)

    def _end(self, code: int) -> None:
        self._close_code = code
        self._closer = asyncio.ensure_future(self._close())

    async def run(self) -> None:
        self.runtime.hub.sockets.add(self)
        try:
            await self._receive_loop()
        finally:
            self.runtime.hub.sockets.discard(self)
            self.runtime.hub.unsubscribe(self.outbox)
            await self._close()

    async def _close(self) -> None:
        # What is queued goes first (e.g. the errors that explain why we close), then the close
        # code. A peer that is gone or stuck gets a short grace only.
        self.outbox.close()
        await self.outbox.flush(FLUSH_SECONDS)
        if self.ws.application_state == WebSocketState.CONNECTED and self._close_code:
            with contextlib.suppress(Exception):
                await self.ws.close(self._close_code, self._close_reason)

    async def _receive_loop(self) -> None:
        strikes = 0
        while True:
            try:
                raw = await self.ws.receive_text()
            except (WebSocketDisconnect, RuntimeError):
                return
            except KeyError:  # a binary frame: starlette's receive_text finds no "text"
                self.error("malformed_frame", "frames are JSON text")
                continue
            if self.outbox.closed or self._close_reason is not None:
                return  # closing: a frame read now is not handled (unacked, the client resends)
            wait = self.bucket.take()
            if wait:
                strikes += 1
                self.error("rate_limited", "too many frames", retry_after=round(wait, 3))
                if strikes >= ABUSE_LIMIT:
                    self._close_code = CLOSE_RATE_LIMITED
                    self.outbox.close()
                    return
                continue
            strikes = 0
            try:
                data = protocol.parse(raw)
                handler = self.handler_for(data["type"])
                if handler is None:
                    raise FrameError(
                        "unknown_type",
                        f"unknown frame type {data['type']!r}",
                        known=self.accepts(),
                    )
                self._busy = True
                await handler(data)
            except FrameError as exc:
                self.error(exc.code, exc.message, **exc.data)
            except Exception as exc:  # an ApiError from an action, or a bug: answer, keep going
                code = getattr(exc, "code", None)
                if code is None:
                    log.exception("frame handler failed")
                    self.error("internal_error", "the server could not handle this frame")
                else:
                    self.error(code, getattr(exc, "message", str(exc)), **getattr(exc, "data", {}))
            finally:
                self._busy = False
            if self._close_reason is not None:  # drained while this frame was handled
                self._close_code = CLOSE_DRAINING
                return

    async def replay(self, conversation_id: str, after_seq: int) -> None:
        """Send what the client missed, straight from the database, then let live frames through.

        Called while the outbox holds live frames back (see Outbox.hold), so history always
        precedes live traffic. A client further behind than resume_limit is told to resync.
        """
        rows = await self._missed(conversation_id, after_seq)
        if len(rows) > self.runtime.settings.resume_limit:
            self.send(
                protocol.frame("resync", conversation_id=conversation_id, last_seq=rows[-1].seq)
            )
            return
        for row in rows:  # at most resume_limit frames, so they may exceed the outbox limit
            self.outbox.put_direct(protocol.message_frame(StoredMessage.from_row(row)))
        # The client holds everything up to here: a late live copy of any of it (published by
        # another process before this resume, and let out by a sequencer that had not seen
        # this conversation yet) is a duplicate, even when the replay itself sent nothing.
        held = rows[-1].seq if rows else after_seq
        self.replayed[conversation_id] = held
        self.outbox.track(conversation_id, held)

    async def _missed(
        self, conversation_id: str, after_seq: int, before_seq: int | None = None
    ) -> list[Message]:
        """The messages this socket may see after `after_seq` (and before `before_seq`), in
        order: at most resume_limit, plus one to say there are more."""
        limit = self.runtime.settings.resume_limit
        query = (
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
            .order_by(Message.seq)
            .limit(limit + 1)
        )
        if before_seq is not None:
            query = query.where(Message.seq < before_seq)
        if not self.sees_internal_notes():
            query = query.where(Message.internal.is_(False))
        async with self.runtime.reading() as session:
            return list(await session.scalars(query))

    def _fill_gap(self, conversation_id: str, after_seq: int, before_seq: int) -> None:
        """The outbox met a message from the bus that follows a hole (see Outbox.put_message)
        and holds it, with everything behind it, until the missing messages are sent."""
        self._filler = asyncio.ensure_future(self._fill(conversation_id, after_seq, before_seq))

    async def _fill(self, conversation_id: str, after_seq: int, before_seq: int) -> None:
        try:
            rows = await self._missed(conversation_id, after_seq, before_seq)
        except Exception:
            log.exception("could not fetch the messages a socket missed")
            rows = None
        if rows is None or len(rows) > self.runtime.settings.resume_limit:
            self.resync()  # the client resumes from its last seq instead
            return
        self.runtime.hub.gaps_filled += 1
        for row in rows:
            self.outbox.put_direct(protocol.message_frame(StoredMessage.from_row(row)))
        self.outbox.track(conversation_id, before_seq - 1)
        self.outbox.release_held()
        self._filler = None
