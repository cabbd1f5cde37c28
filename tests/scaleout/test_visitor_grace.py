"""A visitor whose socket closed on one process and who said hello again on another is not
'gone': the grace period the first process started ends when the bus tells it so."""

from __future__ import annotations

from datetime import timedelta

from livedesk.realtime import protocol
from livedesk.realtime.visitor import VISITOR_BACK_TOPIC
from livedesk.routing.timers import Timers

from livedesk_testing import LiveServer


def back(*conversation_ids: str) -> str:
    return protocol.frame("visitor_back", conversation_ids=list(conversation_ids))


async def test_a_visitor_back_on_another_process_ends_the_grace_here(server: LiveServer) -> None:
    timers: Timers = server.app.state.router.timers
    timers.visitor_disconnected(["c1", "c2"])
    assert set(timers._grace) == {"c1", "c2"}
    server.runtime.broker.publish(VISITOR_BACK_TOPIC, back("c1"))  # another process's hello
    assert set(timers._grace) == {"c2"}


async def test_a_close_noticed_after_the_visitor_came_back_starts_no_grace(
    server: LiveServer,
) -> None:
    timers: Timers = server.app.state.router.timers
    server.runtime.broker.publish(VISITOR_BACK_TOPIC, back("c1"))
    timers.visitor_disconnected(["c1", "c2"])  # the old socket's close, noticed late
    assert set(timers._grace) == {"c2"}
    # Once a grace period has passed, a later disconnect counts again.
    timers._back["c1"] -= timers.batcher.options.visitor_grace + timedelta(seconds=1)
    timers.visitor_disconnected(["c1"])
    assert "c1" in timers._grace
