"""`livedesk privacy …`: a visitor's rights, the retention purge and the end of a contract.

Every command that reads or changes personal data is in the audit log, by `cli:<login name>`.
Exit codes: 0 done; 1 refused (nothing found to erase, the business is still active, the purge
is running elsewhere); 2 usage.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from livedesk.businesses.cli import DbOpt, LanguageOpt, _language, _settings

if TYPE_CHECKING:  # the command line starts fast: the rest is imported by the command run
    from livedesk.runtime import Runtime
    from livedesk.security.actors import StaffActor

app = typer.Typer(
    help="Privacy: a visitor's data (find, export, erase), the retention purge, the end of a "
    "contract.",
    no_args_is_help=True,
)
T = TypeVar("T")

EmailOpt = Annotated[str | None, typer.Option("--email", help="The visitor's e-mail address")]
PhoneOpt = Annotated[str | None, typer.Option("--phone", help="The visitor's phone number")]
VisitorOpt = Annotated[str | None, typer.Option("--visitor", help="The visitor's id")]
BusinessOpt = Annotated[
    str | None, typer.Option("--business", help="Only in the business with this slug")
]
YesOpt = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")]

TEXTS = {
    "nl": {
        "found": "gevonden",
        "nothing": "niets gevonden",
        "confirm_erase": "De persoonsgegevens hierboven wissen? Dit kan niet ongedaan worden",
        "erased": "gewist",
        "busy": "een andere opschoning loopt al; probeer het later opnieuw",
        "purged": "opschoning klaar",
        "exported": "geëxporteerd naar",
        "confirm_purge": "Typ de slug om {slug} en al zijn gegevens definitief te verwijderen",
        "not_confirmed": "niet bevestigd, er is niets verwijderd",
        "removed": "verwijderd",
        "no_business": "geen bedrijf met slug",
        "what": "geef --export BESTAND en/of --purge",
    },
    "en": {
        "found": "found",
        "nothing": "nothing found",
        "confirm_erase": "Erase the personal data above? This cannot be undone",
        "erased": "erased",
        "busy": "another purge is running; try again later",
        "purged": "purge finished",
        "exported": "exported to",
        "confirm_purge": "Type the slug to remove {slug} and all its data for good",
        "not_confirmed": "not confirmed, nothing was removed",
        "removed": "removed",
        "no_business": "no business with slug",
        "what": "give --export FILE and/or --purge",
    },
}


@app.callback()
def _main() -> None:
    """A visitor's rights, the retention purge and the end of a contract (docs/privacy.md)."""


def cli_actor() -> StaffActor:
    """Whoever runs the command on the server, as the audit log names them."""
    from livedesk.accounts.models import Role
    from livedesk.security.actors import StaffActor

    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return StaffActor(
        user_id="",
        role=Role.PROVIDER_ADMIN,
        name=f"cli:{who}"[:200],
        language="nl",
        business_ids=None,
    )


def _run(database_url: str | None, lang: str, work: Callable[[Runtime], Awaitable[T]]) -> T:
    from livedesk.errors import ApiError, FieldError
    from livedesk.i18n import text as i18n_text
    from livedesk.runtime import Runtime

    async def main() -> T:
        runtime = Runtime.create(_settings(database_url))
        try:
            return await work(runtime)
        finally:
            await runtime.engine.dispose()

    try:
        return asyncio.run(main())
    except FieldError as exc:
        for name, code in exc.fields.items():
            typer.echo(f"--{name.replace('_id', '')}: {i18n_text(code, lang, code)}", err=True)
        raise typer.Exit(2) from None
    except ApiError as exc:
        typer.echo(f"error: {i18n_text(exc.code, lang, exc.message) or exc.message}", err=True)
        raise typer.Exit(1) from None


async def _query(
    runtime: Runtime,
    email: str | None,
    phone: str | None,
    visitor: str | None,
    business: str | None,
    lang: str,
) -> Any:
    from sqlalchemy import select

    from livedesk.businesses.models import Business
    from livedesk.privacy.rights import check_query
    from livedesk.privacy.schemas import SubjectQueryIn

    business_id = None
    if business:
        async with runtime.reading() as session:
            business_id = await session.scalar(select(Business.id).where(Business.slug == business))
        if business_id is None:
            typer.echo(f"{TEXTS[lang]['no_business']} {business!r}", err=True)
            raise typer.Exit(1)
    body = SubjectQueryIn(email=email, phone=phone, visitor_id=visitor, business_id=business_id)
    return check_query(body)


def _print_found(found: Any, lang: str) -> None:
    if not any(found.summary.values()):
        typer.echo(TEXTS[lang]["nothing"])
        return
    names = {b["id"]: b["name"] for b in found.businesses}
    typer.echo(
        f"{TEXTS[lang]['found']}: " + ", ".join(f"{k} {v}" for k, v in found.summary.items())
    )
    for c in found.conversations:
        why = ",".join(c.found_by)
        typer.echo(
            f"  chat {c.id}  {names.get(c.business_id, c.business_id)}  "
            f"{c.created_at:%Y-%m-%d}  {c.messages} msg  [{why}]"
        )
    for x in found.leads:
        typer.echo(
            f"  lead {x.id}  {names.get(x.business_id, x.business_id)}  {x.kind}  {x.status}"
        )


