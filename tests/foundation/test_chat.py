"""The realtime core over real WebSockets against a live server."""

from __future__ import annotations

import asyncio

import pytest
import websockets

from livedesk_testing import (
    ORIGIN_A,
    LiveServer,
    World,
    connect_agent,
    connect_visitor,
    login,
    visitor_in_chat,
    visitor_token,
)


async def start_chat(server: LiveServer, world: World):  # type: ignore[no-untyped-def]
    visitor, cid, token = await visitor_in_chat(
        server,
        world.a.widget_key,
        ORIGIN_A,
        page={
            "url": "https://alpha.example/prijzen",
            "title": "Prijzen",
            "referrer": "https://google.nl",
        },
    )
    return token, visitor, cid


async def test_whole_chat_visitor_and_operator(server: LiveServer, world: World) -> None:
    _, visitor, cid = await start_chat(server, world)
    agent = await connect_agent(server, await login(server, world.a.operator))
    await agent.send(type="hello")
    welcome = await agent.wait_type("welcome")
    assert [c["conversation_id"] for c in welcome["conversations"]] == [cid]
    assert {"hello", "send", "accept", "close", "typing", "read"} <= set(welcome["accepts"])
    assert welcome["conversations"][0]["page_url"] == "https://alpha.example/prijzen"

    await visitor.send(type="send", conversation_id=cid, client_msg_id="v1", body="Hallo?")
    ack = await visitor.wait_type("ack", client_msg_id="v1")
    assert ack["seq"] == 1 and ack["duplicate"] is False
    got = await agent.wait_type("message", seq=1)
    assert got["body"] == "Hallo?" and got["author"]["kind"] == "visitor"

    # An operator cannot answer a chat that is not theirs yet.
    await agent.send(type="send", conversation_id=cid, client_msg_id="o0", body="Hoi")
    assert (await agent.wait_type("error"))["code"] == "not_assigned"

    await agent.send(type="accept", conversation_id=cid)
    active = await visitor.wait_for(lambda f: f.get("state") == "active")
    assert active["operator"]["name"] == "Op alpha"
    await agent.send(type="send", conversation_id=cid, client_msg_id="o1", body="Goedemiddag!")
    assert (await agent.wait_type("ack", client_msg_id="o1"))["seq"] == 2
    reply = await visitor.wait_type("message", seq=2)
    assert reply["author"] == {"kind": "operator", "name": "Op alpha"}

    # Internal notes reach staff only.
    await agent.send(
        type="send", conversation_id=cid, client_msg_id="n1", body="VIP klant", internal=True
    )
    note = await agent.wait_type("message", seq=3)
    assert note["internal"] is True
    await agent.send(type="send", conversation_id=cid, client_msg_id="o2", body="Wat kan ik doen?")
    await visitor.wait_type("message", seq=4)
    assert [f["seq"] for f in visitor.of_type("message")] == [1, 2, 4]

    await agent.send(type="close", conversation_id=cid, disposition="answered")
    closed = await visitor.wait_for(lambda f: f.get("state") == "closed")
    assert closed["disposition"] == "answered"
    await visitor.send(type="send", conversation_id=cid, client_msg_id="v2", body="nog iets")
    assert (await visitor.wait_type("error"))["code"] == "conversation_closed"

    # The transcript over HTTP: staff see the note, the business user does not.
    async with server.http(
        cookies={"livedesk_session": await login(server, world.a.operator)}
    ) as h:
        items = (await h.get(f"/api/v1/conversations/{cid}/messages")).json()["items"]
        assert [m["seq"] for m in items] == [1, 2, 3, 4]
    async with server.http(
        cookies={"livedesk_session": await login(server, world.a.business_user)}
    ) as h:
        items = (await h.get(f"/api/v1/conversations/{cid}/messages")).json()["items"]
        assert [m["seq"] for m in items] == [1, 2, 4]
    await visitor.close()
    await agent.close()


async def test_retried_send_returns_the_original(server: LiveServer, world: World) -> None:
    _, visitor, cid = await start_chat(server, world)
    for _ in range(3):
        await visitor.send(type="send", conversation_id=cid, client_msg_id="same", body="Hoi")
    await visitor.wait_for(lambda f: f.get("type") == "ack" and f.get("duplicate") is True)
    await asyncio.sleep(0.2)
    acks = visitor.of_type("ack")
    assert len(acks) == 3 and {a["seq"] for a in acks} == {1}
    assert [m["seq"] for m in visitor.of_type("message")] == [1]
    await visitor.close()


