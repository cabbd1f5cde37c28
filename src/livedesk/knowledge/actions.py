"""Changes to the FAQ. Entries are embedded before their unit of work (slow, no lock held),
written in it with a revision, and put in the in-memory index after the commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import Role
from livedesk.conversations.access import access_conversation_by_id
from livedesk.db import utcnow
from livedesk.errors import Conflict, Forbidden, NotFound
from livedesk.knowledge import io as kio
from livedesk.knowledge.models import (
    FaqBusinessSettings,
    FaqEntry,
    FaqStatus,
    FaqSuggestionLog,
)
from livedesk.knowledge.service import (
    BusinessFaqSettings,
    Embedded,
    KnowledgeService,
    clean_or_invalid,
    entry_data,
    get_service,
    require_editor,
)
from livedesk.runtime import Runtime
from livedesk.security.actors import StaffActor


async def do_set_faq_settings(
    session: AsyncSession,
    actor: StaffActor,
    business_id: str,
    *,
    bot_enabled: bool | None,
    supervisors_may_approve: bool | None,
) -> BusinessFaqSettings:
    """The business's own choices: its users (and provider admins) set them, not supervisors."""
    if actor.role not in (Role.BUSINESS_USER, Role.PROVIDER_ADMIN):
        raise Forbidden("the business sets its FAQ settings", code="faq_read_only")
    row = await session.get(FaqBusinessSettings, business_id)
    if row is None:
        row = FaqBusinessSettings(
            business_id=business_id, bot_enabled=False, supervisors_may_approve=False
        )
        session.add(row)
    if bot_enabled is not None:
        row.bot_enabled = bot_enabled
    if supervisors_may_approve is not None:
        row.supervisors_may_approve = supervisors_may_approve
    row.updated_by, row.updated_at = actor.user_id, utcnow()
    return BusinessFaqSettings(row.bot_enabled, row.supervisors_may_approve)


async def do_record_suggestion_used(
    session: AsyncSession, actor: StaffActor, conversation_id: str, seq: int, faq_id: str | None
) -> FaqSuggestionLog:
    """Which entry the operator used for visitor message `seq` (None: none fitted)."""
    if not actor.is_staff:
        raise Forbidden("for operators")
    conversation = await access_conversation_by_id(session, actor, conversation_id)
    row = await session.scalar(
        select(FaqSuggestionLog).where(
            FaqSuggestionLog.conversation_id == conversation_id, FaqSuggestionLog.seq == seq
        )
    )
    if row is None:
        raise NotFound("no suggestions were logged for this message")
    if faq_id is not None:
        entry = await session.get(FaqEntry, faq_id)
        if entry is None or entry.business_id != conversation.business_id:
            raise NotFound("FAQ entry not found")
    row.used_recorded = True
    row.used_faq_id = faq_id
    row.used_by, row.used_at = actor.user_id, utcnow()
    return row


async def do_create_entry(
    runtime: Runtime, actor: StaffActor, business_id: str, data: kio.EntryData
) -> FaqEntry:
    """A new entry: its text embedded first, written in one unit of work, then indexed."""
    require_editor(actor, business_id)
    service = get_service(runtime)
    data = clean_or_invalid(data)
    embedded = await service.embed(data, business_id)
    async with runtime.transaction() as tx:
        entry, _ = await service.write_entry(
            tx, actor, business_id, data, None, action="created", embedded=embedded
        )
    await service.sync([entry])
    return entry


async def do_change_entry(
    runtime: Runtime,
    actor: StaffActor,
    business_id: str,
    entry: FaqEntry,
    data: kio.EntryData,
    *,
    action: str,
    note: str | None = None,
) -> FaqEntry:
    """Change `entry` to `data` unless someone changed it since it was read (409)."""
    require_editor(actor, business_id)
    service = get_service(runtime)
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


async def do_import_entries(
    runtime: Runtime,
    session: AsyncSession,
    actor: StaffActor,
    business_id: str,
    rows: list[kio.EntryData],
    *,
    dry_run: bool,
) -> dict[str, Any]:
    """All or nothing: every bad row is reported with its line number and nothing is stored.
    Rows update the entry with their id (of this business) or, without one, the entry with
    the same question; other rows are new entries. `session` reads what exists."""
    require_editor(actor, business_id)
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
    service = get_service(runtime)
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
