"""Who may send which frame on the staff socket (/ws/agent): one explicit table, frame type ×
role, checked for every frame before its handler runs (routing's frames included), and the
source of the table in docs/protocol.md (a test keeps the two the same).

A frame the table does not name is refused: a domain that adds a frame adds its rule here.

The checks, in order, each with the code of the error frame that refuses:
1. the role may never send this frame: `forbidden` (it reveals nothing about a conversation);
2. the conversation is not one the user sees (unknown or another business's): `not_found`;
3. the rule's condition on the conversation: `not_assigned` or `not_joined`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from livedesk.accounts.models import Role
from livedesk.conversations.participants import is_joined_expert
from livedesk.realtime import protocol
from livedesk.realtime.protocol import FrameError
from livedesk.runtime import ConversationFacts, Runtime
from livedesk.security.actors import StaffActor


class Allowed(enum.StrEnum):
    """Under which condition a role may send a frame."""

    ALWAYS = "always"  # the frame names no conversation
    SEES = "sees"  # any conversation of a business the user sees
    OWN = "own"  # a conversation assigned (or offered) to the user
    OWN_OR_WAITING = "own_or_waiting"  # their own, or one no operator has yet
    JOINED = "joined"  # a business user joined to it as the business's expert
    NEVER = "never"


# A `send` with "internal": true (a note only the provider's staff see) has its own row.
INTERNAL_NOTE = "send:internal"

ADMIN, SUPER, OPER, BIZ = Role.PROVIDER_ADMIN, Role.SUPERVISOR, Role.OPERATOR, Role.BUSINESS_USER
ROLES = (ADMIN, SUPER, OPER, BIZ)


def _same(allowed: Allowed) -> dict[Role, Allowed]:
    return dict.fromkeys(ROLES, allowed)


def _staff(admin_and_supervisor: Allowed, operator: Allowed) -> dict[Role, Allowed]:
    """A rule for the provider's staff; business users may not."""
    return {
        ADMIN: admin_and_supervisor,
        SUPER: admin_and_supervisor,
        OPER: operator,
        BIZ: Allowed.NEVER,
    }


def _operators(operator: Allowed) -> dict[Role, Allowed]:
    """Routing's own frames: only operators take part in routing."""
    return {ADMIN: Allowed.NEVER, SUPER: Allowed.NEVER, OPER: operator, BIZ: Allowed.NEVER}


# Typing and read receipts reach the visitor only from whoever is answering: the assigned
# operator, or an expert while joined; never from someone who merely has the chat open.
_ANSWERING = {ADMIN: Allowed.OWN, SUPER: Allowed.OWN, OPER: Allowed.OWN, BIZ: Allowed.JOINED}

PERMISSIONS: Mapping[str, Mapping[Role, Allowed]] = {
    "hello": _same(Allowed.ALWAYS),  # business users read: internal notes are left out
    "ping": _same(Allowed.ALWAYS),
    "send": {ADMIN: Allowed.SEES, SUPER: Allowed.SEES, OPER: Allowed.OWN, BIZ: Allowed.JOINED},
    INTERNAL_NOTE: _staff(Allowed.SEES, Allowed.SEES),
    "typing": _ANSWERING,
    "read": _ANSWERING,
    "accept": _staff(Allowed.SEES, Allowed.SEES),
    "close": _staff(Allowed.SEES, Allowed.OWN_OR_WAITING),
    "transfer": _staff(Allowed.SEES, Allowed.OWN),
    "decline": _operators(Allowed.SEES),  # routing checks that the offer is theirs
    "presence": _operators(Allowed.ALWAYS),
    "heartbeat": _operators(Allowed.ALWAYS),
}


