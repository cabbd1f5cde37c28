"""Markup, scripts and tricky text typed into every field show as text, never as HTML, on every
page that renders them: the operator console, the widget, the floor, the back office, and the
lead and transcript e-mails (caught by a real SMTP server, shown in the browser too).

The corpus (xss_helpers.CORPUS) goes in through the visitor's messages, name and pre-chat answers,
the page title, URL and referrer, the offline form, an operator's lead, a FAQ entry, a canned
response, a rating comment, a business's name and guidelines and a person's name.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from xss_helpers import CORPUS, SHORT, assert_clean, render_mail, wait_for_text, watch_dialogs

from livedesk.leads.settings import LeadsSettings, SmtpSettings
from livedesk.settings import Settings
from roles_testing import ADMIN, create_admin

from livedesk_testing import (
    ORIGIN_A,
    LiveServer,
    World,
    WsClient,
    connect_agent,
    connect_visitor,
    free_port,
    login,
    visitor_token,
)

pytestmark = pytest.mark.browser

W = "[data-livedesk]"  # Playwright's CSS engine pierces the widget's open shadow root
ALL_DAY = {
    "timezone": "Europe/Amsterdam",
    "exceptions": {},
    "weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
}
GUIDELINES = {
    "tone": CORPUS[1],
    "never_promise": CORPUS[4],
    "escalation": "javascript:alert('xss-escalation')",
}
PAGE = {
    "url": "javascript:alert('xss-page')",
    "title": CORPUS[2],
    "referrer": "javascript:alert('xss-referrer')",
}
PRECHAT = {"name": SHORT, "email": "ann@example.nl", "vraag": CORPUS[6]}
# The FAQ refuses HTML and javascript: links outright (knowledge/io.py); what it accepts still
# shows as text.
FAQ = {"question": f"{CORPUS[10]} {CORPUS[12]}", "answer": f"{CORPUS[11]}\n{CORPUS[13]}"}


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
async def mailed(settings: Settings, world: World) -> AsyncIterator[tuple[LiveServer, Mailbox]]:
    """A live Livedesk whose lead and transcript mails go to a real (aiosmtpd) SMTP server."""
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    server = LiveServer(settings)
    server.app.state.leads_settings = LeadsSettings(poll_seconds=0.05, backoff_base_seconds=0.1)
    server.app.state.smtp_settings = SmtpSettings(
        host="127.0.0.1", port=port, sender="Livedesk <leads@livedesk.test>"
    )
    await create_admin(settings)
    await server.start()
    try:
        yield server, box
    finally:
        await server.stop()
        controller.stop()


async def _as(server: LiveServer, username: str) -> Any:
    return server.http(cookies={"livedesk_session": await login(server, username)})


async def _page(browser: Any, server: LiveServer, username: str | None, path: str) -> Any:
    """A page logged in by its session cookie (the login forms are tested elsewhere)."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    if username:
        secret = await login(server, username)
        await context.add_cookies(
            [{"name": "livedesk_session", "value": secret, "url": server.url}]
        )
    page = await context.new_page()
    watch_dialogs(page)
    await page.goto(f"{server.url}{path}")
    return page


async def _configure(server: LiveServer, world: World) -> None:
    """The provider's side: the business, its hours, a canned response, a FAQ entry, a lead
    route by e-mail and a person, each with markup in what people read."""
    a = world.a.business_id
    async with await _as(server, ADMIN) as admin:
        changes = [
            ("PATCH", f"/api/v1/businesses/{a}", {"name": SHORT, "guidelines": GUIDELINES}),
            ("PUT", f"/api/v1/businesses/{a}/opening-hours", ALL_DAY),
            ("POST", "/api/v1/canned-responses", {
                "business_id": a, "shortcut": "xss", "title": SHORT, "body": CORPUS[0]}),
            ("POST", f"/api/v1/businesses/{a}/faq", FAQ),
            ("POST", f"/api/v1/businesses/{a}/delivery-routes", {
                "kind": "email", "emails": ["verkoop@alpha.example"]}),
            ("POST", "/api/v1/users", {
                "username": "xss-person", "display_name": SHORT, "role": "operator",
                "operator": {"businesses": [a]}}),
        ]  # fmt: skip
        for method, path, body in changes:
            r = await admin.request(method, path, json=body)
            assert r.status_code in (200, 201), f"{method} {path}: {r.text}"


async def _socket_chat(server: LiveServer, world: World) -> tuple[str, WsClient, str]:
    """A visitor (over the socket) with markup in the page, pre-chat answers and messages."""
    token = await visitor_token(server, world.a.widget_key, ORIGIN_A)
    visitor = await connect_visitor(server, token, ORIGIN_A)
    await visitor.send(type="hello")
    await visitor.wait_type("welcome")
    await visitor.send(type="start", page=PAGE, prechat=PRECHAT)
    cid = (await visitor.wait_type("conversation"))["conversation_id"]
    for number, text in enumerate(CORPUS):
        await visitor.send(type="send", conversation_id=cid, client_msg_id=f"v{number}", body=text)
        await visitor.wait_type("ack", client_msg_id=f"v{number}")
    return token, visitor, cid


async def _wait_until_open(server: LiveServer, key: str) -> None:
    async with server.http() as http:
        for _ in range(100):
            if (await http.get(f"/api/v1/widget/{key}/availability")).json()["open"]:
                return
            await asyncio.sleep(0.1)
    raise AssertionError("the widget never became available")


