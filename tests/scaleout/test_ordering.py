"""Order across processes: the sequencer between the bus and the hub puts each topic's messages
of a conversation back in seq order, once; a socket that resumed drops the live copy of a
message its replay already sent. In-process: frames are fed by hand, no bus, no clock."""

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
    """What the hub knows of a connection: its outbox, and a resync order."""

    def __init__(self, hub: Hub, topics: list[str]) -> None:
        self.received: list[dict[str, Any]] = []
        self.resyncs = 0

        async def send(frame: str) -> None:
            self.received.append(orjson.loads(frame))

        self.outbox = Outbox(send, limit=100)
        hub.subscribe(self.outbox, topics)
        hub.sockets.add(self)

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


async def test_a_hole_that_is_never_filled_resyncs_the_topic_once_the_hold_runs_out() -> None:
    sequencer, sockets = sequencer_with("biz:b", "biz:other")
    sequencer.deliver("biz:b", message(1))
    sequencer.deliver("biz:b", message(3))  # seq 2 was lost on the bus
    sequencer.deliver("biz:b", message(4))
    sequencer._give_up("biz:b", CID)
    assert sockets["biz:b"].seqs() == [1]  # never a hole: the socket resumes from the database
    assert sockets["biz:b"].resyncs == 1 and sockets["biz:other"].resyncs == 0
    assert sequencer.holes == 1


async def test_a_message_later_than_the_hold_resyncs_the_topic_instead_of_going_out() -> None:
    sequencer, sockets = sequencer_with("biz:b", "biz:other")
    sequencer.deliver("biz:b", message(3))  # the first seen here: held, then out
    sequencer._give_up("biz:b", CID)
    sequencer.deliver("biz:b", message(2))  # too late: 3 went out already
    assert sockets["biz:b"].seqs() == [3]
    assert sockets["biz:b"].resyncs == 1 and sockets["biz:other"].resyncs == 0
    assert sequencer.late == 1
    # The resynced socket gets nothing more live: it resumes from its last seq instead.
    sequencer.deliver("biz:b", message(4))
    assert sockets["biz:b"].seqs() == [3]


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
