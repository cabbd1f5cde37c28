"""The report pages in a real browser (Debian's Chromium): /reports for the provider, the
business's own page, Dutch numbers, charts with their tables, a visitor's comment as text,
nothing the strict CSP blocks, and axe-core without serious or critical findings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_helper import assert_accessible
from sqlalchemy import select

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role, User
from livedesk.conversations.models import Conversation, ConversationEvent, Rating, Visitor
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.settings import Settings

from livedesk_testing import PASSWORD, LiveServer, World, login

pytestmark = pytest.mark.browser

COMMENT = '<img src="x" onerror="window.__pwned=1"> veel te traag'
WATCH = """
    window.__csp = [];
    document.addEventListener("securitypolicyviolation",
        (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`), true);
"""
THURSDAY_10 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)  # 10:00 CEST


async def seed(settings: Settings, world: World) -> None:
    """A provider admin, and three chats of alpha on Thursday 1 October 2026 from 10:00 CEST:
    answered in 20 s and in 40 s (rated 2 with markup as its comment), and one that left."""
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            await do_create_user(
                session, username="admin", password=PASSWORD, role=Role.PROVIDER_ADMIN
            )
            op = await session.scalar(select(User.id).where(User.username == world.a.operator))
            visitor = Visitor(business_id=world.a.business_id, widget_id=world.a.widget_id)
            session.add(visitor)
            await session.flush()
            for i, (reply, state) in enumerate(
                [(20, "closed"), (40, "closed"), (None, "abandoned")]
            ):
                start = THURSDAY_10 + timedelta(minutes=10 * i)
                chat = Conversation(
                    business_id=world.a.business_id,
                    widget_id=world.a.widget_id,
                    visitor_id=visitor.id,
                    state=state,
                    queued_at=start,
                )
                session.add(chat)
                await session.flush()
                events: list[tuple[str, str | None, int]] = [("queued", None, 0)]
                if reply is None:
                    events.append(("abandoned", None, 90))
                else:
                    events += [("accepted", op, 5), ("first_reply", op, reply), ("closed", op, 300)]
                for kind, who, seconds in events:
                    session.add(
                        ConversationEvent(
                            business_id=world.a.business_id,
                            conversation_id=chat.id,
                            kind=kind,
                            operator_id=who,
                            at=start + timedelta(seconds=seconds),
                        )
                    )
                if i == 1:
                    session.add(
                        Rating(
                            conversation_id=chat.id,
                            business_id=world.a.business_id,
                            score=2,
                            comment=COMMENT,
                            created_at=start + timedelta(minutes=6),
                        )
                    )
    finally:
        await engine.dispose()


async def open_as(browser: Any, server: LiveServer, username: str, path: str) -> Any:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    await context.add_cookies(
        [{"name": "livedesk_session", "value": await login(server, username), "url": server.url}]
    )
    page = await context.new_page()
    await page.add_init_script(WATCH)
    page.problems = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.problems.append(str(e)))  # type: ignore[attr-defined]
    response = await page.goto(f"{server.url}{path}")
    assert response is not None and response.status == 200, path
    return page


async def check_page(page: Any, what: str) -> None:
    """Nothing blocked by the page's policy, no script error, no serious axe finding (checked
    in that order: axe's own loader trips the policy once, on purpose)."""
    assert await page.evaluate("window.__csp") == [], what
    assert page.problems == [], what
    await assert_accessible(page, what)


async def open_every_table(page: Any) -> None:
    for summary in await page.locator("main details > summary").all():
        await summary.click()


async def figures(page: Any) -> dict[str, str]:
    rows = {}
    for row in await page.locator("#h-summary ~ table tbody tr").all():
        rows[await row.locator("th").inner_text()] = await row.locator("td").inner_text()
    return rows


async def test_browser_provider_reports(
    server: LiveServer, world: World, settings: Settings, browser: Any, artifacts_dir: Path
) -> None:
    await seed(settings, world)
    period = "from=2026-10-01&to=2026-10-31"
    page = await open_as(
        browser, server, "admin", f"/reports?business_id={world.a.business_id}&{period}"
    )
    assert await page.get_attribute("html", "lang") == "nl"
    assert await page.locator("h1").count() == 1
    assert await page.locator("h1").inner_text() == "Rapportage"
    shown = await figures(page)
    assert shown["Chats aangeboden"] == "3"
    assert shown["Deel op tijd beantwoord"] == "33,3 %"  # 1 of 3 within 30 s
    assert shown["Duur van een chat, gemiddeld"] == "4 min 55 s"  # 295 s each

    # heatmaps: 7 × 24 cells each, named, with the table they draw
    heat = page.locator("#h-heat ~ figure svg").first
    assert await heat.get_attribute("role") == "img"
    assert await heat.locator("rect").count() == 168
    await open_every_table(page)
    thursday = page.locator("table.heat").first.locator("tbody tr").nth(3)
    assert await thursday.locator("th").inner_text() == "donderdag"
    assert await thursday.locator("td").nth(10).inner_text() == "3"

    # the visitor's comment is text, its markup inert
    comment = page.locator("td.comment")
    assert await comment.inner_text() == COMMENT
    assert await page.locator('main img[src="x"]').count() == 0
    assert await page.evaluate("window.__pwned") is None

    await check_page(page, "the provider's reports page with every table open")
    await page.screenshot(path=str(artifacts_dir / "reports-provider.png"), full_page=True)

    # the filter form: one operator's figures
    await page.select_option("#f-operator_id", label="Op alpha")
    await page.click("form.filters button[type=submit]")
    await page.wait_for_url("**operator_id=*")
    assert (await figures(page))["Chats aangeboden"] == "2"  # the one that left was nobody's

    # English on request
    await page.click('header a[hreflang="en"]')
    await page.wait_for_url("**lang=en*")
    assert await page.locator("h1").inner_text() == "Reports"
    assert (await figures(page))["Chats offered"] == "2"
    await check_page(page, "the reports page in English")


async def test_browser_business_reports(
    server: LiveServer, world: World, settings: Settings, browser: Any, artifacts_dir: Path
) -> None:
    await seed(settings, world)
    page = await open_as(
        browser, server, world.a.business_user, "/reports?from=2026-10-01&to=2026-10-31"
    )
    assert page.url.startswith(f"{server.url}/reports/business/{world.a.business_id}?")
    assert await page.locator("h1").inner_text() == "Rapportage Alpha BV"
    assert await page.locator("#h-operators").count() == 0
    assert "Op alpha" not in await page.inner_text("main")
    await open_every_table(page)
    await check_page(page, "a business's own reports page")
    await page.goto(f"{server.url}/reports/business/{world.a.business_id}/monthly/2026-10")
    assert await page.locator("h1").inner_text() == "Maandrapport Alpha BV: oktober 2026"
    await check_page(page, "the monthly report page")
    await page.screenshot(path=str(artifacts_dir / "reports-business.png"), full_page=True)
