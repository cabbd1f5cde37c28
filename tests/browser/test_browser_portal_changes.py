"""Guidelines and opening hours in the portal, in Chromium: the business proposes, a wrong time
is named beside its input without losing what was typed, a provider admin sees what changes and
approves or rejects, and switches the business to changes that apply at once and to experts who
may join; then a business user joins an open chat. Also the reports and costs pages and the
English switch. Every page passes axe without serious or critical findings."""

from __future__ import annotations

from typing import Any

import pytest
from axe_helper import assert_accessible

from livedesk.settings import Settings
from portal.portal_helpers import Chat, go, h1, open_portal, seed_chats, settled
from roles_testing import create_admin

from livedesk_testing import LiveServer, World, login

pytestmark = pytest.mark.browser


async def status_is(page: Any, text: str) -> None:
    await page.wait_for_function(
        "(want) => document.querySelector('#status')?.textContent === want", arg=text
    )


async def test_a_business_proposes_and_the_provider_decides(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await create_admin(settings)
    context, page = await open_portal(browser, server, world.a.business_user)
    assert await go(page, "Richtlijnen") == "Richtlijnen"
    assert "zodra de chatdienst" in await page.locator("#change-mode").inner_text()
    await page.fill("[data-path='guidelines.tone']", "Altijd u, nooit je")
    contacts = page.get_by_role("group", name="Contactpersonen")
    await contacts.get_by_role("button", name="Contactpersoon toevoegen").click()
    await contacts.get_by_label("Naam").fill("Marja")
    await contacts.get_by_label("E-mail").fill("marja-bij-alpha")
    await assert_accessible(page, "the guidelines form")
    await page.click("#guidelines-form button[type=submit]")
    email = contacts.get_by_label("E-mail")
    await page.wait_for_selector("[data-path='guidelines.contacts.0.email'][aria-invalid=true]")
    assert await email.input_value() == "marja-bij-alpha"  # what was typed stays
    await email.fill("marja@alpha.example")
    await page.click("#guidelines-form button[type=submit]")
    await status_is(page, "Uw voorstel is ingediend. U ziet hier wanneer het is goedgekeurd.")
    await page.wait_for_selector("#pending-change")
    assert "Wacht op goedkeuring" in await page.locator("#change-history").inner_text()

    assert await go(page, "Openingstijden") == "Openingstijden"
    monday = page.get_by_role("group", name="maandag")
    await monday.get_by_role("button", name="Tijd toevoegen").click()
    await monday.get_by_label("Van (maandag, tijd 2)").fill("22:00")
    await monday.get_by_label("Tot (maandag, tijd 2)").fill("23:30")  # inside 09:00–23:00
    await page.click("#opening_hours-form button[type=submit]")
    await page.wait_for_selector("[data-path='opening_hours.weekly.mon.1.0'][aria-invalid=true]")
    assert "overlapt" in await monday.locator(".field-error:not([hidden])").inner_text()
    assert await monday.get_by_label("Van (maandag, tijd 2)").input_value() == "22:00"
    await assert_accessible(page, "the opening-hours form with an error")
    await monday.get_by_role("button", name="Tijd 2 van maandag verwijderen").click()
    sunday = page.get_by_role("group", name="zondag")
    await sunday.get_by_label("Gesloten (zondag)").check()
    await page.click("#opening_hours-form button[type=submit]")
    await status_is(page, "Uw voorstel is ingediend. U ziet hier wanneer het is goedgekeurd.")
    await context.close()

    context, page = await open_portal(browser, server, "admin", "/portal/voorstellen")
    assert await h1(page) == "Voorstellen van klanten"
    cards = page.locator("article.change-request")
    assert await cards.count() == 2
    hours = cards.filter(has_text="Openingstijden")
    assert "zondag" in await hours.locator("table.diff").inner_text()
    await assert_accessible(page, "the provider's proposals")
    await hours.get_by_label("Toelichting voor de klant").fill("Zondag blijven we open")
    await hours.get_by_role("button", name="Afwijzen").click()
    await status_is(page, "Afgewezen")
    await page.wait_for_function(
        "() => document.querySelectorAll('article.change-request').length === 1"
    )
    await page.get_by_role("button", name="Goedkeuren").click()
    await status_is(page, "Goedgekeurd en ingegaan")
    await page.wait_for_selector("#no-pending-requests")
    await page.get_by_label("Voorstellen eerst goedkeuren").uncheck()
    await page.get_by_label("Medewerkers van de klant mogen meedoen in gesprekken").check()
    await page.click("#portal-settings button[type=submit]")
    await status_is(page, "Opgeslagen")
    await context.close()

    async with server.http(cookies={"livedesk_session": await login(server, "admin")}) as http:
        business = (await http.get(f"/api/v1/businesses/{world.a.business_id}")).json()
    assert business["guidelines"]["tone"] == "Altijd u, nooit je"
    assert business["opening_hours"]["weekly"]["sun"] == [["09:00", "23:00"]]  # rejected

    context, page = await open_portal(browser, server, world.a.business_user, "/portal/richtlijnen")
    assert "direct in" in await page.locator("#change-mode").inner_text()
    statuses = await page.locator("#change-history .badge").all_inner_texts()
    assert statuses == ["Goedgekeurd"]
    await page.fill("[data-path='guidelines.never_promise']", "Gratis verzending")
    await page.click("#guidelines-form button[type=submit]")
    await status_is(page, "Opgeslagen: de wijziging is direct ingegaan.")
    await go(page, "Openingstijden")
    history = await page.locator("#change-history").inner_text()
    assert "Afgewezen" in history and "Zondag blijven we open" in history
    assert page.js_errors == []
    await context.close()


async def test_an_allowed_business_user_joins_an_open_chat_from_today(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await create_admin(settings)
    (cid,) = await seed_chats(
        settings, world.a, Chat(state="active", disposition=None, messages=[("visitor", "Hoi")])
    )
    context, page = await open_portal(browser, server, world.a.business_user)
    features = await page.evaluate("fetch('/api/v1/portal/features').then(r => r.json())")
    if not features["expert_join"]:
        pytest.skip("the expert join is not on this server")
    assert await page.locator("#open-chats button").count() == 0  # not allowed yet
    async with server.http(cookies={"livedesk_session": await login(server, "admin")}) as http:
        r = await http.put(
            f"/api/v1/businesses/{world.a.business_id}/portal-settings",
            json={"experts_may_join": True},
        )
        assert r.status_code == 200
    await page.reload()
    await settled(page)
    join = page.get_by_role("button", name="Meedoen met het gesprek met Sanne de Vries")
    await assert_accessible(page, "today with a join button")
    await join.click()
    await page.wait_for_url(f"**/portal/chat/{cid}")
    async with server.http(
        cookies={"livedesk_session": await login(server, world.a.business_user)}
    ) as http:
        detail = (await http.get(f"/api/v1/portal/transcripts/{cid}")).json()
    assert [m["author_kind"] for m in detail["messages"]][-1] == "system"  # "… joined"
    await context.close()


async def test_reports_costs_and_english(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await seed_chats(settings, world.a, Chat(rating=(5, None)), Chat(lead=True))
    context, page = await open_portal(browser, server, world.a.business_user)
    nav = await page.locator("nav.side-nav").inner_text()
    if "Rapportage" in nav:
        assert await go(page, "Rapportage") == "Rapportage"
        # The reports count from the chat's event log (these chats were written without one).
        assert (await page.locator("#rep-offered .value").inner_text()).isdigit()
        assert await page.locator("#full-report").get_attribute("href") is not None
        await assert_accessible(page, "the reports page")
    if "Kosten" in nav:
        assert await go(page, "Kosten") == "Kosten"
        await page.wait_for_selector("#statement, #statement-empty")
        await assert_accessible(page, "the costs page")
    await page.click("#lang-switch")
    await page.wait_for_function("() => document.documentElement.lang === 'en'")
    await settled(page)
    assert await go(page, "Conversations") == "Conversations"
    assert await page.locator("label[for=search-q]").inner_text() == "Search what was said"
    await assert_accessible(page, "the conversations in English")
    assert page.js_errors == []
    await context.close()


async def test_an_operator_is_sent_to_the_console_and_a_manager_picks_a_business(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await seed_chats(settings, world.b, Chat(messages=[("visitor", "Vraag aan beta")]))
    context, page = await open_portal(browser, server, world.a.operator)
    await page.wait_for_selector("#to-console")
    assert await page.locator("h1").inner_text() == "Het klantportaal is voor klanten"
    await assert_accessible(page, "the portal's page for operators")
    await context.close()
    context, page = await open_portal(browser, server, "super", "/portal/gesprekken")
    await page.select_option("#business-pick", label="Beta BV")
    await settled(page)
    await page.wait_for_selector(".transcript-item")
    assert "Vraag aan beta" in await page.locator("#transcript-results").inner_text()
    await assert_accessible(page, "the portal as a supervisor sees it")
    assert page.js_errors == []
    await context.close()
