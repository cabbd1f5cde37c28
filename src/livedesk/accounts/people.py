"""Managing people: create, edit, assign, deactivate and activate users, each change audited.

Actions run in the caller's unit of work and never commit. Who may do what is in access.py;
the routes call these only for provider admins and supervisors.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.accounts.access import require_may_manage, require_not_self
from livedesk.accounts.actions import (
    do_create_user,
    do_revoke_all_tokens,
    end_staff_sockets,
    has_password,
)
from livedesk.accounts.models import OperatorBusiness, OperatorProfile, Role, User
from livedesk.accounts.schemas import (
    OperatorOut,
    OperatorSettings,
    UserCreate,
    UserOut,
    UserUpdate,
)
from livedesk.audit.actions import record_change
from livedesk.businesses.models import Business
from livedesk.errors import Conflict, FieldError
from livedesk.security.actors import StaffActor

i18n.register(
    {
        "nl": {
            "username_taken": "Deze gebruikersnaam is al in gebruik.",
            "business_required": "Een klantgebruiker hoort bij precies één klant: kies die.",
            "business_not_allowed": "Alleen een klantgebruiker hoort bij een klant; laat dit "
            "leeg voor medewerkers van de aanbieder.",
            "business_unknown": "Deze klant bestaat niet.",
            "operator_only": "Alleen een operator heeft deze instellingen.",
            "not_an_operator": "Deze gebruiker is geen operator.",
        },
        "en": {
            "username_taken": "This username is already taken.",
            "business_required": "A business user belongs to exactly one business: choose it.",
            "business_not_allowed": "Only a business user belongs to a business; leave this "
            "empty for the provider's staff.",
            "business_unknown": "This business does not exist.",
            "operator_only": "Only an operator has these settings.",
            "not_an_operator": "This user is not an operator.",
        },
    }
)


# -- reading -----------------------------------------------------------------------------------


async def operator_settings(session: AsyncSession, user_ids: list[str]) -> dict[str, OperatorOut]:
    """The operator settings of those of `user_ids` who have a profile, in two queries."""
    if not user_ids:
        return {}
    served: dict[str, list[str]] = defaultdict(list)
    for user_id, business_id in await session.execute(
        select(OperatorBusiness.user_id, OperatorBusiness.business_id)
        .where(OperatorBusiness.user_id.in_(user_ids))
        .order_by(OperatorBusiness.business_id)
    ):
        served[user_id].append(business_id)
    profiles = await session.scalars(
        select(OperatorProfile).where(OperatorProfile.user_id.in_(user_ids))
    )
    return {
        p.user_id: OperatorOut(
            businesses=served.get(p.user_id, []),
            languages=list(p.languages or []),
            max_concurrent=p.max_concurrent,
            auto_accept=p.auto_accept,
        )
        for p in profiles
    }


def user_out(user: User, operator: OperatorOut | None) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        email=user.email,
        language=user.language,
        business_id=user.business_id,
        is_active=user.is_active,
        has_password=has_password(user),
        created_at=user.created_at,
        operator=operator if user.role == Role.OPERATOR else None,
    )


async def users_out(session: AsyncSession, users: list[User]) -> list[UserOut]:
    settings = await operator_settings(session, [u.id for u in users if u.role == Role.OPERATOR])
    return [user_out(u, settings.get(u.id)) for u in users]


async def user_snapshot(session: AsyncSession, user: User) -> dict[str, Any]:
    """What the audit log keeps of a user before and after a change (never a password)."""
    out = (await users_out(session, [user]))[0]
    return out.model_dump(exclude={"id", "created_at", "has_password"}, mode="json")


# -- rules a schema cannot check ---------------------------------------------------------------


async def check_businesses(session: AsyncSession, ids: list[str], field: str) -> None:
    """Every id names an existing business; an error names the first unknown one's place."""
    if not ids:
        return
    known = set(await session.scalars(select(Business.id).where(Business.id.in_(set(ids)))))
    for i, business_id in enumerate(ids):
        if business_id not in known:
            where = f"{field}.{i}" if field.endswith("businesses") else field
            raise FieldError({where: "business_unknown"})


async def check_business_link(session: AsyncSession, role: Role, business_id: str | None) -> None:
    """A business user belongs to exactly one business; nobody else belongs to any."""
    if role == Role.BUSINESS_USER and business_id is None:
        raise FieldError({"business_id": "business_required"})
    if role != Role.BUSINESS_USER and business_id is not None:
        raise FieldError({"business_id": "business_not_allowed"})
    if business_id is not None:
        await check_businesses(session, [business_id], "business_id")


# -- changing ----------------------------------------------------------------------------------


