"""The people API: provider admins and supervisors create, edit, assign, invite and deactivate
users. Operators and business users get 403 on every route here (they keep /api/v1/auth/me)."""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.access import (
    access_user_by_id,
    require_may_manage,
    require_not_self,
    scoped_users,
)
from livedesk.accounts.actions import do_issue_password_link
from livedesk.accounts.mail import queue_password_mail
from livedesk.accounts.models import Role, User
from livedesk.accounts.people import (
    do_activate_user,
    do_create_person,
    do_deactivate_user,
    do_set_operator,
    do_update_person,
    users_out,
)
from livedesk.accounts.schemas import (
    OperatorSettings,
    PasswordLinkOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from livedesk.deps import ManagerDep, RuntimeDep, SessionDep
from livedesk.errors import Conflict, Invalid
from livedesk.runtime import Runtime

router = APIRouter(prefix="/api/v1/users", tags=["people"])

REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {
        "description": "Not for this role (operators, business users; a supervisor for "
        "admins and supervisors; nobody on their own account for deactivation or role)"
    },
    404: {"description": "No such user"},
}


async def _out(session: AsyncSession, user: User) -> UserOut:
    return (await users_out(session, [user]))[0]


async def take_offline(runtime: Runtime, user: User) -> None:
    """An operator leaving the floor (deactivated, or no longer an operator) goes offline in
    routing first, while routing still counts them: their chats go back to the queue."""
    router_service = runtime.extensions.get("router")
    if router_service is None or user.role != Role.OPERATOR or not user.is_active:
        return
    with contextlib.suppress(Conflict):  # in no pool (serves nothing): nothing to leave
        await router_service.set_presence(user.id, "offline", "deactivated")


@router.get("", responses=REFUSALS)
async def list_users(
    actor: ManagerDep,
    session: SessionDep,
    role: Role | None = Query(None),
    business_id: str | None = Query(
        None, max_length=32, description="its business users and the operators serving it"
    ),
    active: bool | None = Query(None),
) -> list[UserOut]:
    query = scoped_users(actor, role=role, business_id=business_id, active=active)
    return await users_out(session, list(await session.scalars(query)))


@router.post("", status_code=201, responses=REFUSALS)
async def create_user(body: UserCreate, actor: ManagerDep, runtime: RuntimeDep) -> UserOut:
    """An invited user without a password; send them a password link to let them in."""
    async with runtime.transaction() as session:
        user = await do_create_person(session, actor, body)
        return await _out(session, user)


@router.get("/{user_id}", responses=REFUSALS)
async def get_user(user_id: str, actor: ManagerDep, session: SessionDep) -> UserOut:
    return await _out(session, await access_user_by_id(session, actor, user_id))


@router.patch("/{user_id}", responses=REFUSALS)
async def update_user(
    user_id: str, body: UserUpdate, actor: ManagerDep, runtime: RuntimeDep
) -> UserOut:
    """Display name, e-mail, language; role and business (a business user's only). An
    operator who stops being one goes offline first."""
    if body.role is not None and body.role != Role.OPERATOR:
        async with runtime.reading() as session:
            user = await access_user_by_id(session, actor, user_id)
        if user.role != body.role:
            require_may_manage(actor, user.role)
            require_may_manage(actor, body.role)
            require_not_self(actor, user)
            await take_offline(runtime, user)
    async with runtime.transaction() as session:
        user = await access_user_by_id(session, actor, user_id)
        await do_update_person(session, actor, user, body)
        return await _out(session, user)


@router.put("/{user_id}/operator", responses=REFUSALS)
async def set_operator(
    user_id: str, body: OperatorSettings, actor: ManagerDep, runtime: RuntimeDep
) -> UserOut:
    """Replaces the businesses an operator serves, their languages, their maximum number of
    chats at once (1–20) and auto-accept. Their open console reconnects with the new rights."""
    async with runtime.transaction() as session:
        user = await access_user_by_id(session, actor, user_id)
        await do_set_operator(session, actor, user, body)
        return await _out(session, user)


@router.post("/{user_id}/deactivate", responses=REFUSALS)
async def deactivate_user(user_id: str, actor: ManagerDep, runtime: RuntimeDep) -> UserOut:
    """At once: their login sessions and API tokens stop working, their open consoles close,
    and an operator goes offline (their chats return to the queue). Nothing is deleted."""
    async with runtime.reading() as session:
        user = await access_user_by_id(session, actor, user_id)
        require_not_self(actor, user)
        require_may_manage(actor, user.role)
    await take_offline(runtime, user)
    async with runtime.transaction() as session:
        user = await access_user_by_id(session, actor, user_id)
        await do_deactivate_user(session, actor, user)
        return await _out(session, user)


@router.post("/{user_id}/activate", responses=REFUSALS)
async def activate_user(user_id: str, actor: ManagerDep, runtime: RuntimeDep) -> UserOut:
    async with runtime.transaction() as session:
        user = await access_user_by_id(session, actor, user_id)
        await do_activate_user(session, actor, user)
        return await _out(session, user)


@router.post(
    "/{user_id}/password-link",
    status_code=202,
    responses={
        **REFUSALS,
        409: {"description": "The user is deactivated"},
        422: {"description": "The user has no e-mail address"},
    },
)
async def send_password_link(
    user_id: str, actor: ManagerDep, runtime: RuntimeDep
) -> PasswordLinkOut:
    """Mails the user a link to choose a password: an invitation (valid 72 hours) while they
    have none, a reset (valid 1 hour) once they have. A new link replaces any earlier one. The
    answer names the address; the link itself only ever goes to the mailbox."""
    async with runtime.transaction() as session:
        user = await access_user_by_id(session, actor, user_id)
        require_may_manage(actor, user.role)
        if not user.email:
            raise Invalid("the user has no e-mail address", code="email_missing")
        link = await do_issue_password_link(
            session, actor, user, base_url=runtime.settings.base_url, sent_to=user.email
        )
        queue_password_mail(session, user, link, user.email)
        out = PasswordLinkOut(kind=link.kind, sent_to=user.email, expires_at=link.expires_at)
    leads = runtime.extensions.get("leads")
    if leads is not None:
        leads.wake()  # the dispatcher would find it on its next poll anyway
    return out
