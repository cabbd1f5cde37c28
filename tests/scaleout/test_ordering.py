"""Order across processes: the sequencer between the bus and the hub puts each topic's messages
of a conversation back in seq order, once; each socket drops what it already holds and has a
hole filled (from the database in the product; by hand here) before a message that follows it.
In-process: frames are fed by hand, no bus, no clock."""

from __future__ import annotations

from typing import Any

import orjson

from livedesk.realtime.hub import Hub, Outbox
from livedesk.realtime.ordering import Sequencer

CID = "c1"


def message(seq: int, *, internal: bool = False, cid: str = CID) -> str:
    frame: dict[str, Any] = {"type": "message", "conversation_id": cid, "seq": seq, "body": "x"}
    if internal:
        frame["internal"] = True
    return orjson.dumps(frame).decode()


class Socket:
    """What the hub knows of a connection: its outbox, and a resync order. A hole is filled at
    once from `stored` (the connection reads the database), internal notes left out for a
    visitor's socket."""

    def __init__(self, hub: Hub, topics: list[str], notes: frozenset[int] = frozenset()) -> None:
        self.received: list[dict[str, Any]] = []
        self.resyncs = 0
        self.gaps: list[tuple[int, int]] = []
        self.notes = notes if any(t.startswith("conv:") for t in topics) else frozenset()

        async def send(frame: str) -> None:
            self.received.append(orjson.loads(frame))

        self.outbox = Outbox(send, limit=100)
        self.outbox.on_gap = self.fill
        hub.subscribe(self.outbox, topics)
        hub.sockets.add(self)

    def fill(self, conversation_id: str, after: int, before: int) -> None:
        self.gaps.append((after, before))
        for seq in range(after + 1, before):
            if seq not in self.notes:
                self.outbox.put_direct(message(seq, cid=conversation_id))
        self.outbox.track(conversation_id, before - 1)
        self.outbox.release_held()

    def resync(self) -> None:
        self.resyncs += 1

    def seqs(self) -> list[int]:
        return [f["seq"] for f in self.received if f["type"] == "message"]


def sequencer_with(*topics: str) -> tuple[Sequencer, dict[str, Socket]]:
    hub = Hub()
    return Sequencer(hub), {topic: Socket(hub, [topic]) for topic in topics}


async def test_a_message_that_overtook_an_earlier_one_waits_for_it() -> None:
    sequencer, sockets = sequencer_with("biz:b")
    for seq in (1, 2, 4, 3, 5):
        sequencer.deliver("biz:b", message(seq))
    assert sockets["biz:b"].seqs() == [1, 2, 3, 4, 5]
    assert sequencer.reordered == 1 and sequencer.late == 0


async def test_each_topic_is_put_in_order_on_its_own() -> None:
    sequencer, sockets = sequencer_with("biz:b", "staff:all", f"conv:{CID}")
    # Two processes' publishes interleaved at Redis: seq 2's frames before seq 1's on two topics.
    arrivals = [("biz:b", 2), (f"conv:{CID}", 2), ("staff:all", 1), ("biz:b", 1)]
    arrivals += [(f"conv:{CID}", 1), ("staff:all", 2)]
    for topic, seq in arrivals:
        sequencer.deliver(topic, message(seq))
    assert [s.seqs() for s in sockets.values()] == [[1, 2], [1, 2], [1, 2]]


async def test_an_internal_note_seen_on_a_staff_topic_lets_the_visitor_topic_go_on() -> None:
    sequencer, sockets = sequencer_with("biz:b", f"conv:{CID}")
    visitor = f"conv:{CID}"
    sequencer.deliver(visitor, message(1))
    sequencer.deliver("biz:b", message(1))
    sequencer.deliver(visitor, message(3))  # seq 2 is a note: it never comes on this topic
    assert sockets[visitor].seqs() == [1]  # held: is seq 2 a note, or late?
    sequencer.deliver("biz:b", message(2, internal=True))
    sequencer.deliver("biz:b", message(3))
    assert sockets[visitor].seqs() == [1, 3]
    assert sockets["biz:b"].seqs() == [1, 2, 3]
    sequencer.deliver(visitor, message(4))  # the note is remembered: no hold this time
    assert sockets[visitor].seqs() == [1, 3, 4]


async def test_the_first_message_seen_of_a_chat_is_held_in_case_an_earlier_one_follows() -> None:
    sequencer, sockets = sequencer_with("biz:b")
    sequencer.deliver("biz:b", message(8))
    sequencer.deliver("biz:b", message(7))
    assert sockets["biz:b"].seqs() == []
    sequencer._give_up("biz:b", CID)  # the hold ran out (HOLD_SECONDS)
    assert sockets["biz:b"].seqs() == [7, 8]
    sequencer.deliver("biz:b", message(9))
    assert sockets["biz:b"].seqs() == [7, 8, 9]