async def do_create_person(session: AsyncSession, actor: StaffActor, data: UserCreate) -> User:
    """An invited user without a password: they choose one through a password link."""
    require_may_manage(actor, data.role)
    if await session.scalar(select(User.id).where(User.username == data.username)):
        raise FieldError({"username": "username_taken"})
    await check_business_link(session, data.role, data.business_id)
    if data.operator is not None and data.role != Role.OPERATOR:
        raise FieldError({"operator": "operator_only"})
    operator = data.operator or OperatorSettings()
    if data.role == Role.OPERATOR:
        await check_businesses(session, operator.businesses, "operator.businesses")
    user = await do_create_user(
        session,
        username=data.username,
        password=None,
        role=data.role,
        display_name=data.display_name,
        business_id=data.business_id,
        serves=list(dict.fromkeys(operator.businesses)),
        languages=list(dict.fromkeys(operator.languages)),
        max_concurrent=operator.max_concurrent,
        language=data.language,
        email=data.email or None,
        auto_accept=operator.auto_accept,
    )
    await session.flush()
    record_change(
        session,
        actor,
        entity="user",
        entity_id=user.id,
        action="create",
        business_id=user.business_id,
        after=await user_snapshot(session, user),
    )
    return user


async def _change_role(session: AsyncSession, user: User, role: Role) -> None:
    """Operators keep a profile; someone who stops being one no longer serves any business."""
    if role == Role.OPERATOR and await session.get(OperatorProfile, user.id) is None:
        session.add(OperatorProfile(user_id=user.id))
    if user.role == Role.OPERATOR and role != Role.OPERATOR:
        await session.execute(delete(OperatorBusiness).where(OperatorBusiness.user_id == user.id))
    user.role = role


async def do_update_person(
    session: AsyncSession, actor: StaffActor, user: User, data: UserUpdate
) -> User:
    require_may_manage(actor, user.role)
    before = await user_snapshot(session, user)
    fields = data.model_dump(exclude_unset=True)
    role = Role(fields.get("role", user.role))
    if role != user.role:
        require_not_self(actor, user)
        require_may_manage(actor, role)
    # A role change away from business user drops the business; one to it must name one.
    if "business_id" in fields:
        business_id = fields["business_id"]
    else:
        business_id = user.business_id if role == Role.BUSINESS_USER else None
    await check_business_link(session, role, business_id)
    access_changes = role != user.role or business_id != user.business_id
    if role != user.role:
        await _change_role(session, user, role)
    user.business_id = business_id
    for name in ("display_name", "language"):
        if name in fields:
            setattr(user, name, fields[name])
    if "email" in fields:
        user.email = fields["email"] or None
    if access_changes:  # open sockets were opened with the old rights: reconnect with the new
        end_staff_sockets(session, user.id, "access_changed")
    await session.flush()
    record_change(
        session,
        actor,
        entity="user",
        entity_id=user.id,
        action="update",
        business_id=user.business_id or before.get("business_id"),
        before=before,
        after=await user_snapshot(session, user),
    )
    return user


async def do_set_operator(
    session: AsyncSession, actor: StaffActor, user: User, data: OperatorSettings
) -> User:
    """Replaces the operator's businesses served, languages, capacity and auto-accept."""
    require_may_manage(actor, user.role)
    if user.role != Role.OPERATOR:
        raise Conflict("only operators serve businesses", code="not_an_operator")
    await check_businesses(session, data.businesses, "businesses")
    before = await user_snapshot(session, user)
    profile = await session.get(OperatorProfile, user.id)
    if profile is None:
        profile = OperatorProfile(user_id=user.id)
        session.add(profile)
    profile.languages = list(dict.fromkeys(data.languages))
    profile.max_concurrent = data.max_concurrent
    profile.auto_accept = data.auto_accept
    wanted = set(data.businesses)
    had = set(
        await session.scalars(
            select(OperatorBusiness.business_id).where(OperatorBusiness.user_id == user.id)
        )
    )
    if had - wanted:
        await session.execute(
            delete(OperatorBusiness).where(
                OperatorBusiness.user_id == user.id,
                OperatorBusiness.business_id.in_(had - wanted),
            )
        )
    session.add_all(OperatorBusiness(user_id=user.id, business_id=b) for b in wanted - had)
    if had != wanted:  # the console's socket listens to the businesses it had at connect
        end_staff_sockets(session, user.id, "access_changed")
    await session.flush()
    record_change(
        session,
        actor,
        entity="user",
        entity_id=user.id,
        action="update",
        business_id=None,
        before=before,
        after=await user_snapshot(session, user),
    )
    return user


async def do_deactivate_user(session: AsyncSession, actor: StaffActor, user: User) -> User:
    """Stops everything at once: login sessions, API tokens and password links are deleted in
    this unit of work, and the user's open sockets close right after it commits. Nothing the user
    did is deleted; activating them again restores the account (they log in anew)."""
    require_not_self(actor, user)
    require_may_manage(actor, user.role)
    if user.is_active:
        user.is_active = False
        await do_revoke_all_tokens(session, user.id)
        end_staff_sockets(session, user.id, "account_deactivated")
        record_change(
            session,
            actor,
            entity="user",
            entity_id=user.id,
            action="deactivate",
            business_id=user.business_id,
            before={"is_active": True},
            after={"is_active": False},
        )
    return user


async def do_activate_user(session: AsyncSession, actor: StaffActor, user: User) -> User:
    require_may_manage(actor, user.role)
    if not user.is_active:
        user.is_active = True
        record_change(
            session,
            actor,
            entity="user",
            entity_id=user.id,
            action="activate",
            business_id=user.business_id,
            before={"is_active": False},
            after={"is_active": True},
        )
    return user
