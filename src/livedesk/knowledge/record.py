"""What the suggestion log records about a business, read back: its operators' choices (for
its own bot threshold), the outcomes of its rankings (for its own bands), and labelled
queries for `livedesk faq evaluate --from-db`."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livedesk.db import read_only
from livedesk.knowledge.bands import Evidence
from livedesk.knowledge.entries import doc_of
from livedesk.knowledge.evaluate import LabelledQuery
from livedesk.knowledge.models import (
    EvidenceKind,
    FaqEntry,
    FaqEvidence,
    FaqStatus,
    FaqSuggestionLog,
)
from livedesk.knowledge.search_types import FaqDoc

OWN_THRESHOLD_CHOICES = 2000  # the most recent recorded choices a business's record rests on


async def recorded_choices(
    sessions: async_sessionmaker[AsyncSession], business_id: str, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """The business's recent recorded operator choices with `method`: the top suggestion's
    confidence, and whether the operator used that entry (`calibration.business_threshold`)."""
    async with read_only(sessions) as session:
        rows = (
            await session.execute(
                select(FaqSuggestionLog.items, FaqSuggestionLog.used_faq_id)
                .where(
                    FaqSuggestionLog.business_id == business_id,
                    FaqSuggestionLog.used_recorded.is_(True),
                    FaqSuggestionLog.method == method,
                )
                .order_by(FaqSuggestionLog.id.desc())
                .limit(OWN_THRESHOLD_CHOICES)  # the recent record: the FAQ changes
            )
        ).all()
    confidences, correct = [], []
    for items, used in rows:
        top = items[0] if items else None
        confidences.append(float(top["score"]) if top else 0.0)
        correct.append(top is not None and used is not None and top["faq_id"] == used)
    return np.array(confidences, float), np.array(correct, bool)


async def recorded_evidence(
    sessions: async_sessionmaker[AsyncSession], business_id: str, method: str
) -> list[Evidence]:
    """The business's recent outcomes: for each logged ranking an operator answered from,
    or whose offered choices a visitor settled, the confidences it was shown with and the
    rank of the entry the operator used or the visitor picked (None: none of them)."""
    logged = (FaqSuggestionLog.items, FaqSuggestionLog.used_faq_id)
    recent = (
        FaqSuggestionLog.business_id == business_id,
        FaqSuggestionLog.method == method,
    )
    async with read_only(sessions) as session:
        used = (
            await session.execute(
                select(*logged)
                .where(*recent, FaqSuggestionLog.used_recorded.is_(True))
                .order_by(FaqSuggestionLog.id.desc())
                .limit(OWN_THRESHOLD_CHOICES)  # the recent record: the FAQ changes
            )
        ).all()
        picked = (
            await session.execute(
                select(FaqSuggestionLog.items, FaqEvidence.entry_id, FaqEvidence.kind)
                .join(
                    FaqEvidence,
                    (FaqEvidence.conversation_id == FaqSuggestionLog.conversation_id)
                    & (FaqEvidence.seq == FaqSuggestionLog.seq),
                )
                .where(*recent, FaqEvidence.kind == EvidenceKind.CHOSEN)
                .order_by(FaqSuggestionLog.id.desc())
                .limit(OWN_THRESHOLD_CHOICES)
            )
        ).all()
        turned_down = (
            await session.execute(
                select(FaqSuggestionLog.items, FaqSuggestionLog.id)
                .join(
                    FaqEvidence,
                    (FaqEvidence.conversation_id == FaqSuggestionLog.conversation_id)
                    & (FaqEvidence.seq == FaqSuggestionLog.seq),
                )
                .where(*recent, FaqEvidence.kind == EvidenceKind.REJECTED)
                .order_by(FaqSuggestionLog.id.desc())
                .limit(OWN_THRESHOLD_CHOICES * 3)  # a row per offered entry
            )
        ).all()
    outcomes = [(items, entry) for items, entry in used]
    outcomes += [(items, entry) for items, entry, _ in picked]
    # "None of these" left a row per offered entry: one outcome per message.
    outcomes += [(items, None) for items in {i: it for it, i in turned_down}.values()]
    return [evidence_of(items, entry) for items, entry in outcomes]


def evidence_of(items: list[dict[str, Any]] | None, entry_id: str | None) -> Evidence:
    """One logged ranking and the entry it ended with, as `bands.tighten` reads it."""
    ids = [item["faq_id"] for item in items or []]
    top = float(items[0]["score"]) if items else 0.0
    rank = ids.index(entry_id) + 1 if entry_id in ids else None
    offer = items[0].get("offer") if items else None
    return Evidence(top, rank, None if offer is None else float(offer))


def logged_items(items: list[dict[str, Any]], offer_confidence: float) -> list[dict[str, Any]]:
    """What the log keeps of a ranking: ids and confidences, and on the first item the offer
    confidence, so the business's own offer band can be fitted later (`recorded_evidence`)."""
    logged = [{"faq_id": i["faq_id"], "score": i["score"]} for i in items]
    if logged:
        logged[0]["offer"] = round(offer_confidence, 4)
    return logged


async def labelled_queries(
    sessions: async_sessionmaker[AsyncSession], business_id: str
) -> list[LabelledQuery]:
    """Operators' logged choices as evaluation records: the entry they used, or None when no
    entry fitted (`livedesk faq evaluate --from-db`)."""
    async with read_only(sessions) as session:
        rows = await session.execute(
            select(FaqSuggestionLog.query, FaqSuggestionLog.used_faq_id)
            .where(
                FaqSuggestionLog.business_id == business_id,
                FaqSuggestionLog.used_recorded.is_(True),
            )
            .order_by(FaqSuggestionLog.id)
        )
        return [LabelledQuery(business_id, query, used) for query, used in rows]


async def published_docs(
    sessions: async_sessionmaker[AsyncSession], business_id: str
) -> list[FaqDoc]:
    async with read_only(sessions) as session:
        entries = await session.scalars(
            select(FaqEntry).where(
                FaqEntry.business_id == business_id, FaqEntry.status == FaqStatus.PUBLISHED
            )
        )
        return [doc_of(e) for e in entries]
