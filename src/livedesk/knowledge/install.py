"""Plugs the FAQ domain into the app: its routers and the KnowledgeService (index, bot)."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.knowledge import bot, choices, evidence_views, import_views, proposal_views, views
from livedesk.knowledge.service import KnowledgeService
from livedesk.realtime.visitor import VISITOR_RESUME_FRAMES
from livedesk.runtime import Hook, Runtime


def install(app: FastAPI) -> None:
    # Fixed paths (/export, /proposals, …) before the entries router's /{faq_id}.
    app.include_router(import_views.router)
    app.include_router(proposal_views.router)
    app.include_router(proposal_views.conversation_router)
    app.include_router(evidence_views.router)
    app.include_router(evidence_views.conversation_router)
    app.include_router(views.router)
    app.include_router(views.settings_router)

    async def start(runtime: Runtime) -> None:
        service = KnowledgeService(
            runtime, use_embeddings=getattr(app.state, "faq_embeddings", None)
        )
        runtime.extensions["knowledge"] = service
        await service.start()
        service.start_workers()
        runtime.on(Hook.VISITOR_MESSAGE, service.on_visitor_message)
        # The visitor's pick among the bot's offered entries.
        runtime.extensions.setdefault("visitor_frames", {}).update(choices.frame_handlers(service))
        # Its buttons again for a widget that reloads or reconnects while the offer is open.
        runtime.extensions[VISITOR_RESUME_FRAMES] = bot.open_offers
        # Routing hands a chat that waited past the contract's maximum to the bot.
        runtime.extensions["bot_takeover"] = lambda conversation_id: bot.take_over(
            service, conversation_id
        )

    async def stop(runtime: Runtime) -> None:
        runtime.extensions.pop("bot_takeover", None)
        runtime.extensions.pop(VISITOR_RESUME_FRAMES, None)
        runtime.extensions.get("visitor_frames", {}).pop("faq_choice", None)
        service = runtime.extensions.pop("knowledge", None)
        if service is not None:
            await service.stop_workers()

    app.state.on_start.append(start)
    app.state.on_stop.append(stop)
