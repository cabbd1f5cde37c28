"""Fan-out inside one process: topics → connections, each with a bounded outbound queue.

Topics: `conv:<id>` reaches the visitor of one conversation; `biz:<id>` reaches the staff who
serve that business; `user:<id>` reaches one staff member. A connection whose queue is full is a
slow reader: it is dropped (it will reconnect and resume by seq) rather than stall everyone else.

Each outbox also keeps its client's order: per conversation the last seq it sent (messages from
the bus, see `Outbox.put_message`) and the version of the last state it sent (`put_state`), so
that nothing reaches a client twice, out of order, or older than what it holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable
from typing import Any, Protocol

from livedesk import jsonutil

CONVERSATION_FRAME = '{"type":"conversation"'

SendFrame = Callable[[str], Coroutine[Any, Any, None]]
# A message frame held back with what put_message needs: conversation, seq, prev, internal.
HeldMessage = tuple[str, str, int, int | None, bool]
# A conversation frame held back with its conversation and version (see put_state).
HeldState = tuple[str, str, int]

# Closing every socket after a bus gap is spread over this many seconds per socket, at most
# RESYNC_SPREAD_MAX: ten thousand clients must not all reconnect in the same millisecond.
RESYNC_SPREAD_PER_SOCKET = 0.0005
RESYNC_SPREAD_MAX = 2.0
# After a resume's replay a live frame of a message the replay already sent may still arrive
# (committed before the replay read it, published later by another process); for this long
# such frames are dropped, so a client never gets the same seq twice.
LATE_FRAME_WINDOW = 10.0


class Resyncable(Protocol):
    outbox: Outbox

    def resync(self) -> None: ...


class Outbox:
    """The outbound side of one socket.

    A frame is written at once, inside the publisher's call (see `send_eagerly`): an ASGI send
    to a writable socket never suspends, so the common case needs no queue and no task. Only
    while the socket is not writable do frames queue, in order, behind the suspended send; a
    reader that falls `limit` frames behind is dropped (it reconnects and resumes by seq) rather
    than buffered without bound. Idle, an outbox holds no queue and no task.
    """

    __slots__ = (
        "_backlog",
        "_drainer",
        "_held",
        "_send",
        "_skip",
        "_skip_until",
        "closed",
        "limit",
        "on_gap",
        "on_overflow",
        "seqs",
        "states",
    )

    def __init__(
        self, send: SendFrame, limit: int, on_overflow: Callable[[], None] | None = None
    ) -> None:
        self._send = send
        self.limit = limit
        self.on_overflow = on_overflow
        self.closed = False
        self._backlog: deque[str] | None = None  # exists only while a send is suspended
        self._drainer: asyncio.Task[None] | None = None
        # While a resume is replayed from the database, live frames are held back, then released
        # after the backlog so the client sees history before live traffic.
        self._held: list[str | HeldMessage | HeldState] | None = None
        self._skip: Callable[[str], bool] | None = None  # see release
        self._skip_until = 0.0
        # Messages that came over the bus (see put_message): the highest seq this socket has of
        # each conversation, and who fetches the ones it lacks when a later one arrives.
        self.seqs: dict[str, int] | None = None
        self.on_gap: Callable[[str, int, int], None] | None = None
        self.states: dict[str, int] | None = None  # conversation → version of the state sent

    def hold(self) -> None:
        self._held = []
        self._skip = None

    def release(self, skip: Callable[[str], bool] | None = None) -> None:
        """Send the held frames minus those `skip` names, and keep skipping such frames for
        LATE_FRAME_WINDOW seconds: a replayed message's live copy may come later still."""
        self._skip = skip
        self._skip_until = time.monotonic() + LATE_FRAME_WINDOW
        self.release_held()

    def release_held(self) -> None:
        """Send what was held, in order. A message among them that finds a hole holds the rest
        again (see put_message)."""
        held, self._held = self._held or [], None
        for item in held:
            if isinstance(item, str):
                self.put(item)
            elif len(item) == 3:
                self.put_state(*item)
            else:
                self.put_message(*item)

    def track(self, conversation_id: str, seq: int) -> None:
        """The client holds this conversation's messages up to `seq` (a replay sent them)."""
        if self.seqs is None:
            self.seqs = {}
        if seq > self.seqs.get(conversation_id, -1):
            self.seqs[conversation_id] = seq

    def put_message(
        self, frame: str, conversation_id: str, seq: int, prev: int | None, internal: bool
    ) -> None:
        """A message frame from the bus, where processes publish independently: this socket
        gets each conversation's messages in seq order and once. One it already has is dropped;
        one that follows a hole (its predecessor was stored, but the process that stored it was
        killed or cut off before publishing) waits, with everything behind it, while `on_gap`
        fetches the missing ones from the database. `prev` is the seq before this one on its
        topic when the sequencer knows it: on a visitor's topic internal notes leave holes that
        are not gaps."""
        if self.closed:
            return
        if self._held is not None:
            self._held.append((frame, conversation_id, seq, prev, internal))
            return
        seqs = self.seqs
        if seqs is None:
            seqs = self.seqs = {}
        last = seqs.get(conversation_id)
        if last is not None:
            if seq <= last:
                return
            if seq != last + 1 and prev != last and self.on_gap is not None:
                self._held = [(frame, conversation_id, seq, prev, internal)]
                self.on_gap(conversation_id, last, seq)
                return
        seqs[conversation_id] = seq
        self._deliver(frame, bounded=True)

    def saw_state(self, conversation_id: str, version: int) -> None:
        """The client holds this version of the conversation's state (a welcome listed it)."""
        if self.states is None:
            self.states = {}
        if version > self.states.get(conversation_id, -1):
            self.states[conversation_id] = version

    def put_state(self, frame: str, conversation_id: str, version: int) -> None:
        """A `conversation` frame: one older than the state this socket already sent is
        dropped (two processes' frames can cross on the bus; the newer state stands)."""
        if self.closed:
            return
        if self._held is not None:
            self._held.append((frame, conversation_id, version))
            return
        states = self.states
        if states is None:
            states = self.states = {}
        if version < states.get(conversation_id, 0):
            return
        states[conversation_id] = version
        self.put(frame)

    def put(self, frame: str) -> None:
        if self.closed:
            return
        if self._skip is not None:
            if time.monotonic() > self._skip_until:
                self._skip = None
            elif self._skip(frame):
                return
        if self._held is not None:
            self._held.append(frame)
            return
        self._deliver(frame, bounded=True)

    def put_direct(self, frame: str) -> None:
        """Bypasses a hold and the limit: for what a resume itself sends (welcome, then a
        backlog that resume_limit already bounds)."""
        if not self.closed:
            self._deliver(frame, bounded=False)

    def _deliver(self, frame: str, *, bounded: bool) -> None:
        if self._backlog is not None:  # a send is suspended: queue behind it, in order
            if bounded and len(self._backlog) >= self.limit:
                self._overflow()
            else:
                self._backlog.append(frame)
            return
        try:
            pending = send_eagerly(self._send(frame))
        except Exception:  # the peer is gone; the reader side notices and cleans up
            self.closed = True
            return
        if pending is not None:
            self._backlog = deque()
            self._drainer = asyncio.ensure_future(self._drain(pending))

    async def _drain(self, pending: Awaitable[None]) -> None:
        try:
            await pending
            while self._backlog:
                await self._send(self._backlog.popleft())
        except Exception:
            self.closed = True
        finally:
            self._backlog = None
            self._drainer = None

    def _overflow(self) -> None:
        self.close()
        if self._backlog is not None:
            self._backlog.clear()
        if self.on_overflow:
            self.on_overflow()

    def close(self) -> None:
        """Accepts no more frames; what is already queued still goes out (see flush)."""
        self.closed = True

    async def flush(self, timeout: float) -> None:
        """Waits until queued frames are written, at most `timeout`; then gives up on them."""
        drainer = self._drainer
        if drainer is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(drainer), timeout)
        except (TimeoutError, Exception):
            drainer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await drainer


