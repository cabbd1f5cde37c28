"""Canned responses in the console, in a real browser: an operator types `/gr`, picks a
response with the keyboard only, the composer holds it with the placeholders filled in, and the
visitor receives it. Text typed by people (the visitor's name, a title) stays text."""

from __future__ import annotations

from typing import Any

import pytest
from axe_helper import assert_accessible
from sqlalchemy import update
from test_browser_chat import (
    ALL_DAY,
    W,
    accept_first_chat,
    db,
    operator_console,
    set_hours,
    visitor_page,
    wait_until_open,
)

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role
from livedesk.businesses.models import Business, Widget
from livedesk.settings import Settings

from livedesk_testing import PASSWORD, LiveServer, World, login

pytestmark = pytest.mark.browser

NAME = "Jan <b>de Vries</b>"
GUIDELINES = {
    "tone": "Vriendelijk",
    "contacts": [{"name": "<i>Piet</i>", "role": "eigenaar", "phone": "+31 6 1234 5678",
                  "email": "piet@alpha.example", "when": "bij klachten"}],
    "sections": [{"title": "Retouren", "body": "Binnen 30 dagen.\nMet bon."}],
}  # fmt: skip


async def prepare(server: LiveServer, settings: Settings, world: World) -> None:
    """Responses through the API (shared, alpha's own, beta's own), a pre-chat name field,
    guidelines with contacts and sections, and opening hours all day."""

    async def setup(session: Any) -> None:
        await do_create_user(session, username="admin", password=PASSWORD, role=Role.PROVIDER_ADMIN)
        prechat = {"fields": [{"name": "name", "label": "Naam", "required": True}]}
        await session.execute(
            update(Widget)
            .where(Widget.id == world.a.widget_id)
            .values(settings={"prechat": prechat})
        )
        await session.execute(
            update(Business).where(Business.id == world.a.business_id).values(guidelines=GUIDELINES)
        )

    await db(settings, setup)
    await set_hours(settings, world.a.business_id, ALL_DAY)
    responses = [
        (None, "groet", "Begroeting",
         "Goedemiddag {visitor}, u spreekt met {operator} van {business}."),
        (world.a.business_id, "groet-avond", "<b>Avond</b>groet", "Goedenavond {visitor}!"),
        (world.a.business_id, "offerte", "Offerte", "Een offerte maakt {business} graag."),
        (world.b.business_id, "groet-beta", "Groet beta", "Alleen voor beta."),
    ]  # fmt: skip
    async with server.http(cookies={"livedesk_session": await login(server, "admin")}) as http:
        for business_id, shortcut, title, body in responses:
            r = await http.post(
                "/api/v1/canned-responses",
                json={
                    "business_id": business_id,
                    "shortcut": shortcut,
                    "title": title,
                    "body": body,
                },
            )
            assert r.status_code == 201, r.text


async def test_slash_inserts_a_canned_response_with_the_keyboard(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await prepare(server, settings, world)
    op_ctx, op = await operator_console(browser, server, world.a.operator)
    await wait_until_open(server, world.a.widget_key)
    vis_ctx, vis = await visitor_page(browser, server, world.a.widget_key)
    await vis.click(f"{W} .launcher")
    await vis.wait_for_selector(f"{W} form.prechat")
    await vis.keyboard.type(NAME)
    await vis.keyboard.press("Enter")
    await vis.wait_for_selector(f"{W} textarea.input:focus")
    await vis.keyboard.type("Hallo")
    await vis.keyboard.press("Enter")
    await accept_first_chat(op)

    composer = op.locator("#composer-input")
    menu = op.locator("#canned-menu")
    await composer.focus()
    await op.keyboard.type("/gr")
    await menu.wait_for(state="visible")
    options = menu.locator("[role=option]")
    # Shortcuts first, then titles; beta's own response is not offered in alpha's chat.
    assert await options.all_inner_texts() == [
        "/groet Begroeting",
        "/groet-avond <b>Avond</b>groet",
    ]
    assert await menu.locator("b").count() == 0
    assert await composer.get_attribute("aria-expanded") == "true"
    assert await composer.get_attribute("aria-controls") == "canned-menu"
    assert await composer.get_attribute("aria-activedescendant") == "canned-opt-0"
    await assert_accessible(op, "the console with the canned-response list open")
    await op.keyboard.press("ArrowDown")
    assert await composer.get_attribute("aria-activedescendant") == "canned-opt-1"
    assert await options.nth(1).get_attribute("aria-selected") == "true"
    # Escape closes the list and keeps what was typed; typing on does not reopen it.
    await op.keyboard.press("Escape")
    await menu.wait_for(state="hidden")
    await op.keyboard.type("o")
    assert await menu.is_hidden() and await composer.input_value() == "/gro"
    assert await composer.get_attribute("aria-expanded") == "false"
    # A new `/word` opens it again. Down twice wraps round to the first; Enter inserts.
    for _ in range(4):
        await op.keyboard.press("Backspace")
    await op.keyboard.type("/gr")
    await menu.wait_for(state="visible")
    await op.keyboard.press("ArrowDown")
    await op.keyboard.press("ArrowDown")
    await op.keyboard.press("Enter")
    await menu.wait_for(state="hidden")
    first = f"Goedemiddag {NAME}, u spreekt met Op alpha van Alpha BV."
    assert await composer.input_value() == first  # inserted, not sent
    # Tab inserts too; a title or shortcut word matches mid-word.
    await op.keyboard.type(" /avond")
    await menu.wait_for(state="visible")
    assert await options.all_inner_texts() == ["/groet-avond <b>Avond</b>groet"]
    await op.keyboard.press("Tab")
    expected = f"{first} Goedenavond {NAME}!"
    assert await composer.input_value() == expected
    assert await op.evaluate("document.activeElement.id") == "composer-input"
    # The select list stays for the mouse: the chat's business's own and the shared ones.
    picks = await op.locator("#canned option").all_inner_texts()
    assert picks[1:] == [
        "Begroeting (/groet)",
        "<b>Avond</b>groet (/groet-avond)",
        "Offerte (/offerte)",
    ]

    await op.keyboard.press("Enter")
    received = vis.locator(f"{W} li.them .text").last
    await received.wait_for()
    await vis.wait_for_selector(f"{W} li.them .text >> text=Goedenavond")
    assert await received.inner_text() == expected
    assert await vis.locator(f"{W} .log b").count() == 0
    assert await composer.input_value() == ""

    # Beside the chat: the guidelines' contacts and sections, as text.
    side = op.locator(".side")
    assert "<i>Piet</i> (eigenaar)" in await side.locator(".contacts li").inner_text()
    assert "+31 6 1234 5678" in await side.locator(".contacts").inner_text()
    assert await side.locator(".guideline-section h4").inner_text() == "Retouren"
    assert await side.locator("i").count() == 0
    await vis_ctx.close()
    await op_ctx.close()
