"""`livedesk user …`: the fallback when mail is not an option: print a password link, or set a
password at the terminal."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

from livedesk.settings import Settings

app = typer.Typer(
    help="Users: let someone choose a password when mail is not an option", no_args_is_help=True
)
UsernameArg = Annotated[str, typer.Argument(help="The user's login name")]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="sqlite:///path or postgresql://… [env LIVEDESK_DATABASE_URL]"
    ),
]


def _settings(database_url: str | None) -> Settings:
    from livedesk.cli import load_settings  # the main CLI imports this module

    return load_settings(database_url=database_url)


async def _with_user(settings: Settings, username: str, work: Any) -> Any:
    """Runs `work(session, user)` in one unit of work; an unknown username is an ApiError."""
    from sqlalchemy import select

    from livedesk.accounts.models import User
    from livedesk.db import make_engine, make_sessionmaker, unit_of_work
    from livedesk.errors import NotFound

    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            user = await session.scalar(
                select(User).where(User.username == username.strip().lower())
            )
            if user is None:
                raise NotFound(f"no user {username!r}")
            return await work(session, user)
    finally:
        await engine.dispose()


@app.command("password-link")
def user_password_link(username: UsernameArg, database_url: DbOpt = None) -> None:
    """Print a link for USERNAME to choose a password: an invitation (valid 72 hours) while they
    have none, a reset (1 hour) once they have. It replaces any earlier link. The link starts
    with LIVEDESK_PUBLIC_URL (or http://host:port)."""
    from livedesk.accounts.actions import do_issue_password_link
    from livedesk.errors import ApiError

    settings = _settings(database_url)

    async def issue(session: Any, user: Any) -> Any:
        return await do_issue_password_link(
            session, None, user, base_url=settings.base_url, sent_to=None
        )

    try:
        link = asyncio.run(_with_user(settings, username, issue))
    except ApiError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(link.url)
    typer.echo(f"({link.kind}, valid until {link.expires_at:%Y-%m-%d %H:%M} UTC)", err=True)


@app.command("set-password")
def user_set_password(
    username: UsernameArg,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
    database_url: DbOpt = None,
) -> None:
    """Set USERNAME's password (asked twice); it ends their login sessions."""
    from livedesk.accounts.actions import do_set_password
    from livedesk.accounts.schemas import MIN_NEW_PASSWORD
    from livedesk.errors import ApiError

    if len(password) < MIN_NEW_PASSWORD:
        typer.echo(f"error: a password needs at least {MIN_NEW_PASSWORD} characters", err=True)
        raise typer.Exit(2)

    async def set_it(session: Any, user: Any) -> None:
        await do_set_password(session, None, user, password)

    try:
        asyncio.run(_with_user(_settings(database_url), username, set_it))
    except ApiError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"password set for {username.strip().lower()}")
