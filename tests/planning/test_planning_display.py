"""Figures rounded half up as people round them, Dutch numbers, and the /plan page."""

from __future__ import annotations

import re
import warnings

import pytest
from fastapi import FastAPI

from livedesk import planning as lp
from livedesk.planning.numbers import money, num, pct
from livedesk.planning.views import router

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient


# ---- figures rounded half up, Dutch numbers, the rate behind the absence column ----------


def test_numbers_round_half_up_and_read_dutch() -> None:
    assert num(2.695, 2) == "2,70" and num(2.695, 2, "en") == "2.70"  # f"{2.695:.2f}" is 2.69
    assert num(2.45 * 1.1, 2) == "2,70"
    assert num(1029, 0) == "1.029" and num(1029, 0, "en") == "1,029"
    assert money(12936) == "€12.936,00" and money(12936, "en") == "€12,936.00"
    assert money(0.125) == "€0,13" and money(-2.5) == "-€2,50"
    assert pct(0.0245) == "2,5%" and pct(0.944, 1, "en") == "94.4%"


def test_fte_incl_absence_shows_2_70_for_2_695() -> None:
    # one operator in each of 98 open hours: 98 / 40 = 2.45 fte, plus 10 % absence = 2.695
    p = lp.plan(visitors_per_day=100)
    assert p.summary["scheduled_hours_per_week"] == 98
    assert p.summary["fte_with_absence"] == pytest.approx(2.695)
    assert "fte incl. afwezigheid        2,70" in p.table()
    assert "(2,70 fte incl. afwezigheid" in p.recommendation
    en = lp.plan(visitors_per_day=100, lang="en")
    assert "(2.70 FTE incl. absence" in en.recommendation
    page = _client().get("/plan", params={"visitors_per_day": 100})
    assert '<th scope="row">Fte nodig, incl. vakantie en ziekte</th><td>2,70</td>' in page.text


def test_cost_table_names_the_rate_of_its_absence_column() -> None:
    p = lp.plan()
    text = p.table()
    assert "incl. 10% afwezigheid, à €14,2857" in text and "à €14,29 (afgerond)" in text
    assert "max. afhakers 5%" in text and "max. afhakers -" in lp.plan(max_abandon=None).table()
    row40 = next(r for r in p.cost_table if r["hours_per_week"] == 40)
    # the absence column is the exact rate's: 40 × 4.2 × 2400/168 × 1.1, not × 14.29
    assert row40["monthly_with_absence"] == 2640.00
    assert round(40 * 4.2 * 14.29 * 1.1, 2) != 2640.00
    en = lp.plan(lang="en", absence_surcharge=0.12, gross_salary_month=2500).table()
    assert "incl. 12% absence, at €17.8571" in en  # 2500 × 1.2 / 168 = 17.857142…


# ---- the page -------------------------------------------------------------------------


def _client() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    return TestClient(app)


def test_page_reads_dutch_numbers_and_writes_them() -> None:
    c = _client()
    dutch = c.get(
        "/plan",
        params={"chat_rate": "0,05", "per_chat": "4,5; 0,9", "per_hour": "8,25"},
    )
    assert dutch.status_code == 200
    ref = lp.plan(
        chat_rate=0.05,
        prices=[
            {"kind": "per_chat", "price": 4.5, "billable_share": 0.9},
            {"kind": "per_hour", "rate": 8.25},
        ],
    )
    cost = ref.summary["monthly_cost_in_house"]
    assert f"<td>{money(cost)}</td>" in dutch.text and "." in money(cost)
    assert "€4,50 per factureerbare chat" in dutch.text and "€8,25 per uur" in dutch.text
    assert 'id="example-prices"' not in dutch.text  # own prices are not examples
    assert "Uitbesteden tegen uw prijzen" in dutch.text
    # the API keeps reading dot decimals with comma separators
    api = c.get("/api/v1/plan", params={"chat_rate": "0.05", "per_chat": "4.5,0.9"})
    assert api.json()["outsourcing"][0]["params"]["billable_share"] == 0.9
    assert c.get("/plan", params={"max_abandon": "geen"}).status_code == 200


def test_page_labels_example_prices_and_uses_real_tables() -> None:
    page = _client().get("/plan").text
    visible = re.sub(r"<[^>]+>", " ", page)
    assert "α" not in visible and "shrinkage" not in visible.lower()
    assert "Voorbeeldprijzen, geen offerte" in page and "Livechat uitbesteden" in page
    assert "<pre>" not in page
    assert page.count('<th scope="row">') >= 98 + 14 and '<th scope="col">' in page
    assert "<th>" not in page  # every head says whether it heads a row or a column
    en = _client().get("/plan", params={"lang": "en"}).text
    assert 'lang="en"' in en and "Example prices, not a quote" in en
    assert "€12,936.00" in en and "€12.936,00" in page


def test_page_escapes_every_input() -> None:
    evil = '"><script>alert(1)</script>'
    c = _client()
    for field in ("opening", "per_chat", "visitors_per_day", "hourly_profile", "lang"):
        page = c.get("/plan", params={field: evil})
        assert "<script>alert(1)</script>" not in page.text, field
        assert '"><script>' not in page.text, field
