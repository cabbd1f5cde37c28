"""What the FAQ learns from: a visitor's message linked to an entry by what someone did with it.

Two sources, both recorded in `faq_evidence` (one row per visitor message and entry):
* the visitor, among the bot's offered entries: the one chosen (`chosen`), or "none of these"
  (`rejected`, a row for every entry that was offered);
* the operator who answered a visitor's message with an entry: its answer sent as it was
  (`as_is`), changed (`edited`), or an entry found by search instead of the suggestions
  (`search`).

`evidence_for` is what learning reads. It leaves out chats marked spam or test (whenever they
are marked: the rows stay, the read skips them), phrasings removed in the FAQ editor, and a
visitor's choice after which the visitor still asked for a person: the answer they chose did
not help, so it teaches nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livedesk.conversations.models import AuthorKind, Conversation, Disposition, Message
from livedesk.db import read_only
from livedesk.knowledge import text as T
from livedesk.knowledge.models import (
    EvidenceKind,
    FaqBotState,
    FaqEntry,
    FaqEvidence,
    FaqSuggestionLog,
)

UNLEARNED = (Disposition.SPAM.value, Disposition.TEST.value)
OPERATOR_KINDS = (EvidenceKind.AS_IS, EvidenceKind.EDITED, EvidenceKind.SEARCH)
POSITIVE_KINDS = (EvidenceKind.CHOSEN, *OPERATOR_KINDS)


@dataclass(frozen=True, slots=True)
class Evidence:
    id: int
    business_id: str
    conversation_id: str
    seq: int
    query: str
    entry_id: str
    kind: str  # an EvidenceKind
    at: datetime

    @property
    def positive(self) -> bool:
        """For the entry (the visitor or operator picked it); `rejected` is against it."""
        return self.kind != EvidenceKind.REJECTED


def _learnable(query: Select[Any]) -> Select[Any]:
    """Rows learning may use: not removed, not from a spam/test chat, not a choice the
    visitor went back on by asking for a person afterwards."""
    return (
        query.join(Conversation, Conversation.id == FaqEvidence.conversation_id)
        .outerjoin(FaqBotState, FaqBotState.conversation_id == FaqEvidence.conversation_id)
        .where(
            FaqEvidence.removed_at.is_(None),
            (Conversation.disposition.is_(None)) | (Conversation.disposition.not_in(UNLEARNED)),
            (FaqEvidence.kind != EvidenceKind.CHOSEN)
            | FaqBotState.human_requested_at.is_(None)
            | (FaqBotState.human_requested_at < FaqEvidence.created_at),
        )
    )


def _evidence(row: FaqEvidence) -> Evidence:
    return Evidence(
        row.id,
        row.business_id,
        row.conversation_id,
        row.seq,
        row.query,
        row.entry_id,
        row.kind,
        row.created_at,
    )


async def evidence_for(
    sessions: async_sessionmaker[AsyncSession], business_id: str
) -> list[Evidence]:
    """Every learnable row of one business, oldest first (a pure read)."""
    async with read_only(sessions) as session:
        rows = await session.scalars(
            _learnable(select(FaqEvidence))
            .where(FaqEvidence.business_id == business_id)
            .order_by(FaqEvidence.id)
        )
        return [_evidence(r) for r in rows]


# ---- recording -----------------------------------------------------------------------------


def record_choice(
    session: AsyncSession,
    state: FaqBotState,
    offer: dict[str, Any],
    faq_id: str | None,
) -> list[FaqEvidence]:
    """The visitor's answer to the bot's offer: the chosen entry, or against every offered one."""
    if faq_id is not None:
        picks = [(faq_id, EvidenceKind.CHOSEN)]
    else:
        picks = [(f, EvidenceKind.REJECTED) for f in offer["faq_ids"]]
    rows = [
        FaqEvidence(
            business_id=state.business_id,
            conversation_id=state.conversation_id,
            seq=int(offer["seq"]),
            query=str(offer["query"]),
            entry_id=entry_id,
            kind=kind,
        )
        for entry_id, kind in picks
    ]
    session.add_all(rows)
    return rows


def reply_kind(sent: str, answer: str, suggested: bool) -> EvidenceKind:
    if not suggested:
        return EvidenceKind.SEARCH
    same = " ".join(sent.split()) == " ".join(answer.split())
    return EvidenceKind.AS_IS if same else EvidenceKind.EDITED


async def visitor_message_exists(session: AsyncSession, conversation_id: str, seq: int) -> bool:
    found = await session.scalar(
        select(Message.id).where(
            Message.conversation_id == conversation_id,
            Message.seq == seq,
            Message.author_kind == AuthorKind.VISITOR,
        )
    )
    return found is not None


async def record_operator_reply(
    session: AsyncSession,
    conversation: Conversation,
    actor_id: str,
    seq: int,
    entry: FaqEntry,
    sent: str,
) -> FaqEvidence | None:
    """An operator answered visitor message `seq` with `entry` (its answer as `sent`). The
    suggestion log tells whether the entry was among the suggestions; once per message and
    entry (a second reply with it adds nothing)."""
    query = await session.scalar(
        select(Message.body).where(
            Message.conversation_id == conversation.id,
            Message.seq == seq,
            Message.author_kind == AuthorKind.VISITOR,
            Message.internal.is_(False),
        )
    )
    if query is None:
        return None
    exists = await session.scalar(
        select(FaqEvidence.id).where(
            FaqEvidence.conversation_id == conversation.id,
            FaqEvidence.seq == seq,
            FaqEvidence.entry_id == entry.id,
        )
    )
    if exists is not None:
        return None
    items = await session.scalar(
        select(FaqSuggestionLog.items).where(
            FaqSuggestionLog.conversation_id == conversation.id, FaqSuggestionLog.seq == seq
        )
    )
    suggested = any(i.get("faq_id") == entry.id for i in items or [])
    row = FaqEvidence(
        business_id=conversation.business_id,
        conversation_id=conversation.id,
        seq=seq,
        query=query[:4000],
        entry_id=entry.id,
        kind=reply_kind(sent, entry.answer, suggested),
        actor_id=actor_id,
    )
    session.add(row)
    return row


# ---- the FAQ editor: learned phrasings and look-alike entries ------------------------------


def phrasing_key(query: str) -> str:
    """One phrasing whatever its case, accents and punctuation."""
    return " ".join(T.words(query))


async def learned_phrasings(
    session: AsyncSession, business_id: str, entry_id: str | None = None
) -> list[dict[str, Any]]:
    """Per entry, the distinct visitor phrasings learning may use for it (newest first), each
    with how often it was seen and one row id to remove it by."""
    query = _learnable(select(FaqEvidence)).where(
        FaqEvidence.business_id == business_id, FaqEvidence.kind.in_(POSITIVE_KINDS)
    )
    if entry_id is not None:
        query = query.where(FaqEvidence.entry_id == entry_id)
    rows = await session.scalars(query.order_by(FaqEvidence.id.desc()).limit(5000))
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r.entry_id, phrasing_key(r.query))
        item = found.get(key)
        if item is None:
            found[key] = {
                "id": r.id,
                "entry_id": r.entry_id,
                "query": r.query,
                "kind": r.kind,
                "count": 1,
                "at": r.created_at,
            }
        else:
            item["count"] += 1
    return list(found.values())


async def phrasing_rows(
    session: AsyncSession, business_id: str, evidence_id: int
) -> list[FaqEvidence]:
    """The row `evidence_id` and every other not removed row of its entry with the same
    phrasing: removing a phrasing removes all of them."""
    row = await session.get(FaqEvidence, evidence_id)
    if row is None or row.business_id != business_id or row.removed_at is not None:
        return []
    same = await session.scalars(
        select(FaqEvidence).where(
            FaqEvidence.entry_id == row.entry_id,
            FaqEvidence.removed_at.is_(None),
            FaqEvidence.kind.in_(POSITIVE_KINDS),
        )
    )
    key = phrasing_key(row.query)
    return [r for r in same if phrasing_key(r.query) == key]


async def confused_pairs(
    session: AsyncSession, business_id: str, limit: int = 20
) -> list[dict[str, Any]]:
    """Entry pairs visitors or operators often had to tell apart: the search put one first and
    the visitor chose, or the operator sent, the other. Most frequent first."""
    rows = await session.execute(
        _learnable(select(FaqEvidence.entry_id, FaqSuggestionLog.items))
        .join(
            FaqSuggestionLog,
            (FaqSuggestionLog.conversation_id == FaqEvidence.conversation_id)
            & (FaqSuggestionLog.seq == FaqEvidence.seq),
        )
        .where(FaqEvidence.business_id == business_id, FaqEvidence.kind.in_(POSITIVE_KINDS))
        .order_by(FaqEvidence.id.desc())
        .limit(5000)
    )
    pairs: Counter[tuple[str, str]] = Counter()
    for chosen, items in rows:
        top = items[0]["faq_id"] if items else None
        if top is not None and top != chosen:
            a, b = sorted((top, chosen))
            pairs[(a, b)] += 1
    ids = {i for pair in pairs for i in pair}
    questions = dict(
        (
            await session.execute(
                select(FaqEntry.id, FaqEntry.question).where(FaqEntry.id.in_(ids))
            )
        ).all()
    )
    return [
        {
            "entries": [
                {"id": a, "question": questions.get(a)},
                {"id": b, "question": questions.get(b)},
            ],
            "count": n,
        }
        for (a, b), n in pairs.most_common(limit)
    ]
