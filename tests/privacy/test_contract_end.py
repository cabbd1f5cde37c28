"""The end of a contract: `livedesk privacy end-contract SLUG --export FILE`, then `--purge`."""

from __future__ import annotations

import asyncio
import json
import zipfile
from pathlib import Path
from typing import Any

from privacy_helpers import find_anywhere, long_ago, seed_person
from sqlalchemy import func, select, text, update
from test_privacy_cli import audit_entries, privacy
from test_subject_api import jan, piet
from typer.testing import CliRunner

import livedesk.models
from livedesk.businesses.models import Business
from livedesk.cli import cli as livedesk
from livedesk.db import Base, make_engine, make_sessionmaker, unit_of_work
from livedesk.settings import Settings

from livedesk_testing import World


def lines(archive: zipfile.ZipFile, name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in archive.read(name).decode().splitlines()]


async def rows_of_business(settings: Settings, business_id: str) -> dict[str, int]:
    """Rows of every table with a business_id column that still name this business."""
    engine = make_engine(settings)
    found = {}
    try:
        async with make_sessionmaker(engine)() as session:
            for table in Base.metadata.sorted_tables:
                if "business_id" in table.columns and table.name != "audit_entries":
                    count = await session.scalar(
                        select(func.count())
                        .select_from(table)
                        .where(table.c.business_id == business_id)
                    )
                    if count:
                        found[table.name] = int(count)
    finally:
        await engine.dispose()
    return found


async def set_business(settings: Settings, business_id: str, **values: Any) -> None:
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            await session.execute(
                update(Business).where(Business.id == business_id).values(**values)
            )
    finally:
        await engine.dispose()


async def open_chat(settings: Settings, conversation_id: str, state: str) -> None:
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            # Straight to the column: the model's lifecycle check knows no way back from closed.
            await session.execute(
                text("UPDATE conversations SET state = :state WHERE id = :id"),
                {"state": state, "id": conversation_id},
            )
    finally:
        await engine.dispose()


async def test_export_then_purge_a_business(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    person = await seed_person(settings, world.a, jan(), world.b, at=long_ago(30))
    stays = await seed_person(settings, world.b, piet(), world.a, at=long_ago(20))
    archive_path = tmp_path / "alpha.zip"

    done = await privacy(settings, "end-contract", "alpha", "--export", str(archive_path))
    assert done.exit_code == 0, done.output
    with zipfile.ZipFile(archive_path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["format"] == "livedesk-contract-end/1"
        assert manifest["business"]["slug"] == "alpha"
        config = json.loads(archive.read("business.json"))
        assert config["format"] == "livedesk-business/1"
        assert config["business"]["name"] == "Alpha BV"
        assert json.loads(archive.read("retention.json"))["transcripts_months"] == 12
        chats = lines(archive, "conversations.jsonl")
        assert len(chats) == manifest["counts"]["conversations"] == 2  # Jan's; Piet chats at beta
        said = [m["body"] for c in chats for m in c["messages"]]
        assert any(person.phrase in body for body in said)
        leads = lines(archive, "leads.jsonl")
        assert {x["kind"] for x in leads} == {"callback_request", "offline_message"}
        assert all(x["business_id"] == world.a.business_id for x in leads)
        assert manifest["counts"]["visitors"] == len(lines(archive, "visitors.jsonl")) == 1
        assert len(lines(archive, "faq_proposals.jsonl")) == 1
        assert len(lines(archive, "faq_suggestions.jsonl")) == 3
        assert len(lines(archive, "faq_evidence.jsonl")) == 1
        assert manifest["counts"]["deliveries"] == len(lines(archive, "deliveries.jsonl")) == 3

    # The business is still active, then it has a chat still going: both refused.
    refused = await privacy(settings, "end-contract", "alpha", "--purge", "--yes")
    assert refused.exit_code == 1 and "Zet het bedrijf eerst op inactief" in refused.output
    await set_business(settings, world.a.business_id, is_active=False)
    await open_chat(settings, person.conversation_ids[1], "active")
    refused = await privacy(settings, "end-contract", "alpha", "--purge", "--yes", lang="en")
    assert refused.exit_code == 1 and "still has open chats" in refused.output
    await open_chat(settings, person.conversation_ids[1], "closed")
    wrong = await privacy(settings, "end-contract", "alpha", "--purge", input="beta\n")
    assert wrong.exit_code == 1 and "niet bevestigd" in wrong.output
    assert await rows_of_business(settings, world.a.business_id)

    purged = await privacy(settings, "end-contract", "alpha", "--purge", input="alpha\n")
    assert purged.exit_code == 0, purged.output
    removed = "verwijderd alpha: messages 5, conversations 2, deliveries 3, leads 2, visitors 1"
    assert removed in purged.output
    assert await rows_of_business(settings, world.a.business_id) == {}
    # Jan's words in alpha's chats are gone, from the search index too; his offline message to
    # beta is beta's and stays, with the copy its delivery keeps.
    assert set(await find_anywhere(settings, [person.phrase], person.words[-1:])) == {
        f"leads.intent: {person.phrase}",
        f"leads.qualification: {person.phrase}",
        f"lead_outbox.payload: {person.phrase}",
    }
    assert await find_anywhere(settings, [stays.phrase])
    entries = await audit_entries(settings)
    mine = [e for e in entries if e.business_id == world.a.business_id]
    assert [e.action for e in mine if e.entity == "business"] == ["export", "delete"]
    assert mine[-1].after["removed"]["conversations"] == 2
    gone = await privacy(settings, "end-contract", "alpha", "--export", str(tmp_path / "x.zip"))
    assert gone.exit_code == 1 and "Er is geen bedrijf met deze slug" in gone.output

    # The configuration in the export sets the business up again, as `business import` reads it.
    config_file = tmp_path / "business.json"
    with zipfile.ZipFile(archive_path) as archive:
        config_file.write_bytes(archive.read("business.json"))
    imported = await asyncio.to_thread(
        CliRunner().invoke,
        livedesk,
        ["business", "import", str(config_file), "--database-url", settings.database_url],
        env={"LANG": "nl_NL.UTF-8"},
    )
    assert imported.exit_code == 0 and "aangemaakt alpha" in imported.output, imported.output
