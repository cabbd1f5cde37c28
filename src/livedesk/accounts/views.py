"""Login with username and password (session cookie), API tokens for scripts (made with a
lifetime, listed, revoked), and choosing a password through an invitation or reset link (the
/set-password page and its API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from livedesk.accounts.actions import (
    actor_for_user,
    authenticate,
    do_issue_token,
    do_redeem_password_link,
    do_revoke_token,
)
from livedesk.accounts.api_tokens import (
    api_tokens_of,
    do_issue_api_token,
    do_revoke_api_token,
    token_payload,
)
from livedesk.accounts.models import User
from livedesk.accounts.schemas import PasswordSet
from livedesk.deps import SESSION_COOKIE, ActorDep, RuntimeDep, SessionDep, bearer_or_cookie
from livedesk.errors import ApiError
from livedesk.i18n import request_language
from livedesk.jsonutil import JsonResponse
from livedesk.runtime import Runtime
from livedesk.security.throttle import login_throttle, retry_after_seconds

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
pages = APIRouter(include_in_schema=False)
SET_PASSWORD_PAGE = Path(__file__).parent.parent / "web" / "templates" / "set_password.html"


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1000)


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    # Every token ends: a forgotten script's token stops working by itself.
    expires_in_days: int = Field(default=90, ge=1, le=365)


def me_payload(actor: Any) -> dict[str, Any]:
    return {
        "id": actor.user_id,
        "name": actor.name,
        "role": actor.role,
        "language": actor.language,
        "business_ids": None if actor.business_ids is None else sorted(actor.business_ids),
    }


def cookie_secure(request: Request, runtime: Runtime) -> bool:
    """Secure whenever the browser reached us over HTTPS. Behind a TLS-terminating proxy the
    scheme is https only when the proxy is trusted (LIVEDESK_TRUSTED_PROXIES: uvicorn's proxy
    headers middleware rewrites it); LIVEDESK_COOKIE_SECURE forces it on."""
    return runtime.settings.cookie_secure or request.url.scheme == "https"


def rate_limited(request: Request, wait: float) -> JsonResponse:
    """429 in the error shape, the message in the request's language, and Retry-After."""
    seconds = retry_after_seconds(wait)
    error = ApiError("too many login attempts", code="rate_limited", data={"retry_after": seconds})
    language = request_language(request.headers.get("accept-language"))
    return JsonResponse(
        error.to_dict(language), status_code=429, headers={"Retry-After": str(seconds)}
    )


@router.post(
    "/login",
    response_model=dict[str, Any],
    responses={429: {"description": "Too many attempts: try again after Retry-After seconds"}},
)
async def login(
    body: LoginIn, request: Request, response: Response, runtime: RuntimeDep
) -> dict[str, Any] | JsonResponse:
    # Throttled before the password is hashed: a refused guess costs no argon2 time.
    throttle = login_throttle(request.app)
    attempt, wait = throttle.begin(body.username, request.client.host if request.client else None)
    if attempt is None:
        return rate_limited(request, wait)
    async with runtime.transaction() as session:
        user = await authenticate(session, body.username, body.password)
        secret = await do_issue_token(
            session, user, kind="session", ttl_seconds=runtime.settings.session_ttl_seconds
        )
        actor = await actor_for_user(session, user)
    throttle.succeeded(attempt)
    # Strict: the cookie never rides along on a cross-site request or WebSocket handshake.
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=runtime.settings.session_ttl_seconds,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request, runtime),
    )
    return me_payload(actor)


@router.post("/logout")
async def logout(request: Request, response: Response, runtime: RuntimeDep) -> dict[str, Any]:
    """Ends this login session only: the user's API tokens keep working until they expire or
    are revoked (DELETE /api/v1/auth/tokens/{id})."""
    secret = bearer_or_cookie(request)
    if secret:
        async with runtime.transaction() as session:
            await do_revoke_token(session, secret, "session")
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="strict", secure=cookie_secure(request, runtime)
    )
    return {"ok": True}


@router.get("/me")
async def me(actor: ActorDep) -> dict[str, Any]:
    return me_payload(actor)


@router.post("/tokens", status_code=201)
async def create_token(body: TokenIn, actor: ActorDep, runtime: RuntimeDep) -> dict[str, Any]:
    """An API token for scripts, valid `expires_in_days` (1–365, default 90); its secret
    (`token`) is shown this once. It outlives the login that made it."""
    async with runtime.transaction() as session:
        user = await session.get(User, actor.user_id)
        assert user is not None
        secret, token = await do_issue_api_token(
            session, user, name=body.name, expires_in_days=body.expires_in_days
        )
        return {"token": secret, **token_payload(token)}


@router.get("/tokens")
async def list_tokens(actor: ActorDep, session: SessionDep) -> dict[str, Any]:
    """Your own API tokens (never their secrets), with when each was last used (to the minute)."""
    return {"items": [token_payload(t) for t in await api_tokens_of(session, actor)]}


@router.delete("/tokens/{token_id}", status_code=204)
async def revoke_token(token_id: str, actor: ActorDep, runtime: RuntimeDep) -> Response:
    """Revokes one of your own API tokens at once; anyone else's is 404."""
    async with runtime.transaction() as session:
        await do_revoke_api_token(session, actor, token_id)
    return Response(status_code=204)


@router.post(
    "/password",
    responses={422: {"description": "Too short a password, or a link expired or already used"}},
)
async def set_password(body: PasswordSet, runtime: RuntimeDep) -> dict[str, Any]:
    """Chooses a password with the secret from an invitation or reset link: once, before it
    expires. Ends the user's login sessions; they log in with the new password."""
    async with runtime.transaction() as session:
        user = await do_redeem_password_link(session, body.token, body.password)
        return {"ok": True, "username": user.username}


@pages.get("/set-password")
async def set_password_page() -> HTMLResponse:
    """The page an invitation or reset link opens; its script posts to /api/v1/auth/password."""
    return HTMLResponse(
        SET_PASSWORD_PAGE.read_text("utf-8"),
        headers={
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
            # The address holds the link's secret: never send it on as a Referer.
            "Referrer-Policy": "no-referrer",
        },
    )
