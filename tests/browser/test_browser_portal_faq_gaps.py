"""The portal's "questions without an answer" in Chromium: a shop owner sees what operators had
to answer without the FAQ, most asked first, opens one in its conversation and adds it to the
FAQ with its words and the operator's answer filled in. Visitor text stays text; the page
passes axe."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axe_helper import assert_accessible

from livedesk.db import utcnow
from livedesk.settings import Settings
from portal.portal_helpers import Chat, h1, open_portal, seed_chats, settled

from livedesk_testing import LiveServer, World

pytestmark = pytest.mark.browser

BITCOIN = "Kan ik met <b>bitcoin</b> betalen?"


async def test_a_shop_owner_turns_a_question_without_an_answer_into_an_faq_entry(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    now = utcnow()
    await seed_chats(
        settings,
        world.a,
        Chat(
            started=now - timedelta(days=12),
            messages=[("visitor", "betalen met bitcoin, kan dat?"), ("operator", "Nee.")],
        ),
        Chat(
            started=now - timedelta(days=2),
            messages=[
                ("visitor", "Hallo"),
                ("operator", "Goedemiddag, waarmee kan ik helpen?"),
                ("visitor", BITCOIN),
                ("operator", "Nee, alleen iDEAL."),
            ],
        ),
        Chat(
            started=now - timedelta(days=1),
            messages=[("visitor", "Hebben jullie een winkel in Utrecht?"), ("operator", "Nee.")],
        ),
    )
    context, page = await open_portal(browser, server, world.a.business_user, "/portal/faq")
    await page.locator("nav.tabs").get_by_role("link", name="Zonder antwoord").click()
    assert await h1(page) == "Vragen zonder antwoord in de FAQ"
    rows = page.locator("#faq-gaps tbody tr")
    assert await rows.count() == 2
    first = rows.nth(0)
    # Asked twice, the latest wording leads; the visitor's markup is shown as typed.
    assert (await first.locator("th").inner_text()).startswith(BITCOIN)
    assert await first.locator("th b").count() == 0
    assert "Ook gevraagd als: betalen met bitcoin, kan dat?" in await first.inner_text()
    assert await first.locator("td").nth(0).inner_text() == "2"
    assert (await rows.nth(1).locator("th").inner_text()) == "Hebben jullie een winkel in Utrecht?"
    await assert_accessible(page, "the questions without an answer")

    # A shorter period leaves out the older wording.
    await page.select_option("#gaps-period", "7")
    await page.wait_for_url("**/portal/faq/zonder-antwoord?dagen=7")
    await settled(page)
    bitcoin = page.locator("#faq-gaps tbody tr", has_text="bitcoin")
    assert await bitcoin.locator("td").nth(0).inner_text() == "1"
    assert "Ook gevraagd als" not in await bitcoin.inner_text()

    conversation = bitcoin.get_by_role("link", name="Gesprek bekijken")
    assert "/portal/gesprekken/" in (await conversation.get_attribute("href") or "")
    await bitcoin.get_by_role("link", name="Toevoegen aan FAQ").click()
    assert await h1(page) == "Nieuwe vraag"
    # The visitor's words and the operator's answer, to edit before saving.
    assert await page.locator("#faq-question").input_value() == BITCOIN
    assert await page.locator("#faq-answer").input_value() == "Nee, alleen iDEAL."
    await page.fill("#faq-question", "Kan ik met bitcoin betalen?")
    await page.fill("#faq-answer", "Nee, u betaalt met iDEAL of creditcard.")
    await page.click("#faq-form button[type=submit]")
    await page.wait_for_function("() => document.title.startsWith('FAQ: Kan ik met bitcoin')")
    assert page.js_errors == []
    await context.close()


async def test_the_list_says_so_when_every_question_had_an_answer_in_either_language(
    server: LiveServer, world: World, browser: Any
) -> None:
    context, page = await open_portal(
        browser, server, world.a.business_user, "/portal/faq/zonder-antwoord"
    )
    assert await h1(page) == "Vragen zonder antwoord in de FAQ"
    assert await page.locator("#gaps-empty").inner_text() == (
        "Geen vragen zonder antwoord in deze periode."
    )
    await page.click("#lang-switch")  # the same page, in English
    await page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert await h1(page) == "Questions without an answer in the FAQ"
    assert await page.locator("#gaps-empty").inner_text() == (
        "No questions without an answer in this period."
    )
    assert await page.locator("label[for=gaps-period]").inner_text() == "Period"
    await assert_accessible(page, "the empty list, in English")
    assert page.js_errors == []
    await context.close()
