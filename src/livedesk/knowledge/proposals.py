""" "Add to FAQ" from a chat: an operator proposes an entry (or an edit of one) from the
visitor's question and their own answer; the business — or a provider supervisor, when the
business allows it — approves (possibly edited) or rejects. Approval updates the index at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import Role
from livedesk.conversations.access import access_conversation_by_id
from livedesk.conversations.models import AuthorKind, Message
from livedesk.db import read_only, utcnow
from livedesk.errors import Conflict, Forbidden, Invalid, NotFound
from livedesk.knowledge import io as kio
from livedesk.knowledge.models import FaqEntry, FaqProposal, FaqStatus, ProposalStatus
from livedesk.knowledge.service import KnowledgeService, clean_or_invalid, entry_data
from livedesk.realtime import protocol
from livedesk.security.actors import StaffActor


def proposal_payload(p: FaqProposal) -> dict[str, Any]:
    return {
        "proposal_id": p.id,
        "business_id": p.business_id,
        "conversation_id": p.conversation_id,
        "faq_id": p.entry_id,
        "base_version": p.base_version,
        "question": p.question,
        "answer": p.answer,
        "alternatives": list(p.alternatives),
        "tags": list(p.tags),
        "source": dict(p.source),
        "status": p.status,
        "proposed_by": {"id": p.proposed_by, "name": p.proposed_by_name},
        "proposed_at": p.proposed_at,
        "decided_by": {"id": p.decided_by, "name": p.decided_by_name} if p.decided_by else None,
        "decided_at": p.decided_at,
        "decision_note": p.decision_note,
        "result_faq_id": p.result_entry_id,
    }


def may_decide(service: KnowledgeService, actor: StaffActor, business_id: str) -> bool:
    if not actor.can_see_business(business_id):
        return False
    if actor.role == Role.BUSINESS_USER:
        return True
    if actor.role in (Role.SUPERVISOR, Role.PROVIDER_ADMIN):
        return service.business_settings(business_id).supervisors_may_approve
    return False


async def _message(session: AsyncSession, conversation_id: str, seq: int) -> Message:
    message = await session.scalar(
        select(Message).where(Message.conversation_id == conversation_id, Message.seq == seq)
    )
    if message is None or message.internal:
        raise Invalid(
            f"no message {seq} in this conversation", code="invalid_source", data={"seq": seq}
        )
    return message


async def create_proposal(
    service: KnowledgeService,
    actor: StaffActor,
    conversation_id: str,
    *,
    question: str | None,
    answer: str | None,
    visitor_seq: int | None,
    operator_seq: int | None,
    faq_id: str | None,
    alternatives: list[str],
    tags: list[str],
) -> FaqProposal:
    if not actor.is_staff:
        raise Forbidden("operators propose FAQ entries from their chats")
    runtime = service.runtime
    async with runtime.transaction() as session:
        conversation = await access_conversation_by_id(session, actor, conversation_id)
        source: dict[str, Any] = {}
        # Selected messages fill in whatever text the console did not send (edited) itself.
        if visitor_seq is not None:
            asked = await _message(session, conversation_id, visitor_seq)
            if asked.author_kind != AuthorKind.VISITOR:
                raise Invalid("visitor_seq must be a visitor's message", code="invalid_source")
            question = question if question is not None else asked.body
            source["visitor_seq"] = visitor_seq
        if operator_seq is not None:
            answered = await _message(session, conversation_id, operator_seq)
            if answered.author_kind not in (AuthorKind.OPERATOR, AuthorKind.BOT):
                raise Invalid("operator_seq must be an operator's message", code="invalid_source")
            answer = answer if answer is not None else answered.body
            source["operator_seq"] = operator_seq
        if question is None or answer is None:
            raise Invalid("give question and answer, or the seqs of the messages holding them")
        base_version = None
        if faq_id is not None:
            entry = await session.get(FaqEntry, faq_id)
            if entry is None or entry.business_id != conversation.business_id:
                raise NotFound("FAQ entry not found")
            base_version = entry.version
        clean = clean_or_invalid(
            kio.EntryData(question=question, answer=answer, alternatives=alternatives, tags=tags)
        )
        proposal = FaqProposal(
            business_id=conversation.business_id,
            conversation_id=conversation_id,
            entry_id=faq_id,
            base_version=base_version,
            question=clean.question,
            answer=clean.answer,
            alternatives=clean.alternatives,
            tags=clean.tags,
            source=source,
            proposed_by=actor.user_id,
            proposed_by_name=actor.name,
            proposed_at=utcnow(),
        )
        session.add(proposal)
        await session.flush()
    _announce(service, proposal)
    return proposal


def _announce(service: KnowledgeService, p: FaqProposal) -> None:
    service.runtime.publish_to_staff(
        p.business_id,
        protocol.frame(
            "faq_proposal",
            proposal_id=p.id,
            business_id=p.business_id,
            conversation_id=p.conversation_id,
            faq_id=p.entry_id,
            status=p.status,
            result_faq_id=p.result_entry_id,
        ),
    )


async def _pending(session: AsyncSession, business_id: str, proposal_id: str) -> FaqProposal:
    proposal = await session.get(FaqProposal, proposal_id, with_for_update=True)
    if proposal is None or proposal.business_id != business_id:
        raise NotFound("proposal not found")
    if proposal.status != ProposalStatus.PENDING:
        raise Conflict(f"this proposal was already {proposal.status}", code="already_decided")
    return proposal


def merged_content(
    proposal: FaqProposal, entry: FaqEntry | None, edits: dict[str, Any]
) -> kio.EntryData:
    """What approval writes. A new entry takes the proposal as is; an edit takes the proposed
    answer and keeps the entry's question, adding the visitor's wording as an alternative —
    the way visitors actually ask is what search needs most. `edits` (from the approver)
    override either."""
    if entry is None:
        data = kio.EntryData(
            question=proposal.question,
            answer=proposal.answer,
            alternatives=list(proposal.alternatives),
            tags=list(proposal.tags),
            status=FaqStatus.PUBLISHED,
        )
    else:
        data = entry_data(entry)
        data.answer = proposal.answer
        data.alternatives = [*data.alternatives, proposal.question, *proposal.alternatives]
        data.tags = [*data.tags, *proposal.tags]
        data.status = FaqStatus.PUBLISHED
    for key in ("question", "answer", "alternatives", "tags", "status"):
        if edits.get(key) is not None:
            setattr(data, key, edits[key])
    return clean_or_invalid(data)


async def approve(
    service: KnowledgeService,
    actor: StaffActor,
    business_id: str,
    proposal_id: str,
    edits: dict[str, Any],
) -> tuple[FaqProposal, FaqEntry]:
    if not may_decide(service, actor, business_id):
        raise Forbidden("this business decides on its FAQ proposals", code="approval_not_allowed")
    runtime = service.runtime
    # A first look, so the embedding is computed outside the write transaction.
    async with read_only(runtime.sessions) as session:
        proposal = await session.get(FaqProposal, proposal_id)
        if proposal is None or proposal.business_id != business_id:
            raise NotFound("proposal not found")
        entry = await session.get(FaqEntry, proposal.entry_id) if proposal.entry_id else None
        data = merged_content(proposal, entry, edits)
        seen_version = entry.version if entry else None
    embedded = await service.embed(data, business_id)
    async with runtime.transaction() as session:
        proposal = await _pending(session, business_id, proposal_id)
        entry = None
        if proposal.entry_id:
            entry = await session.get(FaqEntry, proposal.entry_id, with_for_update=True)
            if entry is None:
                raise NotFound("the entry this proposal edits is gone")
            if entry.version != seen_version:
                raise Conflict("the entry changed meanwhile; try again", code="version_conflict")
        entry, _ = await service.write_entry(
            session,
            actor,
            business_id,
            data,
            entry,
            action="proposal_approved",
            embedded=embedded,
            note=f"proposal {proposal.id} by {proposal.proposed_by_name}",
        )
        proposal.status = ProposalStatus.APPROVED
        proposal.decided_by, proposal.decided_by_name = actor.user_id, actor.name
        proposal.decided_at = utcnow()
        proposal.decision_note = edits.get("note")
        proposal.result_entry_id = entry.id
    await service.sync([entry])  # searchable now: one entry added to the business's index
    _announce(service, proposal)
    return proposal, entry


async def reject(
    service: KnowledgeService,
    actor: StaffActor,
    business_id: str,
    proposal_id: str,
    reason: str | None,
) -> FaqProposal:
    if not may_decide(service, actor, business_id):
        raise Forbidden("this business decides on its FAQ proposals", code="approval_not_allowed")
    async with service.runtime.transaction() as session:
        proposal = await _pending(session, business_id, proposal_id)
        proposal.status = ProposalStatus.REJECTED
        proposal.decided_by, proposal.decided_by_name = actor.user_id, actor.name
        proposal.decided_at = utcnow()
        proposal.decision_note = reason
    _announce(service, proposal)
    return proposal


__all__ = ["approve", "create_proposal", "proposal_payload", "reject"]
