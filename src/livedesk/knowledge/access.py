"""Reads of FAQ rows, scoped: another business's ids answer 404 like ids that do not exist."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.businesses.access import access_business_by_id
from livedesk.errors import NotFound
from livedesk.knowledge.models import FaqEntry, FaqProposal
from livedesk.security.actors import Actor


async def access_faq_entry(
    session: AsyncSession, actor: Actor, business_id: str, faq_id: str
) -> FaqEntry:
    await access_business_by_id(session, actor, business_id)
    entry = await session.get(FaqEntry, faq_id)
    if entry is None or entry.business_id != business_id:
        raise NotFound("FAQ entry not found")
    return entry


async def access_faq_proposal(
    session: AsyncSession, actor: Actor, business_id: str, proposal_id: str
) -> FaqProposal:
    await access_business_by_id(session, actor, business_id)
    proposal = await session.get(FaqProposal, proposal_id)
    if proposal is None or proposal.business_id != business_id:
        raise NotFound("proposal not found")
    return proposal
