"""The proof that a provider onboards a client without code or SQL: from an empty database with
only a provider admin made by `livedesk createuser`, everything happens in the browser.

The admin creates a business, a widget allowed on another origin, opening hours with an
exception for today, a contract, an operator serving the business (who chooses a password
through the invitation mailed to a real SMTP server) and a canned response. The embed snippet,
copied from the back office, goes into a page served from a second local port; a visitor chats
there, and the new operator answers in the console by typing `/` and inserting the response.

With LIVEDESK_UPDATE_SCREENSHOTS set, the screenshots in docs/operations.md are refreshed."""

from __future__ import annotations

import asyncio
import email
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from admin_helpers import DESKTOP, save, settled
from aiosmtpd.controller import Controller

from livedesk.leads.settings import SmtpSettings
from livedesk.settings import Settings

from livedesk_testing import LiveServer, free_port

pytestmark = pytest.mark.browser

W = "[data-livedesk]"
ADMIN_PASSWORD = "eerste-beheerder-2026"
OPERATOR_PASSWORD = "joost-kiest-zelf-1"
DOCS_SHOTS = Path(__file__).parent.parent.parent / "docs" / "screenshots"
LINK = re.compile(r"https?://\S+/set-password\?token=\S+")


class Mailbox:
    """An aiosmtpd handler that keeps every message it is handed."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def client_site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A client's website on another origin: a plain static server on its own port."""
    root = tmp_path / "site"
    root.mkdir()
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        # "localhost", not 127.0.0.1: another host as well as another port.
        yield root, f"http://localhost:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


async def shot(page: Any, artifacts: Path, name: str, *, full: bool = False) -> None:
    path = artifacts / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full)
    if os.environ.get("LIVEDESK_UPDATE_SCREENSHOTS"):
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SHOTS / f"{name}.png")


