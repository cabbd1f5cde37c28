"""The protocol's documented limits, over real sockets: oversized frames, a second close, a
resume from a seq the conversation never reached, a reused client_msg_id, and a staff client
that was away when its chat ended."""

from __future__ import annotations

import asyncio
import contextlib

import orjson
import pytest
import websockets
from sqlalchemy import func, select

from livedesk.conversations.models import Message
from livedesk.db import make_engine
from livedesk.realtime.protocol import MAX_FRAME_BYTES, WS_MAX_BYTES

from livedesk_testing import (
    ORIGIN_A,
    LiveServer,
    World,
    WsClient,
    connect_agent,
    login,
    visitor_in_chat,
)


async def open_chat(server: LiveServer, world: World) -> tuple[WsClient, str]:
    visitor, cid, _ = await visitor_in_chat(
        server, world.a.widget_key, ORIGIN_A, page={"url": "https://alpha.example/"}
    )
    return visitor, cid


async def agent_of(server: LiveServer, username: str, **resume: int) -> WsClient:
    agent = await connect_agent(server, await login(server, username))
    await agent.send(type="hello", resume=resume)
    await agent.wait_type("welcome")
    return agent


async def stored_count(server: LiveServer, conversation_id: str) -> int:
    engine = make_engine(server.settings)
    try:
        async with engine.connect() as conn:
            query = select(func.count()).where(Message.conversation_id == conversation_id)
            return int(await conn.scalar(query) or 0)
    finally:
        await engine.dispose()


