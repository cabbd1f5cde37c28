"""The business's transcripts: filters, full-text search over what was said, and the shapes the
list and the transcript view answer. Internal notes never appear, whoever asks: the portal shows
what the business sees.

Search, per backend (indexes made by migration 0012_portal):
- PostgreSQL: `to_tsvector('dutch', body) @@ to_tsquery('dutch', 'term:* & …')`, the expression
  of the partial GIN index (NOT internal), so the Dutch stemmer and prefix matching both apply.
- SQLite: the FTS5 table `messages_fts` (diacritics folded). FTS5 has no Dutch stemmer, so each
  term is cut to a stem-like prefix first (`bestellingen` → `bestell*`, `factuur` → `factur*`).
  New messages reach it from a background indexer (portal/indexer.py), so a search may miss what
  was written in the last second or so.
Several terms must all occur in one message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import User
from livedesk.conversations.models import (
    OPEN_STATES,
    Conversation,
    Message,
    Rating,
    Visitor,
)
from livedesk.knowledge.models import FaqBotState
from livedesk.leads.models import Lead
from livedesk.leads.schemas import lead_payload
from livedesk.portal.models import POSTGRES_SEARCH_CONFIG, SQLITE_SEARCH_TABLE

MAX_TERMS = 8
# Letters and digits: what both indexes tokenise a word into, and no search-syntax operator.
WORD_RE = re.compile(r"[^\W_]+")
# Longest first; what is left must keep at least MIN_STEM letters.
DUTCH_ENDINGS = ("ingen", "heden", "ing", "heid", "en", "e", "s")
MIN_STEM = 4
VOWELS = frozenset("aeiouy")
EXCERPT_CHARS = 240
# Shorter terms match whole words only: a one- or two-letter prefix would match half the index.
MIN_PREFIX = 3


def search_terms(q: str | None) -> list[str]:
    """The words of a search, lower-cased; nothing the search syntax could read as an operator."""
    return WORD_RE.findall((q or "").lower())[:MAX_TERMS]


def sqlite_prefix(term: str) -> str:
    """A stem-like prefix of a Dutch word: inflections share it (bezorgen/bezorgd/bezorging
    → bezorg), and a doubled vowel before the last consonant is undoubled (factuur → factur,
    as in facturen). Short words stay whole."""
    if len(term) < MIN_STEM + 2:
        return term
    for ending in DUTCH_ENDINGS:
        if term.endswith(ending) and len(term) - len(ending) >= MIN_STEM:
            term = term[: -len(ending)]
            break
    if (
        len(term) > MIN_STEM
        and term[-1] not in VOWELS
        and term[-2] == term[-3]
        and term[-2] in VOWELS
    ):
        term = term[:-2] + term[-1]
    return term


def sqlite_match(terms: list[str]) -> str:
    return " ".join(f'"{sqlite_prefix(t)}"*' if len(t) >= MIN_PREFIX else f'"{t}"' for t in terms)


def postgres_tsquery(terms: list[str]) -> str:
    return " & ".join(f"{t}:*" if len(t) >= MIN_PREFIX else t for t in terms)


def matching_messages(business_id: str, terms: list[str], dialect: str) -> Select[int, str, int]:
    """The business's visible messages containing every term (ids and conversations)."""
    query = select(Message.id, Message.conversation_id, Message.seq).where(
        Message.business_id == business_id, ~Message.internal
    )
    if dialect == "sqlite":
        rowids = text(
            f"SELECT rowid FROM {SQLITE_SEARCH_TABLE} WHERE {SQLITE_SEARCH_TABLE} MATCH :m"
        )
        return query.where(Message.id.in_(rowids.bindparams(m=sqlite_match(terms))))
    config: ColumnElement[Any] = literal_column(f"'{POSTGRES_SEARCH_CONFIG}'::regconfig")
    vector = func.to_tsvector(config, Message.body)
    return query.where(vector.op("@@")(func.to_tsquery(config, postgres_tsquery(terms))))


