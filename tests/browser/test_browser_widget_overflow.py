"""A visitor never waits forever, and is told the truth while waiting (Chromium): the queue line
with position and estimate, "nobody online" when nobody is; the contract's maximum wait (made
short here) hands the chat to the offline form, filled in with what the visitor said; with
nobody online and the bot in the contract the bot tries first, and what it promises is shown.
And the form of address the business chose ("u" by default, or "je") in every string."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_helper import assert_accessible
from sqlalchemy import select, update
from widget_look_helpers import ADMIN, ALL_DAY, W, db, operator_online, set_hours, visitor_page
from widget_look_helpers import wait_until_open as open_for_chat

from livedesk.accounts.models import OperatorProfile, User
from livedesk.businesses.models import Business, default_contract
from livedesk.conversations.models import Conversation
from livedesk.leads.models import Lead
from livedesk.settings import Settings
from roles_testing import create_admin

from livedesk_testing import LiveServer, World, login

pytestmark = pytest.mark.browser


@pytest.fixture
async def admin(settings: Settings, world: World) -> str:
    return await create_admin(settings, ADMIN)


async def set_contract(settings: Settings, business_id: str, **terms: Any) -> None:
    """Stored as the back office stores it; the API's minimum wait (10 s) is shortened here."""

    async def work(session: Any) -> None:
        contract = {**default_contract(), "outside_hours": "offline_form", **terms}
        await session.execute(
            update(Business).where(Business.id == business_id).values(contract=contract)
        )

    await db(settings, work)


async def rows(settings: Settings) -> tuple[list[tuple[str, str]], list[tuple[str, str | None]]]:
    """(conversation id, state) of every chat; (kind, conversation id) of every lead."""

    async def work(session: Any) -> Any:
        chats = (await session.execute(select(Conversation.id, Conversation.state))).all()
        leads = (await session.execute(select(Lead.kind, Lead.conversation_id))).all()
        return [tuple(c) for c in chats], [tuple(lead) for lead in leads]

    return await db(settings, work)


async def status(page: Any) -> str:
    return str(await page.locator(f"{W} .status").inner_text())


async def test_past_the_maximum_wait_the_chat_offers_the_form_filled_in(
    server: LiveServer, world: World, settings: Settings, browser: Any, artifacts_dir: Path
) -> None:
    await set_hours(settings, world.a.business_id, ALL_DAY)
    agent = await operator_online(server, world.a.operator)
    await open_for_chat(server, world.a.widget_key)
    page = await visitor_page(browser, server, world.a.widget_key)
    await page.click(f"{W} .launcher")
    await page.wait_for_selector(f"{W} textarea.input")
    # Shortened once the chat is on screen (a 3 s maximum would already refuse new chats).
    await set_contract(settings, world.a.business_id, max_queue_wait_seconds=3)
    # The only operator steps away after the visitor opened the chat: nobody is online now.
    await agent.send(type="presence", state="away")
    await agent.wait_type("presence", state="away")
    await page.fill(f"{W} textarea.input", "Waar blijft mijn pakket?")
    await page.keyboard.press("Enter")
    # Honest while waiting: the place in line, and that nobody is online (not "busy").
    await page.wait_for_selector(f"{W} .status:has-text('nummer 1')")
    line = await status(page)
    assert "Er is nu geen medewerker online." in line and "druk" not in line

    # The contract's 3 s pass: the offline form, in the chat, with the question filled in.
    form = page.locator(f"{W} .after form.offline")
    await form.wait_for(timeout=10_000)
    assert await page.locator(f"{W} #ld-off-question").input_value() == "Waar blijft mijn pakket?"
    assert "langer dan we willen" in await page.locator(f"{W} .after").inner_text()
    assert await page.locator(f"{W} .composer").is_hidden()
    assert await page.locator(f"{W} .after:has-text('beëindigd')").count() == 0
    assert await page.locator(f"{W} #ld-off-phone").get_attribute("autocomplete") == "tel"
    await assert_accessible(page, "the offline form inside a chat", selector=W)
    await page.fill(f"{W} #ld-off-name", "Piet")
    await page.fill(f"{W} #ld-off-email", "piet@example.nl")
    await page.check(f"{W} #ld-off-consent")
    await page.screenshot(path=str(artifacts_dir / "widget-overflow-form.png"))
    await page.click(f"{W} form.offline button[type=submit]")
    await page.wait_for_selector(f"{W} .offline-view .ok")

    chats, leads = await rows(settings)
    assert [state for _, state in chats] == ["abandoned"]
    assert leads == [("offline_message", chats[0][0])]
    # A reload keeps the form (not "ended") until it was sent; after that, the end of the chat.
    await page.reload()
    await page.wait_for_selector(f"{W} .after .lead")
    assert await page.locator(f"{W} form.offline").count() == 0
    await page.context.close()
    await agent.close()


