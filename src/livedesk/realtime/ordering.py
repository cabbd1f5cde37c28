"""Per-conversation order of live messages arriving over the bus between processes.

Two processes may commit seq 7 and seq 8 of one conversation a few milliseconds apart and
publish them over their own Redis connections; Redis then may hand every subscriber 8 before 7.
The `Sequencer` sits between the bus and the hub of each process: per topic and conversation it
remembers the last seq delivered and holds a message that is ahead of it until the missing ones
arrive, so the sockets of this process receive each topic's messages in seq order, mostly
without a database read.

What the sequencer cannot put in order, each socket does (`Outbox.put_message`): it knows the
last seq it holds of every conversation, drops what it already has and fetches from the
database what it lacks. The sequencer hands every message on with the seq that preceded it on
its topic, when it knows that seq, so that a socket need not ask the database about a hole that
is only an internal note.

- Internal notes never travel on a visitor's topic, so the seqs there have holes; every process
  sees the notes on the staff topics, and the sequencer skips their seqs on `conv:` topics.
- A seq that does not arrive within `HOLD_SECONDS` was lost on the bus: published by a process
  whose Redis connection was down, or stored by a process killed before it published. The held
  messages go out; each socket fills the hole from the database.
- A message that arrives after a later one was already delivered goes out too: the sockets
  that fetched it meanwhile drop it.
- The first message this process sees of a conversation (after start or after a bus gap) is
  held for `HOLD_SECONDS` too, unless it is seq 1, since an earlier one may still be on its way.

Within one process messages are published in commit order, so only the Redis broker uses this.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from livedesk import jsonutil
from livedesk.realtime.hub import Hub

MESSAGE_FRAME = '{"type":"message"'
VISITOR_TOPIC = "conv:"
# Measured with three processes on one Redis (docs/protocol.md, "Several processes"): an
# overtaken message came up to ~0.1 s behind, up to ~0.2 s and more on a machine under load.
HOLD_SECONDS = 0.5
MAX_TRACKED = 50_000  # (topic, conversation) pairs remembered; the oldest are forgotten
MAX_NOTES = 256  # internal-note seqs remembered per conversation


@dataclass
class _Stream:
    """One topic's messages of one conversation."""

    last: int | None = None  # highest seq delivered; None until the first hold has ended
    held: dict[int, tuple[str, bool]] = field(default_factory=dict)  # seq → (frame, internal)
    timer: asyncio.TimerHandle | None = None
    since: float = 0.0  # monotonic: when the first of the held messages arrived


