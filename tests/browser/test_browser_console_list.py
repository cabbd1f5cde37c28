"""The console's chat list and the open chat in Chromium: rows that say who, the last message
and its age, the wait and the unread count, in an order that stays put (Alt+number keeps its
chat); accepting with one key or one click opens the chat with the composer focused; no close
or outcome before accepting, and the outcome is chosen, never preset; the note checkbox does
not follow to another chat; a closed chat has no ticking clock; a locked composer looks it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from console_helpers import open_all_day, open_console, operators_online, visitor
from sqlalchemy import select
from test_browser_chat import db

from livedesk.conversations.models import Conversation
from livedesk.settings import Settings

from livedesk_testing import LiveServer, World

pytestmark = pytest.mark.browser


async def row_ids(page: Any) -> list[str]:
    return await page.eval_on_selector_all(
        "#chatlist button.item", "rows => rows.map(r => r.dataset.cid)"
    )


def row(page: Any, cid: str) -> Any:
    return page.locator(f'#chatlist button.item[data-cid="{cid}"]')


async def state_of(settings: Settings, cid: str) -> tuple[str, str | None]:
    async def work(session: Any) -> tuple[str, str | None]:
        c = (await session.scalars(select(Conversation).where(Conversation.id == cid))).one()
        return c.state, c.disposition

    return await db(settings, work)


async def test_rows_say_who_what_how_long_and_keep_their_place(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await open_all_day(settings, world)
    ctx, op = await open_console(browser, server, world.a.operator)
    await operators_online(server, world.a.widget_key, 1)
    petra = await visitor(server, prechat={"name": "Petra"}, first="Waar blijft mijn pakket?")
    await asyncio.sleep(0.05)  # started one after the other: the order is by start
    anon = await visitor(server, first="Hallo, is er iemand?")
    await asyncio.sleep(0.05)
    third = await visitor(server, first="Wat kost verzending?")
    await op.wait_for_function(
        "() => document.querySelectorAll('#chatlist button.item').length === 3"
    )
    assert await row_ids(op) == [petra.cid, anon.cid, third.cid]

    first = row(op, petra.cid)
    assert await first.locator(".name strong").inner_text() == "Petra"
    assert await first.locator(".biz").inner_text() == "Alpha BV"
    assert await first.locator(".last").inner_text() == "Waar blijft mijn pakket?"
    assert await first.locator(".age").inner_text() == "zojuist"
    assert await first.locator(".key").inner_text() == "1"
    assert (await first.locator(".unread").inner_text()).startswith("1")
    # Without a name: "Bezoeker" and a number, the same for every colleague.
    name = await row(op, anon.cid).locator(".name strong").inner_text()
    assert name.startswith("Bezoeker ") and name.split()[1].isdigit()
    # The wait counts up every second while the visitor waits.
    wait = row(op, anon.cid).locator(".wait")
    before = await wait.inner_text()
    assert before.startswith("wacht ") or before.startswith("verloopt over ")
    await op.wait_for_function(
        "([sel, t]) => document.querySelector(sel).textContent !== t",
        arg=[f'#chatlist button.item[data-cid="{anon.cid}"] .wait', before],
    )

    # Alt+2 opens the second; accepting it (its state changes) keeps every row in its place.
    await op.keyboard.press("Alt+2")
    await op.wait_for_selector("#chat-title:has-text('Bezoeker')")
    await op.click("#accept")
    await op.wait_for_selector(".chat-head .sub:has-text('actief')")
    assert await row_ids(op) == [petra.cid, anon.cid, third.cid]
    assert await row(op, anon.cid).locator(".chip").inner_text() == "mijn chat"
    await op.fill("#composer-input", "Goedemiddag, waarmee kan ik helpen?")
    await op.keyboard.press("Enter")
    last = row(op, anon.cid).locator(".last")
    await op.wait_for_function(
        "sel => document.querySelector(sel).textContent.startsWith('Jij: ')",
        arg=f'#chatlist button.item[data-cid="{anon.cid}"] .last',
    )
    assert await last.inner_text() == "Jij: Goedemiddag, waarmee kan ik helpen?"
    # Answered: the visitor is no longer waiting.
    await op.wait_for_function(
        "sel => document.querySelector(sel).textContent === ''",
        arg=f'#chatlist button.item[data-cid="{anon.cid}"] .wait',
    )

    # Another message from Petra while another chat is open: her unread count goes up.
    await petra.say("Het is al een week onderweg")
    await op.wait_for_function(
        "sel => document.querySelector(sel)?.textContent.startsWith('2')",
        arg=f'#chatlist button.item[data-cid="{petra.cid}"] .unread',
    )
    assert await first.locator(".last").inner_text() == "Het is al een week onderweg"
    await op.keyboard.press("Alt+1")
    await op.wait_for_selector("#chat-title:has-text('Petra')")
    assert await first.locator(".unread").count() == 0
    await op.keyboard.press("Alt+2")
    await op.wait_for_selector("#chat-title:has-text('Bezoeker')")
    assert await op.evaluate("document.activeElement.id") == "composer-input"
    assert op.js_errors == []
    for guest in (petra, anon, third):
        await guest.close()
    await ctx.close()


async def test_accept_with_one_key_or_click_then_close_with_a_chosen_outcome(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await open_all_day(settings, world)
    ctx, op = await open_console(browser, server, world.a.operator)
    await operators_online(server, world.a.widget_key, 1)
    guest = await visitor(server, prechat={"name": "Sanne"}, first="Kan ik ruilen?")
    await op.wait_for_selector("#offer-bar .offer")
    assert "Sanne" in await op.locator("#offer-bar").inner_text()

    # Looking at the offered chat: no close, no outcome; the composer is locked and looks it.
    await row(op, guest.cid).click()
    await op.wait_for_selector("#accept")
    assert await op.locator("#close-chat, #disposition").count() == 0
    composer = op.locator("#composer-input")
    assert await composer.get_attribute("readonly") is not None
    assert await composer.get_attribute("aria-disabled") is not None
    assert await op.locator("#send").is_disabled()
    hint = await op.locator("#composer-hint").inner_text()
    assert hint.startswith("Neem de chat eerst aan")
    locked = await composer.evaluate(
        "t => [getComputedStyle(t).backgroundColor, getComputedStyle(t).cursor,"
        " getComputedStyle(t).borderTopStyle]"
    )
    assert locked[1:] == ["not-allowed", "dashed"] and locked[0] != "rgb(255, 255, 255)"

    # One key: Alt+A accepts the offer; the chat is ours and the composer has the focus.
    await op.locator(".log-wrap").focus()
    await op.keyboard.press("Alt+a")
    await op.wait_for_selector(".chat-head .sub:has-text('actief')")
    await op.wait_for_function("() => document.activeElement.id === 'composer-input'")
    assert await composer.get_attribute("readonly") is None
    assert await op.locator("#composer-hint").is_hidden()
    assert await op.locator("#offer-bar").is_hidden()

    # Closing asks for the outcome: nothing is preselected, and closing without one says so.
    assert await op.locator("#disposition").input_value() == ""
    await op.click("#close-chat")
    assert await op.locator("#close-err").inner_text() == "Kies eerst de uitkomst van dit gesprek."
    assert await op.evaluate("document.activeElement.id") == "disposition"
    await asyncio.sleep(0.3)
    assert await state_of(settings, guest.cid) == ("active", None)
    await op.select_option("#disposition", "answered")
    await op.click("#close-chat")
    await op.wait_for_selector(".chat-head .sub:has-text('gesloten')")
    assert await state_of(settings, guest.cid) == ("closed", "answered")
    # Closed: no clock, a disabled composer that says why, and no close button any more.
    wait = row(op, guest.cid).locator(".wait")
    assert await wait.inner_text() == ""
    await asyncio.sleep(1.2)
    assert await wait.inner_text() == ""
    assert await composer.is_disabled()
    assert (await op.locator("#composer-hint").inner_text()).startswith("Deze chat is gesloten")
    assert await op.locator("#close-chat").count() == 0

    # One click: the offer's own button accepts and opens the next chat, composer focused.
    nxt = await visitor(server, first="Nog een vraag")
    await op.wait_for_selector("#offer-bar .accept-offer")
    await op.click("#offer-bar .accept-offer")
    await op.wait_for_selector(f'#chatlist button.item[data-cid="{nxt.cid}"][aria-current=true]')
    await op.wait_for_selector(".chat-head .sub:has-text('actief')")
    await op.wait_for_function("() => document.activeElement.id === 'composer-input'")
    # The closed chat, no longer open, leaves the list a moment later.
    await op.wait_for_selector(f'#chatlist button.item[data-cid="{guest.cid}"]', state="detached")
    assert op.js_errors == []
    await guest.close()
    await nxt.close()
    await ctx.close()


async def test_the_note_checkbox_stays_with_its_chat(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await open_all_day(settings, world)
    ctx, op = await open_console(browser, server, world.a.operator)
    await operators_online(server, world.a.widget_key, 1)
    one = await visitor(server, first="Eerste vraag")
    two = await visitor(server, first="Tweede vraag")
    for guest in (one, two):
        await op.wait_for_selector(f'#offer-bar .offer[data-cid="{guest.cid}"]')
        await op.keyboard.press("Alt+a")
        await op.wait_for_selector(f"#chatlist button.item[data-cid='{guest.cid}'] .chip.active")
    await op.keyboard.press("Alt+1")
    await op.wait_for_selector("#chat-title")
    await op.check("#note-mode")
    assert "noting" in (await op.locator("form.composer").get_attribute("class") or "")
    await op.fill("#composer-input", "Let op: vaste klant")
    await op.keyboard.press("Alt+2")
    await op.wait_for_function("() => !document.querySelector('#note-mode').checked")
    assert "noting" not in (await op.locator("form.composer").get_attribute("class") or "")
    assert await op.get_attribute("#composer-input", "placeholder") == (
        "Typ je antwoord… (Enter verstuurt, Shift+Enter nieuwe regel)"
    )
    await op.fill("#composer-input", "Dit gaat naar de bezoeker")
    await op.keyboard.press("Enter")
    got = await two.client.wait_for(
        lambda f: f.get("type") == "message" and f["author"]["kind"] == "operator"
    )
    assert got["body"] == "Dit gaat naar de bezoeker" and not got.get("internal")
    await op.keyboard.press("Alt+1")
    assert not await op.locator("#note-mode").is_checked()
    assert op.js_errors == []
    await one.close()
    await two.close()
    await ctx.close()
