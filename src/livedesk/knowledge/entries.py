"""Writing FAQ entries: who may edit, an entry's fields as import/export data, and the one
function that creates or changes an entry and records its revision (`write_entry`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import Role
from livedesk.db import utcnow
from livedesk.errors import Conflict, Forbidden, Invalid
from livedesk.knowledge import io as kio
from livedesk.knowledge.models import FaqEntry, FaqRevision, FaqStatus
from livedesk.knowledge.search_types import FaqDoc
from livedesk.security.actors import StaffActor

EDITOR_ROLES = frozenset({Role.BUSINESS_USER, Role.SUPERVISOR, Role.PROVIDER_ADMIN})
TEXT_FIELDS = ("question", "alternatives", "answer")
CONTENT_FIELDS = (*TEXT_FIELDS, "tags", "status")


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


def actor_id(actor: StaffActor | None) -> str | None:
    return actor.user_id if actor else None


def clean_or_invalid(data: kio.EntryData) -> kio.EntryData:
    try:
        return kio.clean_entry(data)
    except kio.RowError as exc:
        raise Invalid(exc.message, data={"field": exc.field}) from None


async def write_entry(
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
            await check_unique_question(session, business_id, data.question, None)
        entry = FaqEntry(
            business_id=business_id, version=0, created_by=actor_id(actor), created_at=now
        )
        session.add(entry)
    elif "question" in changed and check_unique:
        await check_unique_question(session, business_id, data.question, entry.id)
    entry.question = data.question
    entry.alternatives = list(data.alternatives)
    entry.answer = data.answer
    entry.tags = list(data.tags)
    entry.status = data.status
    if embedded is not None and any(f in changed for f in TEXT_FIELDS):
        entry.embedding, entry.embedding_model = embedded.blob, embedded.model
    entry.version += 1
    entry.updated_by = actor_id(actor)
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
            changed_by=actor_id(actor),
            changed_by_name=actor.name if actor else None,
            changed_at=now,
        )
    )
    return entry, changed


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
