"""The FAQ bot: speaks to a visitor from the FAQ only when no operator can. What it does follows
the business's bands (knowledge/bands.py) for the top entry's calibrated confidence: sure of one
entry, it answers; a few entries plausible, it offers their questions as buttons plus "none of
these: talk to a person" (knowledge/choices.py handles the visitor's pick); nothing plausible,
it says honestly what happens next, as the contract has it. Asking for a human stops it.

When does it speak? Only for a conversation without an operator, when the availability
extension (routing) says operators cannot answer (`open` is false: closed, no_operators or
overflow) AND either the contract sends such visitors to the bot (`overflow_action` "bot" or
"bot_then_form") or the business switched `bot_enabled` on; and for a chat the contract's
overflow handed to the bot after it waited too long (routing logs an `overflow` event and asks
the bot to take over, answering the question the visitor is waiting with). Without an
availability extension operators count as available: no bot.

What it promises, the widget shows: when its words send the visitor to the offline form (the
contract's action is the form, or the bot first and then the form), it asks routing to apply
that overflow, and the widget shows the form under its message.

Its words follow the business's form of address in Dutch ("u" or "je").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.conversations.models import (
    OPEN_STATES,
    AuthorKind,
    ConversationEvent,
    ConversationState,
    Message,
)
from livedesk.db import read_only, utcnow
from livedesk.knowledge import text as T
from livedesk.knowledge.bands import decide as decide_band
from livedesk.knowledge.models import FaqBotState
from livedesk.knowledge.search_types import SuggestResult
from livedesk.realtime import protocol
from livedesk.realtime.writer import NewMessage, StoredMessage
from livedesk.runtime import Hook, conversation_topic

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
        "nobody": "Er is nu geen collega bereikbaar. Stel gerust een andere vraag, of probeer het "
        "later opnieuw.",
        "form": "Laat hieronder via het offline formulier een bericht achter, dan nemen we "
        "contact met u op.",
        "handoff": "Ik geef uw vraag door aan een medewerker.",
        "hint": "Niet wat u zocht? Typ 'medewerker' voor een mens.",
        "offer": "Bedoelt u een van deze vragen?",
        "none": "Geen van deze: met een medewerker praten",
    },
    "en": {
        "unsure": "I don't have a reliable answer to that.",
        "colleague": "A colleague will answer your question as soon as possible.",
        "nobody": "No colleague can be reached right now. Feel free to ask something else, or "
        "try again later.",
        "form": "Please leave a message via the offline form below and we will get back to you.",
        "handoff": "I'm passing your question on to a colleague.",
        "hint": "Not what you were looking for? Type 'human' to reach a person.",
        "offer": "Did you mean one of these questions?",
        "none": "None of these: talk to a person",
    },
}
# Dutch with "je": the texts above that address the visitor.
JE_TEXTS = {
    "colleague": "Een collega beantwoordt je vraag zo snel mogelijk.",
    "form": "Laat hieronder via het offline formulier een bericht achter, dan nemen we contact "
    "met je op.",
    "handoff": "Ik geef je vraag door aan een medewerker.",
    "hint": "Niet wat je zocht? Typ 'medewerker' voor een mens.",
    "offer": "Bedoel je een van deze vragen?",
}
FORM_ACTIONS = frozenset({"offline_form", "bot_then_form"})  # the bot's last word is the form


def texts(lang: str, form_of_address: str | None) -> dict[str, str]:
    if lang == "nl" and form_of_address == "je":
        return {**TEXTS["nl"], **JE_TEXTS}
    return TEXTS[lang]


@dataclass(frozen=True, slots=True)
class BotAction:
    kind: str  # "answer" | "offer" | "fallback" | "handoff" | "stop" (record, say nothing)
    text: str | None
    language: str
    faq_id: str | None = None
    offers_form: bool = False  # its words send the visitor to the offline form
    choices: tuple[tuple[str, str], ...] = ()  # an offer's (entry id, question), best first
    none_label: str = ""  # an offer's "none of these" button


def asks_for_human(text: str) -> bool:
    words = T.words(text)
    return 0 < len(words) <= HUMAN_MAX_WORDS and any(w in HUMAN_WORDS for w in words)


def visitor_language(language: str | None) -> str:
    return "en" if (language or "").lower().startswith("en") else "nl"


def next_step(availability: dict[str, Any]) -> str:
    """What happens now that the bot cannot help, as the contract says: the offline form, a
    colleague later (operators are there, only busy), or nobody for now."""
    if availability.get("overflow_action", "offline_form") in FORM_ACTIONS:
        return "form"
    if availability.get("reason") in ("closed", "no_operators"):
        return "nobody"
    return "colleague"


async def handed_to_bot(service: KnowledgeService, conversation_id: str) -> bool:
    """Whether the contract's overflow gave this waiting chat to the bot (routing logged it)."""
    async with read_only(service.runtime.sessions) as session:
        found = await session.scalar(
            select(ConversationEvent.data)
            .where(
                ConversationEvent.conversation_id == conversation_id,
                ConversationEvent.kind == "overflow",
            )
            .limit(1)
        )
    return isinstance(found, dict) and found.get("action") == "bot"


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
        info.get("overflow_action") in ("bot", "bot_then_form")
        or service.business_settings(stored.business_id).bot_enabled
    )
    if not engaged and facts.state == ConversationState.QUEUED:
        engaged = await handed_to_bot(service, stored.conversation_id)
    if not engaged and not human:
        return None
    async with read_only(runtime.sessions) as session:
        state = await session.get(FaqBotState, stored.conversation_id)
    if state is not None and state.human_requested_at is not None:
        return None
    lang = visitor_language(language)
    words = texts(lang, info.get("form_of_address"))
    step = next_step(info)
    if human:
        if not engaged:
            return BotAction("stop", None, lang)
        text = f"{words['handoff']} {words[step]}"
        return BotAction("handoff", text, lang, offers_form=step == "form")
    # The business's own record may demand more confidence than the shared bands.
    decision = decide_band(result, await service.bot_bands(stored.business_id))
    index = service.registry.index(stored.business_id)
    docs = [d for d in (index.get(s.entry_id) for s in decision.entries) if d is not None]
    if decision.kind == "answer" and docs:
        return BotAction("answer", f"{docs[0].answer}\n\n{words['hint']}", lang, docs[0].entry_id)
    if decision.kind == "offer" and len(docs) >= 2:
        choices = tuple((d.entry_id, d.question) for d in docs)
        lines = "".join(f"\n• {question}" for _, question in choices)
        text = f"{words['offer']}{lines}\n• {words['none']}"
        return BotAction("offer", text, lang, choices=choices, none_label=words["none"])
    if state is not None and state.fallback_sent:
        return None  # said once; repeating it on every message helps nobody
    text = f"{words['unsure']} {words[step]}"
    return BotAction("fallback", text, lang, offers_form=step == "form")


