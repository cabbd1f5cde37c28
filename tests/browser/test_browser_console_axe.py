"""axe-core on the console's login page, the console with a chat open (an offer waiting, the
column beside the chat with every section, the past-conversation search and a transcript), and
the floor as a supervisor sees it: no violation of moderate impact or worse, so a new serious
or critical one fails here."""

from __future__ import annotations

from typing import Any

import pytest
from axe_helper import axe_violations, describe
from console_helpers import add_faq, open_all_day, open_console, operators_online, visitor

from livedesk.settings import Settings

from livedesk_testing import LiveServer, World

pytestmark = pytest.mark.browser

IMPACTS = ("moderate", "serious", "critical")


async def assert_clean(page: Any, what: str) -> None:
    found = await axe_violations(page, impacts=IMPACTS)
    assert not found, f"axe finds problems on {what}:\n" + describe(found)


async def test_login_console_and_floor_pass_axe(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await open_all_day(settings, world)
    await add_faq(
        server,
        world.a.business_user,
        world.a.business_id,
        {"question": "Wat zijn de verzendkosten?", "answer": "€ 4,95; vanaf € 50 gratis."},
    )
    context = await browser.new_context(locale="nl-NL")
    login = await context.new_page()
    await login.goto(f"{server.url}/console/login")
    await login.wait_for_selector("#login-user")
    await assert_clean(login, "the login page")
    await login.fill("#login-user", world.a.operator)
    await login.fill("#login-pass", "wrong")
    await login.click("form.login button[type=submit]")
    await login.wait_for_selector("#login-err:has-text('Inloggen mislukt')")
    await assert_clean(login, "the login page with its error")
    await context.close()

    ctx, op = await open_console(browser, server, world.a.operator)
    await operators_online(server, world.a.widget_key, 1)
    await assert_clean(op, "the empty console")
    first = await visitor(server, prechat={"name": "Petra"}, first="Wat zijn de verzendkosten?")
    await op.wait_for_selector("#offer-bar .accept-offer")
    await op.keyboard.press("Alt+a")
    await op.wait_for_selector(".chat-head .sub:has-text('actief')")
    await op.wait_for_selector("#suggestions li")
    await op.fill("#composer-input", "Goedemiddag!")
    await op.keyboard.press("Enter")
    await op.wait_for_selector(".log li.me[data-state]")
    second = await visitor(server, first="Nog een vraag")
    await op.wait_for_selector("#offer-bar .accept-offer")
    closed = op.locator(".side details:not([open]) > summary")
    while await closed.count():  # every section open: the transfer list, the forms
        await closed.first.click()
    await op.wait_for_selector("#transfer .targets label")
    await assert_clean(op, "the console with a chat open, an offer waiting, every section open")
    await op.click("#search-open")
    await op.fill("#search-q", "verzendkosten")
    await op.click(".past-search button[type=submit]")
    await op.wait_for_selector("#search-count")
    await assert_clean(op, "the past-conversation search")
    await op.locator(".search-panel .found-item").first.click()
    await op.wait_for_selector(".transcript-panel li.line")
    await assert_clean(op, "a transcript beside the chat")

    sup_ctx, floor = await open_console(browser, server, world.supervisor)
    await floor.goto(f"{server.url}/console/floor")
    await floor.wait_for_selector("section[data-business-card] tr[data-conversation]")
    await assert_clean(floor, "the floor as a supervisor sees it")
    await first.close()
    await second.close()
    await ctx.close()
    await sup_ctx.close()
