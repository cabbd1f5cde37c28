"""Creating, changing and deleting canned responses (provider admins), each change audited.

Actions run in the caller's unit of work and never commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.audit.actions import record_change
from livedesk.businesses.models import Business
from livedesk.canned.models import CannedResponse
from livedesk.canned.schemas import CannedCreate, CannedOut, CannedUpdate
from livedesk.db import utcnow
from livedesk.errors import FieldError
from livedesk.security.actors import StaffActor

ENTITY = "canned_response"

i18n.register(
    {
        "nl": {
            "shortcut_taken": "Deze afkorting is al in gebruik bij deze klant; kies een andere.",
            "shortcut_taken_shared": "Deze afkorting is al in gebruik bij de gedeelde "
            "standaardantwoorden; kies een andere.",
            "business_unknown": "Deze klant bestaat niet.",
            "canned_not_found": "Dit standaardantwoord bestaat niet.",
        },
        "en": {
            "shortcut_taken": "This shortcut is already used for this business; choose another.",
            "shortcut_taken_shared": "This shortcut is already used by a shared canned "
            "response; choose another.",
            "business_unknown": "This business does not exist.",
            "canned_not_found": "This canned response does not exist.",
        },
    }
)


def canned_out(item: CannedResponse) -> CannedOut:
    return CannedOut(
        id=item.id,
        business_id=item.business_id,
        shortcut=item.shortcut,
        title=item.title,
        body=item.body,
        language=item.language,
        updated_at=item.updated_at,
        updated_by=item.updated_by,
    )


def snapshot(item: CannedResponse) -> dict[str, Any]:
    return canned_out(item).model_dump(
        include={"business_id", "shortcut", "title", "body", "language"}
    )


async def check_shortcut_free(
    session: AsyncSession, business_id: str | None, shortcut: str, except_id: str | None = None
) -> None:
    """Unique per business, and among the shared ones."""
    same_owner = (
        CannedResponse.business_id.is_(None)
        if business_id is None
        else CannedResponse.business_id == business_id
    )
    query = select(CannedResponse.id).where(same_owner, CannedResponse.shortcut == shortcut)
    if except_id is not None:
        query = query.where(CannedResponse.id != except_id)
    if await session.scalar(query.limit(1)) is not None:
        raise FieldError(
            {"shortcut": "shortcut_taken_shared" if business_id is None else "shortcut_taken"}
        )


async def _flush_unique_shortcut(session: AsyncSession, business_id: str | None) -> None:
    """Two admins saving the same shortcut at once: the unique index decides, and the loser
    gets the same field error as when the check above had seen the other one."""
    try:
        await session.flush()
    except IntegrityError:
        raise FieldError(
            {"shortcut": "shortcut_taken_shared" if business_id is None else "shortcut_taken"}
        ) from None


async def do_create_canned(
    session: AsyncSession, actor: StaffActor, data: CannedCreate
) -> CannedResponse:
    if data.business_id is not None and await session.get(Business, data.business_id) is None:
        raise FieldError({"business_id": "business_unknown"})
    await check_shortcut_free(session, data.business_id, data.shortcut)
    now = utcnow()
    item = CannedResponse(
        business_id=data.business_id,
        shortcut=data.shortcut,
        title=data.title,
        body=data.body,
        language=data.language,
        created_at=now,
        updated_at=now,
        updated_by=actor.user_id or None,
    )
    session.add(item)
    await _flush_unique_shortcut(session, item.business_id)
    record_change(
        session,
        actor,
        entity=ENTITY,
        entity_id=item.id,
        action="create",
        business_id=item.business_id,
        after=snapshot(item),
    )
    return item


async def do_update_canned(
    session: AsyncSession, actor: StaffActor, item: CannedResponse, data: CannedUpdate
) -> CannedResponse:
    fields = data.model_dump(exclude_unset=True)
    if "shortcut" in fields and fields["shortcut"] != item.shortcut:
        await check_shortcut_free(session, item.business_id, fields["shortcut"], item.id)
    before = snapshot(item)
    for name, value in fields.items():
        setattr(item, name, value)
    if snapshot(item) != before:
        item.updated_at = utcnow()
        item.updated_by = actor.user_id or None
        await _flush_unique_shortcut(session, item.business_id)
    record_change(
        session,
        actor,
        entity=ENTITY,
        entity_id=item.id,
        action="update",
        business_id=item.business_id,
        before=before,
        after=snapshot(item),
    )
    return item


async def do_delete_canned(session: AsyncSession, actor: StaffActor, item: CannedResponse) -> None:
    record_change(
        session,
        actor,
        entity=ENTITY,
        entity_id=item.id,
        action="delete",
        business_id=item.business_id,
        before=snapshot(item),
    )
    await session.delete(item)
