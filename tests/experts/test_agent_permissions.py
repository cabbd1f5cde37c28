"""The staff socket's permission table, frame by frame, over real WebSockets: every frame type
in the table × every kind of user, each on a fresh live chat of alpha that op-alpha answers and
user-alpha joined as the business's expert, with the exact answer (ok or the error code) and,
where a frame reaches the visitor, whether it did."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from expert_helpers import (
    ADMIN,
    READER,
    SECOND_OPERATOR,
    add_people,
    agent,
    allow_experts,
    barrier,
    http_as,
    live_chat,
    outcome,
)

from livedesk.realtime import permissions
from livedesk.realtime.agent import AgentConnection
from livedesk.settings import Settings

from livedesk_testing import LiveServer, World

# Who sends, by situation, with the username (alpha is "own", beta "other").
SITUATIONS = {
    "provider_admin": ADMIN,
    "supervisor": "super",
    "operator_assigned": "op-alpha",
    "operator_not_assigned": SECOND_OPERATOR,
    "operator_other_business": "op-beta",
    "business_user_joined": "user-alpha",
    "business_user_not_joined": READER,
    "business_user_other_business": "user-beta",
}


def row(*results: str) -> dict[str, str]:
    assert len(results) == len(SITUATIONS)
    return dict(zip(SITUATIONS, results, strict=True))


# The expected answer per frame, in the order of SITUATIONS. Written out, not derived from the
# table: a change of the table must change this too.
EXPECTED: dict[str, dict[str, str]] = {
    "hello": row("ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    "ping": row("ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    "send": row("ok", "ok", "ok", "not_assigned", "not_found", "ok", "not_joined", "not_found"),
    permissions.INTERNAL_NOTE: row(
        "ok", "ok", "ok", "ok", "not_found", "forbidden", "forbidden", "forbidden"
    ),
    "typing": row(
        "not_assigned",
        "not_assigned",
        "ok",
        "not_assigned",
        "not_found",
        "ok",
        "not_joined",
        "not_found",
    ),
    "read": row(
        "not_assigned",
        "not_assigned",
        "ok",
        "not_assigned",
        "not_found",
        "ok",
        "not_joined",
        "not_found",
    ),
    # The table lets staff try; routing answers that op-alpha has the chat.
    "accept": row(
        "already_assigned",
        "already_assigned",
        "ok",
        "already_assigned",
        "not_found",
        "forbidden",
        "forbidden",
        "forbidden",
    ),
    "close": row(
        "ok", "ok", "ok", "not_assigned", "not_found", "forbidden", "forbidden", "forbidden"
    ),
    "transfer": row(
        "ok", "ok", "ok", "not_assigned", "not_found", "forbidden", "forbidden", "forbidden"
    ),
    # The table lets operators try; routing answers that no offer of this chat is theirs.
    "decline": row(
        "forbidden",
        "forbidden",
        "no_pending_offer",
        "no_pending_offer",
        "not_found",
        "forbidden",
        "forbidden",
        "forbidden",
    ),
    "presence": row(
        "forbidden", "forbidden", "ok", "ok", "ok", "forbidden", "forbidden", "forbidden"
    ),
    "heartbeat": row(
        "forbidden", "forbidden", "ok", "ok", "ok", "forbidden", "forbidden", "forbidden"
    ),
}

# Frames that reach the visitor when they are allowed, and what the visitor then receives.
TO_VISITOR = {"typing", "read"}


def frame_for(key: str, cid: str, n: int) -> dict[str, Any]:
    frames: dict[str, dict[str, Any]] = {
        "hello": {"type": "hello"},
        "ping": {"type": "ping", "t": f"probe-{n}"},
        "send": {"type": "send", "conversation_id": cid, "client_msg_id": f"m{n}", "body": "Hoi"},
        permissions.INTERNAL_NOTE: {
            "type": "send",
            "conversation_id": cid,
            "client_msg_id": f"n{n}",
            "body": "Notitie",
            "internal": True,
        },
        "typing": {"type": "typing", "conversation_id": cid, "state": "on"},
        "read": {"type": "read", "conversation_id": cid, "seq": 1},
        "accept": {"type": "accept", "conversation_id": cid},
        "close": {"type": "close", "conversation_id": cid, "disposition": "answered"},
        "transfer": {"type": "transfer", "conversation_id": cid, "to_operator_id": None},
        "decline": {"type": "decline", "conversation_id": cid},
        "presence": {"type": "presence", "state": "away"},
        "heartbeat": {"type": "heartbeat"},
    }
    return frames[key]


def proof_of_ok(key: str, answers: list[dict[str, Any]], n: int) -> bool:
    """What the sender gets back when the frame did its work (beyond "no error")."""
    kinds = [f.get("type") for f in answers]
    return {
        "hello": "welcome" in kinds,
        "ping": {"type": "pong", "t": f"probe-{n}"} in answers,
        "send": any(f.get("type") == "ack" and f["client_msg_id"] == f"m{n}" for f in answers),
        permissions.INTERNAL_NOTE: any(
            f.get("type") == "ack" and f["client_msg_id"] == f"n{n}" for f in answers
        ),
        "presence": "presence" in kinds,
        "heartbeat": "heartbeat" in kinds,
    }.get(key, True)


def test_the_table_names_every_frame_the_socket_takes() -> None:
    from livedesk.routing.frames import agent_frames

    handled = set(AgentConnection.FRAMES) | set(agent_frames(None))  # type: ignore[arg-type]
    assert set(permissions.PERMISSIONS) == handled | {permissions.INTERNAL_NOTE}
    assert set(EXPECTED) == set(permissions.PERMISSIONS)
    for key, rules in permissions.PERMISSIONS.items():
        assert set(rules) == set(permissions.ROLES), key


def test_the_protocol_document_shows_the_table() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "protocol.md").read_text("utf-8")
    assert permissions.markdown_table() in doc


@pytest.mark.parametrize("key", list(EXPECTED))
async def test_frame_by_every_kind_of_user(
    server: LiveServer, world: World, settings: Settings, key: str
) -> None:
    await add_people(settings, world)
    await allow_experts(server, world.a.business_id)
    sockets = {situation: await agent(server, user) for situation, user in SITUATIONS.items()}
    operator = sockets["operator_assigned"]
    expert = await http_as(server, "user-alpha")
    got: dict[str, str] = {}
    wrong: list[str] = []
    for n, (situation, client) in enumerate(sockets.items()):
        chat = await live_chat(server, operator, expert)
        seen_by_visitor = len(chat.visitor.frames)
        got[situation], answers = await outcome(client, frame_for(key, chat.conversation_id, n))
        if got[situation] == "ok" and not proof_of_ok(key, answers, n):
            wrong.append(f"{situation}: no proof that {key} worked in {answers}")
        if key in TO_VISITOR:
            await barrier(chat.visitor, seen_by_visitor)
            reached = [f for f in chat.visitor.frames[seen_by_visitor:] if f.get("type") == key]
            expected_who = "expert" if situation.startswith("business_user") else "operator"
            want = [expected_who] if got[situation] == "ok" else []
            if [f["who"] for f in reached] != want:
                wrong.append(f"{situation}: the visitor got {reached}, expected who={want}")
        await chat.end()
    assert got == EXPECTED[key]
    assert wrong == []
    await expert.aclose()
    for client in sockets.values():
        await client.close()
