"""Beside the chat in Chromium: the FAQ suggestions in view next to the chat on a 1366×768
screen and insertable with Alt+Shift+1…3; guidelines, visitor and hours fold away and stay
folded; the pre-chat answers under their labels; past conversations searched and a transcript
read beside the chat one is in, internal notes included."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from console_helpers import (
    DESKTOP,
    add_faq,
    open_all_day,
    open_console,
    operators_online,
    visitor,
)
from test_browser_chat import db

from livedesk.conversations.models import Conversation, Message
from livedesk.db import utcnow
from livedesk.settings import Settings

from livedesk_testing import LiveServer, World, amsterdam_day, search_indexed

pytestmark = pytest.mark.browser

SHIPPING = {"question": "Wat zijn de verzendkosten?", "answer": "€ 4,95; vanaf € 50 gratis."}
DELIVERY = {"question": "Hoe lang duurt de levering?", "answer": "Binnen twee werkdagen in huis."}
RETURNS = {"question": "Kan ik mijn bestelling retourneren?", "answer": "Binnen 30 dagen, gratis."}


async def accept_first(op: Any) -> None:
    await op.wait_for_selector("#offer-bar .accept-offer")
    await op.keyboard.press("Alt+a")
    await op.wait_for_selector(".chat-head .sub:has-text('actief')")


async def test_suggestions_in_view_and_by_keyboard_sections_fold_prechat_labels(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await open_all_day(settings, world)
    await add_faq(server, world.a.business_user, world.a.business_id, SHIPPING, DELIVERY, RETURNS)
    ctx, op = await open_console(browser, server, world.a.operator, viewport=DESKTOP)
    await operators_online(server, world.a.widget_key, 1)
    guest = await visitor(
        server,
        prechat={"name": "Petra", "email": "petra@example.nl"},
        first="Wat zijn de verzendkosten naar België?",
    )
    await accept_first(op)
    first = op.locator("#suggestions li").first
    await first.wait_for()
    assert await first.locator("strong").inner_text() == SHIPPING["question"]
    # In view beside the chat without scrolling, at 1366×768.
    box = await op.locator("#suggestions").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= DESKTOP["height"]
    assert box["x"] + box["width"] <= DESKTOP["width"]
    assert await op.evaluate("document.querySelector('.side').scrollTop") == 0
    assert await op.evaluate("document.documentElement.scrollHeight") <= DESKTOP["height"]
    # Keyboard: Alt+Shift+1 puts the first answer in the composer (inserted, not sent).
    await op.keyboard.press("Alt+Shift+Digit1")
    assert await op.input_value("#composer-input") == SHIPPING["answer"]
    assert await op.evaluate("document.activeElement.id") == "composer-input"
    n = await op.locator("#suggestions li").count()
    if n >= 2:
        second = await op.locator("#suggestions li").nth(1).locator("p").inner_text()
        await op.keyboard.press("Alt+Shift+Digit2")
        assert await op.input_value("#composer-input") == SHIPPING["answer"] + second

    # The pre-chat answers under their labels, not their field names.
    visitor_box = op.locator("details[data-fold=visitor]")
    terms = await visitor_box.locator("dt").all_inner_texts()
    values = await visitor_box.locator("dd").all_inner_texts()
    assert dict(zip(terms, values, strict=True))["Naam"] == "Petra"
    assert dict(zip(terms, values, strict=True))["E-mail"] == "petra@example.nl"
    assert "name" not in terms and "email" not in terms

    # Guidelines fold away, and stay folded after a reload (a preference, not per chat).
    guidelines = op.locator("details[data-fold=guidelines]")
    assert await guidelines.get_attribute("open") is not None
    await guidelines.locator("summary").click()
    assert await guidelines.get_attribute("open") is None
    # The preference is written by the `toggle` event, which the browser fires a moment after
    # the click: a reload at once could come first.
    await op.wait_for_function(
        "() => JSON.parse(localStorage.getItem('livedesk:folded') || '[]').includes('guidelines')"
    )
    await op.reload()
    await op.wait_for_selector("#chatlist button.item")
    await op.keyboard.press("Alt+1")
    await op.wait_for_selector("details[data-fold=guidelines]")
    assert await op.locator("details[data-fold=guidelines]").get_attribute("open") is None
    assert await op.locator("details[data-fold=visitor]").get_attribute("open") is not None
    await op.locator("details[data-fold=guidelines] summary").click()
    assert op.js_errors == []
    await guest.close()
    await ctx.close()


async def seed_last_week(settings: Settings, world: World, visitor_id: str) -> str:
    """The same visitor's chat of a week ago, with an internal note."""
    at = utcnow() - timedelta(days=7)

    async def work(session: Any) -> str:
        c = Conversation(
            business_id=world.a.business_id,
            widget_id=world.a.widget_id,
            visitor_id=visitor_id,
            state="closed",
            disposition="answered",
            prechat={"name": "Petra"},
            created_at=at,
            queued_at=at,
            closed_at=at + timedelta(minutes=4),
            last_seq=3,
        )
        session.add(c)
        await session.flush()
        lines = [
            ("visitor", None, "Mijn fiets heeft een lekke band", False),
            ("operator", "Op alpha", "Dat is vervelend; ik maak een afspraak.", False),
            ("operator", "Op alpha", "Klant is erg ontevreden, coulant zijn", True),
        ]
        for seq, (kind, name, body, internal) in enumerate(lines, 1):
            session.add(
                Message(
                    conversation_id=c.id,
                    business_id=world.a.business_id,
                    seq=seq,
                    author_kind=kind,
                    author_name=name,
                    body=body,
                    internal=internal,
                    created_at=at + timedelta(seconds=seq),
                )
            )
        return c.id

    return await db(settings, work)


