"""A lead form pre-filled from the chat: the e-mail, phone and name the visitor typed."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.conversations.access import access_conversation_by_id
from livedesk.conversations.models import AuthorKind, Message, Visitor
from livedesk.errors import Forbidden
from livedesk.leads.actions import lead_config
from livedesk.leads.models import LeadKind
from livedesk.leads.schemas import FieldErrors, normalise_email, normalise_phone
from livedesk.security.actors import StaffActor

DRAFT_EMAIL_RE = re.compile(r"[^@\s<>()\[\]\"',;:]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
DRAFT_PHONE_RE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d ().-]{6,18}\d(?!\w)")
# The phrase in any case, the name itself capitalised (so "… en ik wil" is not a surname).

# The phrase in any case, the name itself capitalised (so "… en ik wil" is not a surname).
NAME_RE = re.compile(
    r"\b(?i:mijn naam is|ik ben|ik heet|my name is|i am|i'm|this is)\s+"
    r"([A-ZÀ-Ý][\w'À-ÿ-]+(?:\s+(?:van|de|der|den|ten|ter)){0,3}(?:\s+[A-ZÀ-Ý][\w'À-ÿ-]+)?)"
)


async def draft_from_chat(
    session: AsyncSession, actor: StaffActor, conversation_id: str
) -> dict[str, Any]:
    """Pre-fill a lead from what the visitor already typed (pre-chat form first, then chat)."""
    conversation = await access_conversation_by_id(session, actor, conversation_id)
    if not actor.is_staff:
        raise Forbidden("leads are filed by the operators serving this business")
    visitor = await session.get(Visitor, conversation.visitor_id)
    bodies = list(
        await session.scalars(
            select(Message.body)
            .where(
                Message.conversation_id == conversation.id,
                Message.author_kind == AuthorKind.VISITOR,
            )
            .order_by(Message.seq)
        )
    )
    prechat = {str(k).lower(): str(v) for k, v in (conversation.prechat or {}).items()}
    ignore = FieldErrors()  # a draft never fails: unusable candidates are skipped

    def first(*candidates: str | None) -> str | None:
        return next((c for c in candidates if c), None)

    emails = [m.group(0).rstrip(".") for b in bodies for m in DRAFT_EMAIL_RE.finditer(b)]
    phones = [
        p
        for b in bodies
        for m in DRAFT_PHONE_RE.finditer(b)
        if (p := normalise_phone(m.group(0), ignore))
    ]
    names = [m.group(1) for b in bodies for m in NAME_RE.finditer(b)]
    emails = [e for e in emails if normalise_email(e, ignore)]
    email = first(
        normalise_email(prechat.get("email") or prechat.get("e-mail"), ignore),
        visitor.email if visitor else None,
        *emails,
    )
    phone = first(normalise_phone(prechat.get("phone") or prechat.get("telefoon"), ignore), *phones)
    name = first(
        prechat.get("name") or prechat.get("naam"), visitor.name if visitor else None, *names
    )
    config = await lead_config(session, conversation.business_id)
    return {
        "conversation_id": conversation.id,
        "business_id": conversation.business_id,
        "kind": LeadKind.SALES_LEAD,
        "name": name,
        "email": email,
        "phone": phone,
        "intent": "\n".join(bodies)[:10_000],
        "notes": "",
        "qualification": {},
        "qualification_fields": config.qualification_fields,
        "candidates": {
            "emails": list(dict.fromkeys(emails)),
            "phones": list(dict.fromkeys(phones)),
            "names": list(dict.fromkeys(names)),
        },
    }
