"""The bot offers choices instead of guessing (Chromium): with nobody online and the bot in the
contract, a vague question gets the plausible entries' questions as buttons plus "none of
these"; choosing one by keyboard gets that entry's answer, "none of these" hands the chat over;
the buttons pass axe, carry the questions verbatim, as text, and come back after a reload."""

from __future__ import annotations

import time
from typing import Any

import pytest
from axe_helper import assert_accessible
from test_browser_widget_overflow import set_contract
from widget_look_helpers import ALL_DAY, W, set_hours, visitor_page

from livedesk.knowledge.bands import Bands
from livedesk.settings import Settings

from livedesk_testing import LiveServer, World, login

pytestmark = pytest.mark.browser

METER = {"question": "Hoe geef ik mijn meterstand door?", "answer": "Via Mijn omgeving."}
MOVING = {"question": "Meterstand & verhuizing: wanneer doorgeven?", "answer": "Op de sleuteldag."}
CHOICES = f"{W} li.choices"


async def ask(page: Any, text: str) -> None:
    await page.fill(f"{W} textarea.input", text)
    await page.keyboard.press("Enter")


async def test_the_bot_offers_choices_a_pick_answers_and_none_hands_over(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await set_hours(settings, world.a.business_id, ALL_DAY)
    await set_contract(settings, world.a.business_id, overflow="bot")
    secret = await login(server, world.a.business_user)
    async with server.http(cookies={"livedesk_session": secret}) as owner:
        for entry in (METER, MOVING):
            made = await owner.post(f"/api/v1/businesses/{world.a.business_id}/faq", json=entry)
            assert made.status_code == 201, made.text
    # Bands that always offer when two entries rank: what is under test is the widget.
    service = server.runtime.extensions["knowledge"]
    service._own_bands[world.a.business_id] = (time.monotonic() + 3600, Bands(1.01, 0.0))

    page = await visitor_page(browser, server, world.a.widget_key)
    await page.click(f"{W} .launcher")
    await page.wait_for_selector(f"{W} textarea.input")
    await ask(page, "meterstand doorgeven")
    await page.wait_for_selector(f"{CHOICES} button", timeout=10_000)
    group = page.locator(f"{CHOICES} [role=group]")
    assert await group.get_attribute("aria-label") == "Bedoelt u een van deze vragen?"
    labels = await page.locator(f"{CHOICES} button").all_inner_texts()
    assert sorted(labels[:-1]) == sorted([METER["question"], MOVING["question"]])  # as text
    assert labels[-1] == "Geen van deze: met een medewerker praten"
    await assert_accessible(page, "the widget with the bot's choices", selector=W)

    # By keyboard: the first choice focused and pressed.
    first = labels[0]
    await page.locator(f"{CHOICES} button").first.focus()
    await page.keyboard.press("Enter")
    answer = METER["answer"] if first == METER["question"] else MOVING["answer"]
    await page.wait_for_selector(f"{W} li.them .text:has-text('{answer}')", timeout=10_000)
    assert await page.locator(CHOICES).count() == 0  # used: gone
    mine = await page.locator(f"{W} li.me .text").all_inner_texts()
    assert mine[-1] == first  # the pick is in the transcript as the visitor's message
    assert page.errors == []

    await ask(page, "meterstand verhuizing")
    await page.wait_for_selector(f"{CHOICES} button", timeout=10_000)
    offered = await page.locator(f"{CHOICES} button").all_inner_texts()
    # A reload while the offer is open: the same buttons again, right under the bot's message.
    await page.reload()
    await page.wait_for_selector(f"{CHOICES} button", timeout=10_000)
    assert await page.locator(f"{CHOICES} button").all_inner_texts() == offered
    above = page.locator(f"{CHOICES} >> xpath=preceding-sibling::li[1]")
    assert "Bedoelt u een van deze vragen?" in await above.inner_text()
    assert await page.locator(f"{CHOICES} >> xpath=following-sibling::li").count() == 0
    await page.locator(f"{CHOICES} button").last.click()
    await page.wait_for_selector(
        f"{W} li.them .text:has-text('Ik geef uw vraag door aan een medewerker.')", timeout=10_000
    )
    assert await page.locator(CHOICES).count() == 0
    assert page.errors == []
    await page.context.close()
