"""A client that was away while its chat was accepted, answered and closed ends, after its
resume, with the same conversation state as a client that stayed connected throughout."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from livedesk.conversations.models import AuthorKind, Message
from livedesk.realtime.protocol import message_frame
from livedesk.realtime.writer import NewMessage, StoredMessage

from livedesk_testing import (
    ORIGIN_A,
    LiveServer,
    World,
    WsClient,
    connect_agent,
    connect_visitor,
    login,
    visitor_in_chat,
)

FIELDS = ("state", "operator", "disposition", "accepted_at", "closed_at", "last_seq")


def last_state(client: WsClient, cid: str) -> dict[str, Any]:
    """What a client holds of a conversation: the newest of its welcome entry and frames."""
    held: dict[str, Any] = {}
    for frame in client.frames:
        if frame["type"] == "welcome":
            for conversation in frame["conversations"]:
                if conversation["conversation_id"] == cid:
                    held.update(conversation)
        elif frame["type"] == "conversation" and frame["conversation_id"] == cid:
            held.update(frame)
    return {k: held.get(k) for k in FIELDS if k in held}


async def staff(server: LiveServer, username: str, **hello: Any) -> WsClient:
    client = await connect_agent(server, await login(server, username))
    await client.send(type="hello", **hello)
    await client.wait_type("welcome")
    return client


async def resumed_visitor(server: LiveServer, world: World, messages: int) -> tuple[WsClient, str]:
    """A visitor who started a chat, sent `messages` messages, left, and is back on a new
    socket holding them all (its resume's replay is over)."""
    visitor, cid, token = await visitor_in_chat(server, world.a.widget_key, ORIGIN_A)
    for n in range(1, messages + 1):
        await visitor.send(type="send", conversation_id=cid, client_msg_id=f"v{n}", body=f"{n}")
        await visitor.wait_type("ack", client_msg_id=f"v{n}")
    await visitor.close()
    back = await connect_visitor(server, token, ORIGIN_A)
    await back.send(type="hello", resume={cid: messages})
    await back.wait_type("welcome")
    await back.send(type="ping", t=1)
    await back.wait_type("pong")
    return back, cid


async def test_a_client_away_during_accept_and_close_converges_on_resume(
    server: LiveServer, world: World
) -> None:
    visitor, cid, token = await visitor_in_chat(server, world.a.widget_key, ORIGIN_A)
    await visitor.send(type="send", conversation_id=cid, client_msg_id="v1", body="Hallo?")
    await visitor.wait_type("ack", client_msg_id="v1")
    stayer = await staff(server, world.supervisor)
    away = await staff(server, world.supervisor)
    await away.close()
    await visitor.close()

    operator = await staff(server, world.a.operator)
    await operator.send(type="accept", conversation_id=cid)
    await stayer.wait_for(lambda f: f.get("type") == "conversation" and f["state"] == "active")
    await operator.send(type="send", conversation_id=cid, client_msg_id="o1", body="Ja!")
    await operator.wait_type("ack", client_msg_id="o1")
    await operator.send(type="close", conversation_id=cid, disposition="answered")
    await stayer.wait_for(lambda f: f.get("type") == "conversation" and f["state"] == "closed")
    stayed = last_state(stayer, cid)
    assert stayed["state"] == "closed" and stayed["disposition"] == "answered"
    assert stayed["operator"]["name"] == "Op alpha"

    back = await staff(server, world.supervisor, resume={cid: 1})
    await back.wait_type("message", conversation_id=cid, seq=2)
    await back.wait_for(lambda f: f.get("type") == "conversation" and f["state"] == "closed")
    assert last_state(back, cid) == stayed

    visitor_back = await connect_visitor(server, token, ORIGIN_A)
    await visitor_back.send(type="hello", resume={cid: 1})
    await visitor_back.wait_type("message", conversation_id=cid, seq=2)
    assert last_state(visitor_back, cid) == stayed
    for client in (stayer, operator, back, visitor_back):
        await client.close()


async def test_a_late_live_copy_of_what_a_resumed_client_holds_is_not_sent_again(
    server: LiveServer, world: World
) -> None:
    """The client holds every message, so its resume replays nothing; a live copy of one of
    them that another process published before the resume, and this process's sequencer let
    out late, must not reach it a second time."""
    back, cid = await resumed_visitor(server, world, 2)
    async with server.runtime.reading() as session:
        row = await session.scalar(
            select(Message).where(Message.conversation_id == cid, Message.seq == 2)
        )
    assert row is not None
    server.runtime.hub.deliver(f"conv:{cid}", message_frame(StoredMessage.from_row(row)))
    await back.send(type="send", conversation_id=cid, client_msg_id="v3", body="3")
    await back.wait_type("message", conversation_id=cid, seq=3)
    seqs = [f["seq"] for f in back.frames if f.get("type") == "message"]
    assert seqs == [3]
    await back.close()


async def test_a_message_that_follows_one_never_published_brings_that_one_first(
    server: LiveServer, world: World, monkeypatch: Any
) -> None:
    """Another process stored seq 2 and was killed before publishing it; seq 3 then comes over
    the bus. The visitor, who holds seq 1, gets 2 from the database before 3, and an internal
    note (seq 4) is no hole it waits for."""
    back, cid = await resumed_visitor(server, world, 1)

    runtime = server.runtime
    monkeypatch.setattr(runtime.broker, "publish", lambda topic, frame: None)  # never published
    for n, internal in ((2, False), (3, False), (4, True), (5, False)):
        await runtime.writer.write(
            NewMessage(
                conversation_id=cid,
                business_id=world.a.business_id,
                author_kind=AuthorKind.OPERATOR,
                body=f"{n}",
                internal=internal,
            )
        )
    monkeypatch.undo()
    async with runtime.reading() as session:
        rows = {
            row.seq: row
            for row in await session.scalars(select(Message).where(Message.conversation_id == cid))
        }
    # What the sequencer hands the hub: seq 3, then 5 (it did see the note on a staff topic).
    for seq, prev in ((3, None), (5, 3)):
        frame = message_frame(StoredMessage.from_row(rows[seq]))
        runtime.hub.deliver_message(f"conv:{cid}", frame, cid, seq, prev, False)
    await back.wait_type("message", conversation_id=cid, seq=5)
    seqs = [f["seq"] for f in back.frames if f.get("type") == "message"]
    assert seqs == [2, 3, 5]
    assert runtime.hub.gaps_filled == 1
    await back.close()
