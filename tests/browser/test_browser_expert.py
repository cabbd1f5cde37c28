"""A business's own expert in a live chat, in Chromium: a visitor chats with an operator, a
business user of the same business joins from /portal/chat/{id}, the visitor sees the named
expert join and answer, the operator sees it too, and the expert hands back. A business user of
another business cannot even open the chat, one whose business does not allow it cannot join,
and one who only reads sends nothing the visitor would see."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from axe_helper import assert_accessible
from sqlalchemy import update

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role, User
from livedesk.businesses.models import Business
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.settings import Settings

from livedesk_testing import (
    ORIGIN_B,
    PASSWORD,
    LiveServer,
    World,
    connect_visitor,
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
EXPERT = "Eva de Vries"
HTML = 'Klopt dit? <b>vet</b><img src=x onerror="window.__pwned=1">'


async def prepare(settings: Settings, world: World) -> None:
    """Alpha is open all day and its business user has a name; a provider admin exists."""
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            await session.execute(
                update(Business)
                .where(Business.id == world.a.business_id)
                .values(opening_hours=ALL_DAY)
            )
            await session.execute(
                update(User).where(User.username == "user-alpha").values(display_name=EXPERT)
            )
            await do_create_user(
                session, username="admin", password=PASSWORD, role=Role.PROVIDER_ADMIN
            )
    finally:
        await engine.dispose()


async def allow_experts(server: LiveServer, business_id: str) -> None:
    cookies = {"livedesk_session": await login(server, "admin")}
    async with server.http(cookies=cookies) as admin:
        r = await admin.put(
            f"/api/v1/businesses/{business_id}/portal-settings", json={"experts_may_join": True}
        )
        assert r.status_code == 200, r.text


async def logged_in(browser: Any, server: LiveServer, username: str) -> tuple[Any, Any]:
    context = await browser.new_context(viewport={"width": 1100, "height": 800}, locale="nl-NL")
    secret = await login(server, username)
    await context.add_cookies([{"name": "livedesk_session", "value": secret, "url": server.url}])
    return context, await context.new_page()


async def operator_console(browser: Any, server: LiveServer) -> tuple[Any, Any]:
    context = await browser.new_context(viewport={"width": 1400, "height": 860}, locale="nl-NL")
    page = await context.new_page()
    await page.goto(f"{server.url}/console/login")
    await page.fill("#login-user", "op-alpha")
    await page.fill("#login-pass", PASSWORD)
    await page.click("form.login button[type=submit]")  # logging in by the form goes online
    await page.wait_for_selector("#chatlist")
    return context, page


async def wait_until_open(server: LiveServer, key: str) -> None:
    async with server.http() as http:
        for _ in range(100):
            if (await http.get(f"/api/v1/widget/{key}/availability")).json()["open"]:
                return
            await asyncio.sleep(0.1)
    raise AssertionError("the widget never became available")


# Frames the page itself sends over its own staff socket, as a script on it could: the answers.
RAW_FRAMES = """async (cid) => {
  const ws = new WebSocket(`ws://${location.host}/ws/agent`);
  const got = [];
  ws.onmessage = (e) => got.push(JSON.parse(e.data));
  await new Promise((ok) => { ws.onopen = ok; });
  ws.send(JSON.stringify({ type: "hello" }));
  ws.send(JSON.stringify({ type: "typing", conversation_id: cid, state: "on" }));
  ws.send(JSON.stringify({ type: "read", conversation_id: cid, seq: 1 }));
  ws.send(JSON.stringify({ type: "close", conversation_id: cid }));
  ws.send(JSON.stringify({ type: "ping", t: "done" }));
  const pong = () => got.some((f) => f.type === "pong");
  for (let i = 0; i < 100 && !pong(); i++) await new Promise((ok) => setTimeout(ok, 50));
  ws.close();
  return got.filter((f) => f.type === "error").map((f) => f.code);
}"""


async def test_browser_expert_joins_answers_and_hands_back(
    server: LiveServer, world: World, settings: Settings, browser: Any, artifacts_dir: Path
) -> None:
    await prepare(settings, world)
    await allow_experts(server, world.a.business_id)
    op_ctx, op = await operator_console(browser, server)
    await wait_until_open(server, world.a.widget_key)

    vis_ctx = await browser.new_context(viewport={"width": 375, "height": 667}, locale="nl-NL")
    vis = await vis_ctx.new_page()
    await vis.goto(f"{server.url}/demo/{world.a.widget_key}")
    await vis.click(f"{W} .launcher")
    await vis.fill(f"{W} textarea.input", HTML)
    await vis.keyboard.press("Enter")
    await vis.wait_for_selector(f"{W} li.me[data-state=sent]")
    await op.wait_for_selector("#chatlist button.item")
    await op.click("#chatlist button.item")
    await op.click("#accept")
    await op.wait_for_selector(".chat-head .sub:has-text('actief')")
    cid = await op.locator("#chatlist button.item").first.get_attribute("data-cid")
    await op.fill("#composer-input", "Goedemiddag, ik zoek het voor u uit.")
    await op.keyboard.press("Enter")
    await vis.wait_for_selector(f"{W} li.them >> text=ik zoek het voor u uit")

    # The expert opens the chat: it reads along, the visitor's text stays text, nothing is sent.
    ex_ctx, ex = await logged_in(browser, server, "user-alpha")
    await ex.goto(f"{server.url}/portal/chat/{cid}")
    await ex.wait_for_selector("#join")
    assert await ex.locator(".expert-log li.visitor .text").first.inner_text() == HTML
    assert await ex.locator(".expert-log b, .expert-log img").count() == 0
    assert await ex.locator(".expert-composer").is_hidden()
    # Whatever a script on the page sends before joining is refused, and reaches nobody.
    assert await ex.evaluate(RAW_FRAMES, cid) == ["not_joined", "not_joined", "forbidden"]
    await asyncio.sleep(0.3)
    assert await vis.locator(f"{W} .typing").inner_text() == ""
    await assert_accessible(ex, "the expert's chat page before joining")

    # Joining: the visitor and the operator see the named expert of the business join.
    await ex.click("#join")
    await ex.wait_for_selector("#hand-back")
    joined = f"{EXPERT} van Alpha BV neemt deel aan het gesprek."
    await vis.wait_for_selector(f"{W} li.msg.system >> text={joined}")
    await op.wait_for_selector(f".log li.msg.system >> text={joined}")
    await op.wait_for_selector(f".chat-head .experts:has-text('{EXPERT} (expert van Alpha BV)')")

    # The expert types and answers: named on both sides; the operator stays in the chat.
    await ex.type("#expert-input", "Ja, binnen")
    await vis.wait_for_selector(f"{W} .typing:has-text('{EXPERT} typt')")
    await ex.fill("#expert-input", "Ja, binnen 30 dagen kan dat kosteloos.")
    await ex.keyboard.press("Enter")
    answer = vis.locator(f"{W} li.them.expert")
    await answer.wait_for()
    assert await answer.locator(".who").inner_text() == f"{EXPERT} · Alpha BV"
    assert await answer.locator(".text").inner_text() == "Ja, binnen 30 dagen kan dat kosteloos."
    seen = op.locator(".log li.them.expert")
    await seen.wait_for()
    assert "expert van Alpha BV" in await seen.locator(".meta").inner_text()
    assert await op.locator(".chat-head .sub").first.inner_text() == "actief · Op alpha"
    await ex.wait_for_selector(".expert-log li.answer.expert:not(.pending) >> text=30 dagen")

    # An internal note of the operator never reaches the expert's page.
    await op.check("#note-mode")
    await op.fill("#composer-input", "Interne notitie: klant belt vaak")
    await op.keyboard.press("Enter")
    await op.wait_for_selector(".log li.internal[data-seq]")
    await op.uncheck("#note-mode")
    await op.fill("#composer-input", "Dank je, Eva!")
    await op.keyboard.press("Enter")
    await ex.wait_for_selector(".expert-log >> text=Dank je, Eva!")
    assert await ex.locator(".expert-log >> text=Interne notitie").count() == 0
    await assert_accessible(ex, "the expert's chat page, joined")

    # Handing back: a system line on both sides; the expert reads along again.
    await ex.click("#hand-back")
    back = f"{EXPERT} van Alpha BV heeft het gesprek teruggegeven aan de medewerker."
    await vis.wait_for_selector(f"{W} li.msg.system >> text={back}")
    await op.wait_for_selector(f".log li.msg.system >> text={back}")
    await ex.wait_for_selector("#join")
    assert await ex.locator(".expert-composer").is_hidden()
    await op.wait_for_selector(".chat-head .experts", state="detached")
    await ex.screenshot(path=str(artifacts_dir / "portal-expert-chat.png"))
    await vis.screenshot(path=str(artifacts_dir / "widget-expert-joined.png"))
    assert await vis.evaluate("window.__pwned") is None
    assert await ex.evaluate("window.__pwned") is None

    # A business user of another business cannot open the chat at all.
    other_ctx, other = await logged_in(browser, server, "user-beta")
    await other.goto(f"{server.url}/portal/chat/{cid}")
    await other.wait_for_selector("[role=alert] >> text=hoort niet bij uw bedrijf")
    assert await other.locator("#join").count() == 0
    for ctx in (other_ctx, ex_ctx, vis_ctx, op_ctx):
        await ctx.close()


async def test_browser_expert_cannot_join_unless_the_business_allows_it(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await prepare(settings, world)
    # A chat of beta (which never allowed its people to join), waiting for an operator.
    token = await visitor_token(server, world.b.widget_key, ORIGIN_B)
    visitor = await connect_visitor(server, token, ORIGIN_B)
    await visitor.send(type="hello")
    await visitor.wait_type("welcome")
    await visitor.send(type="start")
    cid = (await visitor.wait_type("conversation"))["conversation_id"]

    ctx, page = await logged_in(browser, server, "user-beta")
    await page.goto(f"{server.url}/portal/chat/{cid}")
    await page.click("#join")
    await page.wait_for_selector(".status >> text=kan (nog) niet meedoen")
    assert await page.locator("#hand-back").is_hidden()
    assert [f for f in visitor.of_type("message")] == []
    await visitor.close()
    await ctx.close()
