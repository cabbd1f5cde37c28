"""Handing chats on in Chromium: an operator transfers by name (or back to the business's
queue) with a note the receiver sees with the offer; a refusal is said in the user's words,
never the server's developer message; the floor shows each business's queue, its longest wait
against the contract and its operators, and a supervisor gives a chat to a named operator and
sets an operator away."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from console_helpers import (
    add_operator,
    open_all_day,
    open_console,
    operators_online,
    presence_of,
    visitor,
)

from livedesk.settings import Settings

from livedesk_testing import LiveServer, World, login

pytestmark = pytest.mark.browser

NOTE = "Wil een retour, de bon is al binnen"


async def set_presence(server: LiveServer, name: str, state: str) -> None:
    cookies = {"livedesk_session": await login(server, "super")}
    async with server.http(cookies=cookies) as http:
        operators = (await http.get("/api/v1/floor")).json()["operators"]
        (who,) = [o for o in operators if o["name"] == name]
        r = await http.post(
            f"/api/v1/floor/operators/{who['operator_id']}/presence", json={"state": state}
        )
        assert r.status_code == 200, r.text


async def test_transfer_by_name_with_a_note_and_refusals_in_dutch(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await open_all_day(settings, world)
    await add_operator(settings, "op-alpha-2", "Tweede Alpha", [world.a.business_id])
    ctx, op = await open_console(browser, server, world.a.operator)
    await operators_online(server, world.a.widget_key, 1)
    guest = await visitor(server, prechat={"name": "Joris"}, first="Ik wil iets terugsturen")
    await op.wait_for_selector("#offer-bar .accept-offer")
    await op.keyboard.press("Alt+a")
    await op.wait_for_selector(".chat-head .sub:has-text('actief')")
    ctx2, colleague = await open_console(browser, server, "op-alpha-2")
    await operators_online(server, world.a.widget_key, 2)

    # The colleagues by name and load, and the business's queue.
    await op.click("#transfer summary")
    targets = op.locator("#transfer .targets label.choice")
    await op.wait_for_function(
        "() => document.querySelectorAll('#transfer .targets label').length === 2"
    )
    labels = await targets.all_inner_texts()
    assert labels[0].strip() == "Terug naar de wachtrij van Alpha BV"
    assert labels[1].strip() == "Tweede Alpha (0/3 chats)"
    assert await targets.first.locator("input").is_checked()

    # The colleague walks away before the choice is sent: refused, in Dutch words.
    await set_presence(server, "Tweede Alpha", "away")
    await targets.nth(1).locator("input").check()
    await op.fill("#transfer-note", NOTE)
    await op.click("#transfer-send")
    msg = op.locator("#transfer-msg")
    await op.wait_for_function("() => document.querySelector('#transfer-msg')?.textContent !== ''")
    assert await msg.inner_text() == "Deze collega is niet online of bedient deze klant niet."
    page_text = await op.locator("body").inner_text()
    assert "target" not in page_text and "transfer:" not in page_text

    # Back online: the colleague receives the offer with the note, accepts it, and has it.
    await colleague.select_option("#presence", "online")
    await operators_online(server, world.a.widget_key, 2)
    await op.click("#transfer summary")
    await op.click("#transfer summary")  # reopened: the list is read again
    await op.wait_for_function(
        "() => document.querySelectorAll('#transfer .targets label').length === 2"
    )
    await targets.nth(1).locator("input").check()
    await op.fill("#transfer-note", NOTE)
    await op.click("#transfer-send")
    offer = colleague.locator(f'#offer-bar .offer[data-cid="{guest.cid}"]')
    await offer.wait_for()
    assert await offer.locator(".offer-note").inner_text() == f"notitie van je collega {NOTE}"
    assert "Joris" in await offer.inner_text()
    await offer.locator(".accept-offer").click()
    await colleague.wait_for_selector(".chat-head .sub:has-text('actief · Tweede Alpha')")
    await colleague.wait_for_selector(f".log li.internal >> text={NOTE}")
    assert await colleague.evaluate("document.activeElement.id") == "composer-input"
    # For the first operator the chat is now a colleague's: no close, no transfer.
    await op.wait_for_selector(".chat-head .sub:has-text('Tweede Alpha')")
    assert await op.locator("#close-chat, #transfer").count() == 0
    assert op.js_errors == [] and colleague.js_errors == []
    await guest.close()
    await ctx.close()
    await ctx2.close()


async def test_the_floor_per_business_and_a_supervisors_hands(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await open_all_day(settings, world)
    await add_operator(settings, "op-alpha-2", "Tweede Alpha", [world.a.business_id])
    ctx, op = await open_console(browser, server, world.a.operator)
    ctx2, colleague = await open_console(browser, server, "op-alpha-2")
    await operators_online(server, world.a.widget_key, 2)
    await colleague.select_option("#presence", "away")  # so the chat is offered to Op alpha
    await operators_online(server, world.a.widget_key, 1)
    guest = await visitor(server, prechat={"name": "Fenna"}, first="Wanneer gaan jullie open?")
    await op.wait_for_selector(f'#offer-bar .offer[data-cid="{guest.cid}"]')

    sup_ctx, floor = await open_console(browser, server, world.supervisor)
    await floor.goto(f"{server.url}/console/floor")
    card = floor.locator("section[data-business-card]", has_text="Alpha BV")
    await card.locator("tr[data-conversation]").wait_for()
    assert await floor.locator("h1").inner_text() == "Vloer"
    summary = await card.locator("p").first.inner_text()
    assert summary.startswith("1 chat wacht · langste wachttijd ")
    assert summary.split(" · ")[1].endswith("maximaal 2:00 volgens het contract")
    heads = await card.locator("tr:has(th[scope=col])").first.locator("th").all_inner_texts()
    assert heads == ["Medewerker", "Status", "Belasting", "Gemist vandaag", "Acties"]
    text = await floor.locator("main").inner_text()
    assert "Vandaag / Today" not in text and "1 chats" not in text and "Bron" not in text
    assert "GET /api" not in text and "Bijgewerkt om" in text
    second = card.locator("tr[data-operator]", has_text="Tweede Alpha")
    assert await second.locator("td.presence").inner_text() == "Afwezig"
    assert await second.locator("td").nth(1).inner_text() == "0/3"
    first = card.locator("tr[data-operator]", has_text="Op alpha")
    assert await first.locator("td").nth(1).inner_text() == "0/6 (+1)"  # the offer
    chat_row = card.locator("tr[data-conversation]")
    assert await chat_row.locator("th").inner_text() == "Fenna"
    assert await chat_row.locator("td").nth(0).inner_text() == "aangeboden"
    assert await chat_row.locator("td").nth(2).inner_text() == "Op alpha"

    # Tweede Alpha comes back; the supervisor gives the chat to them by name, with a note.
    await colleague.select_option("#presence", "online")
    await floor.wait_for_function(
        "() => [...document.querySelectorAll('form.give option')]"
        ".some(o => o.textContent.startsWith('Tweede Alpha') && !o.disabled)"
    )
    form = card.locator("form.give")
    await form.locator("select").select_option(label="Tweede Alpha (Online)")
    await form.locator("input[name=note]").fill("Vaste klant, graag snel")
    await form.locator("button[type=submit]").click()
    offer = colleague.locator(f'#offer-bar .offer[data-cid="{guest.cid}"]')
    await offer.wait_for()
    assert await offer.locator(".offer-note").inner_text() == (
        "notitie van de supervisor Vaste klant, graag snel"
    )
    await op.wait_for_selector(f'#offer-bar .offer[data-cid="{guest.cid}"]', state="detached")
    await floor.wait_for_selector("#floor-msg:has-text('De chat is doorgegeven.')")

    # And sets Tweede Alpha away from the floor: their console says who did it.
    await second.locator("button.set-away").click()
    await floor.wait_for_function(
        "() => [...document.querySelectorAll('tr[data-operator]')]"
        ".some(tr => tr.textContent.includes('Tweede Alpha')"
        " && tr.querySelector('td.presence').textContent === 'Afwezig')"
    )
    assert await presence_of(server, "Tweede Alpha") == "away"
    await colleague.wait_for_selector(
        "#presence-banner:has-text('Een supervisor heeft je op Afwezig gezet.')"
    )
    assert await floor.locator("#floor-msg").inner_text() == "Tweede Alpha staat nu op afwezig."
    await asyncio.sleep(0.2)
    assert floor.js_errors == [] and op.js_errors == [] and colleague.js_errors == []
    await guest.close()
    for context in (ctx, ctx2, sup_ctx):
        await context.close()
