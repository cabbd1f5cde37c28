"""The page an invitation link opens, in a real browser: field errors in Dutch (English when the
browser prefers it), the secret gone from the address bar, the password set once, and no
serious or critical accessibility problems."""

from __future__ import annotations

from typing import Any

import pytest
from axe_helper import assert_accessible
from sqlalchemy import select
from test_browser_chat import db

from livedesk.accounts.actions import do_create_user, do_issue_password_link
from livedesk.accounts.models import Role, User
from livedesk.settings import Settings

from livedesk_testing import LiveServer, World, login

pytestmark = pytest.mark.browser


async def invite(server: LiveServer, settings: Settings, username: str) -> str:
    """A new user without a password, and the link an invitation mail would carry."""

    async def work(session: Any) -> str:
        await do_create_user(
            session, username=username, password=None, role=Role.OPERATOR, display_name=username
        )
        user = await session.scalar(select(User).where(User.username == username))
        link = await do_issue_password_link(session, None, user, base_url=server.url, sent_to=None)
        return link.url

    return str(await db(settings, work))


async def test_choosing_a_password_from_an_invitation(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    url = await invite(server, settings, "nina")
    context = await browser.new_context(locale="nl-NL")
    page = await context.new_page()
    await page.goto(url)
    await page.wait_for_selector("#new-password:focus")
    assert page.url == f"{server.url}/set-password"  # the secret left the address bar
    assert await page.locator("h1").inner_text() == "Kies je wachtwoord"
    await assert_accessible(page, "the set-password page")

    # Two different passwords: said beside the second field, nothing sent.
    await page.keyboard.type("een-lang-wachtwoord")
    await page.fill("#repeat-password", "een-ander-wachtwoord")
    await page.keyboard.press("Enter")
    assert await page.locator("#repeat-password-err").inner_text() == (
        "De twee wachtwoorden zijn niet gelijk."
    )
    assert await page.locator("#repeat-password").get_attribute("aria-invalid") == "true"
    # Too short: the server's own message, beside the field it is about.
    await page.fill("#new-password", "kort")
    await page.fill("#repeat-password", "kort")
    await page.keyboard.press("Enter")
    error = page.locator("#new-password-err")
    await error.wait_for()
    assert await error.inner_text() == "Kies een wachtwoord van minstens 10 tekens."
    described = await page.locator("#new-password").get_attribute("aria-describedby")
    assert "new-password-err" in (described or "")
    await assert_accessible(page, "the set-password page with its errors")

    await page.fill("#new-password", "een-lang-wachtwoord")
    await page.fill("#repeat-password", "een-lang-wachtwoord")
    await page.keyboard.press("Enter")
    done = page.locator("[role=status]")
    await done.wait_for()
    assert await done.inner_text() == "Je wachtwoord is ingesteld. Je kunt nu inloggen als nina."
    assert await login(server, "nina", "een-lang-wachtwoord")

    # The same link a second time, in a browser that prefers English.
    english = await browser.new_context(locale="en-GB")
    again = await english.new_page()
    await again.goto(url)
    await again.fill("#new-password", "nog-een-wachtwoord")
    await again.fill("#repeat-password", "nog-een-wachtwoord")
    await again.keyboard.press("Enter")
    alert = again.locator("[role=alert]:not(:empty)")  # (the page's policy forbids eval)
    await alert.wait_for()
    assert (await alert.inner_text()).startswith("This link has expired or was already used.")
    assert await again.locator("label[for=new-password]").inner_text() == "New password"
    await english.close()
    await context.close()
