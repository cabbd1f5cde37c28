"""The console on a phone (390 px: one column, a chat switcher, the column beside the chat on
request, nothing wider than the screen), in the dark theme the system asks for, and its emoji
picker by keyboard alone. Saves the README's 390 px screenshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_helper import assert_accessible
from console_helpers import PHONE, open_all_day, open_console, operators_online, visitor
from test_browser_chat import shot

from livedesk.settings import Settings

from livedesk_testing import LiveServer, World

pytestmark = pytest.mark.browser


async def visible(page: Any, selector: str) -> bool:
    return bool(await page.locator(selector).is_visible())


async def test_one_column_with_a_chat_switcher_at_390_px(
    server: LiveServer, world: World, settings: Settings, browser: Any, artifacts_dir: Path
) -> None:
    await open_all_day(settings, world)
    ctx, op = await open_console(browser, server, world.a.operator, viewport=PHONE)
    await operators_online(server, world.a.widget_key, 1)
    petra = await visitor(
        server, prechat={"name": "Petra"}, first="Is mijn bestelling al verzonden?"
    )
    kees = await visitor(server, prechat={"name": "Kees"}, first="Hebben jullie deze maat nog?")
    await op.wait_for_function(
        "() => document.querySelectorAll('#chatlist button.item').length === 2"
    )
    # The list is the first screen; no chat column, no column beside it.
    assert await visible(op, "#chatlist") and not await visible(op, "main.chat")
    assert not await visible(op, ".side")
    await op.locator(f'#chatlist button.item[data-cid="{petra.cid}"]').click()
    await op.wait_for_selector("#accept")
    assert not await visible(op, "#chatlist") and await visible(op, "main.chat")
    await op.click("#accept")
    await op.wait_for_selector(".chat-head .sub:has-text('actief')")
    await op.fill("#composer-input", "Goedemorgen Petra, ik kijk het na 😊")
    await op.keyboard.press("Enter")
    await op.wait_for_selector(".log li.me[data-state]")
    # Switching chats with the select above the chat.
    switcher = op.locator("#chat-switcher")
    assert await switcher.is_visible()
    assert (await switcher.locator("option").all_inner_texts())[0] == "Alle chats (2)"
    await switcher.select_option(kees.cid)
    await op.wait_for_selector("#chat-title:has-text('Kees')")
    await switcher.select_option(petra.cid)
    await op.wait_for_selector("#chat-title:has-text('Petra')")
    assert await visible(op, "main.chat")
    width = await op.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the console is {width} px wide"
    await shot(op, artifacts_dir, "console-390", docs=True)
    # The column beside the chat, and back.
    await op.click("#show-side")
    assert await visible(op, ".side") and not await visible(op, "main.chat")
    assert "richtlijnen van alpha bv" in (await op.locator(".side").inner_text()).lower()
    assert await op.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await assert_accessible(op, "the column beside the chat at 390 px")
    await op.click(".back-to-chat")
    assert await visible(op, "main.chat")
    # Back to the list.
    await switcher.select_option("")
    assert await visible(op, "#chatlist") and not await visible(op, "main.chat")
    await assert_accessible(op, "the chat list at 390 px")
    assert op.js_errors == []
    await petra.close()
    await kees.close()
    await ctx.close()


def luminance(rgb: str) -> float:
    r, g, b = (int(x) / 255 for x in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


async def test_the_dark_theme_follows_the_system(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await open_all_day(settings, world)
    ctx, op = await open_console(browser, server, world.a.operator, color_scheme="dark")
    await operators_online(server, world.a.widget_key, 1)
    guest = await visitor(server, prechat={"name": "Noor"}, first="Goedenavond!")
    await op.wait_for_selector("#offer-bar .accept-offer")
    await op.keyboard.press("Alt+a")
    await op.wait_for_selector(".chat-head .sub:has-text('actief')")
    body = await op.evaluate("getComputedStyle(document.body).backgroundColor")
    text = await op.evaluate("getComputedStyle(document.body).color")
    assert luminance(body) < 0.15 < 0.8 < luminance(text), (body, text)
    await assert_accessible(op, "the console in the dark theme")
    light_ctx, light = await open_console(browser, server, world.a.operator)
    body = await light.evaluate("getComputedStyle(document.body).backgroundColor")
    assert luminance(body) > 0.85
    assert op.js_errors == []
    await guest.close()
    await ctx.close()
    await light_ctx.close()


async def test_the_emoji_picker_by_keyboard(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await open_all_day(settings, world)
    ctx, op = await open_console(browser, server, world.a.operator)
    await operators_online(server, world.a.widget_key, 1)
    guest = await visitor(server, first="Hoi")
    await op.wait_for_selector("#offer-bar .accept-offer")
    await op.keyboard.press("Alt+a")
    await op.wait_for_function("() => document.activeElement.id === 'composer-input'")
    await op.keyboard.type("Dank je ")
    toggle = op.locator("#emoji-toggle")
    await toggle.focus()
    assert await toggle.get_attribute("aria-expanded") == "false"
    await op.keyboard.press("Enter")
    assert await toggle.get_attribute("aria-expanded") == "true"
    focused = await op.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == "blij gezicht"
    await assert_accessible(op, "the console with the emoji picker open")
    # Right twice, down a row (six to a row): the ninth, "duim omhoog".
    for key in ("ArrowRight", "ArrowRight", "ArrowDown"):
        await op.keyboard.press(key)
    assert await op.evaluate("document.activeElement.getAttribute('aria-label')") == "duim omhoog"
    await op.keyboard.press("Enter")
    assert await op.locator("#emoji-picker").is_hidden()
    assert await op.input_value("#composer-input") == "Dank je 👍"
    assert await op.evaluate("document.activeElement.id") == "composer-input"
    # Escape closes it and gives the focus back to its button.
    await toggle.focus()
    await op.keyboard.press("Enter")
    await op.keyboard.press("End")
    assert await op.evaluate("document.activeElement.getAttribute('aria-label')") == "koffie"
    await op.keyboard.press("Escape")
    assert await op.locator("#emoji-picker").is_hidden()
    assert await op.evaluate("document.activeElement.id") == "emoji-toggle"
    await op.locator("#composer-input").press("Enter")
    got = await guest.client.wait_for(
        lambda f: f.get("type") == "message" and f["author"]["kind"] == "operator"
    )
    assert got["body"] == "Dank je 👍"
    assert op.js_errors == []
    await guest.close()
    await ctx.close()
