"""Users, logins and tokens. Actions never commit: the caller's unit of work does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n, jsonutil
from livedesk.accounts.models import (
    STAFF_ROLES,
    AuthToken,
    OperatorBusiness,
    OperatorProfile,
    Role,
    User,
)
from livedesk.audit.actions import record_change
from livedesk.db import utcnow
from livedesk.errors import Conflict, FieldError, Invalid, Unauthorized
from livedesk.security.actors import StaffActor
from livedesk.security.passwords import hash_password, verify_password
from livedesk.security.tokens import hash_bearer_secret, new_bearer_secret

MIN_PASSWORD_LENGTH = 8
# The hash of someone invited who has not chosen a password yet: no argon2 hash looks like this,
# so no password matches it.
NO_PASSWORD = "!unset"
PASSWORD_TOKEN = "password"  # AuthToken.kind of an invitation or reset link
LOGIN_TOKENS = ("session", "api")
INVITE_TTL = timedelta(hours=72)
RESET_TTL = timedelta(hours=1)
# Orders to close a user's staff sockets travel over the broker, so every process closes its own
# (realtime/agent.py: StaffSockets). Reasons: account_deactivated, access_changed, signed_out.
STAFF_ACCESS_TOPIC = "staff-access"

i18n.register(
    {
        "nl": {
            "password_link_invalid": "Deze link is verlopen of al gebruikt. Vraag een nieuwe "
            "aan bij je beheerder.",
            "user_inactive": "Deze gebruiker is gedeactiveerd.",
            "email_missing": "Deze gebruiker heeft geen e-mailadres; vul dat eerst in.",
        },
        "en": {
            "password_link_invalid": "This link has expired or was already used. Ask your "
            "administrator for a new one.",
            "user_inactive": "This user is deactivated.",
            "email_missing": "This user has no e-mail address; fill that in first.",
        },
    }
)


async def do_create_user(
    session: AsyncSession,
    *,
    username: str,
    password: str | None,
    role: Role | str,
    display_name: str | None = None,
    business_id: str | None = None,
    serves: list[str] | None = None,
    languages: list[str] | None = None,
    max_concurrent: int = 3,
    language: str = "nl",
    email: str | None = None,
    auto_accept: bool = False,
) -> User:
    """`password` None: an invited user, who chooses one through a password link."""
    role = Role(role)
    username = username.strip().lower()
    if not username:
        raise Invalid("username is required", code="username_required")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
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
        password_hash=NO_PASSWORD if password is None else hash_password(password),
        business_id=business_id,
        language=language,
        email=email,
    )
    session.add(user)
    await session.flush()
    if role == Role.OPERATOR:
        if not 1 <= max_concurrent <= 20:
            raise Invalid("max_concurrent must be between 1 and 20", code="invalid_capacity")
        session.add(
            OperatorProfile(
                user_id=user.id,
                languages=languages or ["nl"],
                max_concurrent=max_concurrent,
                auto_accept=auto_accept,
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


async def do_revoke_token(session: AsyncSession, secret: str, *kinds: str) -> None:
    """Deletes the token with this secret (only if it is of one of `kinds`, when given)."""
    query = delete(AuthToken).where(AuthToken.token_hash == hash_bearer_secret(secret))
    if kinds:
        query = query.where(AuthToken.kind.in_(kinds))
    await session.execute(query)


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


@dataclass(frozen=True, slots=True)
class TokenLogin:
    """Who a login session's or API token's secret logs in, and which token it is."""

    actor: StaffActor
    token_id: str
    kind: str
    last_used_at: datetime | None


async def login_for_token(session: AsyncSession, secret: str) -> TokenLogin | None:
    """None for an unknown, expired or password-link secret, or a deactivated user."""
    row = await session.execute(
        select(User, AuthToken.id, AuthToken.kind, AuthToken.expires_at, AuthToken.last_used_at)
        .join(AuthToken, AuthToken.user_id == User.id)
        .where(
            AuthToken.token_hash == hash_bearer_secret(secret),
            # A password link's secret only sets a password; it never logs anyone in.
            AuthToken.kind.in_(LOGIN_TOKENS),
        )
    )
    found = row.first()
    if found is None:
        return None
    user, token_id, kind, expires_at, last_used_at = found
    if not user.is_active or (expires_at is not None and expires_at < utcnow()):
        return None
    return TokenLogin(await actor_for_user(session, user), token_id, kind, last_used_at)


async def actor_for_token(session: AsyncSession, secret: str) -> StaffActor | None:
    login = await login_for_token(session, secret)
    return login.actor if login is not None else None


# -- ending access and choosing a password -----------------------------------------------------


def end_staff_sockets(session: AsyncSession, user_id: str, reason: str) -> None:
    """After the commit, every process closes this user's open staff sockets, saying `reason`.
    (Queued like any realtime event: Runtime.transaction publishes it; a unit of work outside a
    server, as in the CLI, has no sockets to close.)"""
    frame = jsonutil.dumps_str({"type": "end", "user_id": user_id, "reason": reason})
    session.info.setdefault("after_commit", []).append((STAFF_ACCESS_TOPIC, frame))


async def do_revoke_all_tokens(session: AsyncSession, user_id: str, *kinds: str) -> None:
    """Every login session, API token and password link of the user (or only these kinds)."""
    query = delete(AuthToken).where(AuthToken.user_id == user_id)
    if kinds:
        query = query.where(AuthToken.kind.in_(kinds))
    await session.execute(query)


def has_password(user: User) -> bool:
    return user.password_hash != NO_PASSWORD


@dataclass(frozen=True, slots=True)
class PasswordLink:
    kind: Literal["invite", "reset"]  # invite: no password yet; reset: replaces one
    url: str  # holds the secret: mailed or printed, never stored or logged
    expires_at: datetime


async def do_issue_password_link(
    session: AsyncSession,
    actor: StaffActor | None,
    user: User,
    *,
    base_url: str,
    sent_to: str | None,
    now: datetime | None = None,
) -> PasswordLink:
    """A new link replaces any earlier one; only the secret's SHA-256 is stored."""
    if not user.is_active:
        raise Conflict("the user is deactivated", code="user_inactive")
    kind: Literal["invite", "reset"] = "reset" if has_password(user) else "invite"
    expires_at = (now or utcnow()) + (RESET_TTL if kind == "reset" else INVITE_TTL)
    await do_revoke_all_tokens(session, user.id, PASSWORD_TOKEN)
    secret = new_bearer_secret()
    session.add(
        AuthToken(
            user_id=user.id,
            token_hash=hash_bearer_secret(secret),
            kind=PASSWORD_TOKEN,
            name=kind,
            expires_at=expires_at,
        )
    )
    record_change(
        session,
        actor,
        entity="user",
        entity_id=user.id,
        action="password_link",
        business_id=user.business_id,
        after={"kind": kind, "sent_to": sent_to, "expires_at": expires_at},
    )
    return PasswordLink(kind, f"{base_url.rstrip('/')}/set-password?token={secret}", expires_at)