async def test_resume_gets_exactly_the_missing_messages(server: LiveServer, world: World) -> None:
    token, visitor, cid = await start_chat(server, world)
    for i in range(1, 6):
        await visitor.send(type="send", conversation_id=cid, client_msg_id=f"m{i}", body=f"b{i}")
        await visitor.wait_type("ack", client_msg_id=f"m{i}")
    await visitor.close()
    again = await connect_visitor(server, token, ORIGIN_A)
    await again.send(type="hello", resume={cid: 2})
    await again.wait_type("message", seq=5)
    await again.send(type="send", conversation_id=cid, client_msg_id="m6", body="b6")
    await again.wait_type("message", seq=6)
    assert [m["seq"] for m in again.of_type("message")] == [3, 4, 5, 6]
    await again.close()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "malformed_json"),
        ('["a"]', "malformed_frame"),
        ('{"type": "teleport"}', "unknown_type"),
        (
            '{"type": "send", "conversation_id": "nope", "client_msg_id": "x", "body": "hi"}',
            "not_found",
        ),
        (
            '{"type": "send", "conversation_id": "CID", "client_msg_id": "x", "body": "   "}',
            "message_empty",
        ),
        (
            '{"type": "send", "conversation_id": "CID", "client_msg_id": "x", "body": "LONG"}',
            "message_too_long",
        ),
        ('{"type": "send", "conversation_id": "CID", "body": "hoi"}', "invalid_field"),
        (
            '{"type": "send", "conversation_id": "CID", "client_msg_id": "y", "body": "hoi",'
            ' "after_seq": -1}',
            "invalid_field",
        ),
        (
            '{"type": "send", "conversation_id": "CID", "client_msg_id": "y", "body": "hoi",'
            ' "after_seq": "1"}',
            "invalid_field",
        ),
    ],
)
async def test_bad_input_gets_a_stable_code_and_loses_nothing(
    server: LiveServer, world: World, raw: str, code: str
) -> None:
    _, visitor, cid = await start_chat(server, world)
    await visitor.send(type="send", conversation_id=cid, client_msg_id="ok1", body="eerst")
    await visitor.wait_type("ack", client_msg_id="ok1")
    await visitor.send_raw(raw.replace("CID", cid).replace("LONG", "x" * 4001))
    assert (await visitor.wait_type("error"))["code"] == code
    # The connection stays usable and nothing was stored by the bad frame.
    await visitor.send(type="send", conversation_id=cid, client_msg_id="ok2", body="daarna")
    assert (await visitor.wait_type("ack", client_msg_id="ok2"))["seq"] == 2
    await visitor.close()


async def test_body_of_exactly_4000_characters_is_accepted(
    server: LiveServer, world: World
) -> None:
    _, visitor, cid = await start_chat(server, world)
    await visitor.send(type="send", conversation_id=cid, client_msg_id="max", body="é" * 4000)
    assert (await visitor.wait_type("ack", client_msg_id="max"))["seq"] == 1
    await visitor.close()


async def test_handshake_refuses_bad_token_and_wrong_origin(
    server: LiveServer, world: World
) -> None:
    token = await visitor_token(server, world.a.widget_key, ORIGIN_A)
    for bad_token, origin in [
        ("garbage", ORIGIN_A),
        (token + "x", ORIGIN_A),
        (token, "https://evil.example"),
        (token, "https://beta.example"),
    ]:
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websockets.connect(f"{server.ws_url}/ws/visitor?token={bad_token}", origin=origin)
        assert refused.value.response.status_code == 403
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(f"{server.ws_url}/ws/agent")
    async with server.http() as http:
        r = await http.post(
            f"/api/v1/widget/{world.a.widget_key}/session",
            headers={"origin": "https://evil.example"},
        )
        assert r.status_code == 403 and r.json()["code"] == "origin_not_allowed"


async def test_sockets_on_other_paths_are_refused(server: LiveServer, world: World) -> None:
    # Only the two chat paths skip the router (LivedeskApp); anything else still meets it.
    token = await visitor_token(server, world.a.widget_key, ORIGIN_A)
    for path in ("/ws/visitor/", "/ws/visitors", "/ws", "/healthz"):
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websockets.connect(f"{server.ws_url}{path}?token={token}", origin=ORIGIN_A)
        assert refused.value.response.status_code == 403


