"""What the console and the floor say, and to whom: errors in the user's words by their code
(a socket frame's developer message is never shown), the user's language on every request
(Accept-Language, so the server's own messages match), the login page's skip link, and a
business's own user sent to the portal, from the console's form and from the floor."""

from __future__ import annotations

from typing import Any

import pytest
from console_helpers import add_operator, open_all_day, open_console, operators_online, visitor
from sqlalchemy import update
from test_browser_chat import db

from livedesk.accounts.models import User
from livedesk.settings import Settings

from livedesk_testing import PASSWORD, LiveServer, World

pytestmark = pytest.mark.browser

# The console's own modules, imported in the page: errorText for a code and a message.
ERROR_TEXT = """async ([lang, error, http]) => {
  const { errorText } = await import("/static/console/api.js");
  const { makeT } = await import("/static/console/i18n.js");
  return errorText(makeT(lang), error, { http });
}"""
DEVELOPER = [
    {"code": "bad_target", "message": "transfer: bad target"},
    {"code": "forbidden", "message": "only staff can transfer chats"},
    {"code": "not_assigned", "message": "this is not your conversation: accept it first"},
    {"code": "target_full", "message": "transfer: target full"},
    {"code": "no_such_code", "message": "transfer: something new"},
]


async def test_errors_are_said_in_the_users_words_never_the_developers(
    server: LiveServer, world: World, browser: Any
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{server.url}/console/login")
    await page.wait_for_selector("#login-user")
    dutch = [await page.evaluate(ERROR_TEXT, ["nl", e, False]) for e in DEVELOPER]
    assert dutch == [
        "Kies een andere collega dan wie de chat nu heeft.",
        "Dat mag je niet met jouw rol.",
        "Neem de chat eerst aan.",
        "Deze collega heeft al het maximale aantal chats.",
        "Dat lukte niet.",
    ]
    english = [await page.evaluate(ERROR_TEXT, ["en", e, False]) for e in DEVELOPER]
    assert english[0] == "Choose a colleague other than the one who has the chat now."
    assert english[-1] == "That did not work."
    # Over HTTP the server's message is already in the user's language: shown as it came.
    server_said = {"code": "something_else", "message": "Deze operator bestaat niet."}
    assert await page.evaluate(ERROR_TEXT, ["nl", server_said, True]) == server_said["message"]
    await context.close()


async def test_an_english_user_gets_english_and_sends_their_language(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await open_all_day(settings, world)
    await add_operator(settings, "op-en", "Olivia", [world.a.business_id])

    async def english(session: Any) -> None:
        await session.execute(update(User).where(User.username == "op-en").values(language="en"))

    await db(settings, english)
    ctx, op = await open_console(browser, server, "op-en", locale="nl-NL")
    languages: list[str] = []
    op.on(
        "request",
        lambda r: (
            languages.append(r.headers.get("accept-language", "")) if "/api/v1/" in r.url else None
        ),
    )
    await operators_online(server, world.a.widget_key, 1)
    guest = await visitor(server, first="Hello there")
    await op.wait_for_selector("#offer-bar .accept-offer")
    assert await op.evaluate("document.documentElement.lang") == "en"
    assert await op.locator("#search-open .long").inner_text() == "Search earlier conversations"
    assert "New chat for Alpha BV:" in await op.locator("#offer-bar").inner_text()
    await op.keyboard.press("Alt+a")
    await op.wait_for_selector(".chat-head .sub:has-text('active')")
    # The server's own message for a refused search comes back in English.
    await op.click("#search-open")
    await op.fill("#search-from", "2030-01-02")
    await op.fill("#search-to", "2030-01-01")
    await op.click(".past-search button[type=submit]")
    await op.wait_for_selector(".past-search .err:has-text('This date is before the start date.')")
    assert languages and set(languages) == {"en"}
    assert op.js_errors == []
    await guest.close()
    await ctx.close()


async def test_the_login_pages_skip_link_lands_in_the_form(
    server: LiveServer, world: World, browser: Any
) -> None:
    context = await browser.new_context(locale="nl-NL")
    page = await context.new_page()
    await page.goto(f"{server.url}/console/login")
    await page.wait_for_selector("#login-user")
    # The form takes the focus; the skip link is the one thing before it.
    assert await page.evaluate("document.activeElement.id") == "login-user"
    await page.keyboard.press("Shift+Tab")
    assert await page.evaluate("document.activeElement.className") == "skip"
    assert await page.locator(".skip").inner_text() == "Naar de inhoud"
    target = await page.get_attribute(".skip", "href")
    assert target == "#main" and await page.locator(target).count() == 1
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "login-user"
    assert await page.locator("h1").inner_text() == "Inloggen bij Livedesk"
    await context.close()


async def test_a_business_user_is_sent_to_the_portal_from_the_console_and_the_floor(
    server: LiveServer, world: World, browser: Any
) -> None:
    context = await browser.new_context(locale="nl-NL")
    page = await context.new_page()
    await page.goto(f"{server.url}/console/login")
    await page.fill("#login-user", world.a.business_user)
    await page.fill("#login-pass", PASSWORD)
    await page.click("form.login button[type=submit]")
    await page.wait_for_url("**/portal**")
    assert await page.locator("#chatlist").count() == 0
    await page.goto(f"{server.url}/console/floor")
    await page.wait_for_url("**/portal**")
    assert await page.locator("#floor .floor").count() == 0
    await context.close()
