"""Bad input in the back office: each of the server's field errors in Dutch beside its input
(aria-invalid, aria-describedby) and in a summary that links to it, what was typed stays, and
nothing already saved is lost. Markup typed into a name or a guideline stays literal text."""

from __future__ import annotations

from typing import Any

import pytest
from admin_helpers import api_get, h1, open_admin, settled
from axe_helper import assert_accessible
from playwright.async_api import expect

from livedesk.settings import Settings
from roles_testing import ADMIN, create_admin

from livedesk_testing import LiveServer, World

pytestmark = pytest.mark.browser

MARKUP = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


async def error_of(page: Any, control: Any) -> str:
    """The text of the error a control is described by (aria-describedby)."""
    assert await control.get_attribute("aria-invalid") == "true"
    ids = (await control.get_attribute("aria-describedby") or "").split()
    texts = [await page.inner_text(f"#{i}") for i in ids if i.endswith("-err")]
    assert len(texts) == 1, ids
    return str(texts[0])


async def test_business_form_errors_in_dutch_keep_what_was_typed(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await create_admin(settings)
    before = None
    url = f"/admin/klanten/{world.a.business_id}/gegevens"
    context, page = await open_admin(browser, server, ADMIN, url)
    before = await api_get(server, f"/api/v1/businesses/{world.a.business_id}")
    await page.fill("[data-path='name']", "Alpha Nieuw")
    await page.fill("[data-path='slug']", "Geen Slug!")
    await page.select_option("select[data-path='timezone']", "__other__")
    await page.fill("input[data-path='timezone']", "Mars/Olympus")
    contacts = page.get_by_role("group", name="Contactpersonen")
    await contacts.get_by_role("button", name="Contactpersoon toevoegen").click()
    await contacts.get_by_label("Naam").fill("Piet")
    await contacts.get_by_label("E-mail").fill("geen-adres")
    await page.click("main form button[type=submit]")
    await page.wait_for_selector(".summary:not([hidden])")
    # Waiting assertions: on a loaded machine the status and the focus follow a moment later.
    await expect(page.locator("#status")).to_have_text(
        "Niet opgeslagen: controleer de gemarkeerde velden."
    )

    slug = page.locator("[data-path='slug']")
    assert "Gebruik kleine letters, cijfers en streepjes" in await error_of(page, slug)
    zone = page.locator("input[data-path='timezone']")
    assert (await error_of(page, zone)).startswith("Onbekende tijdzone")
    email = contacts.get_by_label("E-mail")
    assert await error_of(page, email) == "Dit is geen geldig e-mailadres."
    name = page.locator("[data-path='name']")
    assert await name.get_attribute("aria-invalid") is None

    summary = page.locator(".summary")
    await expect(summary).to_be_focused()
    links = await summary.get_by_role("link").all_inner_texts()
    assert any(link.startswith("Korte naam (slug): Gebruik kleine letters") for link in links)
    assert any(link.startswith("E-mail: Dit is geen geldig e-mailadres.") for link in links)
    await summary.get_by_role("link", name="E-mail: Dit is geen geldig e-mailadres.").click()
    await expect(email).to_be_focused()
    await assert_accessible(page, "the business form with errors")

    # What was typed is all still there, and nothing was saved.
    assert await name.input_value() == "Alpha Nieuw"
    assert await slug.input_value() == "Geen Slug!"
    assert await zone.input_value() == "Mars/Olympus"
    assert await contacts.get_by_label("Naam").input_value() == "Piet"
    assert await api_get(server, f"/api/v1/businesses/{world.a.business_id}") == before

    # Put right, it saves, and the marks go.
    await page.fill("[data-path='slug']", "alpha-nieuw")
    await page.select_option(".tz select", "Europe/Amsterdam")
    await email.fill("piet@alpha.example")
    await page.click("main form button[type=submit]")
    await page.wait_for_function(
        "() => document.querySelector('#status').textContent === 'Opgeslagen'"
    )
    assert await page.locator("main [aria-invalid]").count() == 0
    assert await page.is_hidden(".summary")
    after = await api_get(server, f"/api/v1/businesses/{world.a.business_id}")
    assert (after["name"], after["slug"]) == ("Alpha Nieuw", "alpha-nieuw")
    await context.close()


async def test_widget_origin_error_names_the_line(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await create_admin(settings)
    url = f"/admin/klanten/{world.a.business_id}/widgets/{world.a.widget_id}"
    context, page = await open_admin(browser, server, ADMIN, url)
    await page.wait_for_selector("#embed-snippet")
    origins = page.locator("[data-path='allowed_origins']")
    await origins.fill("https://alpha.example\nhttps://www.alpha.example/winkel\n")
    await page.click("main form button[type=submit]")
    await page.wait_for_selector("[data-path='allowed_origins'][aria-invalid=true]")
    assert (await error_of(page, origins)).startswith("regel 2: Geef een websiteadres")
    assert (
        await origins.input_value() == "https://alpha.example\nhttps://www.alpha.example/winkel\n"
    )
    widget = await api_get(server, f"/api/v1/widgets/{world.a.widget_id}")
    assert widget["allowed_origins"] == ["https://alpha.example"]
    await context.close()


async def test_markup_in_a_name_and_a_guideline_stays_text(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await create_admin(settings)
    context, page = await open_admin(browser, server, ADMIN, "/admin/klanten/nieuw")
    await page.fill("[data-path='name']", f"Kapper {MARKUP}")
    await page.fill("[data-path='slug']", "kapper")
    await page.fill("[data-path='guidelines.tone']", f"Toon {MARKUP}")
    await page.click("main form button[type=submit]")
    await page.wait_for_url("**/widgets")
    assert await h1(page) == f"Kapper {MARKUP}"
    await page.click("a[data-tab='gegevens']")
    await settled(page)
    assert await page.input_value("[data-path='guidelines.tone']") == f"Toon {MARKUP}"
    for path in ("/admin/klanten", "/admin/auditlog"):
        await page.goto(f"{server.url}{path}")
        await settled(page)
        await page.wait_for_selector("main tbody tr")
        assert MARKUP in await page.inner_text("main tbody")
    assert await page.locator("main img, main script").count() == 0
    assert await page.evaluate("window.__pwned") is None
    await context.close()
