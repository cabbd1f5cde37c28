"""Shared by the console's browser tests (test_browser_console_*.py): an operator's console in
Chromium that records script errors, visitors as protocol clients (quicker than a second
browser), a second operator, a provider admin, and FAQ entries for the suggestions."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import update
from test_browser_chat import ALL_DAY, db, set_hours, wait_until_open

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role
from livedesk.businesses.models import Business
from livedesk.settings import Settings

from livedesk_testing import (
    ORIGIN_A,
    PASSWORD,
    LiveServer,
    World,
    WsClient,
    connect_visitor,
    login,
    visitor_token,
)

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
NOTIFY_STUB = """
    window.__notes = [];
    if (window.Notification) {
      const Real = window.Notification;
      window.Notification = class extends Real {
        constructor(title, opts) {
          super(title, opts);
          window.__notes.push({ title, body: opts?.body });
        }
      };
    }"""


async def open_console(
    browser: Any,
    server: LiveServer,
    username: str,
    *,
    viewport: dict[str, int] = DESKTOP,
    color_scheme: str = "light",
    locale: str = "nl-NL",
) -> tuple[Any, Any]:
    """A console logged in through its form (which goes online); `page.js_errors` collects
    every uncaught script error, so a test can assert there were none."""
    context = await browser.new_context(viewport=viewport, color_scheme=color_scheme, locale=locale)
    await context.grant_permissions(["notifications"], origin=server.url)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.js_errors = errors
    await page.add_init_script(NOTIFY_STUB)
    await page.goto(f"{server.url}/console/login")
    await page.fill("#login-user", username)
    await page.fill("#login-pass", PASSWORD)
    await page.click("form.login button[type=submit]")
    await page.wait_for_selector("#chatlist")
    return context, page


async def open_all_day(settings: Settings, world: World) -> None:
    await set_hours(settings, world.a.business_id, ALL_DAY)
    await set_hours(settings, world.b.business_id, ALL_DAY)


async def operators_online(server: LiveServer, key: str, n: int) -> None:
    await wait_until_open(server, key)
    async with server.http() as http:
        for _ in range(100):
            got = (await http.get(f"/api/v1/widget/{key}/availability")).json()
            if got.get("operators_online") == n:
                return
            await asyncio.sleep(0.1)
    raise AssertionError(f"never {n} operators online for {key}")


class Visitor:
    """A visitor speaking the widget's protocol."""

    def __init__(self, client: WsClient, cid: str) -> None:
        self.client = client
        self.cid = cid
        self.sent = 0

    async def say(self, body: str) -> int:
        self.sent += 1
        msg_id = f"v{self.sent}"
        await self.client.send(
            type="send", conversation_id=self.cid, client_msg_id=msg_id, body=body
        )
        return int((await self.client.wait_type("ack", client_msg_id=msg_id))["seq"])

    async def close(self) -> None:
        await self.client.close()


async def visitor(
    server: LiveServer,
    key: str = "key-alpha",
    origin: str = ORIGIN_A,
    *,
    prechat: dict[str, str] | None = None,
    first: str | None = None,
    title: str = "Prijzen",
) -> Visitor:
    token = await visitor_token(server, key, origin)
    client = await connect_visitor(server, token, origin)
    await client.send(type="hello")
    await client.wait_type("welcome")
    page = {"url": f"{origin}/prijzen", "title": title, "referrer": ""}
    await client.send(type="start", prechat=prechat or {}, page=page)
    conversation = await client.wait_type("conversation")
    guest = Visitor(client, conversation["conversation_id"])
    if first:
        await guest.say(first)
    return guest


async def add_operator(
    settings: Settings, username: str, name: str, serves: list[str], max_concurrent: int = 3
) -> None:
    async def work(session: Any) -> None:
        await do_create_user(
            session,
            username=username,
            password=PASSWORD,
            role=Role.OPERATOR,
            display_name=name,
            serves=serves,
            max_concurrent=max_concurrent,
        )

    await db(settings, work)


async def set_guidelines(settings: Settings, business_id: str, guidelines: dict[str, Any]) -> None:
    async def work(session: Any) -> None:
        await session.execute(
            update(Business).where(Business.id == business_id).values(guidelines=guidelines)
        )

    await db(settings, work)


async def add_faq(
    server: LiveServer, owner: str, business_id: str, *entries: dict[str, str]
) -> None:
    """FAQ entries as the business's own user adds them in the portal."""
    cookies = {"livedesk_session": await login(server, owner)}
    async with server.http(cookies=cookies) as http:
        for entry in entries:
            r = await http.post(f"/api/v1/businesses/{business_id}/faq", json=entry)
            assert r.status_code in (200, 201), r.text


async def presence_of(server: LiveServer, username: str) -> str:
    """The operator's presence as the floor reports it."""
    cookies = {"livedesk_session": await login(server, "super")}
    async with server.http(cookies=cookies) as http:
        floor = (await http.get("/api/v1/floor")).json()
    names = {"op-alpha": "Op alpha", "op-beta": "Op beta"}
    for operator in floor["operators"]:
        if operator["name"] == names.get(username, username):
            return str(operator["presence"])
    raise AssertionError(f"{username} is not on the floor")
