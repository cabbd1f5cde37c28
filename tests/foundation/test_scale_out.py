"""Two Livedesk processes' worth of app on one database, fanning out through real Redis."""

from __future__ import annotations

from livedesk.settings import Settings

from livedesk_testing import (
    World,
    connect_agent,
    connect_visitor,
    free_port,
    login,
    running,
    visitor_token,
)


async def test_messages_cross_nodes_through_redis(
    settings: Settings, world: World, redis_url: str
) -> None:
    node_settings = [
        settings.model_copy(update={"redis_url": redis_url, "port": free_port()}) for _ in range(2)
    ]
    async with running(node_settings[0]) as node1, running(node_settings[1]) as node2:
        origin = "https://alpha.example"
        token = await visitor_token(node1, world.a.widget_key, origin)
        visitor = await connect_visitor(node1, token, origin)
        agent = await connect_agent(node2, await login(node2, world.a.operator))
        await agent.send(type="hello")
        await agent.wait_type("welcome")
        await visitor.send(type="hello")
        await visitor.send(type="start")
        cid = (await visitor.wait_type("conversation"))["conversation_id"]
        # The new conversation, created on node 1, reaches the operator on node 2.
        await agent.wait_type("conversation", conversation_id=cid)
        await agent.send(type="accept", conversation_id=cid)
        await visitor.wait_for(lambda f: f.get("state") == "active")
        await visitor.send(type="send", conversation_id=cid, client_msg_id="x1", body="Hallo")
        assert (await agent.wait_type("message", seq=1))["body"] == "Hallo"
        await agent.send(type="send", conversation_id=cid, client_msg_id="o1", body="Dag!")
        assert (await visitor.wait_type("message", seq=2))["body"] == "Dag!"
        # Closed on node 2: node 1 knows at once and refuses the visitor's next message.
        await agent.send(type="close", conversation_id=cid, disposition="answered")
        await visitor.wait_for(lambda f: f.get("state") == "closed")
        await visitor.send(type="send", conversation_id=cid, client_msg_id="x2", body="Nog iets")
        assert (await visitor.wait_type("error"))["code"] == "conversation_closed"
        await visitor.close()
        await agent.close()