async def take_over(service: KnowledgeService, conversation_id: str) -> None:
    """Routing handed a waiting chat to the bot: answer the last thing the visitor asked."""
    async with read_only(service.runtime.sessions) as session:
        row = (
            await session.execute(
                select(Message)
                .where(
                    Message.conversation_id == conversation_id,
                    Message.author_kind == AuthorKind.VISITOR,
                )
                .order_by(Message.seq.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
    if row is None:
        return  # nothing asked yet: the bot answers the first message when it comes
    stored = StoredMessage.from_row(row)
    result = await service.suggest(stored.business_id, stored.body, 3)
    action = await decide(service, stored, result)
    if action is not None:  # the operator's suggestions for this message were logged already
        await act(service, stored, action)


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
            # Only the latest offer can be chosen from: anything the bot says next replaces it.
            state.offer = offer_record(stored, action) if action.kind == "offer" else None
            state.updated_at = utcnow()
    except IntegrityError:  # the same visitor in two tabs: the other write won
        log.info("bot state for %s written concurrently", stored.conversation_id)
    await say(service, stored.conversation_id, stored.business_id, action)
    await after_saying(service, stored.conversation_id, action)


def offer_record(stored: StoredMessage, action: BotAction) -> dict[str, Any]:
    """What a visitor's pick is checked against and learned from (FaqBotState.offer), and what
    the buttons said, to show them again to a widget that reloads."""
    return {"seq": stored.seq, "query": stored.body[:4000], **buttons(action)}


def buttons(action: BotAction) -> dict[str, Any]:
    """An offer's buttons: the entries (best first), their questions, and the prompt and
    "none of these" label in the visitor's language."""
    return {
        "faq_ids": [faq_id for faq_id, _ in action.choices],
        "questions": [question for _, question in action.choices],
        "prompt": (action.text or "").split("\n", 1)[0],
        "none": action.none_label,
    }


def choices_frame(conversation_id: str, seq: int | None, offer: dict[str, Any]) -> str:
    """The `bot_choices` frame for an offer record; `seq` is the bot's message that lists them."""
    return protocol.frame(
        "bot_choices",
        conversation_id=conversation_id,
        seq=seq,
        prompt=offer["prompt"],
        items=[
            {"faq_id": f, "question": q}
            for f, q in zip(offer["faq_ids"], offer["questions"], strict=True)
        ],
        none=offer["none"],
    )


async def open_offers(session: AsyncSession, conversation_ids: list[str]) -> list[str]:
    """For a visitor's socket that (re)connects: the buttons of each conversation's offer that
    can still be answered, after the bot message listing them (older records, without the
    buttons' words, are left out: the listed questions stay in the message)."""
    states = await session.scalars(
        select(FaqBotState).where(
            FaqBotState.conversation_id.in_(conversation_ids),
            FaqBotState.offer.is_not(None),
            FaqBotState.human_requested_at.is_(None),
        )
    )
    frames = []
    for state in states:
        offer = state.offer or {}
        if "questions" not in offer:
            continue
        seq = await session.scalar(
            select(func.min(Message.seq)).where(
                Message.conversation_id == state.conversation_id,
                Message.author_kind == AuthorKind.BOT,
                Message.seq > offer["seq"],
            )
        )
        frames.append(choices_frame(state.conversation_id, seq, offer))
    return frames


async def say(
    service: KnowledgeService, conversation_id: str, business_id: str, action: BotAction
) -> None:
    """The bot's message; for an offer, then the choices as buttons for the visitor's widget
    (the message itself lists them, so the transcript shows what was offered)."""
    if not action.text:
        return
    runtime = service.runtime
    message = await runtime.writer.write(
        NewMessage(
            conversation_id=conversation_id,
            business_id=business_id,
            author_kind=AuthorKind.BOT,
            body=action.text,
            author_name=BOT_NAME[action.language],
        )
    )
    if action.kind == "offer":
        frame = choices_frame(conversation_id, message.seq, buttons(action))
        runtime.broker.publish(conversation_topic(conversation_id), frame)


async def after_saying(service: KnowledgeService, conversation_id: str, action: BotAction) -> None:
    """A hand-over reaches routing; a promised offline form is applied."""
    runtime = service.runtime
    if action.kind in ("handoff", "stop"):
        await runtime.emit(Hook.HUMAN_REQUESTED, conversation_id)
    overflow = runtime.extensions.get("overflow")
    if action.offers_form and overflow is not None:
        await overflow(conversation_id, "offline_form", "bot")