async def test_past_conversations_beside_the_current_chat(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await open_all_day(settings, world)
    ctx, op = await open_console(browser, server, world.a.operator)
    await operators_online(server, world.a.widget_key, 1)
    guest = await visitor(server, prechat={"name": "Petra"}, first="Ik ben het weer")
    frames = guest.client.of_type("conversation")
    past = await seed_last_week(settings, world, frames[0]["visitor_id"])
    await search_indexed(server)  # SQLite's index follows the writer by up to a second
    await accept_first(op)

    # "This visitor was here last week": in the visitor's section, opened beside the chat.
    earlier = op.locator("details[data-fold=visitor] .earlier .found-item")
    await earlier.wait_for()
    assert await earlier.count() == 1
    assert "lekke band" in await earlier.inner_text()
    await earlier.click()
    transcript = op.locator(".transcript-panel")
    await transcript.locator("li.line").first.wait_for()
    lines = await transcript.locator("li.line .text").all_inner_texts()
    assert lines == [
        "Mijn fiets heeft een lekke band",
        "Dat is vervelend; ik maak een afspraak.",
        "Klant is erg ontevreden, coulant zijn",
    ]
    assert await transcript.locator("li.line.internal .tag").inner_text() == "Notitie"
    # The chat one is in stays open beside it.
    assert await op.locator(".log li.them .text").inner_text() == "Ik ben het weer"
    assert await op.locator("#composer-input").is_editable()

    # Searching: by words, and by period.
    await op.click("#search-open")
    await op.fill("#search-q", "fiets")
    await op.click(".past-search button[type=submit]")
    found = op.locator(".search-panel .found-item")
    await found.first.wait_for()
    assert await found.count() == 1 and await found.get_attribute("data-cid") == past
    assert await op.locator("#search-count").inner_text() == "1 gevonden"
    await op.fill("#search-q", "")
    week_ago = amsterdam_day(utcnow() - timedelta(days=7))
    await op.fill("#search-from", week_ago)
    await op.fill("#search-to", week_ago)
    await op.click(".past-search button[type=submit]")
    await op.wait_for_function(
        "() => document.querySelector('#search-count')?.textContent === '1 gevonden'"
    )
    await op.fill("#search-from", "2030-01-02")
    await op.fill("#search-to", "2030-01-01")
    await op.click(".past-search button[type=submit]")
    error = op.locator(".past-search .err")
    await error.wait_for()
    assert await error.inner_text() == "Deze datum ligt vóór de begindatum."
    await op.fill("#search-from", "")
    await op.fill("#search-to", "")
    await op.fill("#search-q", "lekke band")
    await op.click(".past-search button[type=submit]")
    await op.wait_for_function(
        "() => document.querySelector('.past-search .err').textContent === ''"
    )
    await found.first.click()
    await transcript.locator("li.line").first.wait_for()
    await op.click(".transcript-panel .panel-head button")  # back to the results
    await op.locator(".search-panel").wait_for()
    assert op.js_errors == []
    await guest.close()
    await ctx.close()
