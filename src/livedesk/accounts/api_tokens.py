"""API tokens for scripts: made with a lifetime, listed with when each was last used, revoked.

A token belongs to its user and to nobody else: each user lists and revokes only their own.
It outlives the login session that made it (logging out ends that session only) and ends with
its lifetime, its revocation, or the user's deactivation (actor_for_token refuses a
deactivated user's tokens, and deactivation deletes them).

"Last used" is written at most once a minute per token, so a script calling the API in a loop
does not turn every read into a write.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.accounts.models import AuthToken, User
from livedesk.db import utcnow
from livedesk.errors import NotFound
from livedesk.security.actors import StaffActor
from livedesk.security.tokens import hash_bearer_secret, new_bearer_secret

API_TOKEN = "api"  # AuthToken.kind
LAST_USED_RESOLUTION = timedelta(minutes=1)

i18n.register(
    {
        "nl": {"token_not_found": "Deze API-token bestaat niet (meer)."},
        "en": {"token_not_found": "This API token does not exist (any more)."},
    }
)


def token_payload(token: AuthToken) -> dict[str, Any]:
    """What a list shows of a token: never its secret (only its hash is stored anyway)."""
    return {
        "id": token.id,
        "name": token.name,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "expired": token.expires_at is not None and token.expires_at <= utcnow(),
    }


async def do_issue_api_token(
    session: AsyncSession, user: User, *, name: str, expires_in_days: int
) -> tuple[str, AuthToken]:
    """The secret (shown once) and the stored token."""
    secret = new_bearer_secret()
    now = utcnow()
    token = AuthToken(
        user_id=user.id,
        token_hash=hash_bearer_secret(secret),
        kind=API_TOKEN,
        name=name,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days),
    )
    session.add(token)
    await session.flush()
    return secret, token


async def api_tokens_of(session: AsyncSession, actor: StaffActor) -> list[AuthToken]:
    rows = await session.scalars(
        select(AuthToken)
        .where(AuthToken.user_id == actor.user_id, AuthToken.kind == API_TOKEN)
        .order_by(AuthToken.created_at, AuthToken.id)
    )
    return list(rows)


async def do_revoke_api_token(session: AsyncSession, actor: StaffActor, token_id: str) -> None:
    """Someone else's token is as unknown as a token that never existed: 404."""
    token = await session.get(AuthToken, token_id)
    if token is None or token.user_id != actor.user_id or token.kind != API_TOKEN:
        raise NotFound("API token not found", code="token_not_found")
    await session.delete(token)


def needs_last_used(last_used_at: datetime | None, now: datetime) -> bool:
    return last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION


async def do_note_token_used(session: AsyncSession, token_id: str, now: datetime) -> None:
    """Sets last_used_at unless another request (or process) did within the last minute."""
    await session.execute(
        update(AuthToken)
        .where(
            AuthToken.id == token_id,
            or_(
                AuthToken.last_used_at.is_(None),
                AuthToken.last_used_at <= now - LAST_USED_RESOLUTION,
            ),
        )
        .values(last_used_at=now)
    )
