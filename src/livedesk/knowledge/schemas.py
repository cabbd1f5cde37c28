"""The FAQ API's request bodies and the shapes of what it answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field

from livedesk.knowledge import io as kio
from livedesk.knowledge.models import FaqEntry, FaqRevision, FaqStatus, FaqSuggestionLog

if TYPE_CHECKING:
    from livedesk.knowledge.service import BusinessFaqSettings

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


def entry_payload(e: FaqEntry) -> dict[str, Any]:
    return {
        "faq_id": e.id,
        "business_id": e.business_id,
        "question": e.question,
        "alternatives": list(e.alternatives),
        "answer": e.answer,
        "links": kio.links(e.answer),
        "tags": list(e.tags),
        "status": e.status,
        "version": e.version,
        "has_embedding": e.embedding is not None,
        "created_at": e.created_at,
        "created_by": e.created_by,
        "updated_at": e.updated_at,
        "updated_by": e.updated_by,
    }


def revision_payload(r: FaqRevision) -> dict[str, Any]:
    return {
        "version": r.version,
        "action": r.action,
        "changed_fields": list(r.changed_fields),
        "note": r.note,
        "changed_by": {"id": r.changed_by, "name": r.changed_by_name},
        "changed_at": r.changed_at,
        "question": r.question,
        "alternatives": list(r.alternatives),
        "answer": r.answer,
        "tags": list(r.tags),
        "status": r.status,
    }


def settings_payload(business_id: str, s: BusinessFaqSettings) -> dict[str, Any]:
    return {
        "business_id": business_id,
        "bot_enabled": s.bot_enabled,
        "supervisors_may_approve": s.supervisors_may_approve,
    }


def suggestion_log_payload(r: FaqSuggestionLog) -> dict[str, Any]:
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
