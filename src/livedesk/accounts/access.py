"""Who may see and manage whom.

Provider admins manage everyone. Supervisors manage operators and business users (create,
edit, deactivate, assign) but not provider admins or other supervisors. Operators and business
users manage nobody: the routes refuse them before anything is read. Nobody deactivates
themselves or changes their own role (the last admin could lock everyone out).
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.accounts.models import OperatorBusiness, Role, User
from livedesk.errors import Forbidden, NotFound
from livedesk.security.actors import StaffActor

MANAGERS = frozenset({Role.PROVIDER_ADMIN, Role.SUPERVISOR})
MANAGED_BY_SUPERVISORS = frozenset({Role.OPERATOR, Role.BUSINESS_USER})

i18n.register(
    {
        "nl": {
            "role_not_allowed": "Je mag geen gebruikers met deze rol aanmaken of beheren.",
            "not_yourself": "Je kunt jezelf niet deactiveren en je eigen rol niet wijzigen.",
            "user_not_found": "Deze gebruiker bestaat niet.",
        },
        "en": {
            "role_not_allowed": "You may not create or manage users with this role.",
            "not_yourself": "You cannot deactivate yourself or change your own role.",
            "user_not_found": "This user does not exist.",
        },
    }
)


def may_manage_role(actor: StaffActor, role: Role | str) -> bool:
    if actor.role == Role.PROVIDER_ADMIN:
        return True
    return actor.role == Role.SUPERVISOR and Role(role) in MANAGED_BY_SUPERVISORS


def require_may_manage(actor: StaffActor, role: Role | str) -> None:
    if not may_manage_role(actor, role):
        raise Forbidden(f"a {actor.role} may not manage a {role}", code="role_not_allowed")


def require_not_self(actor: StaffActor, user: User) -> None:
    if user.id == actor.user_id:
        raise Forbidden("not on your own account", code="not_yourself")


async def access_user_by_id(session: AsyncSession, actor: StaffActor, user_id: str) -> User:
    """Any user, for the provider's managers (who may read everyone, even those they may not
    change); the routes have already refused everyone else."""
    if actor.role not in MANAGERS:
        raise Forbidden("for supervisors and provider admins only")
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("user not found", code="user_not_found")
    return user


def scoped_users(
    actor: StaffActor,
    *,
    role: Role | None = None,
    business_id: str | None = None,
    active: bool | None = None,
) -> Select[User]:
    """The users a manager lists. With `business_id`: that business's users and the operators
    who serve it."""
    if actor.role not in MANAGERS:
        raise Forbidden("for supervisors and provider admins only")
    query = select(User).order_by(User.username)
    if role is not None:
        query = query.where(User.role == role)
    if active is not None:
        query = query.where(User.is_active.is_(active))
    if business_id is not None:
        serving = select(OperatorBusiness.user_id).where(
            OperatorBusiness.business_id == business_id
        )
        query = query.where(or_(User.business_id == business_id, User.id.in_(serving)))
    return query
