"""What the portal API receives, and the shapes of change requests and settings it answers.

Request models forbid unknown fields (a typo is a 422 naming it). Guidelines and opening hours
are the back office's own models, so a business proposes exactly what an admin could set, and
gets the same field errors, in the same places.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from livedesk.businesses.schemas import Guidelines, OpeningHours, Patch, Strict
from livedesk.portal.models import ChangeKind, ChangeRequest


class PortalSettingsIn(Patch):
    """A partial update: a field left out stays as it is."""

    changes_need_approval: bool | None = Field(
        None, description="true: proposals wait for a provider admin; false: they apply at once"
    )
    experts_may_join: bool | None = Field(
        None, description="the business's users may join its live chats as its expert"
    )


class PortalSettingsOut(BaseModel):
    business_id: str
    changes_need_approval: bool
    experts_may_join: bool


class ChangeRequestIn(Strict):
    """The whole new guidelines or opening hours (the field named by `kind`), not a diff."""

    kind: ChangeKind
    business_id: str | None = Field(
        None, max_length=32, description="left out by a business user: their own business"
    )
    guidelines: Guidelines | None = None
    opening_hours: OpeningHours | None = None
    note: str = Field("", max_length=2000, description="why, for whoever approves it")


class DecisionIn(Strict):
    note: str = Field("", max_length=2000, description="shown to the business")


class ChangeRequestOut(BaseModel):
    id: str
    business_id: str
    business_name: str | None = None
    kind: ChangeKind
    status: str
    proposed: dict[str, Any]
    previous: dict[str, Any]
    note: str
    proposed_by: dict[str, str | None]
    proposed_at: datetime
    decided_by: dict[str, str | None] | None
    decided_at: datetime | None
    decision_note: str | None

    @classmethod
    def of(cls, row: ChangeRequest, business_name: str | None = None) -> ChangeRequestOut:
        return cls(
            id=row.id,
            business_id=row.business_id,
            business_name=business_name,
            kind=ChangeKind(row.kind),
            status=row.status,
            proposed=row.proposed,
            previous=row.previous,
            note=row.note,
            proposed_by={"id": row.proposed_by, "name": row.proposed_by_name},
            proposed_at=row.proposed_at,
            decided_by=(
                {"id": row.decided_by, "name": row.decided_by_name} if row.decided_at else None
            ),
            decided_at=row.decided_at,
            decision_note=row.decision_note,
        )
