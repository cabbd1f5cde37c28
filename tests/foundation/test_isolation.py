"""Two businesses: every read path probed with the other business's ids answers as if the row
did not exist."""

from __future__ import annotations

from livedesk_testing import LiveServer, World, connect_agent, connect_visitor, login, visitor_token


async def _conversation_of(server: LiveServer, world: World, tenant) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    origin = f"https://{tenant.slug}.example"
    token = await visitor_token(server, tenant.widget_key, origin)
    visitor = await connect_visitor(server, token, origin)
    await visitor.send(type="hello")
    await visitor.send(type="start")
    cid = (await visitor.wait_type("conversation"))["conversation_id"]
    await visitor.send(type="send", conversation_id=cid, client_msg_id="x", body="geheim")
    await visitor.wait_type("ack")
    await visitor.close()
    return cid, token


async def test_http_reads_of_foreign_rows_answer_not_found(
    server: LiveServer, world: World
) -> None:
    cid_b, _ = await _conversation_of(server, world, world.b)
    cid_a, _ = await _conversation_of(server, world, world.a)
    for user in (world.a.operator, world.a.business_user):
        async with server.http(cookies={"livedesk_session": await login(server, user)}) as h:
            for path in (
                f"/api/v1/conversations/{cid_b}",
                f"/api/v1/conversations/{cid_b}/messages",
                f"/api/v1/businesses/{world.b.business_id}",
            ):
                foreign = await h.get(path)
                unknown = await h.get(
                    path.replace(cid_b, "0" * 32).replace(world.b.business_id, "0" * 32)
                )
                assert foreign.status_code == unknown.status_code == 404, path
                assert foreign.json() == unknown.json()
            listed = (await h.get("/api/v1/conversations")).json()["items"]
            assert [c["conversation_id"] for c in listed] == [cid_a]
            filtered = await h.get(f"/api/v1/conversations?business_id={world.b.business_id}")
            assert filtered.json()["items"] == []
            businesses = (await h.get("/api/v1/businesses")).json()
            assert [b["id"] for b in businesses] == [world.a.business_id]
    async with server.http(
        cookies={"livedesk_session": await login(server, world.supervisor)}
    ) as h:
        assert len((await h.get("/api/v1/conversations")).json()["items"]) == 2


async def test_sockets_cannot_touch_foreign_conversations(server: LiveServer, world: World) -> None:
    cid_b, _ = await _conversation_of(server, world, world.b)
    agent = await connect_agent(server, await login(server, world.a.operator))
    await agent.send(type="hello", resume={cid_b: 0})
    welcome = await agent.wait_type("welcome")
    assert welcome["conversations"] == []
    assert (await agent.wait_type("error"))["data"]["conversation_id"] == cid_b
    for frame in (
        {"type": "accept"},
        {"type": "close"},
        {"type": "typing", "state": "on"},
        {"type": "send", "client_msg_id": "z", "body": "hoi"},
        {"type": "send", "client_msg_id": "z", "body": "hoi", "internal": True},
    ):
        start = len(agent.frames)
        await agent.send(conversation_id=cid_b, **frame)
        # The answer to this frame, not an earlier error: each one is refused on its own.
        error = await agent.wait_for(lambda f: f.get("type") == "error", start=start)
        assert error["code"] == "not_found", frame
        assert error["data"]["conversation_id"] == cid_b, frame
    # A visitor of business A cannot use a conversation of business B either.
    token_a = await visitor_token(server, world.a.widget_key, "https://alpha.example")
    visitor = await connect_visitor(server, token_a, "https://alpha.example")
    await visitor.send(type="hello", resume={cid_b: 0})
    assert (await visitor.wait_type("error"))["code"] == "not_found"
    await visitor.send(type="send", conversation_id=cid_b, client_msg_id="q", body="hoi")
    await visitor.wait_for(lambda f: len(visitor.of_type("error")) == 2)
    assert visitor.of_type("error")[-1]["code"] == "not_found"
    assert visitor.of_type("message") == [] and agent.of_type("message") == []
    await visitor.close()
    await agent.close()