class Sequencer:
    def __init__(self, hub: Hub, hold_seconds: float = HOLD_SECONDS) -> None:
        self.hub = hub
        self.hold_seconds = hold_seconds
        self._streams: OrderedDict[tuple[str, str], _Stream] = OrderedDict()
        self._notes: OrderedDict[str, set[int]] = OrderedDict()  # conversation → note seqs
        self.reordered = 0  # messages that arrived ahead of an earlier one and were held
        self.late = 0  # messages that came after a later one had gone out
        self.holes = 0  # seqs that never came within the hold (sockets fetch them)
        self.longest_wait = 0.0  # seconds: the longest an overtaken message held others up

    def status(self) -> dict[str, Any]:
        return {
            "bus_reordered": self.reordered,
            "bus_late": self.late,
            "bus_holes": self.holes,
            "bus_longest_wait_ms": round(self.longest_wait * 1000, 1),
            "bus_gaps_filled": self.hub.gaps_filled,
        }

    def reset(self) -> None:
        """After a gap on the bus every socket resyncs: start afresh, holding nothing."""
        for stream in self._streams.values():
            if stream.timer is not None:
                stream.timer.cancel()
        self._streams.clear()
        self._notes.clear()

    def deliver(self, topic: str, frame: str) -> None:
        if not frame.startswith(MESSAGE_FRAME):
            self.hub.deliver(topic, frame)
            return
        data = jsonutil.loads(frame)
        conversation_id: str = data["conversation_id"]
        seq: int = data["seq"]
        internal = bool(data.get("internal"))
        if internal:
            self._note(conversation_id, seq)
        stream = self._stream(topic, conversation_id)
        if stream.last is not None and seq <= stream.last:
            self.late += 1
            self.hub.deliver_message(topic, frame, conversation_id, seq, None, internal)
            return
        if stream.last is None and seq == 1:
            stream.last = 0
        if stream.last is not None and seq == self._next(topic, conversation_id, stream.last):
            self._send(topic, conversation_id, stream, seq, (frame, internal))
            self._flush_ready(topic, conversation_id, stream)
            return
        if stream.last is not None:
            self.reordered += 1
        stream.held[seq] = (frame, internal)
        if stream.timer is None:
            stream.since = time.monotonic()
            loop = asyncio.get_running_loop()
            stream.timer = loop.call_later(self.hold_seconds, self._give_up, topic, conversation_id)

    def _stream(self, topic: str, conversation_id: str) -> _Stream:
        key = (topic, conversation_id)
        stream = self._streams.get(key)
        if stream is None:
            stream = self._streams[key] = _Stream()
            if len(self._streams) > MAX_TRACKED:  # forget the oldest, delivering what it holds
                (old_topic, old_conversation), old = self._streams.popitem(last=False)
                if old.timer is not None:
                    old.timer.cancel()
                self._send_all(old_topic, old_conversation, old)
        else:
            self._streams.move_to_end(key)
        return stream

    def _note(self, conversation_id: str, seq: int) -> None:
        """An internal note's seq will never come on the visitor's topic: stop waiting for it."""
        notes = self._notes.get(conversation_id)
        if notes is None:
            notes = self._notes[conversation_id] = set()
            if len(self._notes) > MAX_TRACKED:
                self._notes.popitem(last=False)
        notes.add(seq)
        if len(notes) > MAX_NOTES:
            notes.discard(min(notes))
        topic = VISITOR_TOPIC + conversation_id
        waiting = self._streams.get((topic, conversation_id))
        if waiting is not None and waiting.last is not None and waiting.held:
            self._flush_ready(topic, conversation_id, waiting)

    def _next(self, topic: str, conversation_id: str, last: int) -> int:
        following = last + 1
        if topic.startswith(VISITOR_TOPIC):
            notes = self._notes.get(conversation_id, ())
            while following in notes:
                following += 1
        return following

    def _flush_ready(self, topic: str, conversation_id: str, stream: _Stream) -> None:
        """Deliver held messages while they follow on without a hole."""
        while stream.held and stream.last is not None:
            following = self._next(topic, conversation_id, stream.last)
            held = stream.held.pop(following, None)
            if held is None:
                break
            self._send(topic, conversation_id, stream, following, held)
        if not stream.held and stream.timer is not None:
            stream.timer.cancel()
            stream.timer = None
            self.longest_wait = max(self.longest_wait, time.monotonic() - stream.since)

    def _send(
        self, topic: str, conversation_id: str, stream: _Stream, seq: int, held: tuple[str, bool]
    ) -> None:
        """Out to the hub, with the seq that preceded it here (None: not known, or a hole)."""
        prev, stream.last = stream.last, seq
        self.hub.deliver_message(topic, held[0], conversation_id, seq, prev or None, held[1])

    def _send_all(self, topic: str, conversation_id: str, stream: _Stream) -> None:
        """Everything held, in seq order. A message goes with the seq before it only where no
        hole lies between them, so that a socket fetches what lies in a hole."""
        known = stream.last
        for seq in sorted(stream.held):
            if known is None or seq != self._next(topic, conversation_id, known):
                stream.last = None
            self._send(topic, conversation_id, stream, seq, stream.held[seq])
            known = seq
        stream.held.clear()

    def _give_up(self, topic: str, conversation_id: str) -> None:
        """The hold ran out: what is held goes out in seq order. After a hole (a message lost
        on the bus) each socket fetches the missing ones from the database first."""
        stream = self._streams.get((topic, conversation_id))
        if stream is None:
            return
        stream.timer = None
        if stream.last is not None:
            self.holes += 1
        self._send_all(topic, conversation_id, stream)
