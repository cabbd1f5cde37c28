"""Request bodies and response shapes of the privacy API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from livedesk.privacy.models import PurgeCount, PurgeRun
from livedesk.privacy.retention import Retention

MONTHS = Field(ge=1, le=120)  # one month to ten years


class RetentionIn(BaseModel):
    """Calendar months each kind of visitor data is kept before the purge removes it."""

    model_config = ConfigDict(extra="forbid")

    transcripts_months: int = MONTHS
    offline_messages_months: int = MONTHS
    leads_months: int = MONTHS


class RetentionOut(RetentionIn):
    business_id: str
    is_default: bool  # nobody set it: the defaults apply
    updated_at: datetime | None = None

    @classmethod
    def of(
        cls, business_id: str, retention: Retention, updated_at: datetime | None
    ) -> RetentionOut:
        return cls(
            business_id=business_id,
            transcripts_months=retention.transcripts_months,
            offline_messages_months=retention.offline_messages_months,
            leads_months=retention.leads_months,
            is_default=updated_at is None,
            updated_at=updated_at,
        )


class SubjectQueryIn(BaseModel):
    """Exactly one of `email`, `phone` and `visitor_id`; `business_id` narrows the search."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    visitor_id: str | None = Field(default=None, max_length=32)
    business_id: str | None = Field(default=None, max_length=32)


class FoundConversation(BaseModel):
    id: str
    business_id: str
    state: str
    created_at: datetime
    messages: int
    found_by: list[str]  # visitor, prechat, message, lead


class FoundLead(BaseModel):
    id: str
    business_id: str
    kind: str
    status: str
    created_at: datetime


class SubjectFound(BaseModel):
    request_id: str  # the audit log's entity_id for this search
    query: str  # email, phone or visitor_id: which kind, never the value
    businesses: list[dict[str, str]]
    summary: dict[str, int]
    visitor_ids: list[str]
    conversations: list[FoundConversation]
    leads: list[FoundLead]


class ErasureOut(BaseModel):
    request_id: str
    erased: dict[str, dict[str, int]]  # per business: rows changed per kind
    totals: dict[str, int]


class PurgeRunOut(BaseModel):
    id: str
    as_of: datetime
    started_at: datetime
    finished_at: datetime | None
    status: str
    trigger: str
    resumed: int
    counts: dict[str, dict[str, int]]  # per business: rows removed or anonymised per kind

    @classmethod
    def of(cls, run: PurgeRun, counts: list[PurgeCount]) -> PurgeRunOut:
        per_business: dict[str, dict[str, int]] = {}
        for c in counts:
            per_business.setdefault(c.business_id, {})[c.kind] = c.count
        return cls(
            id=run.id,
            as_of=run.as_of,
            started_at=run.started_at,
            finished_at=run.finished_at,
            status=run.status,
            trigger=run.trigger,
            resumed=run.resumed,
            counts=per_business,
        )


def plain_counts(counts: dict[str, Any]) -> dict[str, int]:
    return {k: int(v) for k, v in sorted(counts.items()) if v}
