"""`livedesk privacy find|export|erase|purge`: what they print, their exit codes, the audit log."""

from __future__ import annotations

import asyncio
import getpass
import json
from datetime import timedelta
from pathlib import Path

from privacy_helpers import find_anywhere, long_ago, seed_person
from sqlalchemy import select
from test_subject_api import jan
from typer.testing import CliRunner, Result

from livedesk.audit.models import AuditEntry
from livedesk.cli import cli as livedesk
from livedesk.db import make_engine, make_sessionmaker, unit_of_work, utcnow
from livedesk.privacy.models import Lease
from livedesk.privacy.purge import LEASE
from livedesk.settings import Settings

from livedesk_testing import World


def run(settings: Settings, *args: str, input: str | None = None, lang: str = "nl") -> Result:
    env = {"LANG": f"{lang}_NL.UTF-8" if lang == "nl" else "en_GB.UTF-8"}
    return CliRunner().invoke(
        livedesk, ["privacy", *args, "--database-url", settings.database_url], input=input, env=env
    )


async def privacy(
    settings: Settings, *args: str, input: str | None = None, lang: str = "nl"
) -> Result:
    return await asyncio.to_thread(run, settings, *args, input=input, lang=lang)


async def audit_entries(settings: Settings) -> list[AuditEntry]:
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    finally:
        await engine.dispose()


async def test_find_export_and_erase_from_the_command_line(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    person = await seed_person(settings, world.a, jan(), world.b, at=long_ago(30))

    found = await privacy(settings, "find", "--email", person.email)
    assert found.exit_code == 0, found.output
    assert "gevonden: visitors 1, conversations 2, leads 2, deliveries 3" in found.output
    assert f"chat {person.conversation_ids[0]}  Alpha BV" in found.output
    assert "[lead,message,prechat,visitor]" in found.output  # how each was found

    narrowed = await privacy(settings, "find", "--phone", "0612345678", "--business", "beta")
    assert "leads 1" in narrowed.output and "chat " not in narrowed.output

    out = tmp_path / "jan.json"
    exported = await privacy(settings, "export", "--visitor", person.visitor_id, "-o", str(out))
    assert exported.exit_code == 0, exported.output
    document = json.loads(out.read_text())
    assert document["format"] == "livedesk-subject/1"
    assert {c["id"] for c in document["conversations"]} == set(person.conversation_ids)

    refused = await privacy(settings, "erase", "--email", person.email, input="n\n")
    assert refused.exit_code == 1 and "niet bevestigd" in refused.output
    assert await find_anywhere(settings, [person.phrase])

    erased = await privacy(settings, "erase", "--email", person.email, input="y\n")
    assert erased.exit_code == 0, erased.output
    assert "gewist: conversations 2, deliveries 3, faq_proposals 1, leads 2, messages 5" in (
        erased.output
    )
    assert await find_anywhere(settings, person.needles, person.words) == []

    again = await privacy(settings, "erase", "--email", person.email, "--yes", lang="en")
    assert again.exit_code == 1 and "nothing found" in again.output

    entries = [e for e in await audit_entries(settings) if e.entity == "data_subject"]
    assert {e.actor_name for e in entries} == {f"cli:{getpass.getuser()}"}
    assert [e.action for e in entries if e.business_id == world.a.business_id] == [
        "search",
        "export",
        "search",
        "search",
        "erase",
    ]


async def test_bad_criteria_are_named(settings: Settings, world: World) -> None:
    both = await privacy(settings, "find", "--email", "a@b.nl", "--phone", "0612345678")
    assert both.exit_code == 2
    assert "--email: Zoek op één gegeven tegelijk" in both.output and "--phone:" in both.output
    none = await privacy(settings, "erase", "--yes", lang="en")
    assert none.exit_code == 2 and "--email: Fill in an e-mail address" in none.output
    unknown = await privacy(settings, "find", "--email", "a@b.nl", "--business", "gamma")
    assert unknown.exit_code == 1 and "geen bedrijf met slug 'gamma'" in unknown.output


async def test_purge_from_the_command_line_and_while_another_runs(
    settings: Settings, world: World
) -> None:
    await seed_person(settings, world.a, jan(), world.b, at=long_ago(800))
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            session.add(Lease(name=LEASE, holder="elsewhere", until=utcnow() + timedelta(hours=1)))
        busy = await privacy(settings, "purge")
        assert busy.exit_code == 1 and "een andere opschoning loopt al" in busy.output
        async with unit_of_work(make_sessionmaker(engine)) as session:
            lease = await session.get(Lease, LEASE)
            assert lease is not None
            lease.until = utcnow() - timedelta(seconds=1)  # its holder went quiet
    finally:
        await engine.dispose()
    done = await privacy(settings, "purge", lang="en")
    assert done.exit_code == 0, done.output
    assert "purge finished" in done.output
    assert f"{world.a.business_id}  messages  5" in done.output
    assert f"{world.b.business_id}  offline_messages  1" in done.output