async def test_with_nobody_online_the_bot_tries_first_and_the_form_it_promises_comes(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await set_hours(settings, world.a.business_id, ALL_DAY)
    await set_contract(settings, world.a.business_id, overflow="bot_then_form")
    page = await visitor_page(browser, server, world.a.widget_key)
    await page.click(f"{W} .launcher")
    # Not the offline form at once: the chat, with the bot to answer first.
    await page.wait_for_selector(f"{W} textarea.input")
    assert await page.locator(f"{W} form.offline").count() == 0
    assert "digitale assistent" in await status(page)
    await page.fill(f"{W} textarea.input", "Kan ik met goud betalen?")
    await page.keyboard.press("Enter")
    said = page.locator(f"{W} li.them .text")
    await said.wait_for(timeout=10_000)
    assert "offline formulier" in await said.inner_text()
    assert await page.locator(f"{W} li.them .who").inner_text() == "Automatisch antwoord"
    # What the bot promised is there, right under its message.
    await page.wait_for_selector(f"{W} .after form.offline", timeout=10_000)
    assert await page.locator(f"{W} #ld-off-question").input_value() == "Kan ik met goud betalen?"
    await page.context.close()


async def test_the_queue_line_shows_place_and_estimate_and_keeps_them_current(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await set_hours(settings, world.a.business_id, ALL_DAY)

    async def one_chat_at_a_time(session: Any) -> None:
        user_id = await session.scalar(select(User.id).where(User.username == world.a.operator))
        await session.execute(
            update(OperatorProfile)
            .where(OperatorProfile.user_id == user_id)
            .values(max_concurrent=1)
        )

    await db(settings, one_chat_at_a_time)
    # A wait of minutes (a chat holds its slot 5 minutes before any data) is within the contract.
    await set_contract(settings, world.a.business_id, max_queue_wait_seconds=3600)
    agent = await operator_online(server, world.a.operator)
    await open_for_chat(server, world.a.widget_key)
    first = await visitor_page(browser, server, world.a.widget_key)
    await first.click(f"{W} .launcher")
    await first.fill(f"{W} textarea.input", "Eerste vraag")
    await first.keyboard.press("Enter")
    offer = await agent.wait_type("offer", timeout=10)
    await agent.send(type="accept", conversation_id=offer["conversation_id"])
    await first.wait_for_selector(f"{W} .status:has-text('U chat met')")

    second = await visitor_page(browser, server, world.a.widget_key)
    await second.click(f"{W} .launcher")
    await second.fill(f"{W} textarea.input", "Tweede vraag")
    await second.keyboard.press("Enter")
    await second.wait_for_selector(f"{W} .status:has-text('nummer 1')")
    line = await status(second)
    assert line.startswith("U bent nummer 1 in de wachtrij. Geschatte wachttijd: ongeveer")
    assert "druk" not in line and "geen medewerker" not in line
    # The operator finishes the first chat: the waiting one is next, and its line says so.
    await agent.send(type="close", conversation_id=offer["conversation_id"])
    nxt = await agent.wait_for(
        lambda f: f.get("type") == "offer" and f["conversation_id"] != offer["conversation_id"]
    )
    await agent.send(type="accept", conversation_id=nxt["conversation_id"])
    await second.wait_for_selector(f"{W} .status:has-text('U chat met')")
    for page in (first, second):
        await page.context.close()
    await agent.close()


@pytest.mark.parametrize("form", ["u", "je"])
async def test_every_string_uses_the_business_form_of_address(
    server: LiveServer, world: World, settings: Settings, browser: Any, admin: str, form: str
) -> None:
    cookies = {"livedesk_session": await login(server, ADMIN)}
    async with server.http(cookies=cookies) as http:
        r = await http.patch(
            f"/api/v1/businesses/{world.a.business_id}", json={"form_of_address": form}
        )
    assert r.status_code == 200, r.text
    await set_hours(settings, world.a.business_id, ALL_DAY)
    agent = await operator_online(server, world.a.operator)
    await open_for_chat(server, world.a.widget_key)
    page = await visitor_page(browser, server, world.a.widget_key)
    await page.click(f"{W} .launcher")
    placeholder = await page.locator(f"{W} textarea.input").get_attribute("placeholder")
    await page.fill(f"{W} textarea.input", "Hallo")
    await page.keyboard.press("Enter")
    offer = await agent.wait_type("offer", timeout=10)
    await agent.send(type="accept", conversation_id=offer["conversation_id"])
    await page.wait_for_selector(f"{W} .status:has-text('chat met')")
    mine = await page.locator(f"{W} li.me .who").inner_text()
    line = await status(page)
    await agent.send(type="close", conversation_id=offer["conversation_id"])
    await page.wait_for_selector(f"{W} form.rating legend")
    question = await page.locator(f"{W} form.rating legend").inner_text()
    said = {
        "u": (
            "Typ uw bericht…",
            "U",
            "U chat met Op alpha.",
            "Hoe tevreden bent u over dit gesprek?",
        ),
        "je": (
            "Typ je bericht…",
            "Jij",
            "Je chat met Op alpha.",
            "Hoe tevreden ben je over dit gesprek?",
        ),
    }
    assert (placeholder, mine, line, question) == said[form]
    await page.context.close()
    await agent.close()
