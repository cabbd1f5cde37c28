"""Fan-out inside one process: topics → connections, each with a bounded outbound queue.

Topics: `conv:<id>` reaches the visitor of one conversation; `biz:<id>` reaches the staff who
serve that business; `user:<id>` reaches one staff member. A connection whose queue is full is a
slow reader: it is dropped (it will reconnect and resume by seq) rather than stall everyone else.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterable

CONVERSATION_FRAME = '{"type":"conversation"'


class Outbox:
    """The outbound side of one socket."""

    __slots__ = ("_held", "closed", "on_overflow", "queue")

    def __init__(self, size: int, on_overflow: Callable[[], None] | None = None) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=size)
        self.closed = False
        self.on_overflow = on_overflow
        # While a resume is replayed from the database, live frames are held back, then released
        # after the backlog so the client sees history before live traffic.
        self._held: list[str] | None = None

    def hold(self) -> None:
        self._held = []

    def release(self, skip: Callable[[str], bool] | None = None) -> None:
        held, self._held = self._held or [], None
        for frame in held:
            if skip is None or not skip(frame):
                self.put(frame)

    def put_direct(self, frame: str) -> None:
        """Bypasses a hold: for the frames a resume itself sends (welcome, then the backlog)."""
        if not self.closed:
            self.queue.put_nowait(frame)

    def put(self, frame: str) -> None:
        if self.closed:
            return
        if self._held is not None:
            self._held.append(frame)
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.close()
            if self.on_overflow:
                self.on_overflow()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            # Wake the sender so it can stop; a full queue gets the sentinel after a drain.
            try:
                self.queue.put_nowait(None)
            except asyncio.QueueFull:
                pass


class Hub:
    def __init__(self) -> None:
        self._topics: dict[str, set[Outbox]] = defaultdict(set)
        self._by_outbox: dict[Outbox, set[str]] = defaultdict(set)
        # Called with every conversation-state frame this process sees (from any node), so
        # per-process caches of conversation facts stay current when scaled out.
        self.conversation_watchers: list[Callable[[str], None]] = []

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
            for watcher in self.conversation_watchers:
                watcher(frame)
        members = self._topics.get(topic)
        if not members:
            return 0
        for outbox in tuple(members):
            outbox.put(frame)
        return len(members)

    def subscriber_count(self, topic: str) -> int:
        return len(self._topics.get(topic, ()))

    @property
    def connection_count(self) -> int:
        return len(self._by_outbox)
