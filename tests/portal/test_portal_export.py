"""Exporting a period's transcripts: CSV one row per message (formulas defused), JSON one object
per conversation; streamed in batches; never an internal note or another business's chat."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import orjson
from portal_helpers import Chat, seed_chats

from livedesk.db import utcnow
from livedesk.portal.export import BATCH, csv_cell
from livedesk.settings import Settings
from roles_testing import LoginAs

from livedesk_testing import LiveServer, World

TRICKY = [
    ("visitor", '=HYPERLINK("http://evil.example","klik")'),
    ("visitor", "+31 6 12345678"),
    ("visitor", "-2 stuks graag"),
    ("visitor", "@SUM(A1:A9)"),
    ("operator", "Komt goed, ik noteer het."),
    ("operator", "Interne notitie: let op deze klant", True),
    ("visitor", "<img src=x onerror=alert(1)>"),
]


async def test_csv_export_defuses_formulas_and_leaves_out_notes(
    login_as: LoginAs, settings: Settings, server: LiveServer, world: World
) -> None:
    (cid,) = await seed_chats(settings, world.a, Chat(messages=TRICKY, rating=(4, "=1+1")))
    await seed_chats(settings, world.b, Chat(messages=[("visitor", "beta")]))
    async with await login_as(world.a.business_user) as http:
        r = await http.get("/api/v1/portal/transcripts/export", params={"format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith('attachment; filename="gesprekken-alpha-')
    assert r.content.startswith(b"\xef\xbb\xbf")  # the BOM: spreadsheets read UTF-8
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert {row["conversation_id"] for row in rows} == {cid}
    assert [row["body"] for row in rows] == [
        '\'=HYPERLINK("http://evil.example","klik")',
        "'+31 6 12345678",
        "'-2 stuks graag",
        "'@SUM(A1:A9)",
        "Komt goed, ik noteer het.",
        "<img src=x onerror=alert(1)>",
    ]
    assert [row["seq"] for row in rows] == ["1", "2", "3", "4", "5", "7"]
    assert rows[0]["rating"] == "4" and rows[0]["rating_comment"] == "'=1+1"
    assert rows[0]["visitor_name"] == "Sanne de Vries"


async def test_json_export_keeps_text_as_typed_per_conversation(
    login_as: LoginAs, settings: Settings, server: LiveServer, world: World
) -> None:
    (cid,) = await seed_chats(settings, world.a, Chat(messages=TRICKY))
    async with await login_as(world.a.business_user) as http:
        r = await http.get("/api/v1/portal/transcripts/export", params={"format": "json"})
    assert r.headers["content-type"] == "application/json"
    (chat,) = orjson.loads(r.content)
    assert chat["conversation_id"] == cid
    assert [m["body"] for m in chat["messages"]] == [body for _, body, *note in TRICKY if not note]
    assert chat["visitor"] == {"name": "Sanne de Vries", "email": "sanne@example.nl"}


async def test_a_period_is_exported_whole_across_batches_and_nothing_outside_it(
    login_as: LoginAs, settings: Settings, server: LiveServer, world: World
) -> None:
    start = utcnow() - timedelta(days=3)
    inside = [
        Chat(started=start + timedelta(minutes=i), messages=[("visitor", f"vraag {i}")])
        for i in range(BATCH + 5)
    ]
    ids = await seed_chats(settings, world.a, *inside)
    await seed_chats(settings, world.a, Chat(started=start - timedelta(days=10)))
    period = {"from": (start - timedelta(days=1)).date().isoformat()}
    async with await login_as(world.a.business_user) as http:
        r = await http.get("/api/v1/portal/transcripts/export", params={"format": "json", **period})
        exported = orjson.loads(r.content)
        r = await http.get("/api/v1/portal/transcripts/export", params={"format": "csv", **period})
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [c["conversation_id"] for c in exported] == ids  # oldest first, each once
    assert [row["body"] for row in rows] == [f"vraag {i}" for i in range(BATCH + 5)]


def test_csv_cells_that_a_spreadsheet_would_run_start_with_an_apostrophe() -> None:
    assert [csv_cell(v) for v in ("=1", "+1", "-1", "@a", "\t=1", "a=1", "", None, 5)] == [
        "'=1",
        "'+1",
        "'-1",
        "'@a",
        "'\t=1",
        "a=1",
        "",
        "",
        "5",
    ]