# The visitor socket (/ws/visitor) has one kind of user, so no roles: a visitor may send these
# frames, each about their own conversations only (any other conversation is `not_found`). A
# domain that adds a visitor frame adds it here; a test compares this with `welcome.accepts`.
VISITOR_FRAMES: Mapping[str, str] = {
    "hello": "always",
    "ping": "always",
    "start": "always",
    "send": "their own open chat",
    "typing": "their own chat",
    "read": "their own chat",
    "leave": "their own chat",
    "rating": "their own ended chat",
    "faq_choice": "their own open chat, answering the bot's latest offer",
}


def rule_key(kind: str, data: Mapping[str, Any]) -> str:
    """The table's row for this frame (protocol.parse_send reads `internal` the same way)."""
    if kind == "send" and bool(data.get("internal", False)):
        return INTERNAL_NOTE
    return kind


def allowed(key: str, role: Role) -> Allowed:
    return PERMISSIONS.get(key, {}).get(role, Allowed.NEVER)


def may_send(kind: str, role: Role) -> bool:
    """Whether this role may send this frame type under some condition (`welcome.accepts`)."""
    keys = (kind, INTERNAL_NOTE) if kind == "send" else (kind,)
    return any(allowed(key, role) is not Allowed.NEVER for key in keys)


def refusal(
    rule: Allowed, actor: StaffActor, facts: ConversationFacts | None, joined: bool
) -> str | None:
    """The error code for a conversation the user sees (`facts`), or None: allowed."""
    if rule is Allowed.NEVER:
        return "forbidden"
    if rule in (Allowed.ALWAYS, Allowed.SEES):
        return None
    assert facts is not None
    if rule is Allowed.OWN:
        return None if facts.operator_id == actor.user_id else "not_assigned"
    if rule is Allowed.OWN_OR_WAITING:
        return None if facts.operator_id in (None, actor.user_id) else "not_assigned"
    return None if joined else "not_joined"


MESSAGES = {
    "forbidden": "your role may not send this frame",
    "not_found": "conversation not found",
    "not_assigned": "this is not your conversation: accept it first",
    "not_joined": "join the conversation as the business's expert first",
}


async def authorize(runtime: Runtime, actor: StaffActor, kind: str, data: dict[str, Any]) -> None:
    """Raises FrameError unless the table lets this user send this frame now."""
    rule = allowed(rule_key(kind, data), actor.role)
    if rule is Allowed.NEVER:
        raise FrameError("forbidden", MESSAGES["forbidden"], frame=kind)
    if rule is Allowed.ALWAYS:
        return
    conversation_id = protocol.require_str(data, "conversation_id", max_len=64)
    facts = await runtime.conversation_facts(conversation_id)
    if facts is None or not actor.can_see_business(facts.business_id):
        raise FrameError("not_found", MESSAGES["not_found"], conversation_id=conversation_id)
    joined = False
    if rule is Allowed.JOINED:
        async with runtime.reading() as session:
            joined = await is_joined_expert(session, conversation_id, actor.user_id)
    code = refusal(rule, actor, facts, joined)
    if code is not None:
        raise FrameError(code, MESSAGES[code], conversation_id=conversation_id)


# -- the table as docs/protocol.md shows it ------------------------------------------------------

WORDS = {
    Allowed.ALWAYS: "yes",
    Allowed.SEES: "any chat they see",
    Allowed.OWN: "their own chat",
    Allowed.OWN_OR_WAITING: "their own or a waiting chat",
    Allowed.JOINED: "as a joined expert",
    Allowed.NEVER: "no",
}
HEADINGS = {ADMIN: "provider admin", SUPER: "supervisor", OPER: "operator", BIZ: "business user"}


def markdown_table() -> str:
    lines = [
        "| frame | " + " | ".join(HEADINGS[r] for r in ROLES) + " |",
        "|---" * (len(ROLES) + 1) + "|",
    ]
    for key, row in PERMISSIONS.items():
        name = "`send` with `internal`" if key == INTERNAL_NOTE else f"`{key}`"
        lines.append(f"| {name} | " + " | ".join(WORDS[row[r]] for r in ROLES) + " |")
    return "\n".join(lines)
