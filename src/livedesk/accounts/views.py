"""Login with username and password (session cookie) and API tokens for scripts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from livedesk.accounts.actions import (
    actor_for_user,
    authenticate,
    do_issue_token,
    do_revoke_token,
)
from livedesk.accounts.models import User
from livedesk.deps import SESSION_COOKIE, ActorDep, RuntimeDep, bearer_or_cookie

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1000)


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


def me_payload(actor: Any) -> dict[str, Any]:
    return {
        "id": actor.user_id,
        "name": actor.name,
        "role": actor.role,
        "language": actor.language,
        "business_ids": None if actor.business_ids is None else sorted(actor.business_ids),
    }


@router.post("/login")
async def login(body: LoginIn, response: Response, runtime: RuntimeDep) -> dict[str, Any]:
    async with runtime.transaction() as session:
        user = await authenticate(session, body.username, body.password)
        secret = await do_issue_token(
            session, user, kind="session", ttl_seconds=runtime.settings.session_ttl_seconds
        )
        actor = await actor_for_user(session, user)
    # Strict: the cookie never rides along on a cross-site request or WebSocket handshake.
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=runtime.settings.session_ttl_seconds,
        httponly=True,
        samesite="strict",
        secure=runtime.settings.cookie_secure,
    )
    return me_payload(actor)


@router.post("/logout")
async def logout(request: Request, response: Response, runtime: RuntimeDep) -> dict[str, Any]:
    secret = bearer_or_cookie(request)
    if secret:
        async with runtime.transaction() as session:
            await do_revoke_token(session, secret)
    response.delete_cookie(SESSION_COOKIE)
    return {"ok": True}


@router.get("/me")
async def me(actor: ActorDep) -> dict[str, Any]:
    return me_payload(actor)


@router.post("/tokens", status_code=201)
async def create_token(body: TokenIn, actor: ActorDep, runtime: RuntimeDep) -> dict[str, Any]:
    """An API token for scripts; shown once."""
    async with runtime.transaction() as session:
        user = await session.get(User, actor.user_id)
        assert user is not None
        secret = await do_issue_token(session, user, kind="api", ttl_seconds=None, name=body.name)
    return {"token": secret, "name": body.name}
