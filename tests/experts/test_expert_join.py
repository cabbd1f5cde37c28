"""A business's own expert in a live chat: who may join and hand back (every role on its own and
another business), what the visitor and the operator see, what the expert never sees, the
audit trail, and what a reconnecting client is told."""

from __future__ import annotations

import asyncio
from typing import Any

from expert_helpers import (
    ADMIN,
    add_people,
    agent,
    allow_experts,
    http_as,
    live_chat,
    outcome,
)
from sqlalchemy import select

from livedesk.conversations.models import ConversationEvent, ConversationParticipant, Message
from livedesk.db import read_only
from livedesk.settings import Settings

from livedesk_testing import LiveServer, World, WsClient

ROLES = {
    "admin": ADMIN,
    "supervisor": "super",
    "operator": "op-alpha",
    "business_user": "user-alpha",
    "anonymous": None,
}


def system_bodies(client: WsClient, cid: str) -> list[str]:
    return [
        f["body"]
        for f in client.of_type("message")
        if f["conversation_id"] == cid and f["author"]["kind"] == "system"
    ]


async def stored(server: LiveServer, cid: str) -> list[tuple[int, str, str | None, bool]]:
    async with read_only(server.runtime.sessions) as session:
        rows = await session.scalars(
            select(Message).where(Message.conversation_id == cid).order_by(Message.seq)
        )
        return [(m.seq, m.author_kind, m.author_name, m.internal) for m in rows]


async def participants(server: LiveServer, cid: str) -> list[ConversationParticipant]:
    async with read_only(server.runtime.sessions) as session:
        return list(
            await session.scalars(
                select(ConversationParticipant)
                .where(ConversationParticipant.conversation_id == cid)
                .order_by(ConversationParticipant.joined_at)
            )
        )


async def test_join_and_hand_back_by_every_role_on_own_and_other_business(
    server: LiveServer, world: World, settings: Settings
) -> None:
    await add_people(settings, world)
    await allow_experts(server, world.a.business_id)
    await allow_experts(server, world.b.business_id)
    own = await live_chat(server, await agent(server, "op-alpha"))
    other = await live_chat(server, await agent(server, "op-beta"), tenant=world.b)
    chats = {"own": own.conversation_id, "other": other.conversation_id}
    clients = {role: await http_as(server, user) for role, user in ROLES.items()}
    expected = {
        # role: {side: (status, code)}
        "admin": {"own": (403, "experts_only"), "other": (403, "experts_only")},
        "supervisor": {"own": (403, "experts_only"), "other": (403, "experts_only")},
        "operator": {"own": (403, "experts_only"), "other": (404, "not_found")},
        "business_user": {"own": (200, None), "other": (404, "not_found")},
        "anonymous": {"own": (401, "unauthorized"), "other": (401, "unauthorized")},
    }
    for action in ("join", "leave"):  # the business user's hand-back needs the join first
        got: dict[str, dict[str, tuple[int, Any]]] = {}
        for role, client in clients.items():
            got[role] = {}
            for side, cid in chats.items():
                r = await client.post(f"/api/v1/conversations/{cid}/{action}")
                got[role][side] = (r.status_code, r.json().get("code"))
        assert got == expected, action
    # Only user-alpha's own join and hand-back happened: two system messages in alpha's chat.
    assert [p.user_id for p in await participants(server, own.conversation_id)] != []
    assert await participants(server, other.conversation_id) == []
    assert [k for _, k, _, _ in await stored(server, other.conversation_id)] == ["visitor"]
    for client in clients.values():
        await client.aclose()


async def test_joining_is_refused_unless_the_business_allows_it(
    server: LiveServer, world: World, settings: Settings
) -> None:
    await add_people(settings, world)
    chat = await live_chat(server, await agent(server, "op-alpha"))
    async with await http_as(server, "user-alpha") as expert:
        r = await expert.post(f"/api/v1/conversations/{chat.conversation_id}/join")
        assert r.status_code == 403
        assert r.json()["code"] == "experts_not_allowed"
        assert "dienstverlener" in r.json()["message"]  # Dutch when the browser says nothing
        r = await expert.post(
            f"/api/v1/conversations/{chat.conversation_id}/join",
            headers={"accept-language": "en"},
        )
        assert "service provider" in r.json()["message"]
        await allow_experts(server, world.a.business_id)
        await allow_experts(server, world.a.business_id, allowed=False)  # and off again
        r = await expert.post(f"/api/v1/conversations/{chat.conversation_id}/join")
        assert r.json()["code"] == "experts_not_allowed"
    # Nothing was stored or sent.
    assert await participants(server, chat.conversation_id) == []
    assert await stored(server, chat.conversation_id) == [(1, "visitor", None, False)]
    assert system_bodies(chat.visitor, chat.conversation_id) == []


