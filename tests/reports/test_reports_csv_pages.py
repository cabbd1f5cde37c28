"""CSV of every table (the Dutch and the English rule), bad input, and the pages' content:
Dutch numbers, English on request, charts with their tables, visitor text as text."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from known_month import (
    QUESTION,
    SCRIPT,
    Seeded,
    a_question_answered_without_the_faq,
    seed_known_month,
)

from livedesk.reports.tables import TABLES
from livedesk.settings import Settings
from roles_testing import ADMIN, client_as

from livedesk_testing import LiveServer, World

OCTOBER = {"from": "2026-10-01", "to": "2026-10-31"}


@pytest.fixture
async def seeded(settings: Settings, world: World) -> Seeded:
    return await seed_known_month(settings, world)


def parse(body: bytes, delimiter: str) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter))


async def csv_of(server: LiveServer, table: str, **params: Any) -> tuple[Any, list[list[str]]]:
    headers = params.pop("headers", {})
    async with await client_as(server, ADMIN) as http:
        r = await http.get(f"/api/v1/reports/{table}.csv", params=params, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    return r, parse(r.content, ";" if r.headers["content-language"] == "nl" else ",")


async def test_csv_dutch_and_english(
    server: LiveServer, world: World, seeded: Seeded, admin: str
) -> None:
    alpha = {"business_id": world.a.business_id, **OCTOBER}
    r, rows = await csv_of(server, "summary", **alpha)  # no language asked: Dutch
    assert r.headers["content-language"] == "nl"
    assert r.headers["content-disposition"] == (
        'attachment; filename="summary-2026-10-01-2026-10-31.csv"'
    )
    values = dict(rows[1:])
    assert rows[0] == ["figure", "value"]
    assert values["offered"] == "11" and values["within_target_share"] == "0,4444"
    assert values["handle_time_mean"] == "736,8" and values["csat_mean"] == "3,67"
    r, rows = await csv_of(server, "summary", headers={"accept-language": "en-GB,en"}, **alpha)
    assert r.headers["content-language"] == "en"
    values = dict(rows[1:])
    assert values["within_target_share"] == "0.4444" and values["handle_time_mean"] == "736.8"
    # ?lang wins over the header
    r, _ = await csv_of(server, "summary", lang="nl", headers={"accept-language": "en"}, **alpha)
    assert r.headers["content-language"] == "nl"

    _, days = await csv_of(server, "days", **alpha)
    assert days[0] == [
        "date",
        "offered",
        "answered",
        "missed",
        "abandoned",
        "within_target",
        "offline_messages",
        "leads",
    ]
    assert len(days) == 32
    assert days[1] == ["2026-10-01", "4", "2", "1", "1", "1", "0", "1"]
    assert days[25] == ["2026-10-25", "2", "1", "0", "1", "1", "1", "0"]

    _, heat = await csv_of(server, "heatmap", **alpha)
    assert heat[0] == ["weekday", "hour", "arrivals", "missed"] and len(heat) == 1 + 168
    nonzero = [row for row in heat[1:] if row[2:] != ["0", "0"]]
    assert nonzero == [
        ["1", "21", "2", "0"],  # Monday 21:00: C10, C11
        ["2", "9", "1", "0"],  # Tuesday 09:00: C8
        ["4", "10", "3", "1"],  # Thursday 10:00: C1, C2, C3 (left)
        ["4", "11", "1", "1"],  # Thursday 11:00: C4 (missed)
        ["5", "11", "1", "0"],  # Friday 11:00: C12
        ["6", "23", "1", "0"],  # Saturday 23:00: C7
        ["7", "2", "2", "1"],  # Sunday 02:00 twice over: C5, C6 (left)
    ]

    _, comments = await csv_of(server, "comments", **alpha)
    assert comments[0] == ["at", "conversation_id", "score", "comment"]
    assert [row[3] for row in comments[1:]] == ["Top service", SCRIPT]  # as typed

    _, reply = await csv_of(server, "first_reply", lang="en", **alpha)
    assert reply[1:] == [
        ["0-15s", "0"],
        ["15-30s", "3"],
        ["30-60s", "1"],
        ["1-2min", "2"],
        ["2-5min", "0"],
        [">5min", "0"],
    ]
    _, abandoned = await csv_of(server, "abandoned", **alpha)
    assert abandoned[1] == ["0-30s", "1", "0"] and abandoned[5] == [">5min", "1", "0"]
    _, scores = await csv_of(server, "csat", **alpha)
    assert scores[1:] == [["1", "0"], ["2", "1"], ["3", "0"], ["4", "1"], ["5", "1"]]
    _, leads = await csv_of(server, "leads", **alpha)
    assert leads[1:] == [["callback_request", "1"], ["sales_lead", "1"]]
    _, operators = await csv_of(server, "operators", lang="en", **alpha)
    head, row = operators
    assert dict(zip(head, row, strict=True))["within_target_share"] == "0.5714"
    assert set(TABLES) == {
        "summary",
        "days",
        "heatmap",
        "first_reply",
        "abandoned",
        "csat",
        "comments",
        "leads",
        "operators",
    }


async def test_bad_input_names_the_field_and_loses_nothing(
    server: LiveServer, world: World, seeded: Seeded, admin: str
) -> None:
    alpha = {"business_id": world.a.business_id}
    async with await client_as(server, ADMIN) as http:
        before = (await http.get("/api/v1/reports/summary", params={**alpha, **OCTOBER})).json()
        cases = [
            ({"from": "2026-13-01", "to": "2026-10-31"}, "from", "Vul een datum in als"),
            ({"from": "2026-10-31", "to": "2026-10-01"}, "to", "De einddatum ligt vóór"),
            ({"from": "2025-01-01", "to": "2026-10-31"}, "to", "Kies hoogstens 366 dagen."),
            ({"to": "2026-10-31"}, "from", "Dit veld is verplicht."),
        ]
        for params, field, message in cases:
            r = await http.get("/api/v1/reports/summary", params={**alpha, **params})
            assert r.status_code == 422, params
            assert r.json()["data"]["fields"][field].startswith(message), r.json()
        r = await http.get(
            "/api/v1/reports/days.csv",
            params={**alpha, "from": "2026-10-31", "to": "2026-10-01"},
            headers={"accept-language": "en"},
        )
        assert r.status_code == 422
        assert r.json()["data"]["fields"] == {"to": "The end date lies before the start date."}
        assert r.json()["data"]["codes"] == {"to": "report_range_reversed"}
        r = await http.get("/api/v1/reports/nonsense.csv", params={**alpha, **OCTOBER})
        assert (r.status_code, r.json()["code"]) == (404, "report_table_unknown")
        page = await http.get(
            "/reports", params={**alpha, "from": "2026-10-31", "to": "2026-10-01"}
        )
        assert page.status_code == 422
        assert 'role="alert"' in page.text and "De einddatum ligt vóór" in page.text
        assert 'aria-invalid="true"' in page.text
        after = (await http.get("/api/v1/reports/summary", params={**alpha, **OCTOBER})).json()
    assert after == before and after["chats"]["offered"] == 11


def visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


async def test_provider_page_in_dutch_and_english(
    server: LiveServer, world: World, seeded: Seeded, admin: str
) -> None:
    params = {"business_id": world.a.business_id, **OCTOBER}
    async with await client_as(server, ADMIN) as http:
        r = await http.get("/reports", params=params)
        en = await http.get("/reports", params={**params, "lang": "en"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<html lang="nl">' in page and page.count("<h1>") == 1
    assert "<main" in page and "<header" in page and "<nav" in page
    assert "<script" not in page and "<style" not in page and " style=" not in page
    # the visitor's script tag is text on the page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; te traag" in page
    assert "<script>alert" not in page
    # Dutch numbers, every chart with a caption and the table it draws
    text = visible_text(page)
    assert "44,4 %" in text  # 4 of the 9 in time
    assert "12 min 17 s" in text  # handle time mean 736.8 s
    assert page.count("<figure>") == page.count("<figcaption>") == 5
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') == 5
    assert page.count('<th scope="col">') > 30 and '<th scope="row">' in page
    assert "Op alpha" in page  # the provider's own staff see their operators
    for table in TABLES:
        assert f"/api/v1/reports/{table}.csv?" in page, table
    assert en.status_code == 200 and '<html lang="en">' in en.text
    assert "44.4%" in visible_text(en.text) and "Key figures" in en.text


async def test_business_page_shows_no_staff(
    server: LiveServer, world: World, seeded: Seeded, settings: Settings
) -> None:
    await a_question_answered_without_the_faq(settings, world)
    async with await client_as(server, world.a.business_user) as http:
        r = await http.get(f"/reports/business/{world.a.business_id}", params=OCTOBER)
        monthly = await http.get(f"/reports/business/{world.a.business_id}/monthly/2026-10")
        bad_month = await http.get(f"/reports/business/{world.a.business_id}/monthly/2026-13")
    assert r.status_code == 200
    assert "Rapportage Alpha BV" in r.text and r.text.count("<h1>") == 1
    assert "Op alpha" not in r.text and "operators.csv" not in r.text
    assert 'name="operator_id"' not in r.text and 'name="business_id"' not in r.text
    # What the business's people answered without the FAQ, as text, and where to add it.
    gaps = r.text[r.text.index('id="faq-gaps"') :]
    assert "Vaakst gevraagd zonder antwoord in je FAQ" in gaps
    assert "Kan ik met &lt;b&gt;bitcoin&lt;/b&gt; betalen?" in gaps and QUESTION not in r.text
    assert 'href="/portal/faq/zonder-antwoord"' in gaps
    assert monthly.status_code == 200 and monthly.text.count("<h1>") == 1
    assert "Maandrapport Alpha BV: oktober 2026" in monthly.text
    assert "&lt;script&gt;" in monthly.text and "<script>alert" not in monthly.text
    assert "Op alpha" not in monthly.text
    assert bad_month.status_code == 404
