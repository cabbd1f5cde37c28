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

    # The old socket's close noticed only after the visitor was back: no grace starts.
    server.runtime.broker.publish(VISITOR_BACK_TOPIC, back("c3"))
    timers.visitor_disconnected(["c3", "c4"])
    assert set(timers._grace) == {"c2", "c4"}
    # Once a grace period has passed, a later disconnect counts again.
    timers._back["c3"] -= timers.batcher.options.visitor_grace + timedelta(seconds=1)
    timers.visitor_disconnected(["c3"])
    assert "c3" in timers._grace