async def test_the_expert_joins_answers_beside_the_operator_and_hands_back(
    server: LiveServer, world: World, settings: Settings
) -> None:
    await add_people(settings, world)
    await allow_experts(server, world.a.business_id)
    operator = await agent(server, "op-alpha")
    expert_socket = await agent(server, "user-alpha")
    expert = await http_as(server, "user-alpha")
    chat = await live_chat(server, operator)
    cid, visitor = chat.conversation_id, chat.visitor

    r = await expert.post(f"/api/v1/conversations/{cid}/join")
    assert r.status_code == 200
    assert r.json()["role"] == "expert" and r.json()["left_at"] is None
    joined = "user-alpha van Alpha BV neemt deel aan het gesprek."
    for side in (visitor, operator, expert_socket):
        await side.wait_for(lambda f: f.get("type") == "message" and f["body"] == joined)
        update = await side.wait_for(lambda f: f.get("type") == "conversation" and "experts" in f)
        assert [e["name"] for e in update["experts"]] == ["user-alpha"]
    # Joining twice changes nothing: no second participant, no second message.
    assert (await expert.post(f"/api/v1/conversations/{cid}/join")).status_code == 200

    # The operator's internal note never reaches the expert; the expert's answer reaches both.
    note, _ = await outcome(
        operator,
        {
            "type": "send",
            "conversation_id": cid,
            "client_msg_id": "n1",
            "body": "VIP",
            "internal": True,
        },
    )
    assert note == "ok"
    sent, answers = await outcome(
        expert_socket,
        {"type": "send", "conversation_id": cid, "client_msg_id": "e1", "body": "Dat weet ik!"},
    )
    assert sent == "ok" and any(f.get("type") == "ack" for f in answers)
    for side in (visitor, operator):
        got = await side.wait_for(
            lambda f: f.get("type") == "message" and f["body"] == "Dat weet ik!"
        )
        assert got["author"] == {"kind": "expert", "name": "user-alpha"}
    assert not [f for f in expert_socket.of_type("message") if f.get("internal")]
    assert [f["body"] for f in visitor.of_type("message") if f.get("internal")] == []
    items = (await expert.get(f"/api/v1/conversations/{cid}/messages")).json()["items"]
    assert [m["author"]["kind"] for m in items] == ["visitor", "system", "expert"]

    # Typing from the joined expert reaches the visitor, named.
    await outcome(expert_socket, {"type": "typing", "conversation_id": cid, "state": "on"})
    typing = await visitor.wait_type("typing", who="expert")
    assert typing["name"] == "user-alpha"

    # A reconnecting operator, visitor and expert are told who is in the chat.
    again = await agent(server, "op-alpha")
    welcome = again.of_type("welcome")[0]
    mine = [c for c in welcome["conversations"] if c["conversation_id"] == cid]
    assert [e["name"] for e in mine[0]["experts"]] == ["user-alpha"]
    assert (await expert.get(f"/api/v1/conversations/{cid}")).json()["experts"][0]["name"] == (
        "user-alpha"
    )
    await again.send(type="hello", resume={cid: 0})
    await again.wait_for(lambda f: f.get("type") == "message" and f["body"] == "Dat weet ik!")
    await expert_socket.send(type="hello", resume={cid: 0})
    await expert_socket.wait_type("welcome")
    await outcome(expert_socket, {"type": "ping"})  # the replay came before this answer
    replayed = [f["seq"] for f in expert_socket.of_type("message") if f["conversation_id"] == cid]
    assert 3 not in replayed  # seq 3 is the note

    # Hand back: a system message on both sides, the participation ends, and sending stops.
    r = await expert.post(f"/api/v1/conversations/{cid}/leave")
    assert r.status_code == 200 and r.json()["left_at"] is not None
    left = "user-alpha van Alpha BV heeft het gesprek teruggegeven aan de medewerker."
    for side in (visitor, operator):
        await side.wait_for(lambda f: f.get("type") == "message" and f["body"] == left)
    last = await operator.wait_for(
        lambda f: f.get("type") == "conversation" and f.get("experts") == []
    )
    assert last["operator"]["id"] == operator.user_id  # type: ignore[attr-defined]
    code, _ = await outcome(
        expert_socket,
        {"type": "send", "conversation_id": cid, "client_msg_id": "e2", "body": "nog iets"},
    )
    assert code == "not_joined"
    rows = await participants(server, cid)
    assert len(rows) == 1 and rows[0].left_at is not None
    assert [(s, k, n) for s, k, n, _ in await stored(server, cid)] == [
        (1, "visitor", None),
        (2, "system", None),
        (3, "operator", "Op alpha"),
        (4, "expert", "user-alpha"),
        (5, "system", None),
    ]
    assert (await expert.post(f"/api/v1/conversations/{cid}/leave")).json()["code"] == (
        "not_joined"
    )

    # Who joined and left when, in the audit log.
    async with await http_as(server, ADMIN) as admin:
        entries = (
            await admin.get(f"/api/v1/audit?entity=conversation_expert&entity_id={cid}")
        ).json()
    assert [(e["action"], e["actor"]["name"]) for e in entries] == [
        ("leave", "user-alpha"),
        ("join", "user-alpha"),
    ]
    assert entries[1]["after"]["user_id"] == rows[0].user_id
    await expert.aclose()


