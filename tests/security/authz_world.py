"""The two-business world the authorization matrix fills path parameters from: for business A
("own": the operator and business user asking are A's) and business B ("other") a conversation,
a lead with a delivery, a FAQ entry, a proposal, a learned phrasing, a canned response, a
delivery route, a change request, a target operator, and an API token. Built the way users
build them (the API, as the provider admin or the business's own people); only the chat is
written straight to the database.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from livedesk.conversations.models import Conversation, Message, Visitor
from livedesk.db import utcnow

from livedesk_testing import ORIGIN_A, ORIGIN_B, LiveServer, Tenant, World

Params = dict[str, str]
PIXEL_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
Factory = Callable[[str], Awaitable[str]]  # side → the id of a new object there
_numbers = itertools.count(1)


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def make_chat(server: LiveServer, tenant: Tenant) -> str:
    """A queued conversation with one visitor message."""
    async with server.runtime.transaction() as session:
        visitor = Visitor(business_id=tenant.business_id, widget_id=tenant.widget_id)
        session.add(visitor)
        await session.flush()
        chat = Conversation(
            business_id=tenant.business_id,
            widget_id=tenant.widget_id,
            visitor_id=visitor.id,
            last_seq=1,
        )
        session.add(chat)
        await session.flush()
        session.add(
            Message(
                conversation_id=chat.id,
                business_id=tenant.business_id,
                seq=1,
                author_kind="visitor",
                body="Wat kost een afspraak?",
                created_at=utcnow(),
            )
        )
        return chat.id


@dataclass
class AuthzWorld:
    server: LiveServer
    world: World
    own: Params = field(default_factory=dict)
    other: Params = field(default_factory=dict)
    factories: dict[str, Factory] = field(default_factory=dict)

    def side(self, name: str) -> Params:
        return self.own if name == "own" else self.other

    def tenant(self, side: str) -> Tenant:
        return self.world.a if side == "own" else self.world.b


class Builder:
    """Makes each kind of object in either business, as the person who would."""

    def __init__(
        self, server: LiveServer, world: World, clients: dict[str, httpx.AsyncClient]
    ) -> None:
        self.server, self.world, self.clients = server, world, clients
        self.admin = clients["admin"]

    def tenant(self, side: str) -> Tenant:
        return self.world.a if side == "own" else self.world.b

    async def faq(self, side: str) -> str:
        biz = self.tenant(side).business_id
        number = next(_numbers)  # each entry its own question: duplicates are refused
        entry = {"question": f"Wat kost afspraak {number}?", "answer": "Vijftig euro."}
        return str(
            _created(await self.admin.post(f"/api/v1/businesses/{biz}/faq", json=entry))["faq_id"]
        )

    async def evidence(self, side: str) -> str:
        """A learned phrasing: the tenant's operator answered a chat with a FAQ entry."""
        tenant = self.tenant(side)
        chat, faq_id = await make_chat(self.server, tenant), await self.faq(side)
        reply = {"seq": 1, "faq_id": faq_id, "body": "Vijftig euro."}
        made = await self.clients[tenant.operator].post(
            f"/api/v1/conversations/{chat}/faq-evidence", json=reply
        )
        return str(_created(made)["id"])

    async def canned(self, side: str) -> str:
        tenant = self.tenant(side)
        body = {"business_id": tenant.business_id, "title": "Hoi", "body": "Hallo!"}
        body["shortcut"] = f"hoi{next(_numbers)}"
        return str(_created(await self.admin.post("/api/v1/canned-responses", json=body))["id"])

    async def route(self, side: str) -> str:
        tenant = self.tenant(side)
        body = {"kind": "email", "name": "sales", "emails": [f"sales@{tenant.slug}.example"]}
        path = f"/api/v1/businesses/{tenant.business_id}/delivery-routes"
        return str(_created(await self.admin.post(path, json=body))["id"])

    async def lead(self, side: str) -> str:
        tenant = self.tenant(side)
        origin = ORIGIN_A if side == "own" else ORIGIN_B
        form = {"name": "Ann", "email": "ann@example.nl", "question": "Bel me", "consent": True}
        async with self.server.http(headers={"origin": origin}) as page:
            made = await page.post(f"/api/v1/widget/{tenant.widget_key}/offline", json=form)
        return str(_created(made)["lead_id"])

    async def proposal(self, side: str) -> str:
        tenant = self.tenant(side)
        chat = await make_chat(self.server, tenant)
        body = {"question": f"Parkeren {next(_numbers)}?", "answer": "Achter het pand."}
        operator = self.clients[tenant.operator]
        made = await operator.post(f"/api/v1/conversations/{chat}/faq-proposals", json=body)
        return str(_created(made)["proposal_id"])

    async def change_request(self, side: str) -> str:
        body = {"kind": "guidelines", "guidelines": {"tone": "vriendelijk"}, "note": "graag"}
        user = self.clients[self.tenant(side).business_user]
        return str(_created(await user.post("/api/v1/portal/change-requests", json=body))["id"])

    async def attachment(self, side: str, conversation_id: str) -> str:
        """An image (one red pixel, so it has a thumbnail) the side's operator uploaded into
        that conversation."""
        operator = self.clients[self.tenant(side).operator]
        made = await operator.post(
            f"/api/v1/conversations/{conversation_id}/attachments",
            content=PIXEL_PNG,
            headers={"content-type": "application/octet-stream"},
        )
        return str(_created(made)["id"])

    async def token(self, side: str) -> str:
        operator = self.clients[self.tenant(side).operator]
        made = await operator.post("/api/v1/auth/tokens", json={"name": "ci"})
        return str(_created(made)["id"])

    async def target_operator(self, side: str) -> str:
        tenant = self.tenant(side)
        body = {
            "username": f"target-{tenant.slug}",
            "display_name": f"Target {tenant.slug}",
            "role": "operator",
            "operator": {"businesses": [tenant.business_id]},
        }
        return str(_created(await self.admin.post("/api/v1/users", json=body))["id"])

    async def side(self, side: str) -> Params:
        tenant = self.tenant(side)
        params: Params = {
            "business_id": tenant.business_id,
            "widget_id": tenant.widget_id,
            "key": tenant.widget_key,
            "seq": "1",
            "version": "1",
            "name": "staffing",
            "table": "summary",
        }
        params["user_id"] = params["operator_id"] = await self.target_operator(side)
        # The business lets its people join chats as experts, so /join has someone allowed.
        settings = await self.admin.put(
            f"/api/v1/businesses/{tenant.business_id}/portal-settings",
            json={"experts_may_join": True},
        )
        assert settings.status_code == 200, settings.text
        params["route_id"] = await self.route(side)
        params["lead_id"] = await self.lead(side)  # after the route: it has a delivery
        deliveries = await self.admin.get(f"/api/v1/leads/{params['lead_id']}/deliveries")
        params["delivery_id"] = deliveries.json()["items"][0]["id"]
        params["faq_id"] = await self.faq(side)
        params["canned_id"] = await self.canned(side)
        params["conversation_id"] = await make_chat(self.server, tenant)
        params["attachment_id"] = await self.attachment(side, params["conversation_id"])
        params["proposal_id"] = await self.proposal(side)
        params["request_id"] = await self.change_request(side)
        params["token_id"] = await self.token(side)
        return params


async def build(
    server: LiveServer, world: World, clients: dict[str, httpx.AsyncClient]
) -> AuthzWorld:
    """`clients`: logged-in clients by username, "admin" among them."""
    builder = Builder(server, world, clients)
    made = AuthzWorld(server, world, await builder.side("own"), await builder.side("other"))
    made.factories = {
        "faq_id": builder.faq,
        "canned_id": builder.canned,
        "evidence_id": builder.evidence,
        "route_id": builder.route,
        "lead_id": builder.lead,
        "proposal_id": builder.proposal,
        "request_id": builder.change_request,
        "token_id": builder.token,
    }
    return made