@dataclass(frozen=True, slots=True)
class TranscriptFilter:
    q: str | None = None
    start: datetime | None = None  # conversations started at or after
    end: datetime | None = None  # ... and before
    state: str | None = None  # "open" or one of the terminal states
    disposition: str | None = None
    rating: str | None = None  # "rated", "unrated" or a score "1".."5"
    has_lead: bool | None = None
    bot: bool | None = None  # the FAQ bot answered at least once


def _exists_or_not(condition: ColumnElement[bool], wanted: bool) -> ColumnElement[bool]:
    return condition if wanted else ~condition


def filtered_conversations(
    business_id: str, f: TranscriptFilter, dialect: str
) -> Select[Conversation]:
    query = select(Conversation).where(Conversation.business_id == business_id)
    if f.start is not None:
        query = query.where(Conversation.created_at >= f.start)
    if f.end is not None:
        query = query.where(Conversation.created_at < f.end)
    if f.state == "open":
        query = query.where(Conversation.state.in_(OPEN_STATES))
    elif f.state:
        query = query.where(Conversation.state == f.state)
    if f.disposition:
        query = query.where(Conversation.disposition == f.disposition)
    if f.rating:
        rated = select(Rating.conversation_id).where(Rating.conversation_id == Conversation.id)
        if f.rating.isdigit():
            query = query.where(exists(rated.where(Rating.score == int(f.rating))))
        else:
            query = query.where(_exists_or_not(exists(rated), f.rating == "rated"))
    if f.has_lead is not None:
        leads = select(Lead.id).where(Lead.conversation_id == Conversation.id)
        query = query.where(_exists_or_not(exists(leads), f.has_lead))
    if f.bot is not None:
        answered = select(FaqBotState.conversation_id).where(
            FaqBotState.conversation_id == Conversation.id, FaqBotState.answers > 0
        )
        query = query.where(_exists_or_not(exists(answered), f.bot))
    terms = search_terms(f.q)
    if terms:
        found = matching_messages(business_id, terms, dialect).subquery()
        query = query.where(Conversation.id.in_(select(found.c.conversation_id)))
    return query


async def count(session: AsyncSession, query: Select[Conversation]) -> int:
    return int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)


# -- what the list shows per conversation ------------------------------------------------------


async def _grouped(session: AsyncSession, query: Select[Any, int]) -> dict[str, int]:
    return {key: int(n) for key, n in (await session.execute(query)).all()}


async def list_details(
    session: AsyncSession, business_id: str, rows: list[Conversation], q: str | None, dialect: str
) -> list[dict[str, Any]]:
    """One payload per conversation, with a few grouped queries for the whole page."""
    ids = [c.id for c in rows]
    visitors = {
        v.id: v
        for v in await session.scalars(
            select(Visitor).where(Visitor.id.in_({c.visitor_id for c in rows}))
        )
    }
    operators = dict(
        (
            await session.execute(
                select(User.id, User.display_name).where(
                    User.id.in_({c.operator_id for c in rows if c.operator_id})
                )
            )
        ).all()
    )
    ratings = {
        r.conversation_id: r
        for r in await session.scalars(select(Rating).where(Rating.conversation_id.in_(ids)))
    }
    leads = await _grouped(
        session,
        select(Lead.conversation_id, func.count())
        .where(Lead.conversation_id.in_(ids))
        .group_by(Lead.conversation_id),
    )
    messages = await _grouped(
        session,
        select(Message.conversation_id, func.count())
        .where(Message.conversation_id.in_(ids), ~Message.internal)
        .group_by(Message.conversation_id),
    )
    bot = await _grouped(
        session,
        select(FaqBotState.conversation_id, FaqBotState.answers).where(
            FaqBotState.conversation_id.in_(ids)
        ),
    )
    excerpts = await _excerpts(session, business_id, ids, q, dialect)
    out = []
    for c in rows:
        visitor = visitors.get(c.visitor_id)
        out.append(
            {
                **conversation_summary(c, operators.get(c.operator_id or "")),
                "visitor": visitor_payload(visitor, c),
                "rating": rating_payload(ratings.get(c.id)),
                "lead_count": leads.get(c.id, 0),
                "message_count": messages.get(c.id, 0),
                "bot_answers": bot.get(c.id, 0),
                "excerpt": excerpts.get(c.id),
            }
        )
    return out


