"""The FAQ domain wired into the app: stored entries, the in-memory search index kept in step
with them, live suggestions per visitor message and the bot. See docs/knowledge.md."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livedesk.accounts.models import Role
from livedesk.db import read_only, utcnow
from livedesk.errors import Conflict, Forbidden, Invalid
from livedesk.knowledge import io as kio
from livedesk.knowledge.bands import Bands, Evidence, shared_bands, tighten
from livedesk.knowledge.calibration import business_threshold, default_model
from livedesk.knowledge.embedding import embeddings_enabled_by_setting
from livedesk.knowledge.evaluate import LabelledQuery
from livedesk.knowledge.evidence import evidence_for
from livedesk.knowledge.index import FaqDoc, FaqRegistry, SuggestResult
from livedesk.knowledge.learned import LearnedChoice
from livedesk.knowledge.models import (
    EvidenceKind,
    FaqBusinessSettings,
    FaqEntry,
    FaqEvidence,
    FaqRevision,
    FaqStatus,
    FaqSuggestionLog,
)
from livedesk.realtime import protocol
from livedesk.realtime.writer import StoredMessage
from livedesk.runtime import Runtime
from livedesk.security.actors import StaffActor

log = logging.getLogger(__name__)

OWN_THRESHOLD_SECONDS = 600.0  # how long a business's bot threshold is reused before recomputing
OWN_THRESHOLD_CHOICES = 2000  # the most recent recorded choices it is computed from
LEARNED_RECORDS = 5_000  # the most recent evidence near-repeat matching learns from
EDITOR_ROLES = frozenset({Role.BUSINESS_USER, Role.SUPERVISOR, Role.PROVIDER_ADMIN})
TEXT_FIELDS = ("question", "alternatives", "answer")
CONTENT_FIELDS = (*TEXT_FIELDS, "tags", "status")


@dataclass(frozen=True, slots=True)
class BusinessFaqSettings:
    bot_enabled: bool = False
    supervisors_may_approve: bool = False


def can_edit(actor: StaffActor, business_id: str) -> bool:
    """Business users edit their own FAQ, supervisors and admins every FAQ; operators read."""
    return actor.can_see_business(business_id) and actor.role in EDITOR_ROLES


def require_editor(actor: StaffActor, business_id: str) -> None:
    if not can_edit(actor, business_id):
        raise Forbidden("only the business and supervisors edit the FAQ", code="faq_read_only")


def entry_data(e: FaqEntry) -> kio.EntryData:
    return kio.EntryData(
        question=e.question,
        answer=e.answer,
        alternatives=list(e.alternatives),
        tags=list(e.tags),
        status=e.status,
        id=e.id,
    )


def changed_fields(entry: FaqEntry | None, data: kio.EntryData) -> list[str]:
    if entry is None:
        return list(CONTENT_FIELDS)
    return [name for name in CONTENT_FIELDS if getattr(entry, name) != getattr(data, name)]


@dataclass(slots=True)
class Embedded:
    blob: bytes | None
    model: str | None


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
        docs = [self.doc_of(e) for e in entries]
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

    @staticmethod
    def doc_of(e: FaqEntry) -> FaqDoc:
        return FaqDoc(
            e.id,
            e.business_id,
            e.question,
            e.answer,
            list(e.alternatives),
            list(e.tags),
            e.embedding,
        )

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
                    self.registry.add(self.doc_of(e))
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
        async with read_only(self.runtime.sessions) as session:
            rows = (
                await session.execute(
                    select(FaqSuggestionLog.items, FaqSuggestionLog.used_faq_id)
                    .where(
                        FaqSuggestionLog.business_id == business_id,
                        FaqSuggestionLog.used_recorded.is_(True),
                        FaqSuggestionLog.method == self.method,
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
        threshold = business_threshold(np.array(confidences), np.array(correct), self.threshold)
        self._own_thresholds[business_id] = (time.monotonic(), threshold, len(rows))
        return threshold, len(rows)

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
        """The business's recent outcomes: for each logged ranking an operator answered from,
        or whose offered choices a visitor settled, the confidences it was shown with and the
        rank of the entry the operator used or the visitor picked (None: none of them)."""
        logged = (FaqSuggestionLog.items, FaqSuggestionLog.used_faq_id)
        recent = (
            FaqSuggestionLog.business_id == business_id,
            FaqSuggestionLog.method == self.method,
        )
        async with read_only(self.runtime.sessions) as session:
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
        return [_evidence_of(items, entry) for items, entry in outcomes]

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
        """Create or change one entry in the caller's transaction and record a revision.

        `embedded` is the vector for `data`'s text, computed before the transaction; None
        means the text did not change (keep the stored vector)."""
        changed = changed_fields(entry, data)
        if entry is not None and not changed:
            return entry, []
        now = utcnow()
        if entry is None:
            if check_unique:
                await self.check_unique_question(session, business_id, data.question, None)
            entry = FaqEntry(
                business_id=business_id, version=0, created_by=_uid(actor), created_at=now
            )
            session.add(entry)
        elif "question" in changed and check_unique:
            await self.check_unique_question(session, business_id, data.question, entry.id)
        entry.question = data.question
        entry.alternatives = list(data.alternatives)
        entry.answer = data.answer
        entry.tags = list(data.tags)
        entry.status = data.status
        if embedded is not None and any(f in changed for f in TEXT_FIELDS):
            entry.embedding, entry.embedding_model = embedded.blob, embedded.model
        entry.version += 1
        entry.updated_by = _uid(actor)
        entry.updated_at = now
        await session.flush()
        session.add(
            FaqRevision(
                entry_id=entry.id,
                business_id=business_id,
                version=entry.version,
                question=entry.question,
                alternatives=list(entry.alternatives),
                answer=entry.answer,
                tags=list(entry.tags),
                status=entry.status,
                action=action,
                changed_fields=changed,
                note=note,
                changed_by=_uid(actor),
                changed_by_name=actor.name if actor else None,
                changed_at=now,
            )
        )
        return entry, changed

    @staticmethod
    async def check_unique_question(
        session: AsyncSession, business_id: str, question: str, entry_id: str | None
    ) -> None:
        rows = await session.execute(
            select(FaqEntry.id, FaqEntry.question).where(
                FaqEntry.business_id == business_id, FaqEntry.status != FaqStatus.ARCHIVED
            )
        )
        for other_id, other_question in rows:
            if other_id != entry_id and other_question.casefold() == question.casefold():
                raise Conflict(
                    "another entry already has this question",
                    code="duplicate_question",
                    data={"faq_id": other_id},
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
                    items=_logged_items(items, result.offer_confidence),
                    bot_faq_id=action.faq_id if action else None,
                )
            )
        if action is not None:
            await bot.act(self, stored, action)


def _evidence_of(items: list[dict[str, Any]] | None, entry_id: str | None) -> Evidence:
    """One logged ranking and the entry it ended with, as `bands.tighten` reads it."""
    ids = [item["faq_id"] for item in items or []]
    top = float(items[0]["score"]) if items else 0.0
    rank = ids.index(entry_id) + 1 if entry_id in ids else None
    offer = items[0].get("offer") if items else None
    return Evidence(top, rank, None if offer is None else float(offer))


def _logged_items(items: list[dict[str, Any]], offer_confidence: float) -> list[dict[str, Any]]:
    """What the log keeps of a ranking: ids and confidences, and on the first item the offer
    confidence, so the business's own offer band can be fitted later (`recorded_evidence`)."""
    logged = [{"faq_id": i["faq_id"], "score": i["score"]} for i in items]
    if logged:
        logged[0]["offer"] = round(offer_confidence, 4)
    return logged


def _uid(actor: StaffActor | None) -> str | None:
    return actor.user_id if actor else None


def clean_or_invalid(data: kio.EntryData) -> kio.EntryData:
    try:
        return kio.clean_entry(data)
    except kio.RowError as exc:
        raise Invalid(exc.message, data={"field": exc.field}) from None


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
        return [KnowledgeService.doc_of(e) for e in entries]


def get_service(runtime: Runtime) -> KnowledgeService:
    service = runtime.extensions.get("knowledge")
    if service is None:
        raise RuntimeError("the knowledge service is not started")
    return service  # type: ignore[no-any-return]
