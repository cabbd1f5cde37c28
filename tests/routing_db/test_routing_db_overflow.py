"""The contract's overflow against a live server and its database: a chat that waits past the
contract's maximum, or with nobody online to serve it, is told so in the chat (an `overflow`
frame), logged, and ends as the lifecycle says when the offline form takes over; the offline
message it leaves is a lead linked to that chat."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from routing_helpers import agent, visitor
from sqlalchemy import select, update

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role
from livedesk.businesses.models import Business, default_contract
from livedesk.conversations.models import Conversation, ConversationEvent
from livedesk.db import read_only
from livedesk.leads.models import Lead

from livedesk_testing import (
    ORIGIN_A,
    PASSWORD,
    LiveServer,
    World,
    WsClient,
    login,
    open_around_the_clock,
    visitor_in_chat,
)


async def set_contract(server: LiveServer, business_id: str, **terms: Any) -> None:
    """A shortened contract, written as the back office stores it (the API's minimum is 10 s)."""
    async with server.runtime.transaction() as session:
        await session.execute(
            update(Business)
            .where(Business.id == business_id)
            .values(contract={**default_contract(), "outside_hours": "offline_form", **terms})
        )


async def visitor_with_token(server: LiveServer) -> tuple[WsClient, str, str]:
    """A visitor on alpha's widget with a started chat, and the token they hold."""
    return await visitor_in_chat(server, "key-alpha", ORIGIN_A)


async def provider_admin(server: LiveServer) -> str:
    async with server.runtime.transaction() as session:
        await do_create_user(
            session,
            username="admin-overflow",
            password=PASSWORD,
            role=Role.PROVIDER_ADMIN,
            display_name="Admin",
        )
    return await login(server, "admin-overflow")


async def events(server: LiveServer, cid: str) -> list[tuple[str, dict[str, Any]]]:
    async with read_only(server.runtime.sessions) as session:
        rows = await session.execute(
            select(ConversationEvent.kind, ConversationEvent.data)
            .where(ConversationEvent.conversation_id == cid)
            .order_by(ConversationEvent.id)
        )
        return [(kind, data) for kind, data in rows]


async def state_of(server: LiveServer, cid: str) -> str:
    async with read_only(server.runtime.sessions) as session:
        return str(await session.scalar(select(Conversation.state).where(Conversation.id == cid)))


async def test_a_chat_past_the_maximum_wait_gets_the_offline_form_and_ends(
    rserver: LiveServer, world: World
) -> None:
    await set_contract(rserver, world.a.business_id, max_queue_wait_seconds=2)
    token_holder, cid, token = await visitor_with_token(rserver)
    await token_holder.send(
        type="send", conversation_id=cid, client_msg_id="q1", body="Waar blijft mijn pakket?"
    )
    frame = await token_holder.wait_type("overflow", timeout=8)
    assert frame == {
        "type": "overflow",
        "conversation_id": cid,
        "action": "offline_form",
        "reason": "max_wait",
    }
    # The form's frame comes before the chat's end, so the widget shows the form, not "ended".
    ended = await token_holder.wait_for(
        lambda f: f.get("type") == "conversation" and f.get("state") == "abandoned"
    )
    assert token_holder.frames.index(frame) < token_holder.frames.index(ended)
    assert await state_of(rserver, cid) == "abandoned"
    assert [(k, d) for k, d in await events(rserver, cid) if k != "queued"] == [
        ("overflow", {"action": "offline_form", "reason": "max_wait"}),
        ("abandoned", {}),
    ]
    # Later sweeps leave it alone: one overflow per chat.
    await asyncio.sleep(1.5)
    assert [k for k, _ in await events(rserver, cid)].count("overflow") == 1
    assert len(token_holder.of_type("overflow")) == 1

    # The message the visitor leaves is a lead of kind offline, linked to that chat.
    async with rserver.http(headers={"origin": ORIGIN_A}) as http:
        r = await http.post(
            f"/api/v1/widget/{world.a.widget_key}/offline",
            json={
                "name": "Piet",
                "email": "piet@example.nl",
                "question": "Waar blijft mijn pakket?",
                "consent": True,
                "token": token,
            },
        )
    assert r.status_code == 201, r.text
    async with read_only(rserver.runtime.sessions) as db:
        lead = await db.get(Lead, r.json()["lead_id"])
    assert lead is not None
    assert (lead.kind, lead.conversation_id, lead.intent) == (
        "offline_message",
        cid,
        "Waar blijft mijn pakket?",
    )


async def test_an_answered_chat_never_overflows(rserver: LiveServer, world: World) -> None:
    await set_contract(rserver, world.a.business_id, max_queue_wait_seconds=1)
    op = await agent(rserver, world.a.operator)
    vis, cid = await visitor(rserver)
    await op.wait_type("offer", conversation_id=cid)
    await op.send(type="accept", conversation_id=cid)
    await vis.wait_for(lambda f: f.get("state") == "active")
    await asyncio.sleep(2.5)
    assert vis.of_type("overflow") == []
    assert await state_of(rserver, cid) == "active"
    assert "overflow" not in [k for k, _ in await events(rserver, cid)]


async def test_nobody_online_hands_the_waiting_chat_to_the_bot_once(
    rserver: LiveServer, world: World
) -> None:
    await set_contract(rserver, world.a.business_id, overflow="bot", max_queue_wait_seconds=600)
    rserver.app.state.router.overflow.nobody_grace = timedelta(seconds=0.5)
    # Only the other business's operator is online: nobody serves alpha.
    op_b = await agent(rserver, world.b.operator)
    vis, cid = await visitor(rserver)
    frame = await vis.wait_type("overflow", timeout=8)
    assert (frame["action"], frame["reason"]) == ("bot", "no_operators")
    await asyncio.sleep(1.5)
    # The chat keeps its place in line while the bot answers; it is handed over only once.
    assert await state_of(rserver, cid) == "queued"
    assert [k for k, _ in await events(rserver, cid)] == ["queued", "overflow"]
    assert len(vis.of_type("overflow")) == 1
    await op_b.close()


async def test_past_the_maximum_the_bot_takes_the_waiting_question_then_offers_the_form(
    rserver: LiveServer, world: World
) -> None:
    await set_contract(
        rserver, world.a.business_id, overflow="bot_then_form", max_queue_wait_seconds=2
    )
    # An operator online who lets the offer expire: the chat waits, the widget is "open".
    op = await agent(rserver, world.a.operator)
    vis, cid = await visitor(rserver)
    await vis.send(
        type="send", conversation_id=cid, client_msg_id="q1", body="Kan ik met goud betalen?"
    )
    await op.wait_type("offer", conversation_id=cid)
    first = await vis.wait_type("overflow", timeout=8)
    assert (first["action"], first["reason"]) == ("bot", "max_wait")
    # The bot takes the waiting question; unsure, it says the form comes, and the form comes.
    said = await vis.wait_for(
        lambda f: f.get("type") == "message" and f["author"]["kind"] == "bot", timeout=8
    )
    assert said["body"] == (
        "Hier heb ik geen zeker antwoord op. Laat hieronder via het offline formulier een "
        "bericht achter, dan nemen we contact met u op."
    )
    second = await vis.wait_for(
        lambda f: f.get("type") == "overflow" and f["action"] == "offline_form", timeout=8
    )
    assert second["reason"] == "bot"
    assert vis.frames.index(said) < vis.frames.index(second)
    ended = await vis.wait_for(
        lambda f: f.get("type") == "conversation" and f["state"] in ("abandoned", "missed")
    )
    assert ended["state"] == "missed"  # it had been offered: nobody took it
    overflows = [d for k, d in await events(rserver, cid) if k == "overflow"]
    assert overflows == [
        {"action": "bot", "reason": "max_wait"},
        {"action": "offline_form", "reason": "bot"},
    ]
    await op.close()


async def test_with_nobody_online_the_bot_tries_first_and_promises_only_what_comes(
    rserver: LiveServer, world: World
) -> None:
    await open_around_the_clock(rserver, world.a.business_id)  # open, with nobody online
    await set_contract(rserver, world.a.business_id, overflow="bot_then_form")
    async with rserver.http(headers={"origin": ORIGIN_A}) as http:
        r = await http.get(f"/api/v1/widget/{world.a.widget_key}/availability")
    assert (r.json()["open"], r.json()["reason"]) == (False, "no_operators")
    assert r.json()["overflow_action"] == "bot_then_form"  # the widget lets the bot try
    vis, cid = await visitor(rserver)
    await vis.send(type="send", conversation_id=cid, client_msg_id="q1", body="Hoi, iemand?")
    said = await vis.wait_for(
        lambda f: f.get("type") == "message" and f["author"]["kind"] == "bot", timeout=8
    )
    assert "offline formulier" in said["body"]
    form = await vis.wait_type("overflow", timeout=8)
    assert (form["action"], form["reason"]) == ("offline_form", "bot")
    await vis.wait_for(lambda f: f.get("type") == "conversation" and f["state"] == "abandoned")

    # With the bot only, it never mentions a form the chat will not show.
    await set_contract(rserver, world.a.business_id, overflow="bot")
    await asyncio.sleep(1.1)  # the bot's cached availability
    vis, cid = await visitor(rserver)
    await vis.send(type="send", conversation_id=cid, client_msg_id="q2", body="Hoi, iemand?")
    said = await vis.wait_for(
        lambda f: f.get("type") == "message" and f["author"]["kind"] == "bot", timeout=8
    )
    assert said["body"] == (
        "Hier heb ik geen zeker antwoord op. Er is nu geen collega bereikbaar. Stel gerust een "
        "andere vraag, of probeer het later opnieuw."
    )
    await asyncio.sleep(0.5)
    assert vis.of_type("overflow") == []
    assert await state_of(rserver, cid) == "queued"


async def test_the_bot_speaks_as_the_business_addresses_its_visitors(
    rserver: LiveServer, world: World
) -> None:
    await open_around_the_clock(rserver, world.a.business_id)  # open, with nobody online
    await set_contract(rserver, world.a.business_id, overflow="bot_then_form")
    cookies = {"livedesk_session": await provider_admin(rserver)}
    async with rserver.http(cookies=cookies) as http:
        r = await http.patch(
            f"/api/v1/businesses/{world.a.business_id}", json={"form_of_address": "je"}
        )
    assert r.status_code == 200, r.text
    assert r.json()["form_of_address"] == "je"
    vis, cid = await visitor(rserver)
    await vis.send(type="send", conversation_id=cid, client_msg_id="q1", body="Hoi, iemand daar?")
    said = await vis.wait_for(
        lambda f: f.get("type") == "message" and f["author"]["kind"] == "bot", timeout=8
    )
    assert said["body"].endswith("dan nemen we contact met je op.")
