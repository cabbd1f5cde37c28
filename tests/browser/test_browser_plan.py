"""The capacity planner's /plan page in a real browser (Debian's Chromium).

The page speaks to a business owner: Dutch labels without symbols, Dutch numbers, example
prices that say they are examples and where they come from, charts whose text lies wholly
inside the drawing, real tables, and input that stays literal text. English stays available.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from livedesk import planning as lp

from livedesk_testing import LiveServer

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.async_api").expect

# every <text> of both charts: its text, class and bounding box, plus the chart's viewBox
CHART_TEXTS = """(svg) => {
  const vb = svg.viewBox.baseVal;
  return {
    viewBox: [vb.x, vb.y, vb.width, vb.height],
    texts: [...svg.querySelectorAll("text")].map((t) => {
      const b = t.getBBox();
      return { text: t.textContent, cls: t.getAttribute("class") || "",
               x: b.x, y: b.y, w: b.width, h: b.height };
    }),
  };
}"""


def dutch(x: float, decimals: int) -> str:
    """Written here independently of the planner: 1,234.50 -> 1.234,50."""
    return f"{x:,.{decimals}f}".translate(str.maketrans(",.", ".,"))


async def table_rows(page: Any, selector: str) -> dict[str, str]:
    rows = await page.locator(f"{selector} tr").all()
    out = {}
    for row in rows:
        th, td = row.locator("th"), row.locator("td")
        if await th.count() and await td.count():
            out[(await th.first.inner_text()).strip()] = (await td.first.inner_text()).strip()
    return out


async def chart_texts(page: Any, figure: str) -> dict[str, Any]:
    return await page.locator(f"{figure} svg").evaluate(CHART_TEXTS)


def assert_inside(chart: dict[str, Any], name: str) -> None:
    """No text of the chart sticks out of its viewBox, and no two legend labels overlap."""
    x0, y0, w, h = chart["viewBox"]
    assert chart["texts"], name
    for t in chart["texts"]:
        assert t["w"] > 0, (name, t)
        inside = (
            t["x"] >= x0 - 0.5
            and t["y"] >= y0 - 0.5
            and t["x"] + t["w"] <= x0 + w + 0.5
            and t["y"] + t["h"] <= y0 + h + 0.5
        )
        assert inside, f"{name}: {t['text']!r} at {t} lies outside the viewBox {chart['viewBox']}"
    legend = [t for t in chart["texts"] if t["cls"] == "legend"]
    for i, a in enumerate(legend):
        for b in legend[i + 1 :]:
            apart = (
                a["x"] + a["w"] <= b["x"]
                or b["x"] + b["w"] <= a["x"]
                or a["y"] + a["h"] <= b["y"]
                or b["y"] + b["h"] <= a["y"]
            )
            assert apart, f"{name}: legend labels {a['text']!r} and {b['text']!r} overlap"


async def test_browser_plan_page_in_dutch_with_whole_charts(
    server: LiveServer, browser: Any, artifacts_dir: Path
) -> None:
    expected = lp.plan()  # the page's default scenario is the library's default
    s = expected.summary
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    response = await page.goto(f"{server.url}/plan")
    assert response is not None and response.status == 200
    assert await page.get_attribute("html", "lang") == "nl"

    # plain Dutch labels instead of symbols and jargon
    main = await page.inner_text("main")
    assert "α" not in main and "shrinkage" not in main.lower()
    for label in (
        "Bezoekers per dag",
        "Hoeveel langer een chat duurt voor elke extra chat tegelijk",
        "Deel van een dienst zonder chat: pauzes, overleg",
        "Hoe lang een bezoeker wacht voor hij weggaat (minuten)",
    ):
        assert label in main
    assert await page.input_value("#f-chat_rate") == "0,035"

    # Dutch numbers, the way the figures are written out by hand
    summary = await table_rows(page, "table.summary")
    assert summary["Chats per maand"] == dutch(s["chats_per_month"], 0) == "1.029"
    assert summary["Kosten zelf chatten per maand"] == "€" + dutch(s["monthly_cost_in_house"], 2)
    assert summary["Kosten zelf chatten per maand"] == "€12.936,00"
    assert summary["Fte nodig, incl. vakantie en ziekte"] == dutch(s["fte_with_absence"], 2)
    assert re.fullmatch(r"\d{1,3},\d%", summary["Chats binnen 30 seconden beantwoord"])
    for text in (main, await page.inner_text("table.outsourcing")):
        assert not re.search(r"€\d{1,3}(,\d{3})*\.\d{2}\b", text), "English money on a Dutch page"

    # the example prices say they are examples and where they come from
    note = await page.inner_text("#example-prices")
    assert note.startswith("Voorbeeldprijzen") and "whitepaper" in note
    assert "geen prijzen van dienstverleners" in note
    caption = await page.inner_text("table.outsourcing caption")
    assert "voorbeeldprijzen" in caption
    outsourcing = await table_rows(page, "table.outsourcing")
    assert "€7,50 per uur" in outsourcing

    # real tables: every column head and row head says what it heads
    for table in ("table.summary", "table.outsourcing", "table.plan-matrix", "table.plan-costs"):
        assert await page.locator(table).count() == 1, table
    assert await page.locator("table.plan-matrix tbody tr").count() == 14  # 09:00-23:00
    assert await page.locator("table.plan-staffing tbody tr").count() == 98
    heads = page.locator("main th")
    scopes = await heads.evaluate_all("(ths) => ths.map((th) => th.getAttribute('scope'))")
    assert scopes and all(scope in ("col", "row") for scope in scopes)
    costs_head = await page.inner_text("table.plan-costs thead")
    assert "incl. 10% afwezigheid, à €14,2857" in costs_head

    # chart text (legends included) lies inside the drawing, legends whole and apart
    costs = await chart_texts(page, "#chart-costs")
    staffing = await chart_texts(page, "#chart-staffing")
    assert_inside(costs, "costs")
    assert_inside(staffing, "staffing")
    legend = {t["text"] for t in costs["texts"] if t["cls"] == "legend"}
    for o in expected.outsourcing:
        assert "voorbeeldprijs: " + o["label"] in legend  # whole, not cut to 38 characters
    assert "zelf chatten" in legend
    assert any("doorlopen" in t["text"] for t in staffing["texts"] if t["cls"] == "legend")

    await page.screenshot(path=str(artifacts_dir / "plan-page-nl.png"), full_page=True)

    # typing recomputes without a reload and keeps the URL shareable
    await page.fill("#f-visitors_per_day", "2000")
    # a locator assertion, not wait_for_function: the page's CSP forbids evaluating strings
    await expect(page.locator("table.summary td").first).to_have_text("2.058")
    assert "visitors_per_day=2000" in page.url
    assert_inside(await chart_texts(page, "#chart-costs"), "costs after typing")
    assert problems == []
    await context.close()


async def test_browser_plan_page_long_legends_english_and_literal_input(
    server: LiveServer, browser: Any, artifacts_dir: Path
) -> None:
    context = await browser.new_context(viewport={"width": 800, "height": 900})
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    # own prices, typed the Dutch way, with labels long enough to need a second legend row
    query = (
        "visitors_per_day=2500&chat_rate=0,04&max_abandon=geen"
        "&per_chat=4,75;%200,85&per_lead=27,50;%200,15&bundle=1295;%20350;%203,95"
        "&monthly_fee=1499;%201250;%2024&per_hour=8,25"
    )
    response = await page.goto(f"{server.url}/plan?{query}")
    assert response is not None and response.status == 200
    assert await page.locator("#example-prices").count() == 0  # own prices: no example note
    caption = await page.inner_text("table.outsourcing caption")
    assert caption == "Uitbesteden tegen uw prijzen"
    costs = await chart_texts(page, "#chart-costs")
    assert_inside(costs, "costs with own prices")
    legend = [t for t in costs["texts"] if t["cls"] == "legend"]
    assert "bundel €1.295/mnd incl. 350 chats, daarboven €3,95 per chat" in {
        t["text"] for t in legend
    }
    assert len({round(t["y"]) for t in legend}) >= 2  # wrapped onto a second row, not cut off
    await page.screenshot(path=str(artifacts_dir / "plan-page-own-prices.png"), full_page=True)

    # English stays available, with English numbers
    await page.click("text=English")
    await page.wait_for_selector("html[lang=en]")
    summary = await table_rows(page, "table.summary")
    chats = lp.plan(visitors_per_day=2500, chat_rate=0.04, max_abandon=None)
    assert summary["Chats per month"] == f"{chats.summary['chats_per_month']:,.0f}" == "2,940"
    assert_inside(await chart_texts(page, "#chart-costs"), "costs in English")
    assert_inside(await chart_texts(page, "#chart-staffing"), "staffing in English")

    # typed input is shown as text, never run as markup
    evil = '"><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    await page.goto(f"{server.url}/plan")
    await page.fill("#f-opening", evil)
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    await page.wait_for_selector(".error")
    assert evil in await page.inner_text(".error")
    assert await page.input_value("#f-opening") == evil
    assert await page.evaluate("window.__pwned") is None
    assert await page.locator("main img, main script").count() == 0
    assert problems == []
    await context.close()