async def _excerpts(
    session: AsyncSession, business_id: str, ids: list[str], q: str | None, dialect: str
) -> dict[str, str]:
    """The first message of each conversation that matched the search (or its first visitor
    message without one), cut short: what the list shows under each chat."""
    if not ids:
        return {}
    terms = search_terms(q)
    if terms:
        found = matching_messages(business_id, terms, dialect).subquery()
        query = select(Message.conversation_id, Message.body).where(
            Message.id.in_(select(found.c.id)), Message.conversation_id.in_(ids)
        )
    else:
        query = select(Message.conversation_id, Message.body).where(
            Message.conversation_id.in_(ids),
            Message.author_kind == "visitor",
        )
    out: dict[str, str] = {}
    for conversation_id, body in (await session.execute(query.order_by(Message.seq))).all():
        out.setdefault(conversation_id, body[:EXCERPT_CHARS])
    return out


def conversation_summary(c: Conversation, operator_name: str | None) -> dict[str, Any]:
    waited = None
    if c.first_reply_at is not None and c.queued_at is not None:
        waited = round((c.first_reply_at - c.queued_at).total_seconds(), 1)
    return {
        "conversation_id": c.id,
        "business_id": c.business_id,
        "state": c.state,
        "disposition": c.disposition,
        "language": c.language,
        "created_at": c.created_at,
        "first_reply_at": c.first_reply_at,
        "closed_at": c.closed_at or c.abandoned_at or c.missed_at,
        "first_reply_seconds": waited,
        "operator": {"name": operator_name} if operator_name else None,
        "page_url": c.page_url,
    }


def visitor_payload(visitor: Visitor | None, c: Conversation) -> dict[str, Any]:
    prechat = {str(k).lower(): v for k, v in (c.prechat or {}).items()}
    name = (visitor.name if visitor else None) or prechat.get("name") or prechat.get("naam")
    email = (visitor.email if visitor else None) or prechat.get("email") or prechat.get("e-mail")
    return {"name": name, "email": email}


def rating_payload(rating: Rating | None) -> dict[str, Any] | None:
    if rating is None:
        return None
    return {"score": rating.score, "comment": rating.comment, "at": rating.created_at}


def message_payload(m: Message) -> dict[str, Any]:
    return {
        "seq": m.seq,
        "author_kind": m.author_kind,
        "author_name": m.author_name,
        "body": m.body,
        "at": m.created_at,
        # A file sent as this message (its body is the name): /api/v1/attachments/{id}.
        **({"attachment": m.attachment} if m.attachment else {}),
    }


async def visible_messages(session: AsyncSession, conversation_ids: list[str]) -> list[Message]:
    return list(
        await session.scalars(
            select(Message)
            .where(and_(Message.conversation_id.in_(conversation_ids), ~Message.internal))
            .order_by(Message.conversation_id, Message.seq)
        )
    )


async def transcript_detail(session: AsyncSession, c: Conversation) -> dict[str, Any]:
    """One conversation as the business sees it: what was said (no internal notes), who the
    visitor was, their rating and comment, and the leads it gave."""
    visitor = await session.get(Visitor, c.visitor_id)
    operator = await session.get(User, c.operator_id) if c.operator_id else None
    rating = await session.get(Rating, c.id)
    bot = await session.get(FaqBotState, c.id)
    leads = await session.scalars(
        select(Lead).where(Lead.conversation_id == c.id).order_by(Lead.created_at)
    )
    return {
        **conversation_summary(c, operator.display_name if operator else None),
        "visitor": {
            **visitor_payload(visitor, c),
            "first_seen_at": visitor.created_at if visitor else None,
            "prechat": c.prechat or {},
            "page_title": c.page_title,
            "referrer": c.referrer,
        },
        "rating": rating_payload(rating),
        "bot_answers": bot.answers if bot else 0,
        "leads": [lead_payload(lead) for lead in leads],
        "messages": [message_payload(m) for m in await visible_messages(session, [c.id])],
    }