@app.command("find")
def find_command(
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    visitor: VisitorOpt = None,
    business: BusinessOpt = None,
    database_url: DbOpt = None,
    language: LanguageOpt = None,
) -> None:
    """Everything held about one visitor (what `erase` would change)."""
    from livedesk.privacy import rights

    lang = _language(language)

    async def work(runtime: Runtime) -> Any:
        query = await _query(runtime, email, phone, visitor, business, lang)
        return await rights.search(runtime, cli_actor(), query)

    _print_found(_run(database_url, lang, work), lang)


@app.command("export")
def export_command(
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    visitor: VisitorOpt = None,
    business: BusinessOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file")
    ] = None,
    database_url: DbOpt = None,
    language: LanguageOpt = None,
) -> None:
    """The visitor's data as JSON (livedesk-subject/1), to stdout or --output."""
    from livedesk.privacy import rights

    lang = _language(language)

    async def work(runtime: Runtime) -> Any:
        query = await _query(runtime, email, phone, visitor, business, lang)
        return await rights.export(runtime, cli_actor(), query)

    from livedesk import jsonutil

    document = jsonutil.dumps(_run(database_url, lang, work))
    if output is None:
        sys.stdout.write(document.decode() + "\n")
    else:
        output.write_bytes(document)


@app.command("erase")
def erase_command(
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    visitor: VisitorOpt = None,
    business: BusinessOpt = None,
    yes: YesOpt = False,
    database_url: DbOpt = None,
    language: LanguageOpt = None,
) -> None:
    """Erase the visitor's personal data; the rows stay for reports."""
    from livedesk.privacy import rights

    lang = _language(language)

    async def look(runtime: Runtime) -> Any:
        return await rights.search(
            runtime, cli_actor(), await _query(runtime, email, phone, visitor, business, lang)
        )

    found = _run(database_url, lang, look)
    _print_found(found, lang)
    if not any(found.summary.values()):
        raise typer.Exit(1)
    if not yes and not typer.confirm(TEXTS[lang]["confirm_erase"]):
        typer.echo(TEXTS[lang]["not_confirmed"], err=True)
        raise typer.Exit(1)

    async def work(runtime: Runtime) -> Any:
        query = await _query(runtime, email, phone, visitor, business, lang)
        return await rights.erase(runtime, cli_actor(), query)

    result = _run(database_url, lang, work)
    typer.echo(
        f"{TEXTS[lang]['erased']}: " + ", ".join(f"{k} {v}" for k, v in result.totals.items())
    )


@app.command("purge")
def purge_command(database_url: DbOpt = None, language: LanguageOpt = None) -> None:
    """Run the retention purge now (the server also runs it on its own, daily)."""
    from sqlalchemy import select

    from livedesk.privacy.models import PurgeCount
    from livedesk.privacy.purge import Purger

    lang = _language(language)

    async def work(runtime: Runtime) -> list[tuple[str, str, int]] | None:
        run = await Purger(runtime).run("cli")
        if run is None:
            return None
        async with runtime.reading() as session:
            counts = await session.scalars(select(PurgeCount).where(PurgeCount.run_id == run.id))
            return sorted((c.business_id, c.kind, c.count) for c in counts)

    counts = _run(database_url, lang, work)
    if counts is None:
        typer.echo(TEXTS[lang]["busy"], err=True)
        raise typer.Exit(1)
    typer.echo(TEXTS[lang]["purged"])
    for business_id, kind, count in counts:
        typer.echo(f"  {business_id}  {kind}  {count}")


@app.command("end-contract")
def end_contract_command(
    slug: Annotated[str, typer.Argument(help="The business's slug")],
    export: Annotated[
        Path | None, typer.Option("--export", help="Write its data to this ZIP")
    ] = None,
    purge: Annotated[
        bool, typer.Option("--purge", help="Then remove the business and its data")
    ] = False,
    yes: YesOpt = False,
    database_url: DbOpt = None,
    language: LanguageOpt = None,
) -> None:
    """Export a business's whole data set (--export FILE), then remove it (--purge).

    The purge asks you to type the slug (or --yes) and refuses while the business is active."""
    from livedesk.privacy.contract_end import export_contract, purge_contract

    lang, texts = _language(language), TEXTS[_language(language)]
    if export is None and not purge:
        typer.echo(texts["what"], err=True)
        raise typer.Exit(2)
    if export is not None:
        counts = _run(database_url, lang, lambda r: export_contract(r, cli_actor(), slug, export))
        typer.echo(
            f"{texts['exported']} {export}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
        )
    if not purge:
        return
    if not yes and typer.prompt(texts["confirm_purge"].format(slug=slug)) != slug:
        typer.echo(texts["not_confirmed"], err=True)
        raise typer.Exit(1)
    removed = _run(database_url, lang, lambda r: purge_contract(r, cli_actor(), slug))
    typer.echo(f"{texts['removed']} {slug}: " + ", ".join(f"{k} {v}" for k, v in removed.items()))
