"""The billing pages in a real browser (Debian's Chromium): the provider's month with its CSV
link, a business's own statement in Dutch and English, nothing the strict CSP blocks, and
axe-core without serious or critical findings."""

from __future__ import annotations

from typing import Any

import pytest
from axe_helper import assert_accessible

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.settings import Settings

from livedesk_testing import PASSWORD, LiveServer, World, login

pytestmark = pytest.mark.browser

WATCH = """
    window.__csp = [];
    document.addEventListener("securitypolicyviolation",
        (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`), true);
"""
CONTRACT = {
    "first_reply_seconds": 30,
    "first_reply_share": 0.8,
    "max_queue_wait_seconds": 120,
    "outside_hours": "offline_form",
    "overflow": "offline_form",
    "priority": 0,
    # 09:00–23:00 on 31 days of March: 434 hours at €7,35 = €3.189,90, VAT €669,88
    "billing": {"price": {"kind": "per_hour", "rate": 7.35}, "vat_rate": 0.21},
}


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
    assert await page.evaluate("window.__csp") == [], what
    assert page.problems == [], what
    await assert_accessible(page, what)


async def test_billing_pages_in_the_browser(
    browser: Any, server: LiveServer, settings: Settings, world: World
) -> None:
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            await do_create_user(
                session, username="admin", password=PASSWORD, role=Role.PROVIDER_ADMIN
            )
    finally:
        await engine.dispose()
    async with server.http(cookies={"livedesk_session": await login(server, "admin")}) as http:
        r = await http.put(f"/api/v1/businesses/{world.a.business_id}/contract", json=CONTRACT)
        assert r.status_code == 200, r.text

    month = await open_as(browser, server, "admin", "/billing?month=2026-03")
    assert await month.locator("h1").inner_text() == "Facturatie: maart 2026"
    alpha = month.locator("#statements tbody tr", has_text="Alpha BV")
    assert (await alpha.locator("td").last.inner_text()) == "€3.859,78"
    csv_link = month.get_by_role("link", name="Download de facturatie-export (CSV)")
    assert await csv_link.get_attribute("href") == "/api/v1/billing/statements.csv?month=2026-03"
    await check_page(month, "the provider's month")
    await month.get_by_role("link", name="Alpha BV").click()
    await month.wait_for_url(f"**/billing/{world.a.business_id}?month=2026-03&lang=nl")
    assert "Overzicht Alpha BV" in await month.locator("h1").inner_text()
    await month.context.close()

    own = await open_as(
        browser, server, world.a.business_user, f"/billing/{world.a.business_id}?month=2026-03"
    )
    rows = await own.locator("#statement tr").all_inner_texts()
    assert "Openingsuren met chatdekking\t434\t€7,35\t€3.189,90" in rows
    assert "Btw (21%)\t€669,88" in rows and "Totaal\t€3.859,78" in rows
    await check_page(own, "a business's own statement")
    await own.get_by_role("link", name="Vorige maand").click()
    await own.wait_for_url("**month=2026-02**")
    assert "februari 2026" in await own.locator("h1").inner_text()
    await own.context.close()

    english = await open_as(
        browser, server, world.a.business_user, f"/billing/{world.a.business_id}?lang=en"
    )
    assert "Statement Alpha BV" in await english.locator("h1").inner_text()
    await check_page(english, "the statement in English")
    await english.context.close()
