"""The floor's hands: a supervisor gives a chat to a named operator or sets an operator away,
and operators hand chats to colleagues they pick by name, with a note."""

from __future__ import annotations

import httpx
import pytest
from routing_helpers import agent, visitor
from sqlalchemy import select

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role
from livedesk.conversations.models import Conversation, Message
from livedesk.db import read_only, unit_of_work

from livedesk_testing import PASSWORD, LiveServer, World, login


@pytest.fixture
async def colleague(rserver: LiveServer, world: World) -> str:
    """A second operator serving alpha (op-alpha is the first)."""
    async with unit_of_work(rserver.runtime.sessions) as session:
        await do_create_user(
            session,
            username="op-alpha-2",
            password=PASSWORD,
            role=Role.OPERATOR,
            display_name="Tweede Alpha",
            serves=[world.a.business_id],
            max_concurrent=3,
        )
    return "op-alpha-2"


async def _as(server: LiveServer, username: str | None) -> httpx.AsyncClient:
    client = server.http()
    if username is not None:
        client.cookies.set("livedesk_session", await login(server, username))
    return client


async def _state(server: LiveServer, cid: str) -> tuple[str, str | None]:
    async with read_only(server.runtime.sessions) as session:
        row = (
            await session.execute(
                select(Conversation.state, Conversation.operator_id).where(Conversation.id == cid)
            )
        ).one()
    return row[0], row[1]


async def test_a_supervisor_gives_an_offered_chat_to_a_named_colleague_with_a_note(
    rserver: LiveServer, world: World, colleague: str
) -> None:
    first = await agent(rserver, world.a.operator)
    second = await agent(rserver, colleague)
    vis, cid = await visitor(rserver)
    offered = await vis.wait_for(lambda f: f.get("state") == "offered")
    # The dispatcher picked one of the two; the supervisor gives it to the other.
    by_id = {first.user_id: first, second.user_id: second}
    holder = by_id[offered["operator"]["id"]]
    other = second if holder is first else first
    async with await _as(rserver, world.supervisor) as http:
        r = await http.post(
            f"/api/v1/floor/conversations/{cid}/assign",
            json={"operator_id": other.user_id, "note": "Vaste klant, zie notitie"},
        )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "offered" and r.json()["operator_id"] == other.user_id
    revoked = await holder.wait_type("offer_revoked", conversation_id=cid)
    assert revoked["reason"] == "reassigned"
    offer = await other.wait_type("offer", conversation_id=cid, via="supervisor")
    assert offer["note"] == "Vaste klant, zie notitie"
    async with read_only(rserver.runtime.sessions) as session:
        notes = list(
            await session.scalars(
                select(Message.body).where(Message.conversation_id == cid, Message.internal)
            )
        )
    assert notes == ["Vaste klant, zie notitie"]  # stays in the chat for whoever answers


async def test_a_supervisor_moves_an_active_chat_and_sets_an_operator_away(
    rserver: LiveServer, world: World, colleague: str
) -> None:
    first = await agent(rserver, world.a.operator)
    _, cid = await visitor(rserver)
    await first.wait_type("offer", conversation_id=cid)
    await first.send(type="accept", conversation_id=cid)
    await first.wait_for(lambda f: f.get("state") == "active" and f.get("conversation_id") == cid)
    second = await agent(rserver, colleague)
    async with await _as(rserver, world.supervisor) as http:
        moved = await http.post(
            f"/api/v1/floor/conversations/{cid}/assign", json={"operator_id": second.user_id}
        )
        assert moved.status_code == 200, moved.text
        await second.wait_type("offer", conversation_id=cid, via="transfer")
        away = await http.post(
            f"/api/v1/floor/operators/{first.user_id}/presence", json={"state": "away"}
        )
        assert away.status_code == 200
        frame = await first.wait_type("presence", state="away")
        assert frame["reason"] == "supervisor"
        unknown = await http.post("/api/v1/floor/operators/nobody/presence", json={"state": "away"})
        assert unknown.status_code == 404
        bad = await http.post(
            f"/api/v1/floor/operators/{first.user_id}/presence", json={"state": "asleep"}
        )
        assert bad.status_code == 422 and "state" in bad.json()["data"]["fields"]
        audit = await http.get("/api/v1/audit", params={"entity": "presence"})
        assert [e["after"] for e in audit.json()] == [{"state": "away"}]


async def test_operators_see_colleagues_by_name_and_hand_over_with_a_note(
    rserver: LiveServer, world: World, colleague: str
) -> None:
    first = await agent(rserver, world.a.operator)
    _, cid = await visitor(rserver)
    await first.wait_type("offer", conversation_id=cid)
    await first.send(type="accept", conversation_id=cid)
    await first.wait_for(lambda f: f.get("state") == "active" and f.get("conversation_id") == cid)
    second = await agent(rserver, colleague)
    async with await _as(rserver, world.a.operator) as http:
        targets = (await http.get(f"/api/v1/conversations/{cid}/transfer-targets")).json()
    assert [c["name"] for c in targets["colleagues"]] == ["Tweede Alpha"]
    assert targets["team"] == {"business_id": world.a.business_id, "to": None}
    assert targets["may_direct"] is False
    await first.send(
        type="transfer", conversation_id=cid, to_operator_id=second.user_id, note="Wil opzeggen"
    )
    offer = await second.wait_type("offer", conversation_id=cid)
    assert offer["note"] == "Wil opzeggen"
    assert await _state(rserver, cid) == ("offered", second.user_id)


@pytest.mark.parametrize(
    ("who", "assign", "presence", "targets"),
    [
        (None, 401, 401, 401),
        ("op-alpha", 403, 403, 200),
        ("op-beta", 403, 403, 404),  # another business's chat does not exist for them
        ("user-alpha", 403, 403, 403),
        ("user-beta", 403, 403, 403),
        ("super", 200, 200, 200),
    ],
)
async def test_who_may_do_what_on_the_floor(
    rserver: LiveServer,
    world: World,
    colleague: str,
    who: str | None,
    assign: int,
    presence: int,
    targets: int,
) -> None:
    second = await agent(rserver, colleague)
    _, cid = await visitor(rserver)
    await second.wait_type("offer", conversation_id=cid)
    first = await agent(rserver, world.a.operator)
    async with await _as(rserver, who) as http:
        r1 = await http.post(
            f"/api/v1/floor/conversations/{cid}/assign", json={"operator_id": first.user_id}
        )
        r2 = await http.post(
            f"/api/v1/floor/operators/{second.user_id}/presence", json={"state": "online"}
        )
        r3 = await http.get(f"/api/v1/conversations/{cid}/transfer-targets")
    assert (r1.status_code, r2.status_code, r3.status_code) == (assign, presence, targets)
    expected = ("offered", first.user_id) if assign == 200 else ("offered", second.user_id)
    assert await _state(rserver, cid) == expected
