"""Who is asking: every read of business-owned rows is scoped by an actor."""

from __future__ import annotations

from dataclasses import dataclass

from livedesk.accounts.models import Role


@dataclass(frozen=True, slots=True)
class StaffActor:
    """A logged-in user: provider admin, supervisor, operator or business user."""

    user_id: str
    role: Role
    name: str
    language: str
    # None means every business (provider admin and supervisor).
    business_ids: frozenset[str] | None

    def can_see_business(self, business_id: str) -> bool:
        return self.business_ids is None or business_id in self.business_ids

    @property
    def is_staff(self) -> bool:
        return self.role != Role.BUSINESS_USER

    @property
    def sees_internal_notes(self) -> bool:
        # Internal notes are for the provider's staff, not for the client business.
        return self.is_staff


# Livedesk itself, acting from the command line or a scheduled job: a provider admin with no
# user id, named "livedesk" in the audit log.
SYSTEM_ACTOR = StaffActor(
    user_id="", role=Role.PROVIDER_ADMIN, name="livedesk", language="nl", business_ids=None
)


@dataclass(frozen=True, slots=True)
class VisitorActor:
    visitor_id: str
    widget_id: str
    business_id: str

    def can_see_business(self, business_id: str) -> bool:
        return business_id == self.business_id

    @property
    def sees_internal_notes(self) -> bool:
        return False


Actor = StaffActor | VisitorActor
