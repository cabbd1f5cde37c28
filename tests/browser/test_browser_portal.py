"""The client portal in a real browser (Debian's Chromium): a business user logs in at /portal,
sees today's figures and the chats open now, searches and reads transcripts (a visitor's markup
stays text, internal notes never show), reviews leads; a business user of alpha sees nothing of
beta; a business user who opens the console lands in the portal. Every page passes axe without
serious or critical findings."""

from __future__ import annotations

from typing import Any

import pytest
from axe_helper import assert_accessible

from livedesk.settings import Settings
from portal.portal_helpers import Chat, go, h1, open_portal, seed_chats, settled

from livedesk_testing import LiveServer, World, search_indexed

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"


async def test_today_shows_the_figures_and_the_chats_open_now(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await seed_chats(
        settings,
        world.a,
        Chat(first_reply_after=10, lead=True),
        Chat(state="missed", first_reply_after=None, offline_message=True),
        Chat(state="queued", first_reply_after=None, disposition=None, visitor_name="Kees"),
    )
    await seed_chats(settings, world.b, Chat(state="queued", visitor_name="Beta-bezoeker"))
    context, page = await open_portal(browser, server, world.a.business_user)
    assert page.url.endswith("/portal/vandaag")
    assert await h1(page) == "Vandaag"
    assert await page.locator("#stat-chats .value").inner_text() == "3"
    assert await page.locator("#stat-target .value").inner_text() == "1 / 1"
    assert await page.locator("#stat-offline .value").inner_text() == "1"
    rows = await page.locator("#open-chats tbody tr").all_inner_texts()
    assert len(rows) == 1 and "Kees" in rows[0] and "wacht al" in rows[0]
    assert "Beta-bezoeker" not in await page.locator("main").inner_text()
    # The leads in the navigation: two new ones (the lead and the offline message).
    await page.wait_for_selector("nav.side-nav [data-count='new_leads']:not([hidden])")
    assert "2 nieuw" in await page.locator("nav.side-nav a[data-nav=leads]").inner_text()
    await assert_accessible(page, "the portal's today page")
    assert page.js_errors == []
    await context.close()


async def test_transcripts_are_searched_and_read_as_the_business_sees_them(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    orders, other = await seed_chats(
        settings,
        world.a,
        Chat(
            messages=[
                ("visitor", "Mijn bestellingen zijn nog niet geleverd"),
                ("operator", "Ik zoek het voor u uit."),
                ("operator", "Interne notitie: klant belt vaak", True),
                ("visitor", XSS),
            ],
            rating=(4, "Snel geholpen"),
            lead=True,
        ),
        Chat(messages=[("visitor", "Hoe laat gaan jullie open?")], visitor_name="Joop"),
    )
    await search_indexed(server)
    context, page = await open_portal(browser, server, world.a.business_user, "/portal/gesprekken")
    assert await h1(page) == "Gesprekken"
    assert await page.locator(".transcript-item").count() == 2
    await assert_accessible(page, "the transcript list")
    await page.fill("#search-q", "bestelling")
    await page.click("#transcript-search button[type=submit]")
    await page.wait_for_url("**/portal/gesprekken?q=bestelling")
    await settled(page)
    items = page.locator(".transcript-item")
    assert await items.count() == 1
    assert await items.locator("mark").first.inner_text() == "bestellingen"
    export = await page.locator("#export-csv").get_attribute("href")
    assert export is not None and "q=bestelling" in export and "format=csv" in export

    await items.get_by_role("link").click()
    await page.wait_for_url(f"**/portal/gesprekken/{orders}")
    assert (await h1(page)).startswith("Gesprek met Sanne de Vries")
    bodies = await page.locator("#transcript-messages .msg-body").all_inner_texts()
    assert bodies == ["Mijn bestellingen zijn nog niet geleverd", "Ik zoek het voor u uit.", XSS]
    # The visitor's markup is text: no element was made of it, nothing ran.
    assert await page.locator("#transcript-messages img").count() == 0
    assert "Interne notitie" not in await page.locator("main").inner_text()
    assert "4 van 5" in await page.locator("main").inner_text()
    assert "Snel geholpen" in await page.locator("main").inner_text()
    assert await page.locator("#chat-leads li").count() == 1
    await assert_accessible(page, "a transcript")
    await page.go_back()
    await page.wait_for_url("**/portal/gesprekken?q=bestelling")
    await settled(page)
    assert await page.locator(".transcript-item").count() == 1
    assert other not in page.url
    assert page.js_errors == []
    await context.close()


async def test_leads_are_reviewed_in_the_inbox(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await seed_chats(settings, world.a, Chat(lead=True, visitor_name="Lotte"), Chat(lead=True))
    context, page = await open_portal(browser, server, world.a.business_user)
    assert await go(page, "Leads") == "Leads"
    assert await page.locator("#leads tbody tr").count() == 2
    await assert_accessible(page, "the leads inbox")
    await page.get_by_role("link", name="Lotte · sanne@example.nl").click()
    assert await h1(page) == "Lead van Lotte · sanne@example.nl"
    await assert_accessible(page, "a lead")
    await page.click("button[data-decision=disputed]")
    assert await page.locator("#review-reason-err").inner_text() == "Geef een reden."
    await page.fill("#review-reason", "Klopt dit telefoonnummer?")
    await page.click("button[data-decision=disputed]")
    await page.wait_for_function(
        "() => document.querySelector('#lead-history')?.textContent.includes('telefoonnummer')"
    )
    assert "Betwist" in await page.locator("#lead-facts").inner_text()
    # A dispute is settled later either way; a rejection is final.
    assert await page.locator("button[data-decision]").all_inner_texts() == [
        "Accepteren",
        "Afwijzen",
    ]
    await page.fill("#review-reason", "Toch dubbel")
    await page.click("button[data-decision=rejected]")
    await page.wait_for_selector("text=Over deze lead is definitief beslist.")
    await page.wait_for_function(
        "() => document.querySelector('[data-count=new_leads]')?.textContent.startsWith('1')"
    )
    assert page.js_errors == []
    await context.close()


async def test_a_business_user_of_alpha_sees_nothing_of_beta_and_the_console_sends_them_here(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    (beta_chat,) = await seed_chats(settings, world.b, Chat(messages=[("visitor", "beta geheim")]))
    context, page = await open_portal(
        browser, server, world.a.business_user, f"/portal/gesprekken/{beta_chat}"
    )
    assert "Niet gevonden" in await page.locator("main").inner_text()
    assert "beta geheim" not in await page.locator("main").inner_text()
    assert await page.locator("#business-pick").count() == 0  # one business: no choice
    await page.goto(f"{server.url}/console")
    await page.wait_for_url("**/portal/vandaag")
    assert await h1(page) == "Vandaag"
    assert page.js_errors == []
    await context.close()
