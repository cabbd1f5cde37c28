"""The FAQ bot's success per business, from what visitors and operators did with what it said.

Per business and period (the visitor messages the bot acted on in it):
* `answers`: direct answers; `corrected`: of those, messages an operator then answered with
  another entry (the bot was wrong);
* `offers`: offers the visitor settled; `chosen`: the visitor picked an entry; `rejected`: the
  visitor chose "none of these";
* `success` = (answers − corrected + chosen) / (answers + offers): the share of the bot's
  actions that ended with the entry the visitor needed; null without any action.
An offer the visitor left unanswered counts nowhere (nothing is known of it). Chats marked spam
or test are left out, as learning leaves them out.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.businesses.models import Business
from livedesk.conversations.models import Conversation
from livedesk.knowledge.evidence import OPERATOR_KINDS, UNLEARNED
from livedesk.knowledge.models import EvidenceKind, FaqEvidence, FaqSuggestionLog
from livedesk.reports.records import Period
from livedesk.reports.sections import table_html

COLUMNS = ("business", "answers", "corrected", "offers", "chosen", "rejected", "success")
TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "FAQ-bot",
        "note": "Geslaagd: de bezoeker kreeg het juiste antwoord (een antwoord dat geen operator "
        "verbeterde, of een gekozen vraag uit de keuzes van de bot).",
    },
    "en": {
        "title": "FAQ bot",
        "note": "Success: the visitor got the right answer (an answer no operator corrected, or "
        "a question picked from the bot's choices).",
    },
}
HEADERS: dict[str, tuple[str, ...]] = {
    "nl": ("Klant", "Antwoorden", "Verbeterd", "Keuzes", "Gekozen", "Geen van deze", "Geslaagd"),
    "en": ("Business", "Answers", "Corrected", "Offers", "Chosen", "None of these", "Success"),
}


def _counted() -> Any:
    """Conversations not marked spam or test."""
    return (Conversation.disposition.is_(None)) | (Conversation.disposition.not_in(UNLEARNED))


async def bot_success(
    session: AsyncSession, business_id: str | None, period: Period
) -> list[dict[str, Any]]:
    """One row per business with any bot action in the period (only `business_id` if given)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS[1:-1], 0))
    log = (
        select(FaqSuggestionLog.business_id, func.count())
        .join(Conversation, Conversation.id == FaqSuggestionLog.conversation_id)
        .where(
            FaqSuggestionLog.bot_faq_id.is_not(None),
            FaqSuggestionLog.created_at >= period.start,
            FaqSuggestionLog.created_at < period.end,
            _counted(),
        )
        .group_by(FaqSuggestionLog.business_id)
    )
    corrected = (
        select(FaqEvidence.business_id, func.count(distinct(FaqSuggestionLog.id)))
        .join(
            FaqSuggestionLog,
            (FaqSuggestionLog.conversation_id == FaqEvidence.conversation_id)
            & (FaqSuggestionLog.seq == FaqEvidence.seq),
        )
        .join(Conversation, Conversation.id == FaqEvidence.conversation_id)
        .where(
            FaqEvidence.kind.in_(OPERATOR_KINDS),
            FaqSuggestionLog.bot_faq_id.is_not(None),
            FaqSuggestionLog.bot_faq_id != FaqEvidence.entry_id,
            FaqSuggestionLog.created_at >= period.start,
            FaqSuggestionLog.created_at < period.end,
            _counted(),
        )
        .group_by(FaqEvidence.business_id)
    )
    # One pick per offer: a "none of these" is a row for every offered entry.
    picks = (
        select(
            FaqEvidence.business_id, FaqEvidence.kind, FaqEvidence.conversation_id, FaqEvidence.seq
        )
        .distinct()
        .join(Conversation, Conversation.id == FaqEvidence.conversation_id)
        .where(
            FaqEvidence.kind.in_((EvidenceKind.CHOSEN, EvidenceKind.REJECTED)),
            FaqEvidence.created_at >= period.start,
            FaqEvidence.created_at < period.end,
            _counted(),
        )
    )
    if business_id is not None:
        log = log.where(FaqSuggestionLog.business_id == business_id)
        corrected = corrected.where(FaqEvidence.business_id == business_id)
        picks = picks.where(FaqEvidence.business_id == business_id)
    for biz, n in await session.execute(log):
        counts[biz]["answers"] = n
    for biz, n in await session.execute(corrected):
        counts[biz]["corrected"] = n
    for biz, kind, _, _ in await session.execute(picks):
        counts[biz][str(kind)] += 1
    found = await session.execute(select(Business.id, Business.name).where(Business.id.in_(counts)))
    names: dict[str, str] = {biz: name for biz, name in found}
    rows = []
    for biz, c in counts.items():
        c["offers"] = c["chosen"] + c["rejected"]
        acted = c["answers"] + c["offers"]
        good = c["answers"] - c["corrected"] + c["chosen"]
        success = good / acted if acted else None
        rows.append({"business_id": biz, "name": names.get(biz, biz), **c, "success": success})
    return sorted(rows, key=lambda r: str(r["name"]).casefold())


def bot_section(rows: list[dict[str, Any]], lang: str) -> str:
    """The report page's row(s): one per business the bot acted for."""
    if not rows:
        return ""
    t = TEXTS[lang]
    shown = [[r["name"], *(r[c] for c in COLUMNS[1:])] for r in rows]
    table = table_html(
        t["title"], COLUMNS, shown, lang, {"success": "share"}, headers=HEADERS[lang]
    )
    return (
        f'<section aria-labelledby="h-bot"><h2 id="h-bot">{escape(t["title"])}</h2>'
        f'{table}<p class="note">{escape(t["note"])}</p></section>'
    )
