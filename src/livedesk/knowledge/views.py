"""HTTP API of the FAQ's entries: list, create, edit, archive, revisions and restore, the
operators' search and the business's FAQ settings. Import/export: import_views.py; proposals
from chats and the suggestion log: proposal_views.py. Scoped by actor: another business's ids
answer 404, like ids that do not exist."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from livedesk.businesses.access import access_business_by_id
from livedesk.deps import MAX_OFFSET, ActorDep, RuntimeDep, SessionDep
from livedesk.errors import Conflict, NotFound
from livedesk.knowledge import io as kio
from livedesk.knowledge.access import access_faq_entry
from livedesk.knowledge.actions import do_change_entry, do_create_entry, do_set_faq_settings
from livedesk.knowledge.calibration import MIN_RECORDED_CHOICES, default_model
from livedesk.knowledge.models import FaqEntry, FaqRevision, FaqStatus
from livedesk.knowledge.schemas import (
    EntryIn,
    EntryPatch,
    SettingsIn,
    entry_payload,
    revision_payload,
    settings_payload,
)
from livedesk.knowledge.service import entry_data, get_service, require_editor

router = APIRouter(prefix="/api/v1/businesses/{business_id}/faq", tags=["faq"])
settings_router = APIRouter(prefix="/api/v1/knowledge", tags=["faq"])


@router.get("")
async def list_entries(
    business_id: str,
    actor: ActorDep,
    session: SessionDep,
    status: FaqStatus | None = None,
    tag: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
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
    business_id: str, body: EntryIn, actor: ActorDep, session: SessionDep, runtime: RuntimeDep
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    data = kio.EntryData(
        question=body.question,
        answer=body.answer,
        alternatives=body.alternatives,
        tags=body.tags,
        status=body.status,
    )
    return entry_payload(await do_create_entry(runtime, actor, business_id, data))


# Fixed paths first: they must not be taken for an entry id.


@router.get("/search")
async def search(
    business_id: str,
    actor: ActorDep,
    session: SessionDep,
    runtime: RuntimeDep,
    q: str = Query(..., max_length=500),
    limit: int = Query(10, ge=1, le=50),
) -> dict[str, Any]:
    """Free search for operators: prefix (as you type) and typo tolerant; published only."""
    await access_business_by_id(session, actor, business_id)
    hits = await get_service(runtime).search(business_id, q, limit)
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
    business_id: str, actor: ActorDep, session: SessionDep, runtime: RuntimeDep
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    service = get_service(runtime)
    payload = settings_payload(business_id, service.business_settings(business_id))
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
    business_id: str, body: SettingsIn, actor: ActorDep, session: SessionDep, runtime: RuntimeDep
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    async with runtime.transaction() as tx:
        value = await do_set_faq_settings(
            tx,
            actor,
            business_id,
            bot_enabled=body.bot_enabled,
            supervisors_may_approve=body.supervisors_may_approve,
        )
    get_service(runtime).settings[business_id] = value
    return settings_payload(business_id, value)


@router.get("/{faq_id}")
async def get_entry(
    business_id: str, faq_id: str, actor: ActorDep, session: SessionDep
) -> dict[str, Any]:
    return entry_payload(await access_faq_entry(session, actor, business_id, faq_id))


@router.patch("/{faq_id}")
async def update_entry(
    business_id: str,
    faq_id: str,
    body: EntryPatch,
    actor: ActorDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> dict[str, Any]:
    entry = await access_faq_entry(session, actor, business_id, faq_id)
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
    return entry_payload(
        await do_change_entry(runtime, actor, business_id, entry, data, action="edited")
    )


@router.delete("/{faq_id}")
async def archive_entry(
    business_id: str, faq_id: str, actor: ActorDep, session: SessionDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """Archives (history is kept; restore or set status to bring it back)."""
    entry = await access_faq_entry(session, actor, business_id, faq_id)
    require_editor(actor, business_id)
    data = entry_data(entry)
    data.status = FaqStatus.ARCHIVED
    return entry_payload(
        await do_change_entry(runtime, actor, business_id, entry, data, action="archived")
    )


@router.get("/{faq_id}/revisions")
async def list_revisions(
    business_id: str, faq_id: str, actor: ActorDep, session: SessionDep
) -> dict[str, Any]:
    await access_faq_entry(session, actor, business_id, faq_id)
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
    session: SessionDep,
    runtime: RuntimeDep,
) -> dict[str, Any]:
    """The content (question, alternatives, answer, tags) of `version` becomes a new version;
    the status stays as it is."""
    entry = await access_faq_entry(session, actor, business_id, faq_id)
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
        await do_change_entry(
            runtime,
            actor,
            business_id,
            entry,
            data,
            action="restored",
            note=f"restored version {version}",
        )
    )


# ---- how search runs in this process --------------------------------------------------


@settings_router.get("/settings")
async def knowledge_settings(
    actor: ActorDep, runtime: RuntimeDep, session: SessionDep
) -> dict[str, Any]:
    """How FAQ search runs in this process: embedding or lexical, model and bot threshold."""
    service = get_service(runtime)
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
