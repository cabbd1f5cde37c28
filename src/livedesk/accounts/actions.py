"""Users, logins and tokens. Actions never commit: the caller's unit of work does."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import (
    STAFF_ROLES,
    AuthToken,
    OperatorBusiness,
    OperatorProfile,
    Role,
    User,
)
from livedesk.db import utcnow
from livedesk.errors import Conflict, Invalid, Unauthorized
from livedesk.security.actors import StaffActor
from livedesk.security.passwords import hash_password, verify_password
from livedesk.security.tokens import hash_bearer_secret, new_bearer_secret

MIN_PASSWORD_LENGTH = 8


async def do_create_user(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    role: Role | str,
    display_name: str | None = None,
    business_id: str | None = None,
    serves: list[str] | None = None,
    languages: list[str] | None = None,
    max_concurrent: int = 3,
    language: str = "nl",
) -> User:
    role = Role(role)
    username = username.strip().lower()
    if not username:
        raise Invalid("username is required", code="username_required")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"password needs at least {MIN_PASSWORD_LENGTH} characters", code="password_too_short"
        )
    if (role == Role.BUSINESS_USER) != (business_id is not None):
        raise Invalid(
            "a business user needs exactly one business; staff have none", code="business_required"
        )
    if await session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"username {username!r} is taken", code="username_taken")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        password_hash=hash_password(password),
        business_id=business_id,
        language=language,
    )
    session.add(user)
    await session.flush()
    if role == Role.OPERATOR:
        if not 1 <= max_concurrent <= 20:
            raise Invalid("max_concurrent must be between 1 and 20", code="invalid_capacity")
        session.add(
            OperatorProfile(
                user_id=user.id, languages=languages or ["nl"], max_concurrent=max_concurrent
            )
        )
        for business_id_served in serves or []:
            session.add(OperatorBusiness(user_id=user.id, business_id=business_id_served))
    return user


async def authenticate(session: AsyncSession, username: str, password: str) -> User:
    user = await session.scalar(select(User).where(User.username == username.strip().lower()))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        raise Unauthorized("wrong username or password", code="bad_credentials")
    return user


async def do_issue_token(
    session: AsyncSession, user: User, *, kind: str, ttl_seconds: int | None, name: str = ""
) -> str:
    """Returns the secret once; only its hash is stored."""
    secret = new_bearer_secret()
    expires = utcnow() + timedelta(seconds=ttl_seconds) if ttl_seconds else None
    session.add(
        AuthToken(
            user_id=user.id,
            token_hash=hash_bearer_secret(secret),
            kind=kind,
            name=name,
            expires_at=expires,
        )
    )
    return secret


async def do_revoke_token(session: AsyncSession, secret: str) -> None:
    await session.execute(
        delete(AuthToken).where(AuthToken.token_hash == hash_bearer_secret(secret))
    )


async def actor_for_user(session: AsyncSession, user: User) -> StaffActor:
    role = Role(user.role)
    business_ids: frozenset[str] | None
    if role == Role.OPERATOR:
        rows = await session.scalars(
            select(OperatorBusiness.business_id).where(OperatorBusiness.user_id == user.id)
        )
        business_ids = frozenset(rows)
    elif role == Role.BUSINESS_USER:
        business_ids = frozenset({user.business_id}) if user.business_id else frozenset()
    else:
        assert role in STAFF_ROLES
        business_ids = None
    return StaffActor(user.id, role, user.display_name, user.language, business_ids)


async def actor_for_token(session: AsyncSession, secret: str) -> StaffActor | None:
    row = await session.execute(
        select(User, AuthToken.expires_at)
        .join(AuthToken, AuthToken.user_id == User.id)
        .where(AuthToken.token_hash == hash_bearer_secret(secret))
    )
    found = row.first()
    if found is None:
        return None
    user, expires_at = found
    if not user.is_active or (expires_at is not None and expires_at < utcnow()):
        return None
    return await actor_for_user(session, user)
