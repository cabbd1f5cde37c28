"""The FAQ domain wired into the app: stored entries, the in-memory search index kept in step
with them, live suggestions per visitor message and the bot. See docs/knowledge.md.

Writing an entry is `entries.py`; reading a business's record from the suggestion log is
`record.py`; this module keeps the index, the caches and the suggestion workers."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.db import read_only
from livedesk.knowledge import io as kio
from livedesk.knowledge.bands import Bands, Evidence, shared_bands, tighten
from livedesk.knowledge.calibration import business_threshold, default_model
from livedesk.knowledge.embedding import embeddings_enabled_by_setting
from livedesk.knowledge.entries import (
    Embedded,
    clean_or_invalid,
    doc_of,
    entry_data,
    require_editor,
    write_entry,
)
from livedesk.knowledge.evidence import evidence_for
from livedesk.knowledge.learned import LearnedChoice
from livedesk.knowledge.models import FaqBusinessSettings, FaqEntry, FaqStatus, FaqSuggestionLog
from livedesk.knowledge.record import (
    labelled_queries,
    logged_items,
    published_docs,
    recorded_choices,
    recorded_evidence,
)
from livedesk.knowledge.registry import FaqRegistry
from livedesk.knowledge.search_types import FaqDoc, SuggestResult
from livedesk.realtime import protocol
from livedesk.realtime.writer import StoredMessage
from livedesk.runtime import Runtime
from livedesk.security.actors import StaffActor

# Kept importable from here for the other domains and views that use them.
__all__ = [
    "BusinessFaqSettings",
    "Embedded",
    "KnowledgeService",
    "clean_or_invalid",
    "entry_data",
    "get_service",
    "labelled_queries",
    "published_docs",
    "require_editor",
]

log = logging.getLogger(__name__)

OWN_THRESHOLD_SECONDS = 600.0  # how long a business's bot threshold is reused before recomputing
LEARNED_RECORDS = 5_000  # the most recent evidence near-repeat matching learns from


@dataclass(frozen=True, slots=True)
class BusinessFaqSettings:
    bot_enabled: bool = False
    supervisors_may_approve: bool = False


class KnowledgeService:
    """One per process: the registry of per-business indexes and the FAQ settings cache."""

    def __init__(self, runtime: Runtime, *, use_embeddings: bool | None = None) -> None:
        self.runtime = runtime
        wanted = embeddings_enabled_by_setting() if use_embeddings is None else use_embeddings
        self.embeddings_requested = wanted
        self.registry = FaqRegistry(use_embeddings=wanted)
        self.settings: dict[str, BusinessFaqSettings] = {}
        self.threshold = default_model(self.registry.method).threshold
        # business -> (computed at, its bot threshold or None for "never", choices it rests on)
        self._own_thresholds: dict[str, tuple[float, float | None, int]] = {}
        self._own_bands: dict[str, tuple[float, Bands]] = {}
        self._availability: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self._availability_pending: dict[tuple[str, str], asyncio.Future[dict[str, Any]]] = {}

    @property
    def method(self) -> str:
        return self.registry.method

    # ---- start-up ----------------------------------------------------------------------

    async def start(self) -> None:
        async with read_only(self.runtime.sessions) as session:
            entries = list(
                await session.scalars(
                    select(FaqEntry).where(FaqEntry.status == FaqStatus.PUBLISHED)
                )
            )
            for row in await session.scalars(select(FaqBusinessSettings)):
                self.settings[row.business_id] = BusinessFaqSettings(
                    row.bot_enabled, row.supervisors_may_approve
                )
        docs = [doc_of(e) for e in entries]
        before = [d.embedding for d in docs]
        # Loading runs in a thread: with embeddings on, a stale vector is recomputed here.
        await asyncio.to_thread(self.registry.load, docs)
        stale = {
            d.entry_id: d.embedding
            for d, old in zip(docs, before, strict=True)
            if d.embedding is not None and d.embedding != old
        }
        if stale:
            await self._store_embeddings(stale)
        for business_id in {d.business_id for d in docs}:
            await self.refresh_learned(business_id)
        log.info("FAQ index loaded: %d entries, %s search", len(docs), self.method)

    async def _store_embeddings(self, blobs: dict[str, bytes]) -> None:
        model = getattr(self.registry.embedder, "name", None)
        async with self.runtime.transaction() as session:
            for entry in await session.scalars(select(FaqEntry).where(FaqEntry.id.in_(blobs))):
                entry.embedding = blobs[entry.id]
                entry.embedding_model = model

    # ---- index -------------------------------------------------------------------------

    async def embed(self, data: kio.EntryData, business_id: str) -> Embedded:
        """The stored vector for this text (blocking model work runs in a thread)."""
        if self.registry.embedder is None:
            return Embedded(None, None)
        doc = FaqDoc(
            data.id or "new",
            business_id,
            data.question,
            data.answer,
            list(data.alternatives),
            list(data.tags),
        )
        await asyncio.to_thread(self.registry.embed, doc)
        return Embedded(doc.embedding, self.registry.embedder.name)

    async def sync(self, entries: list[FaqEntry]) -> None:
        """After a commit: add/replace published entries, drop the rest — one entry at a time,
        never a rebuild."""

        def apply() -> None:
            for e in entries:
                if e.status == FaqStatus.PUBLISHED:
                    self.registry.add(doc_of(e))
                else:
                    self.registry.remove(e.business_id, e.id)

        if self.registry.embedder is not None:
            await asyncio.to_thread(apply)
        else:
            apply()

    async def suggest(self, business_id: str, text: str, k: int = 3) -> SuggestResult:
        if self.registry.embedder is not None and self.registry.has_entries(business_id):
            # Embedding the query takes ~25 ms: off the loop. An empty FAQ needs no hop at all.
            return await asyncio.to_thread(self.registry.suggest, business_id, text, k)
        return self.registry.suggest(business_id, text, k)

    async def search(self, business_id: str, text: str, limit: int) -> list[tuple[FaqDoc, float]]:
        return self.registry.search(business_id, text, limit)  # lexical only: fast inline

    async def availability(self, business_id: str, language: str) -> dict[str, Any]:
        """Routing's answer, cached for a second and asked once at a time per business and
        language: the bot asks on every visitor message of an unassigned chat."""
        provider = self.runtime.extensions.get("availability")
        if provider is None:
            return {"open": True}
        key = (business_id, language)
        cached = self._availability.get(key)
        if cached is not None and time.monotonic() - cached[0] <= 1.0:
            return cached[1]
        pending = self._availability_pending.get(key)
        if pending is None:
            pending = asyncio.ensure_future(provider(business_id, language))
            self._availability_pending[key] = pending
            try:
                answer: dict[str, Any] = await pending
            finally:
                del self._availability_pending[key]
            self._availability[key] = (time.monotonic(), answer)
            return answer
        return await asyncio.shield(pending)

    def business_settings(self, business_id: str) -> BusinessFaqSettings:
        return self.settings.get(business_id, BusinessFaqSettings())

    async def bot_threshold(self, business_id: str) -> tuple[float | None, int]:
        """The confidence the bot needs for this business (None: never answers), and how many
        recorded operator choices were weighed (below MIN_RECORDED_CHOICES the shared default
        stands). Recomputed from the
        suggestion log at most every OWN_THRESHOLD_SECONDS."""
        cached = self._own_thresholds.get(business_id)
        if cached is not None and time.monotonic() - cached[0] < OWN_THRESHOLD_SECONDS:
            return cached[1], cached[2]
        confidences, correct = await recorded_choices(
            self.runtime.sessions, business_id, self.method
        )
        threshold = business_threshold(confidences, correct, self.threshold)
        self._own_thresholds[business_id] = (time.monotonic(), threshold, len(confidences))
        return threshold, len(confidences)

    async def bot_bands(self, business_id: str) -> Bands:
        """The answer/offer/hand-over bands for this business: the shared bands until its
        record (`recorded_evidence`) shows them failing, then stricter ones. Recomputed at
        most every OWN_THRESHOLD_SECONDS."""
        cached = self._own_bands.get(business_id)
        if cached is not None and time.monotonic() - cached[0] < OWN_THRESHOLD_SECONDS:
            return cached[1]
        await self.refresh_learned(business_id)  # the same moment: learning and its bands
        bands = tighten(shared_bands(self.method), await self.recorded_evidence(business_id))
        self._own_bands[business_id] = (time.monotonic(), bands)
        return bands

    async def refresh_learned(self, business_id: str) -> None:
        """Reload the business's learned phrasings (near-repeat matching, learned.py) from
        the evidence learning may use; their confidences follow from that record alone."""
        record = await evidence_for(self.runtime.sessions, business_id)
        recent = record[-LEARNED_RECORDS:]  # oldest first: the FAQ and its visitors change
        choices = [LearnedChoice(e.query, e.entry_id, e.positive) for e in recent]
        # Building the matcher and its self-check takes up to ~1 s for 5,000 records: off the loop.
        await asyncio.to_thread(self.registry.learn, business_id, choices)

    async def recorded_evidence(self, business_id: str) -> list[Evidence]:
        """The business's recent outcomes with the current search method (`record.py`)."""
        return await recorded_evidence(self.runtime.sessions, business_id, self.method)

    # ---- writes ------------------------------------------------------------------------

    async def write_entry(
        self,
        session: AsyncSession,
        actor: StaffActor | None,
        business_id: str,
        data: kio.EntryData,
        entry: FaqEntry | None,
        *,
        action: str,
        embedded: Embedded | None,
        note: str | None = None,
        check_unique: bool = True,
    ) -> tuple[FaqEntry, list[str]]:
        """Create or change one entry in the caller's transaction (`entries.write_entry`)."""
        return await write_entry(
            session,
            actor,
            business_id,
            data,
            entry,
            action=action,
            embedded=embedded,
            note=note,
            check_unique=check_unique,
        )

    # ---- suggestions -------------------------------------------------------------------

    # Suggestions run off the visitor's connection: a few workers, each conversation always on
    # the same one, so its messages are handled in order without holding up the chat.
    WORKERS = 4

    def start_workers(self) -> None:
        self._latest: dict[str, int] = {}  # newest visitor seq waiting, per conversation
        self._queues: list[asyncio.Queue[StoredMessage]] = [
            asyncio.Queue(maxsize=10_000) for _ in range(self.WORKERS)
        ]
        self._tasks = [
            asyncio.create_task(self._work(q), name=f"faq-suggest-{n}")
            for n, q in enumerate(self._queues)
        ]

    async def stop_workers(self) -> None:
        for task in getattr(self, "_tasks", []):
            task.cancel()
        await asyncio.gather(*getattr(self, "_tasks", []), return_exceptions=True)

    async def on_visitor_message(self, stored: StoredMessage) -> None:
        if stored.internal or stored.author_kind != "visitor":
            return
        self._latest[stored.conversation_id] = stored.seq
        queue = self._queues[hash(stored.conversation_id) % len(self._queues)]
        try:
            queue.put_nowait(stored)
        except asyncio.QueueFull:  # overloaded: skipping suggestions beats stalling chats
            log.warning("FAQ suggestions dropped for %s", stored.conversation_id)

    async def _work(self, queue: asyncio.Queue[StoredMessage]) -> None:
        while True:
            stored = await queue.get()
            if stored.seq < self._latest.get(stored.conversation_id, 0):
                # The visitor has written again meanwhile: the operator needs suggestions (and
                # the bot an answer) for the newest message, so a burst costs one search.
                continue
            if self._latest.get(stored.conversation_id) == stored.seq:
                del self._latest[stored.conversation_id]
            try:
                await self.handle_visitor_message(stored)
            except Exception:
                log.exception("FAQ suggestions failed for %s", stored.conversation_id)

    async def handle_visitor_message(self, stored: StoredMessage) -> None:
        result = await self.suggest(stored.business_id, stored.body, 3)
        items = []
        for s in result.suggestions:
            doc = self.registry.index(stored.business_id).get(s.entry_id)
            if doc is None:  # removed between ranking and now
                continue
            items.append(
                {
                    "faq_id": s.entry_id,
                    "question": doc.question,
                    "answer": doc.answer,
                    "score": round(s.confidence, 4),
                }
            )
        if len(self.registry.index(stored.business_id)):
            self.runtime.publish_to_staff(
                stored.business_id,
                protocol.frame(
                    "suggestions",
                    conversation_id=stored.conversation_id,
                    seq=stored.seq,
                    items=items,
                    method=result.method,
                ),
            )
        from livedesk.knowledge import bot  # the bot builds on this module

        action = await bot.decide(self, stored, result)
        if not items and action is None:
            return  # nothing shown, nothing said: nothing to log
        # Logged before the bot speaks, so an operator's "used" always finds the row.
        async with self.runtime.transaction() as session:
            session.add(
                FaqSuggestionLog(
                    business_id=stored.business_id,
                    conversation_id=stored.conversation_id,
                    seq=stored.seq,
                    query=stored.body[:4000],
                    method=result.method,
                    items=logged_items(items, result.offer_confidence),
                    bot_faq_id=action.faq_id if action else None,
                )
            )
        if action is not None:
            await bot.act(self, stored, action)


def get_service(runtime: Runtime) -> KnowledgeService:
    service = runtime.extensions.get("knowledge")
    if service is None:
        raise RuntimeError("the knowledge service is not started")
    return service  # type: ignore[no-any-return]
