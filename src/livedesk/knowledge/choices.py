"""The visitor's pick among the bot's offered entries: the `faq_choice` frame of /ws/visitor.

`{"type":"faq_choice","conversation_id","faq_id"}` answers the conversation's latest offer
(FaqBotState.offer): `faq_id` one of the offered entries, or null for "none of these". The pick
becomes a visitor message in the transcript (the chosen question, or the "none of these" label),
so the operator who takes the chat over sees it; it is recorded as evidence (evidence.py); then
the bot sends the chosen entry's answer, or hands the chat over as when a visitor asks for a
person. A pick for an offer that is no longer the latest is refused with `offer_expired`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from livedesk.conversations.models import OPEN_STATES, AuthorKind
from livedesk.db import utcnow
from livedesk.knowledge import bot
from livedesk.knowledge.evidence import record_choice
from livedesk.knowledge.models import FaqBotState
from livedesk.realtime import protocol
from livedesk.realtime.protocol import FrameError
from livedesk.realtime.writer import NewMessage

if TYPE_CHECKING:
    from livedesk.knowledge.service import KnowledgeService

EXPIRED = "offer_expired"


def frame_handlers(service: KnowledgeService) -> dict[str, Any]:
    """The visitor socket's frames this domain adds (runtime.extensions["visitor_frames"])."""

    async def on_faq_choice(connection: Any, data: dict[str, Any]) -> None:
        await choose(service, connection.actor, data)

    return {"faq_choice": on_faq_choice}


def _faq_id(data: dict[str, Any]) -> str | None:
    value = data.get("faq_id")
    if value is None:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise FrameError(
            "invalid_field", "`faq_id` is an offered entry's id or null", field="faq_id"
        )
    return value


async def choose(service: KnowledgeService, actor: Any, data: dict[str, Any]) -> None:
    """Checks the pick against the latest offer, records it and lets the bot act on it."""
    runtime = service.runtime
    conversation_id = protocol.require_str(data, "conversation_id", max_len=64)
    faq_id = _faq_id(data)
    facts = await runtime.conversation_facts(conversation_id)
    if facts is None or facts.visitor_id != actor.visitor_id:
        raise FrameError("not_found", "conversation not found", conversation_id=conversation_id)
    if facts.state not in OPEN_STATES:
        raise FrameError(
            "conversation_closed", "this conversation has ended", conversation_id=conversation_id
        )
    doc = service.registry.index(facts.business_id).get(faq_id) if faq_id else None
    async with runtime.transaction() as session:
        state = await session.get(FaqBotState, conversation_id, with_for_update=True)
        offer = state.offer if state is not None else None
        if state is None or not offer or (faq_id is not None and faq_id not in offer["faq_ids"]):
            raise FrameError(
                EXPIRED, "choose from the latest offer", conversation_id=conversation_id
            )
        if faq_id is not None and doc is None:  # unpublished since it was offered
            raise FrameError(EXPIRED, "that entry is no longer available", faq_id=faq_id)
        record_choice(session, state, offer, faq_id)
        state.offer = None
        if doc is not None:
            state.answers = (state.answers or 0) + 1
        else:
            state.human_requested_at = utcnow()
        state.updated_at = utcnow()
    info = await service.availability(facts.business_id, facts.language or "nl")
    lang = bot.visitor_language(facts.language)
    words = bot.texts(lang, info.get("form_of_address"))
    await runtime.writer.write(
        NewMessage(
            conversation_id=conversation_id,
            business_id=facts.business_id,
            author_kind=AuthorKind.VISITOR,
            body=doc.question if doc is not None else words["none"],
        )
    )
    if facts.operator_id is not None:
        return  # an operator took the chat meanwhile: they answer, the pick is in the transcript
    if doc is not None:
        action = bot.BotAction("answer", f"{doc.answer}\n\n{words['hint']}", lang, doc.entry_id)
    else:
        step = bot.next_step(info)
        text = f"{words['handoff']} {words[step]}"
        action = bot.BotAction("handoff", text, lang, offers_form=step == "form")
    await bot.say(service, conversation_id, facts.business_id, action)
    await bot.after_saying(service, conversation_id, action)
