"""The back office's people, canned responses and audit log in a real browser, and who may see
what: a supervisor reads businesses and cannot touch a contract; operators and business users
get a page that sends them to the console."""

from __future__ import annotations

from typing import Any

import pytest
from admin_helpers import PHONE, api_get, confirm, h1, open_admin, save, settled
from axe_helper import assert_accessible

from livedesk.settings import Settings
from roles_testing import ADMIN, create_admin

from livedesk_testing import LiveServer, World, login

pytestmark = pytest.mark.browser


async def test_people_list_create_assign_and_deactivate(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await create_admin(settings, display_name="Anna Admin")
    context, page = await open_admin(browser, server, ADMIN, "/admin/mensen")
    assert await h1(page) == "Mensen"
    await page.select_option("#filter-role", "operator")
    names = await page.locator("main tbody tr td:first-child").all_inner_texts()
    assert names == ["Op alpha", "Op beta"]
    await page.select_option("#filter-business", world.b.business_id)
    names = await page.locator("main tbody tr td:first-child").all_inner_texts()
    assert names == ["Op beta"]
    await assert_accessible(page, "the people list")

    await page.click("#new-person")
    assert await h1(page) == "Nieuwe gebruiker"
    await page.fill("[data-path='username']", "sanne")
    await page.fill("[data-path='display_name']", "Sanne de Vries")
    await page.fill("[data-path='email']", "sanne@provider.example")
    await page.select_option("[data-path='role']", "operator")
    assert await page.is_checked("#send-invite")
    await assert_accessible(page, "the new-person form")
    await page.click("#person-form button[type=submit]")
    await page.wait_for_selector(
        "#link-out :text('Uitnodiging verstuurd naar sanne@provider.example')"
    )
    assert await h1(page) == "Sanne de Vries"
    user_id = page.url.split("/")[-1]
    user = await api_get(server, f"/api/v1/users/{user_id}")
    assert (user["role"], user["email"], user["has_password"]) == (
        "operator",
        "sanne@provider.example",
        False,
    )

    # Assignments: the businesses served, languages, concurrency, auto accept.
    served = page.get_by_role("group", name="Klanten die deze operator bedient")
    await served.get_by_label("Alpha BV").check()
    await page.get_by_role("group", name="Talen").get_by_label("Engels").check()
    await page.fill("[data-path='max_concurrent']", "4")
    await save(page, "#save-operator")
    operator = (await api_get(server, f"/api/v1/users/{user_id}"))["operator"]
    assert operator["businesses"] == [world.a.business_id]
    assert sorted(operator["languages"]) == ["en", "nl"]
    assert operator["max_concurrent"] == 4
    await assert_accessible(page, "a person's page")

    # The business's own page lists her among the operators serving it.
    await page.goto(f"{server.url}/admin/klanten/{world.a.business_id}/mensen")
    await settled(page)
    serving = await page.locator("main table").first.inner_text()
    assert "Sanne de Vries" in serving and "Op alpha" in serving and "Op beta" not in serving
    await assert_accessible(page, "a business's people")

    await page.goto(f"{server.url}/admin/mensen/{user_id}")
    await settled(page)
    await page.click("#toggle-person")
    await confirm(page, "Deactiveren")
    await page.wait_for_selector(".business-head .badge.off")
    assert (await api_get(server, f"/api/v1/users/{user_id}"))["is_active"] is False
    await context.close()


async def test_canned_responses_create_edit_delete(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await create_admin(settings, display_name="Anna Admin")
    context, page = await open_admin(browser, server, ADMIN, "/admin/standaardantwoorden")
    assert await h1(page) == "Standaardantwoorden"
    await page.click("#new-canned")
    await page.select_option("[data-path='business_id']", world.a.business_id)
    await page.fill("[data-path='shortcut']", "groet")
    await page.fill("[data-path='title']", "Begroeting")
    await page.fill("[data-path='body']", "Goedemiddag, ik ben {operator} van {business}.")
    await assert_accessible(page, "the canned-response form")
    await save(page, "#canned-form button[type=submit]")
    await page.wait_for_selector("#canned-list :text('/groet')")
    items = await api_get(server, "/api/v1/canned-responses")
    assert [(i["shortcut"], i["business_id"]) for i in items] == [("groet", world.a.business_id)]

    # A placeholder that does not exist: the server's Dutch message beside the text.
    await page.get_by_role("button", name="Begroeting bewerken").click()
    await page.fill("[data-path='body']", "Hallo {naam}")
    await page.click("#canned-form button[type=submit]")
    await page.wait_for_selector("[data-path='body'][aria-invalid=true]")
    assert (
        "{naam} bestaat niet"
        in await page.locator("#canned-form .field-error:not([hidden])").inner_text()
    )
    assert await page.input_value("[data-path='body']") == "Hallo {naam}"
    await page.fill("[data-path='body']", "Hallo {visitor}, ik ben {operator}.")
    await save(page, "#canned-form button[type=submit]")
    assert (await api_get(server, "/api/v1/canned-responses"))[0]["body"] == (
        "Hallo {visitor}, ik ben {operator}."
    )
    await assert_accessible(page, "the canned responses")

    await page.get_by_role("button", name="Begroeting verwijderen").click()
    await confirm(page, "Verwijderen")
    await page.wait_for_selector("main :text('Nog geen standaardantwoorden.')")
    assert await api_get(server, "/api/v1/canned-responses") == []
    await context.close()


async def test_audit_log_pages_back(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await create_admin(settings, display_name="Anna Admin")
    cookie = await login(server, ADMIN)
    async with server.http(cookies={"livedesk_session": cookie}) as http:
        for i in range(55):  # more than one page of 50
            r = await http.patch(
                f"/api/v1/businesses/{world.b.business_id}", json={"name": f"Beta {i}"}
            )
            r.raise_for_status()
    context, page = await open_admin(browser, server, ADMIN, "/admin/auditlog")
    assert await h1(page) == "Auditlog"
    rows = page.locator("#audit-log tbody tr")
    await rows.first.wait_for()
    assert await rows.count() == 50
    first = await rows.first.inner_text()
    assert "Beta 53" in first and "Beta 54" in first and "Anna Admin" in first
    await page.click("#audit-more")
    await page.wait_for_function(
        "() => document.querySelectorAll('#audit-log tbody tr').length === 55"
    )
    assert await page.is_hidden("#audit-more")
    await assert_accessible(page, "the audit log")
    await page.select_option("#audit-business", world.a.business_id)
    await page.wait_for_selector("main :text('Nog geen wijzigingen.')")
    await context.close()


async def test_supervisor_reads_a_business_but_cannot_change_its_contract(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    path = f"/admin/klanten/{world.a.business_id}/contract"
    context, page = await open_admin(browser, server, world.supervisor, path)
    assert await h1(page) == "Alpha BV"
    await page.wait_for_selector("#contract-view")
    assert await page.locator("#contract-form, #save-contract, #toggle-active").count() == 0
    nav = await page.locator("nav.side-nav").inner_text()
    assert "Standaardantwoorden" not in nav and "Mensen" in nav
    await assert_accessible(page, "the contract as a supervisor sees it")
    await page.click("a[data-tab='gegevens']")
    await settled(page)
    assert await page.is_disabled("[data-path='name']")
    assert await page.locator("main form button").count() == 0
    # The API refuses what the page does not offer.
    cookie = await login(server, world.supervisor)
    async with server.http(cookies={"livedesk_session": cookie}) as http:
        r = await http.put(
            f"/api/v1/businesses/{world.a.business_id}/contract",
            json={
                "first_reply_seconds": 30,
                "first_reply_share": 0.8,
                "max_queue_wait_seconds": 120,
                "outside_hours": "offline_form",
                "overflow": "offline_form",
                "priority": 0,
            },
        )
    assert r.status_code == 403
    await context.close()


@pytest.mark.parametrize("who", ["operator", "business_user"])
async def test_operators_and_business_users_are_sent_to_the_console(
    server: LiveServer, world: World, browser: Any, who: str
) -> None:
    username = world.a.operator if who == "operator" else world.a.business_user
    context, page = await open_admin(browser, server, username, "/admin/klanten")
    assert await page.inner_text("main h1") == "Het back office is voor beheerders"
    assert await page.get_attribute("#to-console", "href") == "/console"
    assert await page.locator("nav, table, form").count() == 0
    await assert_accessible(page, f"the back office as a {who} sees it")
    await context.close()


async def test_login_form_and_phone_width(server: LiveServer, world: World, browser: Any) -> None:
    context = await browser.new_context(viewport=PHONE, locale="nl-NL")
    page = await context.new_page()
    await page.goto(f"{server.url}/admin/mensen")
    await page.wait_for_selector("#login-user")
    await assert_accessible(page, "the back-office login")
    await page.fill("#login-user", world.supervisor)
    await page.fill("#login-pass", "wrong password")
    await page.click("form.login button[type=submit]")
    await page.wait_for_selector("#login-err:text('Inloggen mislukt')")
    await context.close()
    # Logged in at 390 px: nothing wider than the screen, the skip link lands in main.
    context, page = await open_admin(browser, server, world.supervisor, viewport=PHONE)
    for path in ("/admin/klanten", "/admin/mensen", f"/admin/klanten/{world.a.business_id}"):
        await page.goto(f"{server.url}{path}")
        await settled(page)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide"
        await assert_accessible(page, f"{path} at 390 px")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.className") == "skip"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"
    # The language switch: English for this browser, the API's messages too.
    await page.click("#lang-switch")
    await page.wait_for_selector("nav.side-nav :text('Clients')")
    assert await page.get_attribute("html", "lang") == "en"
    await context.close()
