"""The router against a live server: offers, expiry, presence, transfers, leaving, frames."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from routing_helpers import agent, visitor
from sqlalchemy import select, update

from livedesk.accounts.models import OperatorProfile
from livedesk.conversations.models import Conversation, ConversationEvent
from livedesk.db import read_only, unit_of_work

from livedesk_testing import LiveServer, World, login


async def kinds(server: LiveServer, cid: str) -> list[str]:
    async with read_only(server.runtime.sessions) as session:
        return list(
            await session.scalars(
                select(ConversationEvent.kind)
                .where(ConversationEvent.conversation_id == cid)
                .order_by(ConversationEvent.id)
            )
        )


async def state(server: LiveServer, cid: str) -> tuple[str, str | None]:
    async with read_only(server.runtime.sessions) as session:
        row = (
            await session.execute(
                select(Conversation.state, Conversation.operator_id).where(Conversation.id == cid)
            )
        ).one()
    return row[0], row[1]


async def test_offer_accept_reply_close(rserver: LiveServer, world: World) -> None:
    op = await agent(rserver, world.a.operator)
    vis, cid = await visitor(rserver)
    offer = await op.wait_type("offer", conversation_id=cid)
    assert offer["business_id"] == world.a.business_id
    assert 1.9 <= offer["expires_in"] <= 2.0
    assert (await vis.wait_for(lambda f: f.get("state") == "offered"))["conversation_id"] == cid
    await op.send(type="accept", conversation_id=cid)
    active = await vis.wait_for(lambda f: f.get("state") == "active")
    assert active["operator"] == {"id": op.user_id, "name": "Op alpha"}
    await op.send(type="send", conversation_id=cid, client_msg_id="r1", body="Hallo!")
    await vis.wait_type("message", seq=1)
    await op.send(type="close", conversation_id=cid, disposition="answered")
    await vis.wait_for(lambda f: f.get("state") == "closed")
    for _ in range(50):
        if "first_reply" in await kinds(rserver, cid):
            break
        await asyncio.sleep(0.05)
    assert await kinds(rserver, cid) == ["queued", "offered", "accepted", "first_reply", "closed"]


async def test_other_business_operator_gets_no_offer(rserver: LiveServer, world: World) -> None:
    op_b = await agent(rserver, world.b.operator)
    _vis, cid = await visitor(rserver)
    await asyncio.sleep(0.3)
    assert op_b.of_type("offer") == []
    assert await state(rserver, cid) == ("queued", None)
    # Nobody serves alpha: the visitor is told there is no estimate.
    queue = await _vis.wait_type("queue", conversation_id=cid)
    assert queue["position"] == 1 and queue["eta_seconds"] is None


@pytest.mark.parametrize("routing_options", [{"offer_timeout": 0.3, "max_expired": 2}])
async def test_expiry_moves_on_then_sets_away(
    rserver: LiveServer, world: World, routing_options: dict[str, Any]
) -> None:
    op = await agent(rserver, world.a.operator)
    _vis, cid = await visitor(rserver)
    await op.wait_type("offer", conversation_id=cid)
    revoked = await op.wait_type("offer_revoked", conversation_id=cid, timeout=3)
    assert revoked["reason"] == "expired"
    # The round rule: the only operator gets it again, lets it lapse twice → away.
    away = await op.wait_type("presence", state="away", timeout=5)
    assert away["reason"] == "missed_offers" and away["operator_id"] == op.user_id
    assert (await state(rserver, cid))[0] == "queued"
    assert (await kinds(rserver, cid)).count("offer_expired") == 2
    n = len(op.frames)
    await asyncio.sleep(0.6)
    assert not [f for f in op.frames[n:] if f["type"] == "offer"]  # away gets no offers
    await op.send(type="presence", state="online")
    await op.wait_type("offer", conversation_id=cid)


async def test_decline_and_transfer(rserver: LiveServer, world: World) -> None:
    super_ = await agent(rserver, world.supervisor, presence=None)
    op = await agent(rserver, world.a.operator)
    _vis, cid = await visitor(rserver)
    await op.wait_type("offer", conversation_id=cid)
    await op.send(type="decline", conversation_id=cid)
    # Declined by the only online operator: the round is over, so it comes back.
    offers = await op.wait_for(lambda f: f.get("type") == "offer", start=len(op.frames))
    assert offers["conversation_id"] == cid
    await op.send(type="accept", conversation_id=cid)
    await super_.wait_for(lambda f: f.get("state") == "active" and f.get("conversation_id") == cid)
    n = len(super_.frames)
    await op.send(type="transfer", conversation_id=cid, to_operator_id=None)
    assert await super_.wait_for(
        lambda f: (
            f.get("type") == "conversation"
            and f.get("state") in ("queued", "offered")
            and f.get("conversation_id") == cid
        ),
        start=n,
    )
    got = await kinds(rserver, cid)
    assert got[:6] == ["queued", "offered", "offer_declined", "offered", "accepted", "transfer"]
    # A decline of an unknown conversation is answered like any frame's (the socket's
    # permission table), not with a crash.
    n = len(op.frames)
    await op.send(type="decline", conversation_id="nope" * 4)
    stale = await op.wait_for(lambda f: f.get("type") == "error", start=n)
    assert stale["code"] == "not_found", stale


async def test_offline_requeues_active_chats_first(rserver: LiveServer, world: World) -> None:
    op = await agent(rserver, world.a.operator)
    _v1, first = await visitor(rserver)
    await op.wait_type("offer", conversation_id=first)
    await op.send(type="accept", conversation_id=first)
    await _v1.wait_for(lambda f: f.get("state") == "active")
    n = len(_v1.frames)
    await op.send(type="presence", state="offline")
    await _v1.wait_for(lambda f: f.get("state") == "queued", start=n, timeout=2)
    assert "requeued" in await kinds(rserver, first)
    _v2, second = await visitor(rserver)
    n = len(op.frames)
    await op.send(type="presence", state="online")
    offers = [await op.wait_for(lambda f: f.get("type") == "offer", start=n)]
    offers.append(
        await op.wait_for(lambda f: f.get("type") == "offer" and f not in offers, start=n)
    )
    # The re-queued chat is offered before the newer one.
    assert [f["conversation_id"] for f in offers] == [first, second]


@pytest.mark.parametrize("routing_options", [{"heartbeat_timeout": 0.6, "sweep_interval": 0.2}])
async def test_heartbeats_keep_online_silence_goes_offline(
    rserver: LiveServer, world: World, routing_options: dict[str, Any]
) -> None:
    op = await agent(rserver, world.a.operator)
    for _ in range(4):
        await asyncio.sleep(0.25)
        await op.send(type="heartbeat")
        assert (await op.wait_for(lambda f: f.get("type") == "heartbeat", start=len(op.frames)))[
            "state"
        ] == "online"
    gone = await op.wait_type("presence", state="offline", timeout=3)
    assert gone["reason"] == "heartbeat_timeout"
    await op.send(type="heartbeat")
    assert (await op.wait_for(lambda f: f.get("type") == "heartbeat", start=len(op.frames)))[
        "state"
    ] == "offline"


async def test_visitor_leave_and_disconnect(rserver: LiveServer, world: World) -> None:
    op = await agent(rserver, world.a.operator)
    vis, offered = await visitor(rserver)
    await op.wait_type("offer", conversation_id=offered)
    await vis.send(type="leave", conversation_id=offered)
    await vis.wait_for(lambda f: f.get("state") == "missed")
    revoked = await op.wait_type("offer_revoked", conversation_id=offered)
    assert revoked["reason"] == "visitor_left"
    await op.send(type="presence", state="away")
    await op.wait_type("presence", state="away")
    vis2, queued = await visitor(rserver)
    await vis2.close()
    for _ in range(60):
        if (await state(rserver, queued))[0] != "queued":
            break
        await asyncio.sleep(0.05)
    assert (await state(rserver, queued))[0] == "abandoned"


async def test_accept_by_hand_and_capacity(rserver: LiveServer, world: World) -> None:
    # The operator is offline (nothing is offered) yet may pick a queued chat by hand.
    op = await agent(rserver, world.a.operator, presence=None)
    _v, cid = await visitor(rserver)
    await op.send(type="accept", conversation_id=cid)
    await _v.wait_for(lambda f: f.get("state") == "active")
    assert "accepted" in await kinds(rserver, cid)
    # Business users cannot accept.
    user = await agent(rserver, world.a.business_user, presence=None)
    _v2, cid2 = await visitor(rserver)
    await user.send(type="accept", conversation_id=cid2)
    assert (await user.wait_type("error"))["code"] == "forbidden"
    n = len(user.frames)
    await user.send(type="presence", state="online")
    err = await user.wait_for(lambda f: f.get("type") == "error", start=n)
    assert err["code"] == "forbidden"


async def test_queue_frames_update_positions(rserver: LiveServer, world: World) -> None:
    async with unit_of_work(rserver.runtime.sessions) as session:  # one chat at a time
        await session.execute(update(OperatorProfile).values(max_concurrent=1))
    op = await agent(rserver, world.a.operator, presence="away")
    v1, c1 = await visitor(rserver)
    v2, c2 = await visitor(rserver)
    assert (await v1.wait_type("queue", position=1))["eta_seconds"] is None  # nobody online
    assert (await v2.wait_type("queue", position=2))["eta_seconds"] is None
    await op.send(type="presence", state="online")
    await op.wait_type("offer", conversation_id=c1)
    await op.send(type="accept", conversation_id=c1)
    v3, _c3 = await visitor(rserver)
    q2 = await v2.wait_for(lambda f: f.get("type") == "queue" and f["eta_seconds"] is not None)
    q3 = await v3.wait_for(lambda f: f.get("type") == "queue" and f["eta_seconds"] is not None)
    assert q2["position"] == 1 and q3["position"] == 2
    assert 0 < q2["eta_seconds"] < q3["eta_seconds"]  # one more handle time to wait
    await op.send(type="close", conversation_id=c1)
    await op.wait_type("offer", conversation_id=c2)
    assert (await v3.wait_type("queue", position=1))["eta_seconds"] > 0


async def test_floor_and_scoping(rserver: LiveServer, world: World) -> None:
    op = await agent(rserver, world.a.operator)
    _v, cid = await visitor(rserver)
    await op.wait_type("offer", conversation_id=cid)
    async with rserver.http(cookies={"livedesk_session": await login(rserver, "super")}) as h:
        floor = (await h.get("/api/v1/floor")).json()
    by_slug = {b["name"]: b for b in floor["businesses"]}
    assert by_slug["Alpha BV"]["queue_length"] == 1 and by_slug["Beta BV"]["queue_length"] == 0
    ops = {o["name"]: o for o in floor["operators"]}
    assert ops["Op alpha"]["presence"] == "online" and ops["Op alpha"]["pending_offers"] == 1
    assert ops["Op beta"]["presence"] == "offline"
    async with rserver.http(cookies={"livedesk_session": await login(rserver, "op-beta")}) as h:
        mine = (await h.get("/api/v1/floor")).json()
    assert [b["name"] for b in mine["businesses"]] == ["Beta BV"]
    assert [o["name"] for o in mine["operators"]] == ["Op beta"]
    async with rserver.http(cookies={"livedesk_session": await login(rserver, "user-alpha")}) as h:
        assert (await h.get("/api/v1/floor")).status_code == 403
