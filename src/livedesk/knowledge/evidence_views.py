"""HTTP API of what the FAQ learns from (knowledge/evidence.py): the console reports an operator's
reply made with an entry; the FAQ editor lists and removes learned phrasings per entry, shows
the entry pairs visitors and operators often had to tell apart, and the questions people had
to answer without the FAQ (knowledge/gaps.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from livedesk.audit.actions import record_change
from livedesk.businesses.access import access_business_by_id
from livedesk.conversations.access import access_conversation_by_id
from livedesk.db import utcnow
from livedesk.deps import ActorDep, RuntimeDep, SessionDep
from livedesk.errors import Forbidden, NotFound
from livedesk.knowledge import evidence as E
from livedesk.knowledge.gaps import unanswered_questions
from livedesk.knowledge.models import FaqEntry
from livedesk.knowledge.service import KnowledgeService, get_service, require_editor

router = APIRouter(prefix="/api/v1/businesses/{business_id}/faq", tags=["faq"])
conversation_router = APIRouter(prefix="/api/v1/conversations", tags=["faq"])


class ReplyIn(BaseModel):
    seq: int = Field(ge=1, le=2**31 - 1)  # the visitor message answered
    faq_id: str = Field(min_length=1, max_length=32)
    body: str = Field(max_length=20_000)  # what the operator sent


@conversation_router.post("/{conversation_id}/faq-evidence")
async def record_reply(
    conversation_id: str, body: ReplyIn, actor: ActorDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """The operator answered visitor message `seq` with entry `faq_id`: its answer as it was,
    edited, or found by search. `recorded` is false for a repeat of the same message and entry."""
    if not actor.is_staff:
        raise Forbidden("for operators")
    async with runtime.transaction() as tx:
        conversation = await access_conversation_by_id(tx, actor, conversation_id)
        entry = await tx.get(FaqEntry, body.faq_id)
        if entry is None or entry.business_id != conversation.business_id:
            raise NotFound("FAQ entry not found")
        row = await E.record_operator_reply(
            tx, conversation, actor.user_id, body.seq, entry, body.body
        )
        if row is None and not await E.visitor_message_exists(tx, conversation.id, body.seq):
            raise NotFound("no visitor message with this seq")
        await tx.flush()
        made = {"id": row.id, "kind": row.kind} if row is not None else {"id": None, "kind": None}
    return {"recorded": row is not None, **made}


@router.get("/learned")
async def list_learned(
    business_id: str, actor: ActorDep, session: SessionDep, entry_id: str | None = None
) -> dict[str, Any]:
    """Visitors' phrasings learned per entry, as the FAQ editor shows them."""
    await access_business_by_id(session, actor, business_id)
    items = await E.learned_phrasings(session, business_id, entry_id)
    return {"items": items}


@router.delete("/learned/{evidence_id}")
async def remove_learned(
    business_id: str, evidence_id: int, actor: ActorDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """Removes a learned phrasing from its entry (every record of it); the bot's bands are
    worked out again from what remains."""
    async with runtime.transaction() as tx:
        await access_business_by_id(tx, actor, business_id)
        require_editor(actor, business_id)
        rows = await E.phrasing_rows(tx, business_id, evidence_id)
        if not rows:
            raise NotFound("learned phrasing not found")
        now = utcnow()
        for row in rows:
            row.removed_at, row.removed_by = now, actor.user_id
        record_change(
            tx,
            actor,
            entity="faq_phrasing",
            entity_id=str(evidence_id),
            action="delete",
            business_id=business_id,
            before={"entry_id": rows[0].entry_id, "query": rows[0].query, "records": len(rows)},
        )
    recalibrate(get_service(runtime), business_id)
    return {"removed": len(rows)}


def recalibrate(service: KnowledgeService, business_id: str) -> None:
    """The business's bands are cached for minutes: drop them, so the bot's next decision
    refits them from the record as it now is."""
    service._own_bands.pop(business_id, None)
    service._own_thresholds.pop(business_id, None)


@router.get("/confused")
async def list_confused(
    business_id: str, actor: ActorDep, session: SessionDep, limit: int = Query(20, ge=1, le=100)
) -> dict[str, Any]:
    """Entry pairs often confused: merge them or sharpen their questions."""
    await access_business_by_id(session, actor, business_id)
    return {"items": await E.confused_pairs(session, business_id, limit)}


@router.get("/gaps")
async def list_gaps(
    business_id: str,
    actor: ActorDep,
    session: SessionDep,
    days: int = Query(30, ge=1, le=366),
    limit: int = Query(50, ge=1, le=200),
) -> dict[str, Any]:
    """Visitors' questions of the last `days` that a person answered without the FAQ, most
    asked first: what to add to it next."""
    await access_business_by_id(session, actor, business_id)
    since = utcnow() - timedelta(days=days)
    return {"days": days, "items": await unanswered_questions(session, business_id, since, limit)}