async def do_set_password(
    session: AsyncSession, actor: StaffActor | None, user: User, password: str
) -> None:
    """A new password ends every login session and open socket, and every link still out."""
    user.password_hash = hash_password(password)
    await do_revoke_all_tokens(session, user.id, "session", PASSWORD_TOKEN)
    end_staff_sockets(session, user.id, "signed_out")
    record_change(
        session,
        actor,
        entity="user",
        entity_id=user.id,
        action="password_set",
        business_id=user.business_id,
    )


async def do_redeem_password_link(
    session: AsyncSession, secret: str, password: str, *, now: datetime | None = None
) -> User:
    """Sets the password through a link: once, before it expires, for an active user."""
    found = (
        await session.execute(
            select(User, AuthToken.expires_at)
            .join(AuthToken, AuthToken.user_id == User.id)
            .where(
                AuthToken.token_hash == hash_bearer_secret(secret),
                AuthToken.kind == PASSWORD_TOKEN,
            )
        )
    ).first()
    if found is None:
        raise FieldError({"token": "password_link_invalid"})
    user, expires_at = found
    if not user.is_active or expires_at is None or expires_at <= (now or utcnow()):
        raise FieldError({"token": "password_link_invalid"})
    await do_set_password(session, await actor_for_user(session, user), user, password)
    return user