async def test_expired_token_is_refused(server: LiveServer, world: World) -> None:
    from livedesk.security.tokens import issue_visitor_token

    token = issue_visitor_token(b"test-secret", world.a.widget_id, "v", ttl_seconds=-1)
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(f"{server.ws_url}/ws/visitor?token={token}", origin=ORIGIN_A)


async def test_too_many_frames_are_rate_limited(server: LiveServer, world: World) -> None:
    server.runtime.settings.frames_per_second = 1.0  # a burst of 2: robust on a busy machine
    _, visitor, cid = await start_chat(server, world)
    for i in range(30):
        await visitor.send(type="typing", conversation_id=cid, state="on" if i % 2 else "off")
    error = await visitor.wait_for(lambda f: f.get("code") == "rate_limited")
    assert error["data"]["retry_after"] > 0
    # 20 refusals in a row: the abuser is disconnected, after being told why each time.
    await asyncio.wait_for(visitor.closed.wait(), 5)
    assert len([f for f in visitor.frames if f.get("code") == "rate_limited"]) >= 20
    assert visitor.ws.close_code == 4008


async def test_returning_visitor_keeps_identity_and_open_conversation(
    server: LiveServer, world: World
) -> None:
    token, visitor, cid = await start_chat(server, world)
    await visitor.close()
    async with server.http() as http:
        r = await http.post(
            f"/api/v1/widget/{world.a.widget_key}/session",
            json={"token": token},
            headers={"origin": ORIGIN_A},
        )
    again = await connect_visitor(server, r.json()["token"], ORIGIN_A)
    await again.send(type="hello")
    welcome = await again.wait_type("welcome")
    assert [c["conversation_id"] for c in welcome["conversations"]] == [cid]
    await again.close()


async def test_health_and_openapi(server: LiveServer) -> None:
    async with server.http() as http:
        assert (await http.get("/healthz")).json()["status"] == "ok"
        assert (await http.get("/readyz")).json() == {"status": "ok", "database": "ok"}
        spec = (await http.get("/openapi.json")).json()
        assert "/api/v1/widget/{key}/session" in spec["paths"]
        root = await http.get("/")  # someone who types only host:port lands on the console
        assert root.status_code == 307 and root.headers["location"] == "/console"


async def test_rating_after_the_chat(server: LiveServer, world: World) -> None:
    _, visitor, cid = await start_chat(server, world)
    await visitor.send(type="rating", conversation_id=cid, score=5)
    assert (await visitor.wait_type("error"))["code"] == "conversation_open"
    agent = await connect_agent(server, await login(server, world.a.operator))
    await agent.send(type="hello")
    await agent.wait_type("welcome")
    await agent.send(type="accept", conversation_id=cid)
    await agent.send(type="close", conversation_id=cid, disposition="answered")
    await visitor.wait_for(lambda f: f.get("state") == "closed")
    await visitor.send(type="rating", conversation_id=cid, score=6)
    await visitor.wait_for(lambda f: len(visitor.of_type("error")) == 2)
    assert visitor.of_type("error")[-1]["code"] == "invalid_field"
    await visitor.send(type="rating", conversation_id=cid, score=4, comment="<b>Snel</b>")
    assert (await visitor.wait_type("rated"))["score"] == 4
    shown = await agent.wait_type("rating", conversation_id=cid)
    assert shown["comment"] == "<b>Snel</b>"  # stored and passed on as typed, shown as text

    # The operator's name is part of every later conversation frame, also after a reconnect.
    again = await connect_agent(server, await login(server, world.a.operator))
    await again.send(type="hello", resume={cid: 0})
    await again.wait_type("welcome")
    async with server.http(
        cookies={"livedesk_session": await login(server, world.a.operator)}
    ) as h:
        listed = (await h.get(f"/api/v1/conversations?visitor_id={shown_visitor(visitor)}")).json()
    assert [c["conversation_id"] for c in listed["items"]] == [cid]
    assert listed["items"][0]["operator"]["name"] == "Op alpha"
    await visitor.close()
    await agent.close()
    await again.close()


def shown_visitor(visitor) -> str:  # type: ignore[no-untyped-def]
    return str(visitor.of_type("conversation")[0]["visitor_id"])
