"""Shared by the expert-join and agent-socket permission tests: the extra people (a provider
admin, a second operator and a second business user of alpha), switching the expert join on,
a live chat of alpha that op-alpha answers and user-alpha joined, and the answer to one frame."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.settings import Settings

from livedesk_testing import (
    ORIGIN_A,
    PASSWORD,
    LiveServer,
    Tenant,
    World,
    WsClient,
    connect_agent,
    login,
    visitor_in_chat,
)

ADMIN = "admin"
SECOND_OPERATOR = "op2-alpha"  # serves alpha, but the test chats are op-alpha's
READER = "reader-alpha"  # a business user of alpha who does not join
_ids = itertools.count(1)


async def add_people(settings: Settings, world: World) -> None:
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            await do_create_user(
                session, username=ADMIN, password=PASSWORD, role=Role.PROVIDER_ADMIN
            )
            await do_create_user(
                session,
                username=SECOND_OPERATOR,
                password=PASSWORD,
                role=Role.OPERATOR,
                display_name="Op twee",
                serves=[world.a.business_id],
                max_concurrent=6,
            )
            await do_create_user(
                session,
                username=READER,
                password=PASSWORD,
                role=Role.BUSINESS_USER,
                business_id=world.a.business_id,
                display_name="Lezer Alpha",
            )
    finally:
        await engine.dispose()


async def http_as(server: LiveServer, username: str | None) -> httpx.AsyncClient:
    if username is None:
        return server.http()
    return server.http(cookies={"livedesk_session": await login(server, username)})


async def allow_experts(server: LiveServer, business_id: str, allowed: bool = True) -> None:
    """The provider switches the business's expert join on (the client portal's setting)."""
    async with await http_as(server, ADMIN) as admin:
        r = await admin.put(
            f"/api/v1/businesses/{business_id}/portal-settings",
            json={"experts_may_join": allowed},
        )
        assert r.status_code == 200, r.text


async def agent(server: LiveServer, username: str) -> WsClient:
    """A staff socket after its welcome; `user_id` is set on the client."""
    client = await connect_agent(server, await login(server, username))
    await client.send(type="hello")
    welcome = await client.wait_type("welcome")
    client.user_id = welcome["user"]["id"]  # type: ignore[attr-defined]
    return client


@dataclass
class LiveChat:
    visitor: WsClient
    conversation_id: str

    async def end(self) -> None:
        """The visitor leaves (which frees the operator's slot), and disconnects."""
        await self.visitor.send(type="leave", conversation_id=self.conversation_id)
        await self.visitor.wait_for(
            lambda f: (
                f.get("type") == "conversation"
                and f.get("state") in ("closed", "abandoned", "missed")
            )
        )
        await self.visitor.close()


async def live_chat(
    server: LiveServer,
    operator: WsClient,
    expert: httpx.AsyncClient | None = None,
    language: str | None = None,
    tenant: Tenant | None = None,
) -> LiveChat:
    """A visitor of `tenant` (alpha if None) asks (seq 1), `operator` accepts; `expert` joins
    when given."""
    key, origin = (
        (tenant.widget_key, f"https://{tenant.slug}.example") if tenant else ("key-alpha", ORIGIN_A)
    )
    visitor, cid, _ = await visitor_in_chat(
        server, key, origin, **({"language": language} if language else {})
    )
    await visitor.send(type="send", conversation_id=cid, client_msg_id="v1", body="Hallo?")
    await visitor.wait_type("ack", client_msg_id="v1")
    accepted, answers = await outcome(operator, {"type": "accept", "conversation_id": cid})
    assert accepted == "ok", answers
    await visitor.wait_for(
        lambda f: (
            f.get("type") == "conversation"
            and f.get("state") == "active"
            and (f.get("operator") or {}).get("id") == operator.user_id
        )  # type: ignore[attr-defined]
    )
    if expert is not None:
        r = await expert.post(f"/api/v1/conversations/{cid}/join")
        assert r.status_code == 200, r.text
        await visitor.wait_for(
            lambda f: f.get("type") == "message" and f["author"]["kind"] == "system"
        )
    return LiveChat(visitor, cid)


async def barrier(client: WsClient, start: int) -> None:
    """Frames on one socket are handled in order: once the pong to this ping is here, so is the
    answer to everything sent before it."""
    t = next(_ids)
    await client.send(type="ping", t=t)
    await client.wait_for(lambda f: f.get("type") == "pong" and f.get("t") == t, start=start)


async def outcome(client: WsClient, frame: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """ "ok", or the code of the error frame this frame got; and the frames that came back."""
    start = len(client.frames)
    await client.send(**frame)
    await barrier(client, start)
    answers = client.frames[start:]
    errors = [f for f in answers if f.get("type") == "error"]
    return (errors[0]["code"] if errors else "ok"), answers
