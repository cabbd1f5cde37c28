"""The end of a contract: hand the business its whole data set, then remove it.

The export is one ZIP (`livedesk-contract-end/1`): `manifest.json` with the counts,
`business.json` (its configuration: the `livedesk-business/1` document `livedesk business
import` reads), `retention.json`, and one JSON document per line in `visitors.jsonl`,
`conversations.jsonl` (with messages and rating), `leads.jsonl` (with their review history),
`deliveries.jsonl`, `faq_proposals.jsonl`, `faq_suggestions.jsonl` (what was asked and which
entry was suggested), `faq_evidence.jsonl` (the questions the FAQ learned from, with the entry
and how), `faq_revisions.jsonl` and `audit.jsonl`. It is written
chunk by chunk, so a large business never sits in memory whole.

The purge removes the business and everything it owns, in small batches (chats first, with
their messages, then deliveries, leads and visitors, then the business row, whose cascade takes
the rest). It refuses while the business is active or still has an open chat: the widgets must
already refuse new chats. The audit log keeps its entries, and one more saying who removed the
business and how many rows went.
"""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n, jsonutil
from livedesk.attachments.actions import delete_attachments
from livedesk.attachments.storage import storage_of
from livedesk.audit.actions import record_change
from livedesk.audit.models import AuditEntry
from livedesk.audit.schemas import AuditEntryOut
from livedesk.businesses.models import Business
from livedesk.businesses.portable_export import export_business
from livedesk.conversations.models import OPEN_STATES, Conversation, Message, Visitor
from livedesk.db import utcnow
from livedesk.errors import Conflict, NotFound
from livedesk.knowledge.models import FaqEvidence, FaqProposal, FaqRevision, FaqSuggestionLog
from livedesk.leads.models import Lead, OutboxItem
from livedesk.privacy import documents
from livedesk.privacy.actions import retention_of
from livedesk.privacy.search_index import compact_search_index
from livedesk.runtime import Runtime
from livedesk.security.actors import StaffActor

FORMAT = "livedesk-contract-end/1"
i18n.register(
    {
        "nl": {
            "business_not_found": "Er is geen bedrijf met deze slug.",
            "business_still_active": "Zet het bedrijf eerst op inactief: dan weigeren zijn "
            "widgets nieuwe chats.",
            "business_has_open_chats": "Het bedrijf heeft nog open chats; wacht tot ze gesloten "
            "zijn.",
        },
        "en": {
            "business_not_found": "There is no business with this slug.",
            "business_still_active": "Deactivate the business first: its widgets then refuse "
            "new chats.",
            "business_has_open_chats": "The business still has open chats; wait until they are "
            "closed.",
        },
    }
)
PAGE = 200  # rows per read and per delete batch
CONVERSATIONS_PER_BATCH = 50  # with their messages: a few thousand rows per transaction


async def business_by_slug(runtime: Runtime, slug: str) -> Business:
    async with runtime.reading() as session:
        business = await session.scalar(select(Business).where(Business.slug == slug))
    if business is None:
        raise NotFound(f"no business with slug {slug!r}", code="business_not_found")
    return business


async def _pages(runtime: Runtime, query: Any, key: Any) -> AsyncIterator[list[Any]]:
    """Ids of `query` (selecting `key` only) a page at a time, each read in its own session."""
    last = None
    while True:
        page = query if last is None else query.where(key > last)
        async with runtime.reading() as session:
            ids = list(await session.scalars(page.order_by(key).limit(PAGE)))
        if not ids:
            return
        yield ids
        last = ids[-1]


Loader = Callable[[AsyncSession, list[Any]], Awaitable[list[dict[str, Any]]]]


async def _write_lines(
    runtime: Runtime, archive: zipfile.ZipFile, name: str, query: Any, key: Any, load: Loader
) -> int:
    count = 0
    with archive.open(name, "w") as out:
        async for ids in _pages(runtime, query, key):
            async with runtime.reading() as session:
                rows = await load(session, ids)
            for row in rows:
                out.write(jsonutil.dumps(row) + b"\n")
            count += len(rows)
    return count


async def _rows_of(session: AsyncSession, model: Any, ids: list[Any], shape: Any) -> list[Any]:
    rows = await session.scalars(select(model).where(model.id.in_(ids)).order_by(model.id))
    return [shape(row) for row in rows]


def _proposal(p: FaqProposal) -> dict[str, Any]:
    fields = ("id", "conversation_id", "entry_id", "question", "answer", "alternatives", "tags")
    more = ("status", "proposed_by_name", "proposed_at", "decided_by_name", "decided_at")
    return {name: getattr(p, name) for name in (*fields, *more)}


def _suggestion(log: FaqSuggestionLog) -> dict[str, Any]:
    fields = ("conversation_id", "seq", "query", "method", "items", "bot_faq_id", "used_faq_id")
    return {name: getattr(log, name) for name in (*fields, "created_at")}


def _revision(r: FaqRevision) -> dict[str, Any]:
    fields = ("entry_id", "version", "question", "alternatives", "answer", "tags", "status")
    more = ("action", "changed_fields", "note", "changed_by_name", "changed_at")
    return {name: getattr(r, name) for name in (*fields, *more)}