def createuser(settings: Settings) -> None:
    livedesk = Path(sys.executable).parent / "livedesk"
    subprocess.run(
        [
            str(livedesk),
            "createuser",
            "beheerder",
            "--role",
            "provider_admin",
            "--name",
            "Anna Beheer",
            "--password",
            ADMIN_PASSWORD,
            "--database-url",
            settings.database_url,
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


@asynccontextmanager
async def mailing_server(settings: Settings, smtp_port: int) -> AsyncIterator[LiveServer]:
    """Livedesk whose mail (the invitation) goes to the test's SMTP server."""
    server = LiveServer(settings)
    server.app.state.smtp_settings = SmtpSettings(
        host="127.0.0.1", port=smtp_port, sender="Livedesk <noreply@provider.example>"
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def invitation_link(box: Mailbox, to: str) -> str:
    for _ in range(200):
        for message in box.messages:
            if message["To"] and to in message["To"]:
                body = message.get_payload(decode=True) if not message.is_multipart() else None
                text = (body or b"").decode("utf-8", "replace")
                found = LINK.search(text)
                assert found, text
                return found.group(0)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no invitation mailed to {to}")


async def wait_until_open(server: LiveServer, key: str) -> None:
    async with server.http() as http:
        for _ in range(100):
            if (await http.get(f"/api/v1/widget/{key}/availability")).json()["open"]:
                return
            await asyncio.sleep(0.1)
    raise AssertionError("the widget never became available")


async def onboard(page: Any, server: LiveServer, site: str, artifacts: Path) -> dict[str, str]:
    """Everything the provider admin does in the back office; returns what the rest needs."""
    await page.goto(f"{server.url}/admin")
    await page.fill("#login-user", "beheerder")
    await page.fill("#login-pass", ADMIN_PASSWORD)
    await page.click("form.login button[type=submit]")
    await settled(page)
    await page.click("#new-business")
    await settled(page)
    await page.fill("[data-path='name']", "Fietsenmaker De Spaak")
    await page.fill("[data-path='slug']", "de-spaak")
    await page.fill("[data-path='guidelines.tone']", "Vriendelijk en praktisch; je-vorm.")
    await page.fill("[data-path='guidelines.never_promise']", "Geen reparatie op dezelfde dag.")
    await shot(page, artifacts, "admin-new-business", full=True)
    await page.click("main form button[type=submit]")
    await page.wait_for_url("**/widgets")
    await settled(page)

    await page.click("#new-widget")
    await settled(page)
    await page.fill("[data-path='name']", "Website")
    await page.fill("[data-path='allowed_origins']", site)
    await page.click("main form button[type=submit]")
    await page.wait_for_selector("#embed-snippet")
    await page.wait_for_selector("#widget-preview")
    await page.frame_locator("#widget-preview").locator("body").wait_for()
    await shot(page, artifacts, "admin-widget")
    snippet = await page.inner_text("#embed-snippet")
    key = re.search(r'data-widget="([^"]+)"', snippet)
    assert key

    await page.click("a[data-tab='openingstijden']")
    await page.wait_for_selector("#hours-preview")
    await page.get_by_role("button", name="Uitzondering toevoegen").click()
    exception = page.locator(".exception").last
    await exception.get_by_label("Omschrijving").fill("Open dag")
    await exception.get_by_label("Gesloten").uncheck()
    await exception.get_by_label("Van (Uitzondering, tijd 1)").fill("00:00")
    await exception.get_by_label("Tot (Uitzondering, tijd 1)").fill("24:00")
    await save(page, "#hours-form button[type=submit]")
    await page.locator("#hours-preview tbody tr", has_text="Open dag").wait_for()
    today = await page.locator("#hours-preview tbody tr").first.inner_text()
    assert "Open dag" in today and "00:00–24:00" in today
    await shot(page, artifacts, "admin-hours", full=True)

    await page.click("a[data-tab='contract']")
    await page.wait_for_selector("#contract-form")
    await page.fill("[data-path='first_reply_seconds']", "20")
    await page.select_option("[data-path='outside_hours']", "bot_then_form")
    await save(page, "#save-contract")
    await page.locator("#contract-history tbody tr", has_text="30 s → 20 s").wait_for()
    await shot(page, artifacts, "admin-contract", full=True)
    business_url = page.url.rsplit("/", 1)[0]

    await page.click("nav.side-nav a[data-nav='mensen']")
    await settled(page)
    await page.click("#new-person")
    await settled(page)
    await page.fill("[data-path='username']", "joost")
    await page.fill("[data-path='display_name']", "Joost")
    await page.fill("[data-path='email']", "joost@provider.example")
    await page.select_option("[data-path='role']", "operator")
    await page.click("#person-form button[type=submit]")
    await page.wait_for_selector("#link-out :text('Uitnodiging verstuurd')")
    served = page.get_by_role("group", name="Klanten die deze operator bedient")
    await served.get_by_label("Fietsenmaker De Spaak").check()
    await save(page, "#save-operator")
    await shot(page, artifacts, "admin-operator", full=True)

    await page.click("nav.side-nav a[data-nav='standaardantwoorden']")
    await settled(page)
    await page.click("#new-canned")
    await page.select_option("[data-path='business_id']", label="Fietsenmaker De Spaak")
    await page.fill("[data-path='shortcut']", "welkom")
    await page.fill("[data-path='title']", "Welkom")
    await page.fill(
        "[data-path='body']", "Goedendag, ik ben {operator} van {business}. Waarmee kan ik helpen?"
    )
    await save(page, "#canned-form button[type=submit]")
    await page.wait_for_selector("#canned-list :text('/welkom')")
    await shot(page, artifacts, "admin-canned")

    await page.goto(f"{business_url}/auditlog")
    await page.wait_for_selector("#audit-log tbody tr")
    await shot(page, artifacts, "admin-audit")
    return {"key": key.group(1), "snippet": snippet}


async def test_a_provider_onboards_a_client_in_the_browser_alone(
    settings: Settings,
    browser: Any,
    mailbox: tuple[Mailbox, int],
    client_site: tuple[Path, str],
    artifacts_dir: Path,
) -> None:
    box, smtp_port = mailbox
    site_root, site = client_site
    await asyncio.to_thread(createuser, settings)
    async with mailing_server(settings, smtp_port) as server:
        admin_ctx = await browser.new_context(viewport=DESKTOP, locale="nl-NL")
        admin = await admin_ctx.new_page()
        made = await onboard(admin, server, site, artifacts_dir)
        await admin_ctx.close()

        # The operator chooses a password through the link in the invitation.
        link = await invitation_link(box, "joost@provider.example")
        assert link.startswith(server.url)
        op_ctx = await browser.new_context(viewport={"width": 1400, "height": 860})
        op = await op_ctx.new_page()
        await op.goto(link)
        await op.fill("#new-password", OPERATOR_PASSWORD)
        await op.fill("#repeat-password", OPERATOR_PASSWORD)
        await op.click("main form button[type=submit]")
        await op.wait_for_selector("a[href='/console/login']")
        await op.goto(f"{server.url}/console/login")
        await op.fill("#login-user", "joost")
        await op.fill("#login-pass", OPERATOR_PASSWORD)
        await op.click("form.login button[type=submit]")
        await op.wait_for_selector("#chatlist")
        await wait_until_open(server, made["key"])

        # The client's website, on another origin, with the snippet as the back office gave it.
        (site_root / "index.html").write_text(
            "<!doctype html><html lang='nl'><head><meta charset='utf-8'>"
            "<title>Fietsenmaker De Spaak</title></head><body><h1>De Spaak</h1>"
            f"{made['snippet']}</body></html>",
            "utf-8",
        )
        vis_ctx = await browser.new_context(viewport={"width": 375, "height": 667})
        vis = await vis_ctx.new_page()
        await vis.goto(f"{site}/")
        await vis.click(f"{W} .launcher")
        await vis.fill(f"{W} textarea.input", "Is mijn fiets al klaar?")
        await vis.keyboard.press("Enter")
        await vis.wait_for_selector(f"{W} li.me[data-state=sent]")

        # The operator takes the chat and answers with the canned response, keyboard only.
        await op.wait_for_selector("#chatlist button.item")
        await op.click("#chatlist button.item")
        await op.click("#accept")
        await op.wait_for_selector(".chat-head .sub:has-text('actief')")
        await op.focus("#composer-input")
        await op.keyboard.type("/welk")
        await op.wait_for_selector("#canned-menu [role=option]")
        await op.keyboard.press("Enter")
        answer = "Goedendag, ik ben Joost van Fietsenmaker De Spaak. Waarmee kan ik helpen?"
        assert (await op.input_value("#composer-input")).strip() == answer
        await op.keyboard.press("Enter")
        await vis.wait_for_selector(f"{W} li.them >> text={answer}")
        await shot(op, artifacts_dir, "admin-onboarded-console")
        await vis_ctx.close()
        await op_ctx.close()