async def test_an_english_visitor_reads_the_join_in_english(
    server: LiveServer, world: World, settings: Settings
) -> None:
    await add_people(settings, world)
    await allow_experts(server, world.a.business_id)
    async with await http_as(server, "user-alpha") as expert:
        chat = await live_chat(server, await agent(server, "op-alpha"), expert, language="en")
    assert system_bodies(chat.visitor, chat.conversation_id) == [
        "user-alpha of Alpha BV has joined the conversation."
    ]


async def test_an_ended_chat_cannot_be_joined(
    server: LiveServer, world: World, settings: Settings
) -> None:
    await add_people(settings, world)
    await allow_experts(server, world.a.business_id)
    operator = await agent(server, "op-alpha")
    chat = await live_chat(server, operator)
    await operator.send(type="close", conversation_id=chat.conversation_id)
    await chat.visitor.wait_for(lambda f: f.get("state") == "closed")
    async with await http_as(server, "user-alpha") as expert:
        r = await expert.post(f"/api/v1/conversations/{chat.conversation_id}/join")
    assert (r.status_code, r.json()["code"]) == (409, "conversation_closed")
    assert await participants(server, chat.conversation_id) == []


async def test_an_experts_answer_is_the_chats_first_reply(
    server: LiveServer, world: World, settings: Settings
) -> None:
    """The visitor was answered by a person, so the chat counts as answered (and the
    contract's first-reply clock stops) whoever answered; an internal note never counts."""
    await add_people(settings, world)
    await allow_experts(server, world.a.business_id)
    operator = await agent(server, "op-alpha")
    expert_socket = await agent(server, "user-alpha")
    async with await http_as(server, "user-alpha") as expert:
        chat = await live_chat(server, operator, expert=expert)
        cid = chat.conversation_id
        note = {"type": "send", "conversation_id": cid, "client_msg_id": "n1", "body": "VIP"}
        assert (await outcome(operator, {**note, "internal": True}))[0] == "ok"
        assert (await expert.get(f"/api/v1/conversations/{cid}")).json()["first_reply_at"] is None
        answer = {"type": "send", "conversation_id": cid, "client_msg_id": "e1", "body": "Ja!"}
        assert (await outcome(expert_socket, answer))[0] == "ok"
        assert (await expert.get(f"/api/v1/conversations/{cid}")).json()["first_reply_at"]

    async def first_replies() -> list[tuple[str | None, Any]]:
        async with read_only(server.runtime.sessions) as session:
            events = await session.scalars(
                select(ConversationEvent).where(
                    ConversationEvent.conversation_id == cid,
                    ConversationEvent.kind == "first_reply",
                )
            )
            return [(e.operator_id, e.data.get("by")) for e in events]

    for _ in range(100):  # the event is logged by routing's hook, after the commit
        if await first_replies():
            break
        await asyncio.sleep(0.05)
    assert await first_replies() == [(expert_socket.user_id, "expert")]  # type: ignore[attr-defined]
