"""The FAQ bot: answers a visitor from the FAQ only when no operator can, and only when the
top entry's calibrated confidence reaches the bot threshold; otherwise it says honestly that a
colleague will answer or that the offline form is the way. Asking for a human stops it.

When does it speak? Only for a conversation without an operator, when the availability
extension (routing) says operators cannot answer (`open` is false: closed, no_operators or
overflow) AND either routing's `overflow_action` is "bot" or the business switched
`bot_enabled` on. Without an availability extension operators count as available: no bot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from livedesk.conversations.models import OPEN_STATES, AuthorKind
from livedesk.db import read_only, utcnow
from livedesk.knowledge import text as T
from livedesk.knowledge.index import SuggestResult
from livedesk.knowledge.models import FaqBotState
from livedesk.realtime.writer import NewMessage, StoredMessage
from livedesk.runtime import Hook

if TYPE_CHECKING:
    from livedesk.knowledge.service import KnowledgeService

log = logging.getLogger(__name__)

# A short visitor message with one of these (accent/case-folded) words asks for a person.
HUMAN_WORDS = frozenset(
    {
        "mens",
        "medewerker",
        "medewerkster",
        "medewerkers",
        "persoon",
        "collega",
        "human",
        "person",
        "agent",
        "operator",
        "representative",
        "employee",
    }
)
HUMAN_MAX_WORDS = 8  # longer messages are questions that merely mention staff

BOT_NAME = {"nl": "Automatisch antwoord", "en": "Automatic answer"}
TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "unsure": "Hier heb ik geen zeker antwoord op.",
        "colleague": "Een collega beantwoordt uw vraag zo snel mogelijk.",
        "form": "We zijn nu niet bereikbaar: laat via het offline formulier een bericht "
        "achter, dan nemen we contact met u op.",
        "handoff": "Ik geef uw vraag door aan een medewerker.",
        "hint": "Niet wat u zocht? Typ 'medewerker' voor een mens.",
    },
    "en": {
        "unsure": "I don't have a reliable answer to that.",
        "colleague": "A colleague will answer your question as soon as possible.",
        "form": "We can't be reached right now: please leave a message via the offline form "
        "and we will get back to you.",
        "handoff": "I'm passing your question on to a colleague.",
        "hint": "Not what you were looking for? Type 'human' to reach a person.",
    },
}


@dataclass(frozen=True, slots=True)
class BotAction:
    kind: str  # "answer" | "fallback" | "handoff" | "stop" (record the request, say nothing)
    text: str | None
    language: str
    faq_id: str | None = None


def asks_for_human(text: str) -> bool:
    words = T.words(text)
    return 0 < len(words) <= HUMAN_MAX_WORDS and any(w in HUMAN_WORDS for w in words)


def _lang(language: str | None) -> str:
    return "en" if (language or "").lower().startswith("en") else "nl"


def _no_human_text(lang: str, availability: dict[str, Any]) -> str:
    texts = TEXTS[lang]
    form = availability.get("reason") == "closed" or (
        availability.get("overflow_action") == "offline_form"
    )
    return texts["form"] if form else texts["colleague"]


async def decide(
    service: KnowledgeService, stored: StoredMessage, result: SuggestResult
) -> BotAction | None:
    runtime = service.runtime
    facts = await runtime.conversation_facts(stored.conversation_id)
    if facts is None or facts.operator_id is not None or facts.state not in OPEN_STATES:
        return None  # an operator has it (and sees the bot's earlier words in the transcript)
    human = asks_for_human(stored.body)
    language = facts.language
    # Cheap checks first (cached availability and settings): on most messages the bot has no
    # business speaking, and then it costs no database read.
    info = await service.availability(stored.business_id, language or "nl")
    engaged = not info.get("open", True) and (
        info.get("overflow_action") == "bot"
        or service.business_settings(stored.business_id).bot_enabled
    )
    if not engaged and not human:
        return None
    async with read_only(runtime.sessions) as session:
        state = await session.get(FaqBotState, stored.conversation_id)
    if state is not None and state.human_requested_at is not None:
        return None
    lang = _lang(language)
    if human:
        if not engaged:
            return BotAction("stop", None, lang)
        return BotAction("handoff", f"{TEXTS[lang]['handoff']} {_no_human_text(lang, info)}", lang)
    if not engaged:
        return None
    # The business's own record may demand more confidence than the shared default.
    threshold, _ = await service.bot_threshold(stored.business_id)
    best = result.answer_at(threshold)
    if best is not None:
        doc = service.registry.index(stored.business_id).get(best.entry_id)
        if doc is not None:
            return BotAction(
                "answer", f"{doc.answer}\n\n{TEXTS[lang]['hint']}", lang, best.entry_id
            )
    if state is not None and state.fallback_sent:
        return None  # said once; repeating it on every message helps nobody
    return BotAction("fallback", f"{TEXTS[lang]['unsure']} {_no_human_text(lang, info)}", lang)


async def act(service: KnowledgeService, stored: StoredMessage, action: BotAction) -> None:
    runtime = service.runtime
    try:
        async with runtime.transaction() as session:
            state = await session.get(FaqBotState, stored.conversation_id)
            if state is None:
                state = FaqBotState(
                    conversation_id=stored.conversation_id, business_id=stored.business_id
                )
                session.add(state)
            state.answers = (state.answers or 0) + (action.kind == "answer")
            state.fallback_sent = bool(state.fallback_sent) or action.kind == "fallback"
            if action.kind in ("handoff", "stop"):
                state.human_requested_at = utcnow()
            state.updated_at = utcnow()
    except IntegrityError:  # the same visitor in two tabs: the other write won
        log.info("bot state for %s written concurrently", stored.conversation_id)
    if action.text:
        await runtime.writer.write(
            NewMessage(
                conversation_id=stored.conversation_id,
                business_id=stored.business_id,
                author_kind=AuthorKind.BOT,
                body=action.text,
                author_name=BOT_NAME[action.language],
            )
        )
    if action.kind in ("handoff", "stop"):
        await runtime.emit(Hook.HUMAN_REQUESTED, stored.conversation_id)
