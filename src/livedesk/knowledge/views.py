"""HTTP API of the FAQ: entries (CRUD, revisions, restore), import/export, operator search,
proposals from chats, the suggestion log and the FAQ settings. Scoped by actor: another
business's ids answer 404, like ids that do not exist."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import Role
from livedesk.businesses.access import access_business_by_id
from livedesk.conversations.access import access_conversation_by_id
from livedesk.db import read_only, utcnow
from livedesk.deps import ActorDep, RuntimeDep, get_runtime
from livedesk.errors import Conflict, Forbidden, Invalid, NotFound
from livedesk.knowledge import io as kio
from livedesk.knowledge import proposals as P
from livedesk.knowledge.calibration import MIN_RECORDED_CHOICES, default_model
from livedesk.knowledge.models import (
    FaqBusinessSettings,
    FaqEntry,
    FaqProposal,
    FaqRevision,
    FaqStatus,
    FaqSuggestionLog,
    ProposalStatus,
)
from livedesk.knowledge.service import (
    BusinessFaqSettings,
    Embedded,
    KnowledgeService,
    clean_or_invalid,
    entry_data,
    entry_payload,
    get_service,
    require_editor,
    revision_payload,
)
from livedesk.runtime import Runtime
from livedesk.security.actors import StaffActor

router = APIRouter(prefix="/api/v1/businesses/{business_id}/faq", tags=["faq"])
conversation_router = APIRouter(prefix="/api/v1/conversations", tags=["faq"])
settings_router = APIRouter(prefix="/api/v1/knowledge", tags=["faq"])

MAX_IMPORT_BYTES = 5 * 1024 * 1024
Text = Annotated[str, Field(max_length=10_000)]
Phrases = Annotated[list[Annotated[str, Field(max_length=2000)]], Field(max_length=200)]


class EntryIn(BaseModel):
    question: Text
    answer: Text
    alternatives: Phrases = Field(default_factory=list)
    tags: Phrases = Field(default_factory=list)
    status: FaqStatus = FaqStatus.PUBLISHED


class EntryPatch(BaseModel):
    question: Text | None = None
    answer: Text | None = None
    alternatives: Phrases | None = None
    tags: Phrases | None = None
    status: FaqStatus | None = None
    # The version the editor started from: a stale one gets 409 instead of a silent overwrite.
    version: int | None = None


class SettingsIn(BaseModel):
    bot_enabled: bool | None = None
    supervisors_may_approve: bool | None = None


class ProposalIn(BaseModel):
    question: Text | None = None
    answer: Text | None = None
    visitor_seq: int | None = Field(default=None, ge=1)
    operator_seq: int | None = Field(default=None, ge=1)
    faq_id: str | None = Field(default=None, max_length=32)
    alternatives: Phrases = Field(default_factory=list)
    tags: Phrases = Field(default_factory=list)


class ApproveIn(BaseModel):
    question: Text | None = None
    answer: Text | None = None
    alternatives: Phrases | None = None
    tags: Phrases | None = None
    status: FaqStatus | None = None
    note: Annotated[str, Field(max_length=2000)] | None = None


class RejectIn(BaseModel):
    reason: Annotated[str, Field(max_length=2000)] | None = None


class UsedIn(BaseModel):
    faq_id: str | None = Field(max_length=32)


async def _read(runtime: Annotated[Runtime, Depends(get_runtime)]) -> AsyncIterator[AsyncSession]:
    # Reads never take SQLite's write lock, so a handler can open a write transaction after.
    async with read_only(runtime.sessions) as session:
        yield session


ReadDep = Annotated[AsyncSession, Depends(_read)]


def _service(runtime: Runtime) -> KnowledgeService:
    return get_service(runtime)


async def _entry(session: Any, business_id: str, faq_id: str) -> FaqEntry:
    entry = await session.get(FaqEntry, faq_id)
    if entry is None or entry.business_id != business_id:
        raise NotFound("FAQ entry not found")
    return entry


# ---- entries -------------------------------------------------------------------------


@router.get("")
async def list_entries(
    business_id: str,
    actor: ActorDep,
    session: ReadDep,
    status: FaqStatus | None = None,
    tag: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    query = select(FaqEntry).where(FaqEntry.business_id == business_id)
    if status is not None:
        query = query.where(FaqEntry.status == status)
    rows = list(await session.scalars(query.order_by(FaqEntry.created_at, FaqEntry.id)))
    if tag:  # tags are a JSON list: filtered here, portable across both backends
        rows = [r for r in rows if tag.lower() in r.tags]
    return {
        "items": [entry_payload(r) for r in rows[offset : offset + limit]],
        "total": len(rows),
        "limit": limit,
        "offset": offset,
    }


@router.post("", status_code=201)
async def create_entry(
    business_id: str, body: EntryIn, actor: ActorDep, session: ReadDep, runtime: RuntimeDep
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    require_editor(actor, business_id)
    service = _service(runtime)
    data = clean_or_invalid(
        kio.EntryData(
            question=body.question,
            answer=body.answer,
            alternatives=body.alternatives,
            tags=body.tags,
            status=body.status,
        )
    )
    embedded = await service.embed(data, business_id)
    async with runtime.transaction() as tx:
        entry, _ = await service.write_entry(
            tx, actor, business_id, data, None, action="created", embedded=embedded
        )
    await service.sync([entry])
    return entry_payload(entry)


# Fixed paths first: they must not be taken for an entry id.


@router.get("/search")
async def search(
    business_id: str,
    actor: ActorDep,
    session: ReadDep,
    runtime: RuntimeDep,
    q: str = Query(..., max_length=500),
    limit: int = Query(10, ge=1, le=50),
) -> dict[str, Any]:
    """Free search for operators: prefix (as you type) and typo tolerant; published only."""
    await access_business_by_id(session, actor, business_id)
    hits = await _service(runtime).search(business_id, q, limit)
    return {
        "items": [
            {
                "faq_id": d.entry_id,
                "question": d.question,
                "answer": d.answer,
                "tags": list(d.tags),
                "score": round(s, 4),
            }
            for d, s in hits
        ]
    }


@router.get("/settings")
async def get_settings(
    business_id: str, actor: ActorDep, session: ReadDep, runtime: RuntimeDep
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    service = _service(runtime)
    payload = _settings_payload(business_id, service.business_settings(business_id))
    threshold, choices = await service.bot_threshold(business_id)
    payload["bot_threshold"] = {
        "confidence": threshold,  # null: no threshold is precise enough, the bot stays silent
        "shared_default": service.threshold,
        "recorded_choices": choices,
        "own_record": choices >= MIN_RECORDED_CHOICES,
    }
    return payload


@router.put("/settings")
async def put_settings(
    business_id: str, body: SettingsIn, actor: ActorDep, session: ReadDep, runtime: RuntimeDep
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    # The business's own choices: its users (and provider admins) set them, not supervisors.
    if actor.role not in (Role.BUSINESS_USER, Role.PROVIDER_ADMIN):
        raise Forbidden("the business sets its FAQ settings", code="faq_read_only")
    service = _service(runtime)
    async with runtime.transaction() as tx:
        row = await tx.get(FaqBusinessSettings, business_id)
        if row is None:
            row = FaqBusinessSettings(
                business_id=business_id, bot_enabled=False, supervisors_may_approve=False
            )
            tx.add(row)
        if body.bot_enabled is not None:
            row.bot_enabled = body.bot_enabled
        if body.supervisors_may_approve is not None:
            row.supervisors_may_approve = body.supervisors_may_approve
        row.updated_by, row.updated_at = actor.user_id, utcnow()
        value = BusinessFaqSettings(row.bot_enabled, row.supervisors_may_approve)
    service.settings[business_id] = value
    return _settings_payload(business_id, value)


def _settings_payload(business_id: str, s: BusinessFaqSettings) -> dict[str, Any]:
    return {
        "business_id": business_id,
        "bot_enabled": s.bot_enabled,
        "supervisors_may_approve": s.supervisors_may_approve,
    }


@router.get("/export")
async def export(
    business_id: str,
    actor: ActorDep,
    session: ReadDep,
    format: str = Query("json", pattern="^(csv|json|markdown)$"),
    status: FaqStatus | None = None,
) -> Response:
    business = await access_business_by_id(session, actor, business_id)
    query = select(FaqEntry).where(FaqEntry.business_id == business_id)
    if status is not None:
        query = query.where(FaqEntry.status == status)
    rows = await session.scalars(query.order_by(FaqEntry.created_at, FaqEntry.id))
    body, media, ext = kio.export(
        format, {"slug": business.slug, "name": business.name}, [entry_data(r) for r in rows]
    )
    return Response(
        body.encode("utf-8"),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="faq-{business.slug}.{ext}"'},
    )


@router.post("/import")
async def import_entries(
    business_id: str,
    request: Request,
    actor: ActorDep,
    session: ReadDep,
    runtime: RuntimeDep,
    format: str = Query(..., pattern="^(csv|json|markdown)$"),
    dry_run: bool = False,
) -> dict[str, Any]:
    """All or nothing: every bad row is reported with its line number and nothing is stored.
    Rows update the entry with their id (of this business) or, without one, the entry with
    the same question; other rows are new entries."""
    await access_business_by_id(session, actor, business_id)
    require_editor(actor, business_id)
    raw = await request.body()
    if len(raw) > MAX_IMPORT_BYTES:
        raise Invalid("the file is larger than 5 MB", code="too_large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8 text", code="invalid_import") from None
    rows = kio.validate_rows(kio.parse(format, text))
    existing = {
        e.id: e
        for e in await session.scalars(select(FaqEntry).where(FaqEntry.business_id == business_id))
    }
    live = {e.question.casefold(): e for e in existing.values() if e.status != FaqStatus.ARCHIVED}
    # An archived entry with the same question is revived (with its history), not duplicated.
    by_question = {e.question.casefold(): e for e in existing.values()} | live
    plan: list[tuple[kio.EntryData, FaqEntry | None]] = []
    errors = []
    for row in rows:
        target = existing.get(row.id or "") or by_question.get(row.question.casefold())
        same = live.get(row.question.casefold())
        if target is not None and same is not None and same.id != target.id:
            errors.append(
                {
                    "line": row.line,
                    "field": "question",
                    "message": "another entry already has this question",
                }
            )
        plan.append((row, target))
    if errors:
        raise kio.invalid_rows(errors)
    service = _service(runtime)
    changes = [
        (row, target)
        for row, target in plan
        if target is None
        or entry_data(target).content() | {"id": None} != row.content() | {"id": None}
    ]
    summary = {
        "dry_run": dry_run,
        "rows": len(plan),
        "unchanged": len(plan) - len(changes),
        "created": sum(t is None for _, t in changes),
        "updated": sum(t is not None for _, t in changes),
    }
    if dry_run or not changes:
        return summary | {"faq_ids": [t.id for _, t in plan if t is not None]}
    vectors = await _embed_many(service, business_id, [r for r, _ in changes])
    written: list[FaqEntry] = []
    async with runtime.transaction() as tx:
        for (row, target), embedded in zip(changes, vectors, strict=True):
            entry = await tx.get(FaqEntry, target.id, with_for_update=True) if target else None
            entry, _ = await service.write_entry(
                tx,
                actor,
                business_id,
                row,
                entry,
                action="imported",
                embedded=embedded,
                check_unique=False,
            )
            written.append(entry)
    await service.sync(written)
    return summary | {"faq_ids": [e.id for e in written]}


async def _embed_many(
    service: KnowledgeService, business_id: str, rows: list[kio.EntryData]
) -> list[Embedded]:
    if service.registry.embedder is None:
        return [Embedded(None, None)] * len(rows)
    return [await service.embed(row, business_id) for row in rows]


@router.get("/proposals")
async def list_proposals(
    business_id: str,
    actor: ActorDep,
    session: ReadDep,
    status: ProposalStatus | None = ProposalStatus.PENDING,
    limit: int = Query(100, ge=1, le=500),
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    query = select(FaqProposal).where(FaqProposal.business_id == business_id)
    if status is not None:
        query = query.where(FaqProposal.status == status)
    rows = await session.scalars(query.order_by(FaqProposal.proposed_at.desc()).limit(limit))
    return {"items": [P.proposal_payload(p) for p in rows]}


@router.get("/proposals/{proposal_id}")
async def get_proposal(
    business_id: str, proposal_id: str, actor: ActorDep, session: ReadDep
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    proposal = await session.get(FaqProposal, proposal_id)
    if proposal is None or proposal.business_id != business_id:
        raise NotFound("proposal not found")
    return P.proposal_payload(proposal)


@router.post("/proposals/{proposal_id}/approve")
async def approve_proposal(
    business_id: str,
    proposal_id: str,
    body: ApproveIn,
    actor: ActorDep,
    session: ReadDep,
    runtime: RuntimeDep,
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    proposal, entry = await P.approve(
        _service(runtime), actor, business_id, proposal_id, body.model_dump(exclude_none=True)
    )
    return {"proposal": P.proposal_payload(proposal), "entry": entry_payload(entry)}


@router.post("/proposals/{proposal_id}/reject")
async def reject_proposal(
    business_id: str,
    proposal_id: str,
    body: RejectIn,
    actor: ActorDep,
    session: ReadDep,
    runtime: RuntimeDep,
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    proposal = await P.reject(_service(runtime), actor, business_id, proposal_id, body.reason)
    return P.proposal_payload(proposal)


@router.get("/suggestion-log")
async def suggestion_log(
    business_id: str, actor: ActorDep, session: ReadDep, limit: int = Query(100, ge=1, le=1000)
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    rows = await session.scalars(
        select(FaqSuggestionLog)
        .where(FaqSuggestionLog.business_id == business_id)
        .order_by(FaqSuggestionLog.id.desc())
        .limit(limit)
    )
    return {"items": [_log_payload(r) for r in rows]}


# ---- one entry ----------------------------------------------------------------------


@router.get("/{faq_id}")
async def get_entry(
    business_id: str, faq_id: str, actor: ActorDep, session: ReadDep
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    return entry_payload(await _entry(session, business_id, faq_id))


async def _change(
    runtime: Runtime,
    actor: StaffActor,
    business_id: str,
    entry: FaqEntry,
    data: kio.EntryData,
    *,
    action: str,
    note: str | None = None,
) -> FaqEntry:
    service = _service(runtime)
    data = clean_or_invalid(data)
    text_changed = any(
        getattr(entry, f) != getattr(data, f) for f in ("question", "alternatives", "answer")
    )
    embedded = await service.embed(data, business_id) if text_changed else None
    seen = entry.version
    async with runtime.transaction() as tx:
        current = await tx.get(FaqEntry, entry.id, with_for_update=True)
        if current is None:
            raise NotFound("FAQ entry not found")
        if current.version != seen:
            raise Conflict(
                "the entry changed meanwhile; reload it",
                code="version_conflict",
                data={"version": current.version},
            )
        current, _ = await service.write_entry(
            tx, actor, business_id, data, current, action=action, embedded=embedded, note=note
        )
    await service.sync([current])
    return current


@router.patch("/{faq_id}")
async def update_entry(
    business_id: str,
    faq_id: str,
    body: EntryPatch,
    actor: ActorDep,
    session: ReadDep,
    runtime: RuntimeDep,
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    entry = await _entry(session, business_id, faq_id)
    require_editor(actor, business_id)
    if body.version is not None and body.version != entry.version:
        raise Conflict(
            "the entry changed since you opened it; reload it",
            code="version_conflict",
            data={"version": entry.version},
        )
    data = entry_data(entry)
    for key, value in body.model_dump(exclude_none=True, exclude={"version"}).items():
        setattr(data, key, value)
    return entry_payload(await _change(runtime, actor, business_id, entry, data, action="edited"))


@router.delete("/{faq_id}")
async def archive_entry(
    business_id: str, faq_id: str, actor: ActorDep, session: ReadDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """Archives (history is kept; restore or set status to bring it back)."""
    await access_business_by_id(session, actor, business_id)
    entry = await _entry(session, business_id, faq_id)
    require_editor(actor, business_id)
    data = entry_data(entry)
    data.status = FaqStatus.ARCHIVED
    return entry_payload(await _change(runtime, actor, business_id, entry, data, action="archived"))


@router.get("/{faq_id}/revisions")
async def list_revisions(
    business_id: str, faq_id: str, actor: ActorDep, session: ReadDep
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    await _entry(session, business_id, faq_id)
    rows = await session.scalars(
        select(FaqRevision)
        .where(FaqRevision.entry_id == faq_id)
        .order_by(FaqRevision.version.desc())
    )
    return {"items": [revision_payload(r) for r in rows]}


@router.post("/{faq_id}/revisions/{version}/restore")
async def restore_revision(
    business_id: str,
    faq_id: str,
    version: int,
    actor: ActorDep,
    session: ReadDep,
    runtime: RuntimeDep,
) -> dict[str, Any]:
    """The content (question, alternatives, answer, tags) of `version` becomes a new version;
    the status stays as it is."""
    await access_business_by_id(session, actor, business_id)
    entry = await _entry(session, business_id, faq_id)
    require_editor(actor, business_id)
    old = await session.scalar(
        select(FaqRevision).where(FaqRevision.entry_id == faq_id, FaqRevision.version == version)
    )
    if old is None:
        raise NotFound("revision not found")
    data = kio.EntryData(
        question=old.question,
        answer=old.answer,
        alternatives=list(old.alternatives),
        tags=list(old.tags),
        status=entry.status,
        id=entry.id,
    )
    return entry_payload(
        await _change(
            runtime,
            actor,
            business_id,
            entry,
            data,
            action="restored",
            note=f"restored version {version}",
        )
    )


# ---- from the chat -------------------------------------------------------------------


@conversation_router.post("/{conversation_id}/faq-proposals", status_code=201)
async def propose(
    conversation_id: str, body: ProposalIn, actor: ActorDep, runtime: RuntimeDep
) -> dict[str, Any]:
    proposal = await P.create_proposal(
        _service(runtime),
        actor,
        conversation_id,
        question=body.question,
        answer=body.answer,
        visitor_seq=body.visitor_seq,
        operator_seq=body.operator_seq,
        faq_id=body.faq_id,
        alternatives=body.alternatives,
        tags=body.tags,
    )
    return P.proposal_payload(proposal)


@conversation_router.post("/{conversation_id}/suggestions/{seq}/used")
async def mark_used(
    conversation_id: str, seq: int, body: UsedIn, actor: ActorDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """Which entry the operator used for visitor message `seq` (null: none fitted)."""
    if not actor.is_staff:
        raise Forbidden("for operators")
    async with runtime.transaction() as tx:
        conversation = await access_conversation_by_id(tx, actor, conversation_id)
        row = await tx.scalar(
            select(FaqSuggestionLog).where(
                FaqSuggestionLog.conversation_id == conversation_id, FaqSuggestionLog.seq == seq
            )
        )
        if row is None:
            raise NotFound("no suggestions were logged for this message")
        if body.faq_id is not None:
            entry = await tx.get(FaqEntry, body.faq_id)
            if entry is None or entry.business_id != conversation.business_id:
                raise NotFound("FAQ entry not found")
        row.used_recorded = True
        row.used_faq_id = body.faq_id
        row.used_by, row.used_at = actor.user_id, utcnow()
    return _log_payload(row)


def _log_payload(r: FaqSuggestionLog) -> dict[str, Any]:
    shown = [i["faq_id"] for i in r.items]
    return {
        "conversation_id": r.conversation_id,
        "seq": r.seq,
        "query": r.query,
        "method": r.method,
        "items": list(r.items),
        "bot_faq_id": r.bot_faq_id,
        "used": (
            {
                "faq_id": r.used_faq_id,
                "by": r.used_by,
                "at": r.used_at,
                "from_suggestions": r.used_faq_id in shown,
            }
            if r.used_recorded
            else None
        ),
        "created_at": r.created_at,
    }


# ---- settings ------------------------------------------------------------------------


@settings_router.get("/settings")
async def knowledge_settings(
    actor: ActorDep, runtime: RuntimeDep, session: ReadDep
) -> dict[str, Any]:
    """How FAQ search runs in this process: embedding or lexical, model and bot threshold."""
    service = _service(runtime)
    registry = service.registry
    query = (
        select(FaqEntry.business_id, func.count())
        .where(FaqEntry.status == FaqStatus.PUBLISHED)
        .group_by(FaqEntry.business_id)
    )
    counts = {b: n for b, n in await session.execute(query) if actor.can_see_business(b)}
    return {
        "method": registry.method,
        "embeddings": {
            "requested": service.embeddings_requested,
            "enabled": registry.embedder is not None,
            "model": getattr(registry.embedder, "name", None),
            "setting": "LIVEDESK_FAQ_EMBEDDINGS (1/0)",
        },
        "bot_threshold": service.threshold,
        "thresholds": {m: default_model(m).threshold for m in ("embedding", "lexical")},
        "published_entries": counts,
        "suggestions": {"k": 3, "frame": "suggestions"},
    }