async def _reply_all(agent: WsClient, cid: str) -> None:
    await agent.send(type="accept", conversation_id=cid)
    await agent.wait_for(lambda f: f.get("conversation_id") == cid and f.get("state") == "active")
    for number, text in enumerate(CORPUS):
        await agent.send(
            type="send", conversation_id=cid, client_msg_id=f"o{cid}{number}", body=text
        )
        await agent.wait_type("ack", client_msg_id=f"o{cid}{number}")


async def test_markup_everywhere_stays_text(
    mailed: tuple[LiveServer, Mailbox], world: World, browser: Any
) -> None:
    server, mailbox = mailed
    await _configure(server, world)
    token, visitor, cid = await _socket_chat(server, world)
    agent = await connect_agent(server, await login(server, world.a.operator))
    await agent.send(type="hello")
    await agent.wait_type("welcome")
    await agent.send(type="presence", state="online")  # so the widget offers a chat
    await _reply_all(agent, cid)
    await _wait_until_open(server, world.a.widget_key)

    # The widget: the visitor types the corpus, the operator answers with it.
    widget = await _page(browser, server, None, f"/demo/{world.a.widget_key}")
    await widget.click(f"{W} .launcher")
    for text in CORPUS[:6]:
        await widget.fill(f"{W} textarea.input", text)
        await widget.keyboard.press("Enter")
    queued = await agent.wait_for(
        lambda f: f.get("type") == "conversation" and f.get("conversation_id") != cid
    )
    await _reply_all(agent, queued["conversation_id"])
    await wait_for_text(widget, CORPUS[-1])
    await assert_clean(widget, "the widget", [*CORPUS, *CORPUS[:6]])

    # The console: the chat with its page, pre-chat answers, guidelines and a canned response.
    console = await _page(browser, server, world.a.operator, "/console")
    await console.click(f"#chatlist button.item[data-cid='{cid}']")
    await wait_for_text(console, CORPUS[-1])
    await wait_for_text(console, PAGE["title"])
    await console.fill("#composer-input", "/xss")
    await wait_for_text(console, CORPUS[0])
    await assert_clean(
        console, "the console", [*CORPUS, SHORT, PAGE["title"], PRECHAT["vraag"], CORPUS[1]]
    )

    # A rating comment after the end, the transcript by e-mail, an offline message and an
    # operator's lead, each e-mailed with the visitor's words in them.
    await agent.send(type="close", conversation_id=cid, disposition="answered")
    await visitor.wait_for(lambda f: f.get("conversation_id") == cid and f.get("state") == "closed")
    await visitor.send(type="rating", conversation_id=cid, score=2, comment=CORPUS[7])
    await visitor.wait_type("rated")
    async with server.http(headers={"origin": ORIGIN_A}) as page:
        sent = await page.post(
            f"/api/v1/widget/{world.a.widget_key}/transcript",
            json={"token": token, "email": "ann@example.nl", "conversation_id": cid},
        )
        assert sent.status_code == 202, sent.text
        offline = {"name": SHORT, "email": "ann@example.nl", "question": CORPUS[8], "consent": True}
        sent = await page.post(f"/api/v1/widget/{world.a.widget_key}/offline", json=offline)
        assert sent.status_code == 201, sent.text
    async with await _as(server, world.a.operator) as http:
        lead = {"kind": "sales_lead", "name": SHORT, "email": "ann@example.nl",
                "intent": CORPUS[9], "notes": CORPUS[10], "consent": True}  # fmt: skip
        filed = await http.post(f"/api/v1/conversations/{cid}/leads", json=lead)
        assert filed.status_code == 201, filed.text

    # The client's portal: the transcript with its rating, the leads, the FAQ.
    for path, shows in (
        (f"/portal/gesprekken/{cid}", [CORPUS[7], CORPUS[-1], PRECHAT["vraag"]]),
        ("/portal/leads", [SHORT]),
        ("/portal/faq", [FAQ["question"]]),
    ):
        portal = await _page(browser, server, world.a.business_user, path)
        await wait_for_text(portal, shows[0])
        await assert_clean(portal, f"the portal at {path}", shows)
        await portal.context.close()

    # The floor and the back office.
    floor = await _page(browser, server, world.supervisor, "/console/floor")
    await wait_for_text(floor, SHORT)
    await assert_clean(floor, "the floor", [SHORT])
    for path, shows in (
        ("/admin/klanten", [SHORT]),
        (f"/admin/klanten/{world.a.business_id}", [SHORT]),
        ("/admin/standaardantwoorden", [SHORT]),
        ("/admin/mensen", [SHORT]),
    ):
        office = await _page(browser, server, ADMIN, path)
        await wait_for_text(office, shows[0])
        await assert_clean(office, f"the back office at {path}", shows)
        await office.context.close()

    # The mails: three arrive; none has HTML a mail program could run, each shows the text.
    for _ in range(200):
        if len(mailbox.messages) >= 3:
            break
        await widget.wait_for_timeout(50)
    subjects = sorted(str(m["Subject"]) for m in mailbox.messages)
    assert len(subjects) == 3, subjects
    reader = await _page(browser, server, None, "/healthz")
    expected = {"transcript": CORPUS, "offline": [CORPUS[8], SHORT], "lead": [CORPUS[9], SHORT]}
    seen = []
    for message in mailbox.messages:
        text = await render_mail(reader, message)
        # The visitor gets the transcript; the business gets both leads, told apart by kind.
        if "ann@example.nl" in str(message["To"]):
            kind = "transcript"
        else:
            kind = "lead" if "sales_lead" in text else "offline"
        seen.append(kind)
        await assert_clean(reader, f"the {kind} mail {message['Subject']!r}", expected[kind])
    assert sorted(seen) == ["lead", "offline", "transcript"]

    for client in (visitor, agent):
        await client.close()
    for page in (widget, console, floor, reader):
        await page.context.close()
