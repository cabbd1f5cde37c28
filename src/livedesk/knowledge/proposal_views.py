"""The FAQ as a living document: operators propose entries from a chat, the business approves
or rejects them; and the log of which suggestions operators used."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from livedesk.businesses.access import access_business_by_id
from livedesk.deps import ActorDep, RuntimeDep, SessionDep
from livedesk.knowledge import proposals as P
from livedesk.knowledge.access import access_faq_proposal
from livedesk.knowledge.actions import do_record_suggestion_used
from livedesk.knowledge.models import FaqProposal, FaqSuggestionLog, ProposalStatus
from livedesk.knowledge.schemas import (
    ApproveIn,
    ProposalIn,
    RejectIn,
    UsedIn,
    entry_payload,
    suggestion_log_payload,
)
from livedesk.knowledge.service import get_service

router = APIRouter(prefix="/api/v1/businesses/{business_id}/faq", tags=["faq"])
conversation_router = APIRouter(prefix="/api/v1/conversations", tags=["faq"])


@router.get("/proposals")
async def list_proposals(
    business_id: str,
    actor: ActorDep,
    session: SessionDep,
    status: ProposalStatus | None = ProposalStatus.PENDING,
    limit: int = Query(100, ge=1, le=500),
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    query = select(FaqProposal).where(FaqProposal.business_id == business_id)
    if status is not None:
        query = query.where(FaqProposal.status == status)
    rows = await session.scalars(query.order_by(FaqProposal.proposed_at.desc()).limit(limit))
    return {"items": [P.proposal_payload(p) for p in rows]}


@router.get("/proposals/{proposal_id}")
async def get_proposal(
    business_id: str, proposal_id: str, actor: ActorDep, session: SessionDep
) -> dict[str, Any]:
    return P.proposal_payload(await access_faq_proposal(session, actor, business_id, proposal_id))


@router.post("/proposals/{proposal_id}/approve")
async def approve_proposal(
    business_id: str,
    proposal_id: str,
    body: ApproveIn,
    actor: ActorDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    proposal, entry = await P.approve(
        get_service(runtime), actor, business_id, proposal_id, body.model_dump(exclude_none=True)
    )
    return {"proposal": P.proposal_payload(proposal), "entry": entry_payload(entry)}


@router.post("/proposals/{proposal_id}/reject")
async def reject_proposal(
    business_id: str,
    proposal_id: str,
    body: RejectIn,
    actor: ActorDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    proposal = await P.reject(get_service(runtime), actor, business_id, proposal_id, body.reason)
    return P.proposal_payload(proposal)


@router.get("/suggestion-log")
async def suggestion_log(
    business_id: str, actor: ActorDep, session: SessionDep, limit: int = Query(100, ge=1, le=1000)
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    rows = await session.scalars(
        select(FaqSuggestionLog)
        .where(FaqSuggestionLog.business_id == business_id)
        .order_by(FaqSuggestionLog.id.desc())
        .limit(limit)
    )
    return {"items": [suggestion_log_payload(r) for r in rows]}


# ---- from the chat -------------------------------------------------------------------


@conversation_router.post("/{conversation_id}/faq-proposals", status_code=201)
async def propose(
    conversation_id: str, body: ProposalIn, actor: ActorDep, runtime: RuntimeDep
) -> dict[str, Any]:
    proposal = await P.create_proposal(
        get_service(runtime),
        actor,
        conversation_id,
        question=body.question,
        answer=body.answer,
        visitor_seq=body.visitor_seq,
        operator_seq=body.operator_seq,
        faq_id=body.faq_id,
        alternatives=body.alternatives,
        tags=body.tags,
    )
    return P.proposal_payload(proposal)


@conversation_router.post("/{conversation_id}/suggestions/{seq}/used")
async def mark_used(
    conversation_id: str, seq: int, body: UsedIn, actor: ActorDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """Which entry the operator used for visitor message `seq` (null: none fitted)."""
    async with runtime.transaction() as tx:
        row = await do_record_suggestion_used(tx, actor, conversation_id, seq, body.faq_id)
    return suggestion_log_payload(row)