async def export_contract(
    runtime: Runtime, actor: StaffActor, slug: str, path: Path
) -> dict[str, int]:
    """Write the business's whole data set to `path` (a ZIP); the counts per file."""
    business = await business_by_slug(runtime, slug)
    b = business.id
    async with runtime.reading() as session:
        config = await export_business(session, business)
        retention, _ = await retention_of(session, b)

    async def conversations(session: AsyncSession, ids: list[str]) -> list[dict[str, Any]]:
        return await documents.load_conversations(session, ids)

    async def leads(session: AsyncSession, ids: list[str]) -> list[dict[str, Any]]:
        return await documents.load_leads(session, ids)

    def rows(model: Any, shape: Callable[[Any], dict[str, Any]]) -> Loader:
        return lambda session, ids: _rows_of(session, model, ids, shape)

    streams: list[tuple[str, Any, Loader]] = [
        ("visitors", Visitor, rows(Visitor, documents.visitor_document)),
        ("conversations", Conversation, conversations),
        ("leads", Lead, leads),
        ("deliveries", OutboxItem, rows(OutboxItem, documents.delivery_document)),
        ("faq_proposals", FaqProposal, rows(FaqProposal, _proposal)),
        ("faq_suggestions", FaqSuggestionLog, rows(FaqSuggestionLog, _suggestion)),
        ("faq_evidence", FaqEvidence, rows(FaqEvidence, documents.evidence_document)),
        ("faq_revisions", FaqRevision, rows(FaqRevision, _revision)),
        ("audit", AuditEntry, rows(AuditEntry, lambda e: AuditEntryOut.of(e).model_dump())),
    ]
    counts: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("business.json", jsonutil.dumps(config))
        archive.writestr("retention.json", jsonutil.dumps(asdict(retention)))
        for name, model, load in streams:
            ids = select(model.id).where(model.business_id == b)
            counts[name] = await _write_lines(
                runtime, archive, f"{name}.jsonl", ids, model.id, load
            )
        manifest = {
            "format": FORMAT,
            "business": {"id": b, "slug": business.slug, "name": business.name},
            "exported_at": utcnow(),
            "counts": counts,
        }
        archive.writestr("manifest.json", jsonutil.dumps(manifest))
    async with runtime.transaction() as session:
        after = {"format": FORMAT, "counts": counts}
        record_change(
            session,
            actor,
            entity="business",
            entity_id=b,
            action="export",
            business_id=b,
            after=after,
        )
    return counts


async def _batches(
    runtime: Runtime, pick: Any, remove: Callable[[AsyncSession, list[Any]], Awaitable[int]]
) -> int:
    """Delete what `pick` selects, `PAGE` rows (or fewer) per short transaction."""
    removed = 0
    while True:
        async with runtime.reading() as session:
            ids = list(await session.scalars(pick))
        if not ids:
            return removed
        async with runtime.transaction() as session:
            removed += await remove(session, ids)
        await asyncio.sleep(0)  # chats get the write lock between batches


async def _deleted(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement, execution_options={"synchronize_session": False})
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def purge_contract(runtime: Runtime, actor: StaffActor, slug: str) -> dict[str, int]:
    """Remove the business and everything it owns; the rows removed per kind."""
    business = await business_by_slug(runtime, slug)
    b = business.id
    if business.is_active:
        raise Conflict("deactivate the business first", code="business_still_active")
    async with runtime.reading() as session:
        open_chats = await session.scalar(
            select(func.count()).where(
                Conversation.business_id == b, Conversation.state.in_(OPEN_STATES)
            )
        )
    if open_chats:
        raise Conflict("the business still has open chats", code="business_has_open_chats")
    counts = {"messages": 0, "conversations": 0}

    async def chats(session: AsyncSession, ids: list[str]) -> int:
        # Before the conversations, whose cascade would leave the files behind; named only
        # where there were files.
        if files := await delete_attachments(session, storage_of(session), ids):
            counts["attachments"] = counts.get("attachments", 0) + files
        counts["messages"] += await _deleted(
            session, delete(Message).where(Message.conversation_id.in_(ids))
        )
        return await _deleted(session, delete(Conversation).where(Conversation.id.in_(ids)))

    def ids_of(model: Any, limit: int = PAGE) -> Any:
        return select(model.id).where(model.business_id == b).limit(limit)

    def remove(model: Any) -> Callable[[AsyncSession, list[Any]], Awaitable[int]]:
        async def run(session: AsyncSession, ids: list[Any]) -> int:
            return await _deleted(session, delete(model).where(model.id.in_(ids)))

        return run

    counts["conversations"] = await _batches(
        runtime, ids_of(Conversation, CONVERSATIONS_PER_BATCH), chats
    )
    # Deliveries before leads, whose cascade would take theirs along uncounted.
    counts["deliveries"] = await _batches(runtime, ids_of(OutboxItem), remove(OutboxItem))
    counts["leads"] = await _batches(runtime, ids_of(Lead), remove(Lead))
    counts["visitors"] = await _batches(runtime, ids_of(Visitor), remove(Visitor))
    async with runtime.transaction() as session:
        await session.execute(delete(Business).where(Business.id == b))
        record_change(
            session,
            actor,
            entity="business",
            entity_id=b,
            action="delete",
            business_id=b,
            before={"slug": business.slug, "name": business.name},
            after={"removed": counts},
        )
    await compact_search_index(runtime)
    return counts
