"""The `livedesk` command line."""

from __future__ import annotations

import asyncio
import copy
import gc
from typing import Annotated, Any

import typer

from livedesk import __version__
from livedesk.accounts import cli as accounts_cli
from livedesk.businesses import cli as business_cli
from livedesk.knowledge import cli as knowledge_cli
from livedesk.planning import cli as planning_cli
from livedesk.privacy import cli as privacy_cli
from livedesk.settings import Settings

cli = typer.Typer(
    help="Livedesk: outsourced live chat.", no_args_is_help=True, pretty_exceptions_enable=False
)

HostOpt = Annotated[str | None, typer.Option("--host", help="Bind address [env LIVEDESK_HOST]")]
PortOpt = Annotated[int | None, typer.Option("--port", help="Port [env LIVEDESK_PORT]")]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="sqlite:///path or postgresql://… [env LIVEDESK_DATABASE_URL]"
    ),
]
RedisOpt = Annotated[
    str | None,
    typer.Option(
        "--redis-url", help="redis://… to fan out across processes [env LIVEDESK_REDIS_URL]"
    ),
]


def load_settings(
    host: str | None = None,
    port: int | None = None,
    database_url: str | None = None,
    redis_url: str | None = None,
) -> Settings:
    """Flags win over LIVEDESK_* environment variables, which win over defaults."""
    overrides: dict[str, Any] = {
        k: v
        for k, v in {
            "host": host,
            "port": port,
            "database_url": database_url,
            "redis_url": redis_url,
        }.items()
        if v is not None
    }
    return Settings(**overrides)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"livedesk {__version__}")
        raise typer.Exit()


@cli.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit"
        ),
    ] = False,
) -> None:
    pass


def _serve(settings: Settings) -> None:
    import uvicorn

    from livedesk.app import create_app
    from livedesk.realtime.drain import DrainingServer
    from livedesk.realtime.protocol import WS_MAX_BYTES
    from livedesk.security.proxies import uvicorn_proxy_options

    app = create_app(settings)
    # Everything imported and built so far lives as long as the process: keep it out of the
    # cyclic GC's full collections, which otherwise stall every chat for 100+ ms (measured).
    gc.collect()
    gc.freeze()
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        ws="websockets-sansio",
        ws_per_message_deflate=False,  # doubles CPU per message and memory per socket
        ws_max_size=WS_MAX_BYTES,  # just above our frame limit, so we answer frame_too_large
        ws_ping_interval=settings.ping_interval_seconds,  # browsers never ping; we find the dead
        ws_ping_timeout=settings.ping_interval_seconds,
        log_level="info",
        log_config=log_config(),
        # X-Forwarded-Proto/-For are believed only from LIVEDESK_TRUSTED_PROXIES (none by default).
        **uvicorn_proxy_options(settings),
    )
    # SIGTERM drains: /readyz 503, listener closed, sockets sent elsewhere, commits finished.
    DrainingServer(config, lambda: app.state.runtime).run()


def log_config() -> dict[str, Any]:
    """uvicorn's logging, plus Livedesk's own INFO lines (the bus going down and coming back,
    draining) through the same handler: without this only warnings would reach the journal."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["livedesk"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


@cli.command()
def serve(
    host: HostOpt = None,
    port: PortOpt = None,
    database_url: DbOpt = None,
    redis_url: RedisOpt = None,
) -> None:
    """Run Livedesk (the database must be migrated: see `livedesk migrate`)."""
    settings = load_settings(host, port, database_url, redis_url)
    if not settings.secret_keys:
        typer.echo(NO_SECRET_KEY, err=True)
        raise typer.Exit(2)
    _serve(settings)


# `serve` is for real visitors: their tokens must not be signed with a key anyone who can read
# the database (a backup, a restored copy) also has. Only the demo generates one there.
NO_SECRET_KEY = (
    "error: LIVEDESK_SECRET_KEY is not set. It signs the visitors' tokens; set it to a long "
    "random value, e.g. the output of\n"
    "  python3 -c 'import secrets; print(secrets.token_urlsafe(32))'\n"
    "To rotate it, put the new key first and keep the old one after a comma until the visitor "
    "tokens it signed have expired (LIVEDESK_SECRET_KEY=new,old). `livedesk demo` needs none."
)


@cli.command()
def demo(
    host: HostOpt = None,
    port: PortOpt = None,
    database_url: DbOpt = None,
    redis_url: RedisOpt = None,
) -> None:
    """Migrate, seed the demo businesses into an empty database, print the logins, and serve."""
    from livedesk import migrate
    from livedesk.demo import print_tour, seed_demo

    settings = load_settings(host, port, database_url, redis_url)
    migrate.upgrade(settings)
    seeded = asyncio.run(seed_demo(settings))
    print_tour(settings, seeded)
    _serve(settings)


@cli.command("migrate")
def migrate_command(database_url: DbOpt = None) -> None:
    """Bring the database schema to the latest version (Alembic upgrade)."""
    from livedesk import migrate

    settings = load_settings(database_url=database_url)
    migrate.upgrade(settings)
    typer.echo(f"database at {sorted(migrate.head_revisions(settings))}")


@cli.command()
def createuser(
    username: Annotated[str, typer.Argument()],
    role: Annotated[
        str, typer.Option(help="provider_admin, supervisor, operator or business_user")
    ] = "operator",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
    business: Annotated[
        list[str] | None,
        typer.Option(
            help="Business slug: the business of a business user, or one an operator serves "
            "(repeatable)"
        ),
    ] = None,
    max_concurrent: Annotated[int, typer.Option(help="Operator's max concurrent chats")] = 3,
    language: Annotated[
        list[str] | None, typer.Option(help="Operator language (repeatable)")
    ] = None,
    database_url: DbOpt = None,
) -> None:
    """Create a provider admin, supervisor, operator or business user."""
    from livedesk.demo import create_user_by_slugs
    from livedesk.errors import ApiError

    settings = load_settings(database_url=database_url)
    try:
        user = asyncio.run(
            create_user_by_slugs(
                settings,
                username=username,
                password=password,
                role=role,
                display_name=name,
                business_slugs=business or [],
                max_concurrent=max_concurrent,
                languages=language or ["nl"],
            )
        )
    except (ApiError, ValueError) as exc:
        typer.echo(f"error: {getattr(exc, 'message', exc)}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"created {user.role} {user.username}")


# Commands that live with their domain.
cli.add_typer(accounts_cli.app, name="user")
planning_cli.register(cli)
cli.add_typer(knowledge_cli.app, name="faq", help="FAQ knowledge base: evaluate search quality")
cli.add_typer(business_cli.app, name="business")
cli.add_typer(privacy_cli.app, name="privacy")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
