"""The delivery log tells a business that an address was refused, never which internal
address and port it was (that would map the provider's network); the provider sees it all."""

from __future__ import annotations

from livedesk.db import unit_of_work
from livedesk.leads.models import OutboxItem, OutboxState

from livedesk_testing import LiveServer, World, login

DETAIL = "address not allowed: localhost is not an allowed destination: 127.0.0.1 (loopback)"


async def test_business_users_see_a_generic_refusal_and_staff_the_detail(
    server: LiveServer, world: World
) -> None:
    async with unit_of_work(server.runtime.sessions) as session:
        session.add(
            OutboxItem(
                business_id=world.a.business_id,
                event="lead.created",
                channel="webhook",
                target={"url": "http://localhost:5432/"},
                payload={},
                idempotency_key="refused-1",
                state=OutboxState.FAILED,
                flagged=True,
                last_error=DETAIL,
            )
        )
    seen = {}
    for username in (world.a.business_user, world.supervisor, world.b.business_user):
        async with server.http() as http:
            http.cookies.set("livedesk_session", await login(server, username))
            response = await http.get("/api/v1/deliveries/flagged")
            assert response.status_code == 200, response.text
            seen[username] = [item["last_error"] for item in response.json()["items"]]
    assert seen == {
        world.a.business_user: ["adres niet toegestaan"],
        world.supervisor: [DETAIL],
        world.b.business_user: [],  # another business's deliveries are not in its log
    }