async def test_the_frame_limit_counts_utf8_bytes_and_is_answered(
    server: LiveServer, world: World
) -> None:
    visitor, cid = await open_chat(server, world)
    # 30,000 three-byte characters: under 64 Ki in characters (which the limit used to count),
    # about 88 KiB in UTF-8 bytes.
    frame = {"type": "send", "conversation_id": cid, "client_msg_id": "big", "body": "€" * 30_000}
    raw = orjson.dumps(frame).decode()
    assert len(raw) < MAX_FRAME_BYTES < len(raw.encode())
    await visitor.send_raw(raw)
    error = await visitor.wait_type("error", code="frame_too_large")
    assert error["data"] == {"limit": MAX_FRAME_BYTES, "size": len(raw.encode())}
    # The socket stays open and usable after the error; nothing was stored.
    await visitor.send(type="send", conversation_id=cid, client_msg_id="ok", body="Hallo")
    assert (await visitor.wait_type("ack", client_msg_id="ok"))["seq"] == 1
    assert await stored_count(server, cid) == 1

    # Just under the limit in bytes passes the frame check (and meets the body's own limit).
    filler = "é" * ((MAX_FRAME_BYTES - 200) // 2)
    await visitor.send(type="send", conversation_id=cid, client_msg_id="near", body=filler)
    assert (await visitor.wait_type("error", code="message_too_long"))["data"]["limit"] == 4000
    await visitor.close()


async def test_a_huge_frame_is_cut_by_the_server_before_it_is_read(
    server: LiveServer, world: World
) -> None:
    visitor, cid = await open_chat(server, world)
    with contextlib.suppress(websockets.ConnectionClosed):  # cut while still sending
        await visitor.send_raw("x" * (20 * 1024 * 1024))
    await asyncio.wait_for(visitor.closed.wait(), 10)
    assert visitor.ws.close_code == 1009
    assert str(WS_MAX_BYTES) in (visitor.ws.close_reason or "")
    assert await stored_count(server, cid) == 0
    # The server itself is fine: a new socket works.
    again, _ = await open_chat(server, world)
    await again.close()


async def test_closing_a_closed_chat_is_answered_with_invalid_transition(
    server: LiveServer, world: World
) -> None:
    visitor, cid = await open_chat(server, world)
    agent = await agent_of(server, world.a.operator)
    await agent.send(type="accept", conversation_id=cid)
    await agent.wait_for(lambda f: f.get("type") == "conversation" and f.get("state") == "active")
    await agent.send(type="close", conversation_id=cid, disposition="answered")
    await agent.wait_for(lambda f: f.get("type") == "conversation" and f.get("state") == "closed")

    await agent.send(type="close", conversation_id=cid, disposition="spam")
    error = await agent.wait_type("error", code="invalid_transition")
    assert error["data"] == {"conversation_id": cid, "state": "closed"}
    closed = await visitor.wait_for(lambda f: f.get("state") == "closed")
    assert closed["disposition"] == "answered"  # the second close changed nothing

    # An unknown disposition is refused with its own code, and the chat stays open.
    visitor2, cid2 = await open_chat(server, world)
    await agent.send(type="close", conversation_id=cid2, disposition="weird")
    error = await agent.wait_type("error", code="invalid_disposition")
    assert "answered" in error["data"]["allowed"]
    await agent.send(type="accept", conversation_id=cid2)
    await visitor2.wait_for(lambda f: f.get("state") == "active")
    await visitor.close()
    await visitor2.close()
    await agent.close()


async def test_a_resume_from_a_future_seq_gets_seq_ahead(server: LiveServer, world: World) -> None:
    visitor, cid = await open_chat(server, world)
    await visitor.send(type="send", conversation_id=cid, client_msg_id="v1", body="Hallo")
    await visitor.wait_type("ack", client_msg_id="v1")

    agent = await agent_of(server, world.a.operator, **{cid: 7})
    error = await agent.wait_type("error", code="seq_ahead")
    assert error["data"] == {"conversation_id": cid, "held": 7, "last_seq": 1}
    assert agent.of_type("message") == []

    # From the seq it holds (or below) the replay is as before.
    agent2 = await agent_of(server, world.a.operator, **{cid: 0})
    assert (await agent2.wait_type("message", seq=1))["body"] == "Hallo"
    assert not [f for f in agent2.frames if f.get("code") == "seq_ahead"]
    for client in (visitor, agent, agent2):
        await client.close()


async def test_a_reused_client_msg_id_with_another_body_is_refused(
    server: LiveServer, world: World
) -> None:
    visitor, cid = await open_chat(server, world)
    await visitor.send(type="send", conversation_id=cid, client_msg_id="m1", body="Eerste")
    assert (await visitor.wait_type("ack", client_msg_id="m1"))["seq"] == 1

    # A true retry is still acked as the original.
    await visitor.send(type="send", conversation_id=cid, client_msg_id="m1", body="Eerste")
    retry = await visitor.wait_for(
        lambda f: f.get("type") == "ack" and f.get("duplicate") is True, start=0
    )
    assert retry["seq"] == 1

    # Another message under the same id is refused, with the original's seq to look at.
    await visitor.send(
        type="send", conversation_id=cid, client_msg_id="m1", body="Iets anders", after_seq=0
    )
    error = await visitor.wait_type("error", code="client_msg_id_reused")
    assert error["data"] == {"conversation_id": cid, "client_msg_id": "m1", "seq": 1}
    assert len(visitor.of_type("ack")) == 2
    assert await stored_count(server, cid) == 1

    # Two sends with one id in the same moment (one batch): the second is refused too.
    await asyncio.gather(
        visitor.send(type="send", conversation_id=cid, client_msg_id="m2", body="A"),
        visitor.send(type="send", conversation_id=cid, client_msg_id="m2", body="B"),
    )
    await visitor.wait_type("ack", client_msg_id="m2")
    await visitor.wait_for(
        lambda f: f.get("code") == "client_msg_id_reused" and f["data"]["client_msg_id"] == "m2"
    )
    assert await stored_count(server, cid) == 2
    await visitor.close()


async def test_a_staff_client_away_when_its_chat_ended_learns_the_final_state(
    server: LiveServer, world: World
) -> None:
    visitor, cid = await open_chat(server, world)
    agent = await agent_of(server, world.a.operator)
    await agent.send(type="accept", conversation_id=cid)
    await visitor.wait_for(lambda f: f.get("state") == "active")
    await agent.send(type="send", conversation_id=cid, client_msg_id="o1", body="Goedemiddag")
    await agent.wait_type("ack", client_msg_id="o1")
    await agent.close()  # the operator's network drops

    await visitor.send(type="send", conversation_id=cid, client_msg_id="v1", body="Bedankt!")
    await visitor.wait_type("ack", client_msg_id="v1")
    await visitor.send(type="leave", conversation_id=cid)
    await visitor.wait_for(lambda f: f.get("state") == "closed")

    back = await connect_agent(server, await login(server, world.a.operator))
    await back.send(type="hello", resume={cid: 1})
    welcome = await back.wait_type("welcome")
    assert cid not in [c["conversation_id"] for c in welcome["conversations"]]
    final = await back.wait_type("conversation", conversation_id=cid)
    assert final["state"] == "closed" and final["closed_at"] is not None
    assert final["operator"]["name"] == "Op alpha"
    # The missed message comes first, then the state it ended in.
    kinds = [(f["type"], f.get("seq")) for f in back.frames if f.get("conversation_id") == cid]
    assert kinds == [("message", 2), ("conversation", None)]

    # Another business's operator naming it learns nothing about it.
    other = await agent_of(server, world.b.operator, **{cid: 0})
    assert (await other.wait_type("error", code="not_found"))["data"]["conversation_id"] == cid
    assert other.of_type("conversation") == []
    for client in (visitor, back, other):
        await client.close()


async def test_the_server_reads_a_frame_just_over_the_limit(
    server: LiveServer, world: World
) -> None:
    agent = await agent_of(server, world.a.operator)
    size = MAX_FRAME_BYTES + 1
    await agent.send_raw("a" * size)
    error = await agent.wait_type("error", code="frame_too_large")
    assert error["data"]["size"] == size
    await agent.send(type="ping", t=1)
    assert (await agent.wait_type("pong"))["t"] == 1
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(agent.closed.wait(), 0.2)
    await agent.close()
