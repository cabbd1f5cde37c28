"""The per-socket outbox: frames go out at once, queue in order only while the socket is not
writable, and a reader that falls too far behind is dropped without stalling anyone else."""

from __future__ import annotations

import asyncio

import orjson
import pytest
import websockets

from livedesk.realtime.hub import Outbox, send_eagerly
from livedesk.settings import Settings

from livedesk_testing import World, connect_agent, login, running


class FakeSocket:
    """Records frames; while `paused`, a send suspends until the socket is writable again
    (what uvicorn's send does when the transport's buffer is full)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.writable = asyncio.Event()
        self.writable.set()

    async def send(self, frame: str) -> None:
        await self.writable.wait()
        self.sent.append(frame)


async def test_send_eagerly_runs_to_completion_without_a_task() -> None:
    socket = FakeSocket()
    assert send_eagerly(socket.send("a")) is None
    assert socket.sent == ["a"]  # written inside the call, no loop iteration needed


async def test_send_eagerly_hands_a_suspended_send_to_whoever_awaits_it() -> None:
    socket = FakeSocket()
    socket.writable.clear()
    pending = send_eagerly(socket.send("a"))
    assert pending is not None and socket.sent == []
    task = asyncio.ensure_future(pending)
    await asyncio.sleep(0)
    assert not task.done()
    socket.writable.set()
    await asyncio.wait_for(task, 1)
    assert socket.sent == ["a"]


async def test_send_eagerly_continuation_can_be_cancelled() -> None:
    socket = FakeSocket()
    socket.writable.clear()
    pending = send_eagerly(socket.send("a"))
    assert pending is not None
    task = asyncio.ensure_future(pending)
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    socket.writable.set()
    await asyncio.sleep(0)
    assert socket.sent == []


async def test_frames_queue_in_order_while_the_socket_is_not_writable() -> None:
    socket = FakeSocket()
    outbox = Outbox(socket.send, limit=10)
    outbox.put("1")
    socket.writable.clear()
    for frame in "2345":
        outbox.put(frame)
    assert socket.sent == ["1"]
    socket.writable.set()
    await outbox.flush(1.0)
    assert socket.sent == list("12345")
    outbox.put("6")  # writable again: straight out
    assert socket.sent[-1] == "6"


async def test_a_reader_too_far_behind_is_dropped_and_told_why() -> None:
    socket = FakeSocket()
    overflowed = []
    outbox = Outbox(socket.send, limit=3, on_overflow=lambda: overflowed.append(True))
    socket.writable.clear()
    for frame in "123456":
        outbox.put(frame)
    assert overflowed == [True] and outbox.closed
    socket.writable.set()
    await outbox.flush(1.0)
    # The in-flight frame went out; the dropped backlog did not (the client resumes by seq).
    assert socket.sent == ["1"]


async def test_flush_gives_up_on_a_stuck_peer() -> None:
    socket = FakeSocket()
    outbox = Outbox(socket.send, limit=10)
    socket.writable.clear()
    outbox.put("1")
    outbox.close()
    await outbox.flush(0.05)
    assert socket.sent == []
    outbox.put("2")  # closed: ignored
    socket.writable.set()
    await asyncio.sleep(0.01)
    assert socket.sent == []


async def test_a_slow_reader_is_closed_while_others_keep_receiving(
    settings: Settings, world: World
) -> None:
    """A staff socket that stops reading (the client's buffers fill) is closed with 4013 once its
    outbox passes the limit; a colleague on the same business receives every frame."""
    async with running(settings.model_copy(update={"outbound_queue_size": 20})) as server:
        secret = await login(server, world.a.operator)
        reader = await connect_agent(server, secret)
        await reader.send(type="hello")
        await reader.wait_type("welcome")
        # max_queue=1 makes the client stop reading from its socket when it is not consumed.
        stuck = await websockets.connect(
            f"{server.ws_url}/ws/agent",
            compression=None,
            max_queue=1,
            additional_headers={"Cookie": f"livedesk_session={secret}"},
        )
        await stuck.send('{"type":"hello"}')
        await stuck.recv()
        filler = "x" * 3900
        count = 6000  # ~23 MB: more than the socket buffers between server and client hold
        for n in range(1, count + 1):
            frame = orjson.dumps({"type": "bench", "n": n, "pad": filler}).decode()
            server.runtime.publish_to_staff(world.a.business_id, frame)
            if n % 10 == 0:  # the healthy reader keeps up; the stuck one falls behind
                await reader.wait_for(lambda f, n=n: f.get("n") == n, timeout=10)

        # The server closed the stuck socket's side; the client sees the code once it reads.
        async def drained_close() -> int | None:
            try:
                while True:
                    await stuck.recv()
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None

        assert await asyncio.wait_for(drained_close(), 20) == 4013
        await reader.wait_for(lambda f: f.get("type") == "bench" and f["n"] == count, timeout=20)
        got = [f["n"] for f in reader.frames if f.get("type") == "bench"]
        assert got == list(range(1, count + 1))
        await reader.close()
