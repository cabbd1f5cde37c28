"""`livedesk business export|import`: a business's whole setup as one YAML or JSON file.

Exit codes: 0 done; 1 the document was refused (every problem printed with its line) or the
business to export does not exist; 2 usage (a missing file, a wrong option).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from livedesk.businesses import portable
from livedesk.settings import Settings

app = typer.Typer(
    help="A business's setup as a file: copy it, keep it in version control, seed a system.",
    no_args_is_help=True,
)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="sqlite:///path or postgresql://… [env LIVEDESK_DATABASE_URL]"
    ),
]
LanguageOpt = Annotated[
    str | None,
    typer.Option("--language", help="nl or en for messages (default: from LANG, else nl)"),
]


@app.callback()
def _main() -> None:
    """Export and import businesses (format livedesk-business/1, see docs/operations.md)."""


def _settings(database_url: str | None) -> Settings:
    return Settings(database_url=database_url) if database_url else Settings()


def _language(chosen: str | None) -> str:
    """Dutch unless asked for English, by --language or by the locale."""
    if chosen:
        return "en" if chosen.lower().startswith("en") else "nl"
    locale = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG")
    return "en" if (locale or "").lower().startswith("en") else "nl"


TEXTS = {
    "nl": {
        "refused": "niet geïmporteerd, er is niets veranderd:",
        "created": "aangemaakt",
        "replaced": "bijgewerkt",
        "checked": "gecontroleerd, er is niets veranderd:",
        "new_key": "nieuwe widgetsleutel",
        "no_business": "geen bedrijf met slug",
    },
    "en": {
        "refused": "not imported, nothing was changed:",
        "created": "created",
        "replaced": "updated",
        "checked": "checked, nothing was changed:",
        "new_key": "new widget key",
        "no_business": "no business with slug",
    },
}


@app.command("export")
def export_command(
    slug: Annotated[str, typer.Argument(help="The business's slug")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of YAML")] = False,
    database_url: DbOpt = None,
    language: LanguageOpt = None,
) -> None:
    """Print one business's setup as YAML or JSON.

    The business, its widgets, opening hours, contract, canned responses and FAQ."""
    from livedesk.businesses.portable_export import export_by_slug

    document = asyncio.run(export_by_slug(_settings(database_url), slug))
    if document is None:
        typer.echo(f"{TEXTS[_language(language)]['no_business']} {slug!r}", err=True)
        raise typer.Exit(1)
    text = portable.write_json(document) if as_json else portable.write_yaml(document)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@app.command("import")
def import_command(
    file: Annotated[
        Path, typer.Argument(help="A .yaml, .yml or .json file; - reads standard input")
    ],
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Update a business with the same slug in place"),
    ] = False,
    new_widget_keys: Annotated[
        bool,
        typer.Option(
            "--new-widget-keys", help="Give a widget whose key another business holds a new key"
        ),
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Validate against the database, change nothing")
    ] = False,
    database_url: DbOpt = None,
    language: LanguageOpt = None,
) -> None:
    """Create a business from a file, or update it with --replace.

    All or nothing: every problem is printed with its line, and nothing is written unless the
    whole file is valid."""
    from livedesk.businesses.portable_import import ImportOptions, import_text

    texts = TEXTS[lang := _language(language)]
    if str(file) == "-":
        text, name = sys.stdin.read(), "-"
    else:
        try:
            text, name = file.read_text(encoding="utf-8"), file.name
        except (OSError, UnicodeDecodeError) as exc:
            typer.echo(f"{file}: {exc}", err=True)
            raise typer.Exit(2) from None
    options = ImportOptions(replace=replace, new_widget_keys=new_widget_keys, dry_run=check)
    try:
        result = asyncio.run(import_text(_settings(database_url), text, name, options))
    except portable.ImportRefused as refused:
        typer.echo(f"{name}: {texts['refused']}", err=True)
        for problem in refused.problems:
            typer.echo(f"  {problem.render(lang)}", err=True)
        raise typer.Exit(1) from None
    verb = texts["checked"] if check else texts["replaced" if result.replaced else "created"]
    typer.echo(f"{verb} {result.slug}: {_summary(result.counts)}")
    for old, new in result.new_keys.items():
        typer.echo(f"  {texts['new_key']}: {old} -> {new}")


def _summary(counts: dict[str, Any]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items())
