"""Shared by the back-office browser tests: a provider admin, logging in at /admin, waiting for
the page and the "Opgeslagen" status."""

from __future__ import annotations

from typing import Any

from roles_testing import ADMIN

from livedesk_testing import PASSWORD, LiveServer, login

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


async def open_admin(
    browser: Any,
    server: LiveServer,
    username: str,
    path: str = "/admin",
    *,
    viewport: dict[str, int] = DESKTOP,
    password: str = PASSWORD,
) -> tuple[Any, Any]:
    """A new browser context logged in through the back office's own login form."""
    context = await browser.new_context(viewport=viewport, locale="nl-NL")
    page = await context.new_page()
    errors: list[str] = []
    # Uncaught script errors (a refused request is the page's business, not an error here).
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.js_errors = errors  # type: ignore[attr-defined]
    await page.goto(f"{server.url}{path}")
    await page.wait_for_selector("#login-user")
    await page.fill("#login-user", username)
    await page.fill("#login-pass", password)
    await page.click("form.login button[type=submit]")
    await page.wait_for_selector("form.login", state="detached")
    await page.wait_for_selector("main h1")
    if await page.locator("main .page").count():
        await settled(page)
    return context, page


async def save(page: Any, button: str, expect: str = "Opgeslagen") -> None:
    """Click a form's save button and wait until the status line says `expect`."""
    await page.evaluate("document.querySelector('#status').textContent = ''")
    await page.click(button)
    await page.wait_for_function(
        "(want) => document.querySelector('#status')?.textContent === want", arg=expect
    )


async def settled(page: Any) -> None:
    """The page has finished loading what it shows (the shell marks it busy meanwhile)."""
    await page.wait_for_selector("main .page:not([aria-busy]) h1")


async def h1(page: Any) -> str:
    await settled(page)
    return str(await page.locator("main h1").inner_text())


async def api_get(server: LiveServer, path: str, username: str = ADMIN) -> Any:
    cookie = await login(server, username)
    async with server.http(cookies={"livedesk_session": cookie}) as http:
        r = await http.get(path)
        r.raise_for_status()
        return r.json()


async def confirm(page: Any, button: str) -> None:
    """Answer the confirmation dialog with its confirm button, named `button`."""
    dialog = page.locator("dialog[open]")
    await dialog.wait_for()
    await dialog.get_by_role("button", name=button, exact=True).click()
    await dialog.wait_for(state="detached")
