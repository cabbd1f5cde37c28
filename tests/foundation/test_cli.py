"""The `livedesk` command line: version, migrate, createuser and the demo seed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from livedesk import __version__
from livedesk.accounts.models import OperatorBusiness, User
from livedesk.businesses.models import Business, Widget
from livedesk.cli import cli, load_settings
from livedesk.db import make_engine, make_sessionmaker
from livedesk.demo import DEMO_BUSINESSES, seed_demo
from livedesk.security.passwords import verify_password
from livedesk.settings import Settings


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"livedesk {__version__}"


def test_flags_beat_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEDESK_PORT", "9000")
    monkeypatch.setenv("LIVEDESK_DATABASE_URL", "postgresql://u@h/db")
    assert load_settings().port == 9000
    settings = load_settings(port=9100, database_url="sqlite:///x.db")
    assert settings.port == 9100
    assert settings.async_database_url == "sqlite+aiosqlite:///x.db"
    assert load_settings().async_database_url == "postgresql+asyncpg://u@h/db"


async def _count(settings: Settings, model) -> int:  # type: ignore[no-untyped-def]
    engine = make_engine(settings)
    async with make_sessionmaker(engine)() as session:
        value = await session.scalar(select(func.count()).select_from(model))
    await engine.dispose()
    return int(value or 0)


def test_migrate_demo_seed_and_createuser(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate", "--database-url", url]).exit_code == 0
    settings = Settings(database_url=url)
    first = asyncio.run(seed_demo(settings))
    again = asyncio.run(seed_demo(settings))  # a second start does not seed twice
    assert first.created and not again.created
    assert asyncio.run(_count(settings, Business)) == len(DEMO_BUSINESSES) >= 3
    assert asyncio.run(_count(settings, Widget)) == 3
    names = [name for name, _, _ in first.businesses]
    assert any("Fysio" in n for n in names) and any("Lease" in n for n in names)
    # Two operators serve all three businesses; one business user per business.
    assert asyncio.run(_count(settings, OperatorBusiness)) == 2 * 3
    roles = [role for _, role in first.logins]
    assert roles.count("operator") == 2 and roles.count("business_user") == 3

    result = runner.invoke(
        cli,
        [
            "createuser",
            "nieuw",
            "--role",
            "operator",
            "--business",
            "fysio-vitaal",
            "--max-concurrent",
            "6",
            "--database-url",
            url,
        ],
        input="geheim-wachtwoord\ngeheim-wachtwoord\n",
    )
    assert result.exit_code == 0, result.output
    bad = runner.invoke(
        cli,
        ["createuser", "x", "--role", "business_user", "--database-url", url],
        input="geheim-wachtwoord\ngeheim-wachtwoord\n",
    )
    assert bad.exit_code == 2 and "exactly one --business" in bad.output
    short = runner.invoke(
        cli,
        ["createuser", "y", "--role", "supervisor", "--database-url", url],
        input="kort\nkort\n",
    )
    assert short.exit_code == 2 and "at least 8" in short.output

    async def stored() -> User:
        engine = make_engine(settings)
        async with make_sessionmaker(engine)() as session:
            user = await session.scalar(select(User).where(User.username == "nieuw"))
        await engine.dispose()
        assert user is not None
        return user

    user = asyncio.run(stored())
    assert user.role == "operator" and user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, "geheim-wachtwoord")
