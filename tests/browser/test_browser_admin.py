"""The back office's business pages in a real browser (Debian's Chromium): a provider admin
creates, edits and deactivates a client, sets up a widget (snippet, copy button, preview), the
opening hours (weekly ranges, closed days, an exception, the 14-day preview) and the contract
with its history. Every page passes axe without serious or critical findings."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from admin_helpers import api_get, confirm, h1, open_admin, save
from axe_helper import assert_accessible

from livedesk.settings import Settings
from roles_testing import ADMIN, create_admin

from livedesk_testing import LiveServer, World

pytestmark = pytest.mark.browser


async def test_admin_creates_edits_and_deactivates_a_business(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await create_admin(settings, display_name="Anna Admin")
    context, page = await open_admin(browser, server, ADMIN)
    assert await h1(page) == "Klanten"
    assert page.url.endswith("/admin/klanten")
    await assert_accessible(page, "the business list")
    await page.fill("#business-search", "beta")
    rows = await page.locator("main tbody tr").all_inner_texts()
    assert len(rows) == 1 and "Beta BV" in rows[0]

    await page.click("#new-business")
    assert await h1(page) == "Nieuwe klant"
    await page.fill("[data-path='name']", "Bakkerij Jansen")
    await page.fill("[data-path='slug']", "bakkerij-jansen")
    await page.select_option("select[data-path='timezone']", "Europe/Brussels")
    await page.fill("[data-path='guidelines.tone']", "Vriendelijk, je-vorm")
    contacts = page.get_by_role("group", name="Contactpersonen")
    await contacts.get_by_role("button", name="Contactpersoon toevoegen").click()
    await contacts.get_by_label("Naam").fill("Piet Jansen")
    await contacts.get_by_label("E-mail").fill("piet@bakkerij.example")
    sections = page.get_by_role("group", name="Vrije secties")
    await sections.get_by_role("button", name="Sectie toevoegen").click()
    await sections.get_by_label("Titel").fill("Bezorging")
    await sections.get_by_label("Tekst").fill("Alleen in Utrecht.")
    await assert_accessible(page, "the new-business form")
    await page.click("form button[type=submit]")
    await page.wait_for_url("**/widgets")
    assert await h1(page) == "Bakkerij Jansen"
    business_id = page.url.split("/")[-2]

    stored = await api_get(server, f"/api/v1/businesses/{business_id}")
    assert stored["timezone"] == "Europe/Brussels"
    assert stored["guidelines"]["tone"] == "Vriendelijk, je-vorm"
    assert stored["guidelines"]["contacts"][0]["name"] == "Piet Jansen"
    sections_stored = stored["guidelines"]["sections"]
    assert sections_stored == [{"title": "Bezorging", "body": "Alleen in Utrecht."}]

    # Details: edit the name; the heading follows without a reload.
    await page.click("a[data-tab='gegevens']")
    await page.fill("[data-path='name']", "Bakkerij Jansen & Zn")
    await save(page, "form button[type=submit]")
    assert await h1(page) == "Bakkerij Jansen & Zn"
    assert (await api_get(server, f"/api/v1/businesses/{business_id}"))["name"] == (
        "Bakkerij Jansen & Zn"
    )

    # Deactivate, with a confirmation; then activate again.
    await page.click("#toggle-active")
    await confirm(page, "Deactiveren")
    await page.wait_for_selector(".business-head .badge.off")
    assert (await api_get(server, f"/api/v1/businesses/{business_id}"))["is_active"] is False
    await page.click("#toggle-active")
    await confirm(page, "Activeren")
    await page.wait_for_selector(".business-head .badge.on")
    assert (await api_get(server, f"/api/v1/businesses/{business_id}"))["is_active"] is True

    # The business's audit log names each change and who made it.
    await page.click("a[data-tab='auditlog']")
    await page.wait_for_selector("#audit-log tbody tr")
    log = await page.locator("#audit-log tbody").inner_text()
    for what in ("klant · aangemaakt", "klant · gewijzigd", "klant · gedeactiveerd"):
        assert what in log
    assert "Anna Admin" in log
    await assert_accessible(page, "a business's audit log")
    assert page.js_errors == []
    await context.close()


async def test_widget_snippet_copy_button_and_preview(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await create_admin(settings, display_name="Anna Admin")
    url = f"/admin/klanten/{world.a.business_id}/widgets"
    context, page = await open_admin(browser, server, ADMIN, url)
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    await assert_accessible(page, "a business's widget list")
    await page.click("#new-widget")
    await page.fill("[data-path='name']", "Webshop")
    await page.fill("[data-path='allowed_origins']", "https://www.alpha-shop.example\n")
    await page.select_option("[data-path='language']", "auto")
    await page.fill("[data-path='look.launcher_text']", "Vragen?")
    await page.get_by_role("button", name="Veld toevoegen").first.click()
    await assert_accessible(page, "the new-widget form")
    await page.click("form button[type=submit]")
    await page.wait_for_selector("#embed-snippet")
    widget_id = page.url.split("/")[-1]
    widget = await api_get(server, f"/api/v1/widgets/{widget_id}")
    assert widget["allowed_origins"] == ["https://www.alpha-shop.example"]
    assert widget["language"] == "auto"
    assert widget["look"]["launcher_text"] == "Vragen?"
    assert [f["name"] for f in widget["prechat"]["fields"]] == ["email"]

    snippet = await page.inner_text("#embed-snippet")
    assert snippet == widget["embed_snippet"]
    assert f'data-widget="{widget["public_key"]}"' in snippet
    await page.click("#copy-embed")
    await page.wait_for_selector(".embed :text('Gekopieerd')")
    assert await page.evaluate("navigator.clipboard.readText()") == snippet
    # Where the clipboard is refused, the snippet is selected for Ctrl+C instead.
    await page.evaluate(
        "() => { navigator.clipboard.writeText = () => Promise.reject(new Error('no')); }"
    )
    await page.click("#copy-embed")
    await page.wait_for_selector(".embed :text('geselecteerd')")
    assert await page.evaluate("getSelection().toString()") == snippet

    preview = page.locator("iframe#widget-preview")
    assert await preview.get_attribute("src") == f"/admin/preview/{widget['public_key']}"
    assert await preview.get_attribute("title") == "Voorbeeld van de widget"

    # The preview loads (the page's policy lets it frame its own origin), and shows what is
    # typed before it is saved.
    frame = page.frame_locator("#widget-preview")
    await frame.locator("body").wait_for()
    assert any(f"/admin/preview/{widget['public_key']}" in f.url for f in page.frames)
    await page.fill("[data-path='look.greeting']", "Goedemiddag! Waarmee kunnen we helpen?")
    await frame.get_by_text("Goedemiddag! Waarmee kunnen we helpen?").wait_for()
    await save(page, "form button[type=submit]")
    widget = await api_get(server, f"/api/v1/widgets/{widget_id}")
    assert widget["look"]["greeting"] == "Goedemiddag! Waarmee kunnen we helpen?"
    await assert_accessible(page, "a widget's page")

    await page.click("#toggle-widget")
    await confirm(page, "Deactiveren")
    await page.wait_for_selector(".business-head .badge.off")
    assert (await api_get(server, f"/api/v1/widgets/{widget_id}"))["is_active"] is False
    await context.close()


async def test_opening_hours_editor_exception_and_preview(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await create_admin(settings, display_name="Anna Admin")
    url = f"/admin/klanten/{world.a.business_id}/openingstijden"
    context, page = await open_admin(browser, server, ADMIN, url)
    await page.wait_for_selector("#hours-preview")
    monday = page.get_by_role("group", name="maandag")
    await monday.get_by_label("Van (maandag, tijd 1)").fill("09:00")
    await monday.get_by_label("Tot (maandag, tijd 1)").fill("12:00")
    await monday.get_by_role("button", name="Tijd toevoegen").click()
    await monday.get_by_label("Van (maandag, tijd 2)").fill("13:00")
    await monday.get_by_label("Tot (maandag, tijd 2)").fill("17:30")
    await page.get_by_role("group", name="zondag").get_by_label("Gesloten").check()
    await page.get_by_role("button", name="Uitzondering toevoegen").click()
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()
    exception = page.locator(".exception").last
    assert await exception.locator("input[type=date]").input_value() == today
    await exception.get_by_label("Omschrijving").fill("Studiedag")
    await exception.get_by_label("Gesloten").check()
    await save(page, "#hours-form button[type=submit]")

    hours = await api_get(server, f"/api/v1/businesses/{world.a.business_id}/opening-hours")
    assert hours["weekly"]["mon"] == [["09:00", "12:00"], ["13:00", "17:30"]]
    assert hours["weekly"]["sun"] == []
    assert hours["exceptions"][today] == {"label": "Studiedag", "ranges": []}
    await page.locator("#hours-preview tbody tr", has_text="Studiedag").wait_for()
    first_row = await page.locator("#hours-preview tbody tr").first.inner_text()
    assert "Studiedag" in first_row and "gesloten" in first_row
    assert await page.locator("#hours-preview tbody tr").count() == 14
    await assert_accessible(page, "the opening hours")

    # A range that ends before it starts: the error in Dutch beside it, the summary links to
    # it, what was typed stays, and the saved hours are untouched.
    tuesday = page.get_by_role("group", name="dinsdag")
    await tuesday.get_by_label("Van (dinsdag, tijd 1)").fill("17:00")
    await tuesday.get_by_label("Tot (dinsdag, tijd 1)").fill("09:00")
    await page.click("#hours-form button[type=submit]")
    start = tuesday.get_by_label("Van (dinsdag, tijd 1)")
    await page.wait_for_selector("[aria-invalid=true]")
    assert await start.get_attribute("aria-invalid") == "true"
    error_id = (await start.get_attribute("aria-describedby") or "").split()[-1]
    error = await page.inner_text(f"#{error_id}")
    assert "De eindtijd moet na de begintijd liggen" in error
    summary = page.locator(".summary")
    assert "Controleer deze velden" in await summary.inner_text()
    await summary.get_by_role("link").first.click()
    assert await start.evaluate("e => e === document.activeElement")
    assert await start.input_value() == "17:00"
    assert await monday.get_by_label("Tot (maandag, tijd 2)").input_value() == "17:30"
    again = await api_get(server, f"/api/v1/businesses/{world.a.business_id}/opening-hours")
    assert again == hours
    await assert_accessible(page, "the opening hours with an error")
    await context.close()


async def test_contract_form_history_and_field_error(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await create_admin(settings, display_name="Anna Admin")
    url = f"/admin/klanten/{world.a.business_id}/contract"
    context, page = await open_admin(browser, server, ADMIN, url)
    await page.wait_for_selector("#contract-form")
    await page.fill("[data-path='first_reply_seconds']", "45")
    await page.fill("[data-path='first_reply_share']", "90")
    await page.select_option("[data-path='overflow']", "bot_then_form")
    await save(page, "#save-contract")
    contract = await api_get(server, f"/api/v1/businesses/{world.a.business_id}/contract")
    assert contract["first_reply_seconds"] == 45
    assert contract["first_reply_share"] == pytest.approx(0.9)
    assert contract["overflow"] == "bot_then_form"
    await page.locator("#contract-history tbody tr", has_text="45 s").wait_for()
    history = await page.locator("#contract-history tbody tr").first.inner_text()
    assert "Anna Admin" in history and "45 s" in history and "90 %" in history
    await assert_accessible(page, "the contract")

    await page.fill("[data-path='first_reply_seconds']", "2")
    await page.click("#save-contract")
    field = page.locator("[data-path='first_reply_seconds']")
    await page.wait_for_selector("[data-path='first_reply_seconds'][aria-invalid=true]")
    described = (await field.get_attribute("aria-describedby") or "").split()
    errors = [await page.inner_text(f"#{i}") for i in described if i.endswith("-err")]
    assert errors == ["Dit moet minstens 5 zijn."]
    assert await field.input_value() == "2"
    assert await page.input_value("[data-path='first_reply_share']") == "90"
    assert (await api_get(server, f"/api/v1/businesses/{world.a.business_id}/contract")) == contract
    await context.close()