async def test_a_hole_that_is_never_filled_is_fetched_by_the_sockets_once_the_hold_runs_out() -> (
    None
):
    sequencer, sockets = sequencer_with("biz:b", "biz:other")
    sequencer.deliver("biz:b", message(1))
    sequencer.deliver("biz:b", message(3))  # seq 2 was stored, but never published
    sequencer.deliver("biz:b", message(4))
    assert sockets["biz:b"].seqs() == [1]  # held: seq 2 may still come
    sequencer._give_up("biz:b", CID)
    assert sockets["biz:b"].seqs() == [1, 2, 3, 4]  # never a hole: 2 came from the database
    assert sockets["biz:b"].gaps == [(1, 3)] and sockets["biz:other"].gaps == []
    assert sequencer.holes == 1
    sequencer.deliver("biz:b", message(5))
    assert sockets["biz:b"].seqs() == [1, 2, 3, 4, 5]


async def test_every_hole_among_the_held_messages_is_fetched() -> None:
    sequencer, sockets = sequencer_with(f"conv:{CID}")
    for seq in (1, 3, 5):  # 2 and 4 were stored, never published
        sequencer.deliver(f"conv:{CID}", message(seq))
    sequencer._give_up(f"conv:{CID}", CID)
    assert sockets[f"conv:{CID}"].seqs() == [1, 2, 3, 4, 5]
    assert sockets[f"conv:{CID}"].gaps == [(1, 3), (3, 5)]


async def test_a_socket_that_resumed_fills_the_hole_before_a_first_seen_chat_goes_on() -> None:
    # A process that just started (or whose bus came back) has not seen this chat: it holds
    # the first message it sees, then lets it out. The socket that resumed holding seq 6 must
    # not get 8 before 7, which the killed process stored and never published.
    sequencer, sockets = sequencer_with("biz:b")
    sockets["biz:b"].outbox.track(CID, 6)
    sequencer.deliver("biz:b", message(8))
    sequencer._give_up("biz:b", CID)
    assert sockets["biz:b"].seqs() == [7, 8]
    assert sockets["biz:b"].gaps == [(6, 8)]


async def test_a_message_later_than_the_hold_reaches_only_the_sockets_without_it() -> None:
    hub = Hub()
    sequencer = Sequencer(hub)
    had_two = Socket(hub, ["biz:b"])
    had_two.outbox.track(CID, 2)  # resumed holding 1 and 2
    had_one = Socket(hub, ["biz:b"])
    had_one.outbox.track(CID, 1)
    sequencer.deliver("biz:b", message(3))  # the first seen here: held, then out
    sequencer._give_up("biz:b", CID)
    assert had_two.seqs() == [3]
    assert had_one.seqs() == [2, 3]  # fetched 2 first
    sequencer.deliver("biz:b", message(2))  # the live copy, late: both hold it already
    sequencer.deliver("biz:b", message(4))
    assert had_two.seqs() == [3, 4] and had_one.seqs() == [2, 3, 4]
    assert sequencer.late == 1 and had_one.resyncs == had_two.resyncs == 0


async def test_a_visitor_socket_knows_a_note_is_no_hole_when_the_sequencer_knows() -> None:
    hub = Hub()
    sequencer = Sequencer(hub)
    visitor = Socket(hub, [f"conv:{CID}"], notes=frozenset({2}))
    visitor.outbox.track(CID, 0)
    sequencer.deliver("biz:b", message(1))
    sequencer.deliver(f"conv:{CID}", message(1))
    sequencer.deliver("biz:b", message(2, internal=True))
    sequencer.deliver(f"conv:{CID}", message(3))
    assert visitor.seqs() == [1, 3] and visitor.gaps == []  # no database read for the note


async def test_other_frames_pass_straight_through() -> None:
    sequencer, sockets = sequencer_with("biz:b")
    sequencer.deliver("biz:b", '{"type":"typing","conversation_id":"c1","state":"on"}')
    assert sockets["biz:b"].received == [{"type": "typing", "conversation_id": CID, "state": "on"}]


async def test_a_resumed_socket_drops_the_late_live_copy_of_a_replayed_message() -> None:
    hub = Hub()
    socket = Socket(hub, [f"conv:{CID}"])
    replayed = {CID: 7}

    def already_replayed(frame: str) -> bool:
        data = orjson.loads(frame)
        return bool(data["seq"] <= replayed.get(data["conversation_id"], 0))

    socket.outbox.hold()
    hub.deliver(f"conv:{CID}", message(6))  # held during the replay, which sent 1..7
    socket.outbox.release(skip=already_replayed)
    hub.deliver(f"conv:{CID}", message(7))  # committed before the replay read it, published late
    hub.deliver(f"conv:{CID}", message(8))
    assert socket.seqs() == [8]


def state(version: int, value: str) -> str:
    frame = {"type": "conversation", "conversation_id": CID, "state": value, "version": version}
    return orjson.dumps(frame).decode()


async def test_a_state_that_arrives_after_a_newer_one_is_not_sent() -> None:
    hub = Hub()
    stayed = Socket(hub, ["biz:b"])
    welcomed = Socket(hub, ["biz:b"])
    welcomed.outbox.saw_state(CID, 3)  # its welcome listed the chat as it was at version 3
    # Accepted (version 2) on one process, closed (3) on another; Redis hands over 3 first.
    hub.deliver("biz:b", state(3, "closed"))
    hub.deliver("biz:b", state(2, "active"))
    hub.deliver("biz:b", state(4, "closed"))
    assert [f["version"] for f in stayed.received] == [3, 4]
    assert [f["version"] for f in welcomed.received] == [3, 4]
