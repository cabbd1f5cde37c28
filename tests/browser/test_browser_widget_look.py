"""The widget dressed by its settings, in a real browser (Debian's Chromium): the look (accent
colour with readable text, side, launcher text, greeting, logo), the forms and their labels, the
language (fixed, or the visitor's browser), and a deactivated business's message instead of the
chat. Widgets are configured through the back office's API (`PATCH /api/v1/widgets/{id}`)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from axe_helper import assert_accessible
from sqlalchemy import select
from widget_look_helpers import (
    ADMIN,
    ALL_DAY,
    DESKTOP,
    GREETING,
    LOGO,
    LOOK,
    NEVER,
    PRECHAT,
    PRIVACY,
    W,
    box,
    configure,
    contrast,
    count_rows,
    db,
    deactivate,
    operator_online,
    rgb,
    set_hours,
    speaks_english_too,
    style,
    visitor_page,
    wait_until_open,
)

from livedesk.conversations.models import Conversation
from livedesk.leads.models import Lead
from livedesk.settings import Settings
from roles_testing import create_admin

from livedesk_testing import LiveServer, World


@pytest.fixture
async def admin(settings: Settings, world: World) -> str:
    return await create_admin(settings, ADMIN)


# -- the look ----------------------------------------------------------------------------------


@pytest.mark.browser
async def test_widget_shows_its_look_and_prechat_labels_on_a_client_page(
    server: LiveServer,
    world: World,
    settings: Settings,
    browser: Any,
    admin: str,
    artifacts_dir: Path,
) -> None:
    await configure(
        server, world.a.widget_id, language="nl", look=LOOK, prechat=PRECHAT, privacy=PRIVACY
    )
    await set_hours(settings, world.a.business_id, ALL_DAY)
    agent = await operator_online(server, world.a.operator)
    await wait_until_open(server, world.a.widget_key)
    page = await visitor_page(browser, server, world.a.widget_key)
    launcher = f"{W} .launcher"

    # The launcher: the accent with readable (dark) text, bottom left, with its own text.
    background = rgb(await style(page, launcher, "backgroundColor"))
    text = rgb(await style(page, launcher, "color"))
    assert background == (255, 210, 63)
    assert contrast(background, text) >= 4.5 and text != (255, 255, 255)
    spot = await box(page, launcher)
    assert spot["x"] == pytest.approx(16, abs=1)
    assert spot["y"] + spot["height"] == pytest.approx(DESKTOP["height"] - 16, abs=1)
    assert await page.locator(launcher).inner_text() == "Vragen? Chat met ons"
    assert await page.locator(launcher).get_attribute("aria-label") == "Vragen? Chat met ons"

    await page.click(launcher)
    await page.wait_for_selector(f"{W} form.prechat")
    panel = await box(page, f"{W} .panel")
    assert panel["x"] == pytest.approx(16, abs=1)
    head = f"{W} .head"
    assert rgb(await style(page, head, "backgroundColor")) == (255, 210, 63)
    assert contrast((255, 210, 63), rgb(await style(page, f"{W} .title", "color"))) >= 4.5

    # The logo: an image (never markup) in the header, named after the business. Whether it
    # loads is up to the embedding page's policy (the demo page's allows images from itself
    # only); the preview test below sees it load and sit in the header.
    logo = page.locator(f"{W} .head > img.logo")
    assert await logo.get_attribute("alt") == "Alpha BV"
    assert await logo.get_attribute("src") == LOGO
    header = await box(page, head)

    # The greeting: plain text, the first line under the header, above the form.
    greeting = f"{W} .greeting"
    assert await page.locator(greeting).inner_text() == GREETING
    assert await page.locator(f"{greeting} b").count() == 0
    line, form = await box(page, greeting), await box(page, f"{W} form.prechat")
    assert line["y"] == pytest.approx(header["y"] + header["height"], abs=1)
    assert line["y"] + line["height"] <= form["y"]

    # The pre-chat form's own fields and Dutch labels, and the privacy notice with its link.
    labels = await page.locator(f"{W} form.prechat label").all_inner_texts()
    assert labels == ["Je voornaam (verplicht)", "Je e-mail"]
    assert await page.locator(f"{W} #ld-pre-email").get_attribute("type") == "email"
    notice = page.locator(f"{W} form.prechat .gdpr")
    assert "Wij bewaren je gegevens 30 dagen." in await notice.inner_text()
    link = notice.locator("a")
    assert await link.get_attribute("href") == "https://alpha.example/privacy"
    assert await link.inner_text() == "Privacyverklaring"

    await page.screenshot(path=str(artifacts_dir / "widget-look.png"))
    await assert_accessible(page, "the widget in its business's look", selector=W)
    await page.fill(f"{W} #ld-pre-name", "Ann")
    await page.click(f"{W} form.prechat button[type=submit]")
    await page.wait_for_selector(f"{W} textarea.input")

    async def prechat(session: Any) -> list[dict[str, Any]]:
        return list(await session.scalars(select(Conversation.prechat)))

    for _ in range(50):
        if await db(settings, prechat):
            break
        await asyncio.sleep(0.1)
    assert await db(settings, prechat) == [{"name": "Ann"}]
    assert page.errors == []
    await agent.close()
    await page.context.close()


@pytest.mark.browser
async def test_offline_form_asks_for_the_configured_fields(
    server: LiveServer, world: World, settings: Settings, browser: Any, admin: str
) -> None:
    fields = [
        {"name": "phone", "label_nl": "Je telefoonnummer", "label_en": "Phone", "required": True},
        {"name": "question", "label_nl": "Waarover?", "label_en": "About?", "required": True},
    ]
    await configure(server, world.a.widget_id, offline_form={"fields": fields})
    await set_hours(settings, world.a.business_id, NEVER)
    page = await visitor_page(browser, server, world.a.widget_key)
    await page.click(f"{W} .launcher")
    await page.wait_for_selector(f"{W} form.offline")
    labels = await page.locator(f"{W} form.offline label:not(.check)").all_inner_texts()
    assert labels == ["Je telefoonnummer (verplicht)", "Waarover? (verplicht)"]
    assert await page.locator(f"{W} #ld-off-email").count() == 0
    assert await page.locator(f"{W} #ld-off-phone").get_attribute("autocomplete") == "tel"
    await page.fill(f"{W} #ld-off-phone", "0612345678")
    await page.fill(f"{W} #ld-off-question", "Bel me <b>morgen</b>")
    await page.check(f"{W} #ld-off-consent")
    await page.click(f"{W} form.offline button[type=submit]")
    await page.wait_for_selector(f"{W} .offline-view .ok")

    async def leads(session: Any) -> list[tuple[str | None, str | None]]:
        return [(lead.phone, lead.email) for lead in await session.scalars(select(Lead))]

    assert await db(settings, leads) == [("0612345678", None)]
    await page.context.close()


# -- the language ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize(
    ("language", "locale", "expected"),
    [
        ("auto", "en-GB", "en"),
        ("auto", "nl-NL", "nl"),
        ("auto", "de-DE", "nl"),
        ("nl", "en-GB", "nl"),
    ],
)
async def test_language_follows_the_browser_when_the_widget_allows_it(
    server: LiveServer,
    world: World,
    settings: Settings,
    browser: Any,
    admin: str,
    language: str,
    locale: str,
    expected: str,
) -> None:
    await configure(server, world.a.widget_id, language=language, prechat=PRECHAT)
    await set_hours(settings, world.a.business_id, ALL_DAY)
    await speaks_english_too(settings, world.a.operator)
    agent = await operator_online(server, world.a.operator)
    await wait_until_open(server, world.a.widget_key, expected)
    page = await visitor_page(browser, server, world.a.widget_key, locale=locale)
    words = {
        "nl": ("Chat met ons", "Chat met Alpha BV", "Je voornaam (verplicht)", "Start de chat"),
        "en": ("Chat with us", "Chat with Alpha BV", "Your first name (required)", "Start chat"),
    }[expected]
    assert await page.locator(f"{W} .launcher").get_attribute("aria-label") == words[0]
    await page.click(f"{W} .launcher")
    await page.wait_for_selector(f"{W} form.prechat")
    assert await page.locator(f"{W} .title").inner_text() == words[1]
    assert await page.locator(f"{W} form.prechat label").first.inner_text() == words[2]
    assert await page.locator(f"{W} form.prechat button[type=submit]").inner_text() == words[3]
    await agent.close()
    await page.context.close()


# -- a deactivated business or widget ----------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["nl-NL", "en-GB"])
async def test_deactivated_business_shows_its_message_instead_of_the_chat(
    server: LiveServer, world: World, settings: Settings, browser: Any, admin: str, locale: str
) -> None:
    await configure(server, world.a.widget_id, language="auto", prechat=PRECHAT)
    await deactivate(server, f"/api/v1/businesses/{world.a.business_id}")
    page = await visitor_page(browser, server, world.a.widget_key, locale=locale)
    await page.click(f"{W} .launcher")
    refusal = page.locator(f"{W} .panel .refused")
    await refusal.wait_for()
    expected = {"nl-NL": "niet beschikbaar", "en-GB": "not available"}[locale]
    assert expected in await refusal.inner_text()
    assert await page.locator(f"{W} form.prechat, {W} textarea.input").count() == 0
    # The configuration said so: no session was asked for, no socket opened, nothing stored.
    assert not [url for _, url in page.requests if "/session" in url or "/ws/" in url]
    assert await count_rows(settings) == (0, 0)
    assert page.errors == []
    await page.context.close()


@pytest.mark.browser
async def test_widget_deactivated_after_the_page_loaded_refuses_at_the_session(
    server: LiveServer, world: World, settings: Settings, browser: Any, admin: str
) -> None:
    """The page still holds the configuration from before: the session's 409 carries the
    message, which the visitor sees in the widget's language (English here)."""
    await configure(server, world.a.widget_id, language="en")
    page = await visitor_page(browser, server, world.a.widget_key, locale="nl-NL")
    await deactivate(server, f"/api/v1/widgets/{world.a.widget_id}")
    await page.click(f"{W} .launcher")
    refusal = page.locator(f"{W} .panel .refused")
    await refusal.wait_for()
    assert "not available" in await refusal.inner_text()
    assert [m for m, url in page.requests if url.endswith("/session")] == ["POST"]
    assert not [url for _, url in page.requests if "/ws/" in url]
    assert await page.locator(f"{W} textarea.input").count() == 0
    assert await count_rows(settings) == (0, 0)
    assert page.errors == []
    await page.context.close()
