"""FastAPI dependencies shared by the HTTP views: the runtime, sessions and the actor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.actions import login_for_token
from livedesk.accounts.api_tokens import API_TOKEN, do_note_token_used, needs_last_used
from livedesk.accounts.models import Role
from livedesk.db import utcnow
from livedesk.errors import Forbidden, Unauthorized
from livedesk.runtime import Runtime
from livedesk.security.actors import StaffActor
from livedesk.security.cross_site import SESSION_COOKIE


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


async def read_session(
    runtime: Annotated[Runtime, Depends(get_runtime)],
) -> AsyncIterator[AsyncSession]:
    async with runtime.reading() as session:
        yield session


def bearer_or_cookie(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE)


async def current_actor(
    request: Request, runtime: Annotated[Runtime, Depends(get_runtime)]
) -> StaffActor:
    secret = bearer_or_cookie(request)
    if secret:
        async with runtime.reading() as session:
            login = await login_for_token(session, secret)
        if login is not None:
            now = utcnow()
            if login.kind == API_TOKEN and needs_last_used(login.last_used_at, now):
                async with runtime.transaction() as session:
                    await do_note_token_used(session, login.token_id, now)
            return login.actor
    raise Unauthorized("log in first", code="unauthorized")


async def current_staff(actor: Annotated[StaffActor, Depends(current_actor)]) -> StaffActor:
    if not actor.is_staff:
        raise Forbidden("for provider staff only")
    return actor


async def current_provider_admin(
    actor: Annotated[StaffActor, Depends(current_actor)],
) -> StaffActor:
    """Businesses, widgets, hours, contracts, canned responses: the provider's admins only."""
    if actor.role != Role.PROVIDER_ADMIN:
        raise Forbidden("for provider admins only")
    return actor


async def current_manager(actor: Annotated[StaffActor, Depends(current_actor)]) -> StaffActor:
    """People's assignments and the floor: provider admins and supervisors."""
    if actor.role not in (Role.PROVIDER_ADMIN, Role.SUPERVISOR):
        raise Forbidden("for supervisors and provider admins only")
    return actor


# The largest page offset a list accepts: past it the database's integer would overflow (a 500).
MAX_OFFSET = 1_000_000_000

RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[AsyncSession, Depends(read_session)]
ActorDep = Annotated[StaffActor, Depends(current_actor)]
StaffDep = Annotated[StaffActor, Depends(current_staff)]
AdminDep = Annotated[StaffActor, Depends(current_provider_admin)]
ManagerDep = Annotated[StaffActor, Depends(current_manager)]
