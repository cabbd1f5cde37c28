"""Questions the FAQ did not answer: what a business should add to it next.

A visitor message counts when a person (an operator or one of the business's experts) wrote
the next message of the chat, with only the bot's or Livedesk's own words between ("a colleague
will answer", "Anne joined"), so it was the question they answered; and when nothing links it
to an FAQ entry: the bot did not answer it from the FAQ (the suggestion log's `bot_faq_id`), no
operator answered it with an entry or found one for it, and the visitor did not pick one of the
bot's choices (`faq_evidence`). Greetings, thanks, asking for a person and files are not
questions (`question_key`), and chats marked spam or test are left out, as learning leaves them
out. It reads the chats themselves, so a business whose FAQ is still empty (whose messages get
no suggestions to log) sees every question its people answered.

Messages that ask the same thing in nearly the same words (`SAME_QUESTION` on the folded words
that carry meaning, in any order) are one question, shown with how often it was asked and its
latest wording. Only the latest `SCAN_CHATS` chats of the period are read, so a busy business's
list covers its most recent weeks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import select, true
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.conversations.models import AuthorKind, Conversation, Message
from livedesk.knowledge import text as T
from livedesk.knowledge.bot import asks_for_human
from livedesk.knowledge.evidence import POSITIVE_KINDS, UNLEARNED
from livedesk.knowledge.models import FaqEvidence, FaqSuggestionLog

SCAN_CHATS = 1000
PORTAL_PAGE = "/portal/faq/zonder-antwoord"  # the portal's list, where each can become an entry
QUESTION_WORDS = 2
SAME_QUESTION = 85  # rapidfuzz ratio of two messages' keys (their words sorted)
MAX_KEYS = 4000  # distinct wordings compared, newest first: a 16 MB matrix at most
# Words of chat courtesy that never make a question on their own ("ok, bedankt!").
COURTESY = frozenset(
    "bedankt dank dankje dankjewel dankuwel thanks thx ok oke okay top super prima fijn "
    "mooi duidelijk doei groet groetjes ziens".split()
)
PEOPLE = (AuthorKind.OPERATOR.value, AuthorKind.EXPERT.value)
_CHUNK = 500  # conversations per query, well under any database's bound on parameters


@dataclass(slots=True)
class Asked:
    """One visitor message the FAQ did not answer."""

    conversation_id: str
    seq: int
    text: str
    at: datetime
    reply: str = ""  # what the person answered, the start of an FAQ answer
    key: str = ""  # question_key(text), filled in by most_asked


@dataclass(slots=True)
class Question:
    """Messages asking the same thing; `latest` first in `asked`."""

    key: str
    asked: list[Asked] = field(default_factory=list)

    def as_dict(self, wordings: int = 3) -> dict[str, Any]:
        latest = self.asked[0]
        seen = {latest.text.strip().lower()}
        others: list[str] = []
        for a in self.asked[1:]:
            if len(others) == wordings:
                break
            if a.text.strip().lower() not in seen:
                seen.add(a.text.strip().lower())
                others.append(a.text)
        return {
            "question": latest.text,
            "answer": latest.reply,
            "count": len(self.asked),
            "last_at": latest.at,
            "conversation_id": latest.conversation_id,
            "seq": latest.seq,
            "other_wordings": others,
        }


def question_key(text: str) -> str:
    """The words that carry meaning, folded and sorted (so word order does not matter); empty
    for a greeting, a thank-you or a request for a person."""
    if asks_for_human(text):
        return ""
    words = [w for w in T.content_words(text) if w not in COURTESY and w not in T.DUTCH_STOPWORDS]
    return " ".join(sorted(words)) if len(words) >= QUESTION_WORDS else ""


def group_questions(asked: Iterable[Asked]) -> list[Question]:
    """Newest first in; each message joins the newest question whose key it nearly repeats.

    Identical keys group by dictionary; the distinct keys (the newest `MAX_KEYS`) are compared
    all at once with rapidfuzz's batched `cdist`, because one look-up per message over the
    questions so far grew quadratically in Python: 2.1 s for 4,000 messages (bench/faq_gaps.py).
    """
    by_key: dict[str, Question] = {}
    for a in asked:
        by_key.setdefault(a.key, Question(a.key)).asked.append(a)
    distinct = list(by_key.values())[:MAX_KEYS]
    if len(distinct) < 2:
        return distinct
    keys = [q.key for q in distinct]
    near = process.cdist(keys, keys, scorer=fuzz.ratio, score_cutoff=SAME_QUESTION, workers=1) > 0
    leaders = [0]  # the newest wording leads the first question
    for i in range(1, len(distinct)):
        hits = np.flatnonzero(near[i, leaders])
        if len(hits):
            distinct[leaders[int(hits[0])]].asked.extend(distinct[i].asked)
        else:
            leaders.append(i)
    return [distinct[i] for i in leaders]


async def unanswered_questions(
    session: AsyncSession,
    business_id: str,
    since: datetime,
    limit: int = 50,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """The business's questions without an FAQ answer in chats begun from `since` (up to
    `until`, excluded), most asked first."""
    chats = list(
        await session.scalars(
            select(Conversation.id)
            .where(
                Conversation.business_id == business_id,
                Conversation.created_at >= since,
                Conversation.created_at < until if until is not None else true(),
                Conversation.disposition.is_(None) | Conversation.disposition.not_in(UNLEARNED),
            )
            .order_by(Conversation.created_at.desc())
            .limit(SCAN_CHATS)
        )
    )
    if not chats:
        return []
    linked = await _linked_to_an_entry(session, business_id, chats)
    answered = [
        a
        for a in await _answered_by_a_person(session, chats)
        if (a.conversation_id, a.seq) not in linked
    ]
    # Reading and comparing the wordings is CPU work (bench/faq_gaps.py): off the event loop.
    return await asyncio.to_thread(most_asked, answered, limit)


def most_asked(answered: Iterable[Asked], limit: int) -> list[dict[str, Any]]:
    """The questions among these messages, most asked first (ties: the latest first)."""
    asked = []
    for a in answered:
        a.key = question_key(a.text)
        if a.key:
            asked.append(a)
    asked.sort(key=lambda a: a.at, reverse=True)  # a question's latest wording leads it
    questions = group_questions(asked)
    questions.sort(key=lambda q: (-len(q.asked), -q.asked[0].at.timestamp()))
    return [q.as_dict() for q in questions[:limit]]


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


async def _linked_to_an_entry(
    session: AsyncSession, business_id: str, chats: Sequence[str]
) -> set[tuple[str, int]]:
    """Messages answered with an entry: by an operator (used, edited or found), by the bot,
    or by the visitor's pick among the bot's choices."""
    linked: set[tuple[str, int]] = set()
    for ids in _chunks(chats):
        rows = await session.execute(
            select(FaqEvidence.conversation_id, FaqEvidence.seq).where(
                FaqEvidence.business_id == business_id,
                FaqEvidence.kind.in_([k.value for k in POSITIVE_KINDS]),
                FaqEvidence.conversation_id.in_(ids),
            )
        )
        linked.update((row.conversation_id, row.seq) for row in rows)
        answered_by_bot = await session.execute(
            select(FaqSuggestionLog.conversation_id, FaqSuggestionLog.seq).where(
                FaqSuggestionLog.conversation_id.in_(ids), FaqSuggestionLog.bot_faq_id.is_not(None)
            )
        )
        linked.update((row.conversation_id, row.seq) for row in answered_by_bot)
    return linked


async def _answered_by_a_person(session: AsyncSession, chats: Sequence[str]) -> list[Asked]:
    """Visitor messages a person answered next: the person's message follows, with only the
    bot's or Livedesk's own messages (and notes) between."""
    answered: list[Asked] = []
    for ids in _chunks(chats):
        rows = await session.execute(
            select(
                Message.conversation_id,
                Message.seq,
                Message.author_kind,
                Message.body,
                Message.created_at,
                Message.attachment.is_not(None).label("is_file"),
            )
            .where(Message.conversation_id.in_(ids), Message.internal.is_(False))
            .order_by(Message.conversation_id, Message.seq)
        )
        waiting: Any = None  # the visitor's latest message no person has answered yet
        for row in rows:
            if waiting is not None and waiting.conversation_id != row.conversation_id:
                waiting = None
            if row.author_kind == AuthorKind.VISITOR.value:
                waiting = None if row.is_file else row
            elif row.author_kind in PEOPLE:
                if waiting is not None:
                    asked = Asked(
                        waiting.conversation_id, waiting.seq, waiting.body, waiting.created_at
                    )
                    asked.reply = "" if row.is_file else row.body
                    answered.append(asked)
                waiting = None
            # The bot's words ("a colleague will answer") and Livedesk's own ("Anne joined")
            # come between a question and its answer; a bot's answer from the FAQ is linked.
    return answered