def send_eagerly(coro: Coroutine[Any, Any, None]) -> Awaitable[None] | None:
    """Runs `coro` until it finishes or first suspends, like Python 3.12's eager tasks.

    Returns None when it finished; otherwise an awaitable that carries on from the suspension
    point. Exceptions raised before it suspends propagate to the caller.
    """
    try:
        first = coro.send(None)
    except StopIteration:
        return None
    return _Resumed(coro, first)


class _Resumed:
    """Awaiting this continues a coroutine that was started by hand: it hands the future the
    coroutine yielded to the awaiting task, and forwards the wake-up (what `await` does)."""

    __slots__ = ("_coro", "_first")

    def __init__(self, coro: Coroutine[Any, Any, None], first: Any) -> None:
        self._coro = coro
        self._first = first

    def __await__(self) -> Generator[Any, Any, None]:
        coro, waiting_on = self._coro, self._first
        while True:
            try:
                try:
                    value = yield waiting_on
                except BaseException as exc:  # e.g. the task was cancelled
                    waiting_on = coro.throw(exc)
                else:
                    waiting_on = coro.send(value)
            except StopIteration:
                return


class Hub:
    def __init__(self) -> None:
        self._topics: dict[str, set[Outbox]] = defaultdict(set)
        self._by_outbox: dict[Outbox, set[str]] = defaultdict(set)
        # Called with every conversation-state frame this process sees (from any node), so
        # per-process caches of conversation facts stay current when scaled out.
        self.conversation_watchers: list[Callable[[str], None]] = []
        # Every open socket of this process (subscribed or not yet), for resync_all.
        self.sockets: set[Resyncable] = set()
        self.gaps_filled = 0  # holes a socket's messages from the bus had, filled from the database

    def subscribe(self, outbox: Outbox, topics: Iterable[str]) -> None:
        for topic in topics:
            self._topics[topic].add(outbox)
            self._by_outbox[outbox].add(topic)

    def unsubscribe(self, outbox: Outbox, topics: Iterable[str] | None = None) -> None:
        for topic in list(topics if topics is not None else self._by_outbox.get(outbox, ())):
            members = self._topics.get(topic)
            if members is not None:
                members.discard(outbox)
                if not members:
                    del self._topics[topic]
            self._by_outbox[outbox].discard(topic)
        if not self._by_outbox.get(outbox):
            self._by_outbox.pop(outbox, None)

    def deliver(self, topic: str, frame: str) -> int:
        if frame.startswith(CONVERSATION_FRAME):
            return self._deliver_state(topic, frame)
        members = self._topics.get(topic)
        if not members:
            return 0
        for outbox in tuple(members):
            outbox.put(frame)
        return len(members)

    def _deliver_state(self, topic: str, frame: str) -> int:
        for watcher in self.conversation_watchers:
            watcher(frame)
        members = self._topics.get(topic)
        if not members:
            return 0
        data = jsonutil.loads(frame)
        conversation_id, version = data["conversation_id"], data.get("version", 0)
        for outbox in tuple(members):
            outbox.put_state(frame, conversation_id, version)
        return len(members)

    def deliver_message(
        self,
        topic: str,
        frame: str,
        conversation_id: str,
        seq: int,
        prev: int | None,
        internal: bool,
    ) -> int:
        """A message from the bus: each socket checks it against the seqs it holds."""
        members = self._topics.get(topic)
        if not members:
            return 0
        for outbox in tuple(members):
            outbox.put_message(frame, conversation_id, seq, prev, internal)
        return len(members)

    def resync_all(self) -> None:
        """Tells every socket to reconnect and resume (it may have missed frames), each after
        a random delay so the reconnects spread out."""
        sockets = tuple(self.sockets)
        if not sockets:
            return
        spread = min(RESYNC_SPREAD_MAX, RESYNC_SPREAD_PER_SOCKET * len(sockets))
        loop = asyncio.get_running_loop()
        for socket in sockets:
            # No live frame from now until the close: after a gap it would show the client a
            # hole in the seqs; the resume brings it all in order.
            self.unsubscribe(socket.outbox)
            loop.call_later(random.uniform(0, spread), socket.resync)

    def resync_topic(self, topic: str) -> None:
        """Tells the sockets subscribed to `topic` to reconnect and resume (a frame came too
        late to be put in order); rare, so a walk over this process's sockets is fine."""
        members = self._topics.get(topic)
        if members:
            for socket in tuple(self.sockets):
                if socket.outbox in members:
                    self.unsubscribe(socket.outbox)
                    socket.resync()

    def subscriber_count(self, topic: str) -> int:
        return len(self._topics.get(topic, ()))

    @property
    def connection_count(self) -> int:
        return len(self._by_outbox)
