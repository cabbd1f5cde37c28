"""The visitor widget and the operator console in a real browser (Debian's Chromium).

A visitor on the demo page (375×667) and an operator in a second browser context complete a
whole chat; the network is cut and restored on both sides; HTML stays literal text; the offline
form appears outside opening hours; offers time out and move on to the next operator."""

from __future__ import annotations

import asyncio
import os
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role
from livedesk.businesses.models import Business
from livedesk.conversations.models import Conversation, Message, Rating
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.settings import Settings

from livedesk_testing import PASSWORD, LiveServer, World, login

pytestmark = pytest.mark.browser

W = "[data-livedesk]"  # Playwright's CSS engine pierces the widget's open shadow root
ALL_DAY = {
    "timezone": "Europe/Amsterdam",
    "exceptions": {},
    "weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
}
NEVER = {"timezone": "Europe/Amsterdam", "exceptions": {}, "weekly": {}}
XSS = 'Hallo <b>vet</b> <script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
DOCS_SHOTS = Path(__file__).parent.parent.parent / "docs" / "screenshots"


async def db(settings: Settings, work: Any) -> Any:
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            return await work(session)
    finally:
        await engine.dispose()


async def set_hours(settings: Settings, business_id: str, hours: dict[str, Any]) -> None:
    async def work(session: Any) -> None:
        await session.execute(
            update(Business).where(Business.id == business_id).values(opening_hours=hours)
        )

    await db(settings, work)


async def transcript(settings: Settings, conversation_id: str) -> list[tuple[int, str, str, bool]]:
    async def work(session: Any) -> list[tuple[int, str, str, bool]]:
        rows = await session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
        )
        return [(m.seq, m.author_kind, m.body, m.internal) for m in rows]

    return await db(settings, work)


async def wait_until_open(server: LiveServer, key: str) -> None:
    """With routing, chats are offered only once an operator is online."""
    async with server.http() as http:
        for _ in range(100):
            if (await http.get(f"/api/v1/widget/{key}/availability")).json()["open"]:
                return
            await asyncio.sleep(0.1)
    raise AssertionError("the widget never became available")


async def operator_console(browser: Any, server: LiveServer, username: str) -> tuple[Any, Any]:
    context = await browser.new_context(viewport={"width": 1400, "height": 860})
    page = await context.new_page()
    await page.add_init_script("""
        window.__notes = [];
        if (window.Notification) {
          const Real = window.Notification;
          window.Notification = class extends Real {
            constructor(title, opts) { super(title, opts); window.__notes.push(title); }
          };
        }""")
    await context.grant_permissions(["notifications"], origin=server.url)
    await page.goto(f"{server.url}/console/login")
    await page.fill("#login-user", username)
    await page.fill("#login-pass", PASSWORD)
    await page.click("form.login button[type=submit]")
    await page.wait_for_selector("#chatlist")
    return context, page


async def visitor_page(browser: Any, server: LiveServer, key: str) -> tuple[Any, Any]:
    context = await browser.new_context(viewport={"width": 375, "height": 667}, has_touch=True)
    page = await context.new_page()
    await page.goto(f"{server.url}/demo/{key}")
    await page.wait_for_selector(f"{W} .launcher")
    return context, page


async def texts(page: Any, selector: str) -> list[str]:
    return await page.locator(selector).all_inner_texts()


async def shot(page: Any, artifacts: Path, name: str, docs: bool = False) -> None:
    path = artifacts / f"{name}.png"
    await page.screenshot(path=str(path))
    if docs and os.environ.get("LIVEDESK_UPDATE_SCREENSHOTS"):  # refresh the README's images
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SHOTS / f"{name}.png")


async def accept_first_chat(op: Any) -> None:
    await op.wait_for_selector("#chatlist button.item")
    await op.click("#chatlist button.item")
    await op.click("#accept")
    await op.wait_for_selector(".chat-head .sub:has-text('actief')")


async def test_browser_whole_chat_network_cut_and_html_as_text(
    server: LiveServer, world: World, settings: Settings, browser: Any, artifacts_dir: Path
) -> None:
    await set_hours(settings, world.a.business_id, ALL_DAY)
    op_ctx, op = await operator_console(browser, server, world.a.operator)
    await wait_until_open(server, world.a.widget_key)

    # The widget adds exactly one global, and host-page CSS does not reach into it.
    bare_ctx = await browser.new_context(viewport={"width": 375, "height": 667}, has_touch=True)
    bare = await bare_ctx.new_page()
    await bare.route("**/widget.js", lambda route: route.abort())
    await bare.goto(f"{server.url}/demo/{world.a.widget_key}")
    baseline = set(await bare.evaluate("Object.keys(window)"))
    await bare_ctx.close()

    vis_ctx, vis = await visitor_page(browser, server, world.a.widget_key)
    await vis.click(f"{W} .launcher")
    await vis.wait_for_selector(f"{W} textarea.input")
    # Focus moved into the widget (its host element holds the shadow root).
    assert await vis.evaluate("document.activeElement.tagName") == "DIV"
    assert await vis.locator(f"{W} .launcher").get_attribute("aria-expanded") == "true"
    added = set(await vis.evaluate("Object.keys(window)")) - baseline
    assert added == {"Livedesk"}
    launcher_bg = await vis.locator(f"{W} .launcher").evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )
    async with server.http() as http:
        config = (await http.get(f"/api/v1/widget/{world.a.widget_key}/config")).json()
    # The widget's own accent (the configured one, else its default), not hotpink.
    accent = config["settings"].get("look", {}).get("accent_color", "#0b5cad")
    assert launcher_bg == "rgb({}, {}, {})".format(*bytes.fromhex(accent[1:]))

    await vis.fill(f"{W} textarea.input", XSS)
    await vis.keyboard.press("Enter")
    await vis.wait_for_selector(f"{W} li.me[data-state=sent]")

    await accept_first_chat(op)
    assert await op.locator(".log li.them .text").first.inner_text() == XSS
    assert await op.locator(".log b, .log script, .log img").count() == 0
    await vis.wait_for_selector(f"{W} .status:has-text('Op alpha')")
    assert await vis.locator(f"{W} .log b, {W} .log script, {W} .log img").count() == 0
    assert (await vis.locator(f"{W} li.me .text").inner_text()) == XSS
    # Reported page: URL, title and referrer of the start frame, shown beside the chat.
    assert "/demo/key-alpha" in await op.locator(".side").inner_text()

    # Typing both ways, then a reply with a link (anchor built from a parsed URL).
    await op.fill("#composer-input", "Een ogenblik")
    await op.type("#composer-input", " alstublieft")
    await vis.wait_for_selector(f"{W} .typing:has-text('Op alpha typt')")
    await op.fill(
        "#composer-input", "Goedemiddag! Zie https://alpha.example/prijzen. Of javascript:alert(1)"
    )
    await op.keyboard.press("Enter")
    link = vis.locator(f"{W} li.them a")
    await link.wait_for()
    assert await link.get_attribute("href") == "https://alpha.example/prijzen"
    assert await link.get_attribute("rel") == "noopener noreferrer"
    assert await link.get_attribute("target") == "_blank"
    assert await vis.locator(f"{W} a[href^='javascript']").count() == 0
    await vis.type(f"{W} textarea.input", "Ik typ")
    await op.wait_for_selector(".typing:has-text('Bezoeker typt')")
    await vis.fill(f"{W} textarea.input", "")
    # The operator has the chat open: the visitor's message shows as read.
    await vis.wait_for_selector(f"{W} li.me[data-state=read]")
    await shot(vis, artifacts_dir, "widget-chat-mobile", docs=True)

    # Network cut on the visitor's side: a send while offline is queued; the operator's
    # message in the meantime arrives after the reconnect; nothing is lost or doubled.
    await vis_ctx.set_offline(True)
    await vis.wait_for_selector(f"{W} .conn:has-text('offline')")
    await vis.fill(f"{W} textarea.input", "Bericht tijdens de storing")
    await vis.keyboard.press("Enter")
    assert await vis.locator(f"{W} li.me.pending").count() == 1
    await op.fill("#composer-input", "Bent u er nog?")
    await op.keyboard.press("Enter")
    await op.wait_for_selector(".log li.me[data-state] >> text=Bent u er nog?")
    await asyncio.sleep(1.0)
    await vis_ctx.set_offline(False)
    await vis.wait_for_selector(f"{W} li.them >> text=Bent u er nog?")
    await op.wait_for_selector(".log li.them >> text=Bericht tijdens de storing")
    await vis.wait_for_selector(f"{W} li.me.pending", state="detached")

    # And on the operator's side.
    await op_ctx.set_offline(True)
    await op.wait_for_selector(".conn:not([hidden])")
    await vis.fill(f"{W} textarea.input", "Nog een vraag")
    await vis.keyboard.press("Enter")
    await vis.wait_for_selector(f"{W} li.me[data-state=sent] >> text=Nog een vraag")
    await asyncio.sleep(0.5)
    await op_ctx.set_offline(False)
    await op.wait_for_selector(".log li.them >> text=Nog een vraag")

    # An internal note reaches staff only.
    await op.check("#note-mode")
    await op.fill("#composer-input", "Interne notitie: VIP")
    await op.keyboard.press("Enter")
    await op.wait_for_selector(".log li.internal[data-seq]")
    await op.uncheck("#note-mode")
    await op.fill("#composer-input", "Graag gedaan")
    await op.keyboard.press("Enter")
    await vis.wait_for_selector(f"{W} li.them >> text=Graag gedaan")

    # Page navigation keeps the conversation: the panel reopens with the whole history.
    await vis.goto(f"{server.url}/demo/{world.a.widget_key}?page=diensten")
    await vis.wait_for_selector(f"{W} li.them >> text=Graag gedaan")

    cid = await op.locator("#chatlist button.item").first.get_attribute("data-cid")
    rows = await transcript(settings, cid)
    public = [body for _, _, body, internal in rows if not internal]
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert len(public) == len(set(public)) == 6
    assert [b for _, _, b, internal in rows if internal] == ["Interne notitie: VIP"]
    widget_bodies = await texts(vis, f"{W} li.msg .text")
    console_bodies = await texts(op, ".log li.msg:not(.internal) .text")
    assert widget_bodies == public
    assert console_bodies == public
    assert await op.evaluate("window.__pwned") is None
    assert await vis.evaluate("window.__pwned") is None
    await shot(op, artifacts_dir, "console-chat", docs=True)

    # Close with a disposition: the visitor sees the end; no rating without a rating frame.
    await op.select_option("#disposition", "answered")
    await op.click("#close-chat")
    await vis.wait_for_selector(f"{W} .after:has-text('beëindigd')")
    assert await vis.locator(f"{W} textarea.input").is_disabled()
    assert await vis.locator(f"{W} form.transcript").count() == 1  # a transcript by e-mail
    # End-of-chat rating: 4 of 5 with a comment, stored against this conversation.
    await vis.locator(f"{W} form.rating label.star").nth(3).click()
    await vis.fill(f"{W} form.rating textarea", "Snel geholpen <b>top</b>")
    await shot(vis, artifacts_dir, "widget-ended")
    await vis.click(f"{W} form.rating button[type=submit]")
    await vis.wait_for_selector(f"{W} form.rating p.ok")

    async def rating(session: Any) -> tuple[int, str | None] | None:
        row = await session.get(Rating, cid)
        return None if row is None else (row.score, row.comment)

    for _ in range(50):  # the frame is on its way; poll in fresh transactions
        stored = await db(settings, rating)
        if stored is not None:
            break
        await asyncio.sleep(0.1)
    assert stored == (4, "Snel geholpen <b>top</b>")

    async def state(session: Any) -> tuple[str, str | None]:
        c = await session.get(Conversation, cid)
        return c.state, c.disposition

    assert await db(settings, state) == ("closed", "answered")
    await vis_ctx.close()
    await op_ctx.close()


async def test_browser_offline_form_outside_opening_hours(
    server: LiveServer, world: World, settings: Settings, browser: Any, artifacts_dir: Path
) -> None:
    await set_hours(settings, world.a.business_id, NEVER)
    vis_ctx, vis = await visitor_page(browser, server, world.a.widget_key)
    await vis.click(f"{W} .launcher")
    await vis.wait_for_selector(f"{W} .offline-view")
    assert "gesloten" in await vis.locator(f"{W} .offline-view").inner_text()
    assert await vis.locator(f"{W} textarea.input").count() == 0
    await vis.fill(f"{W} #ld-off-name", "Piet <b>Jansen</b>")
    await vis.fill(f"{W} #ld-off-email", "piet@example.nl")
    await vis.fill(f"{W} #ld-off-question", "Kunt u mij morgen terugbellen?")
    await vis.check(f"{W} #ld-off-consent")
    await shot(vis, artifacts_dir, "widget-offline-form", docs=True)
    await vis.click(f"{W} form.offline button[type=submit]")
    await vis.wait_for_selector(f"{W} .offline-view .ok")
    cookie = {"livedesk_session": await login(server, world.a.operator)}
    async with server.http(cookies=cookie) as h:
        leads = (await h.get("/api/v1/leads")).json()["items"]
    assert [(lead["name"], lead["email"], lead["kind"]) for lead in leads] == [
        ("Piet <b>Jansen</b>", "piet@example.nl", "offline_message")
    ]
    await vis_ctx.close()


async def test_browser_offer_times_out_and_moves_on(
    settings: Settings, world: World, browser: Any, artifacts_dir: Path
) -> None:
    from livedesk.routing.engine import RoutingConfig
    from livedesk.routing.options import RouterOptions

    await set_hours(settings, world.a.business_id, ALL_DAY)

    async def second_operator(session: Any) -> None:
        await do_create_user(
            session,
            username="op-alpha-2",
            password=PASSWORD,
            role=Role.OPERATOR,
            display_name="Op alpha twee",
            serves=[world.a.business_id],
            max_concurrent=3,
        )

    await db(settings, second_operator)
    server = LiveServer(settings)
    server.app.state.routing_options = RouterOptions(
        engine=RoutingConfig(offer_timeout=timedelta(seconds=3))
    )
    await server.start()
    try:
        ctx1, op1 = await operator_console(browser, server, world.a.operator)
        ctx2, op2 = await operator_console(browser, server, "op-alpha-2")
        await wait_until_open(server, world.a.widget_key)
        async with server.http() as http:
            for _ in range(50):  # both operators online
                floor_ok = (
                    await http.get(f"/api/v1/widget/{world.a.widget_key}/availability")
                ).json()["operators_online"] == 2
                if floor_ok:
                    break
                await asyncio.sleep(0.1)
        vis_ctx, vis = await visitor_page(browser, server, world.a.widget_key)
        await vis.click(f"{W} .launcher")
        await vis.fill(f"{W} textarea.input", "Is er iemand?")
        await vis.keyboard.press("Enter")

        first = await asyncio.wait_for(_first_offer(op1, op2), 10)
        other = op2 if first is op1 else op1
        assert await first.evaluate("window.__livedeskBeeps") >= 1
        assert await first.evaluate("window.__notes.length") >= 1
        await shot(first, artifacts_dir, "console-offer")
        # Nobody accepts: after 3 s the offer leaves the first operator and goes to the other.
        await other.wait_for_selector("#chatlist .chip.offer", timeout=8000)
        await first.wait_for_selector("#chatlist .chip.offer", state="detached", timeout=3000)
        await other.click("#chatlist button.item")
        await other.click("#accept")
        await vis.wait_for_selector(f"{W} .status:has-text('U chat met')")
        await vis_ctx.close()
        await ctx1.close()
        await ctx2.close()
    finally:
        await server.stop()


async def _first_offer(op1: Any, op2: Any) -> Any:
    while True:
        for page in (op1, op2):
            if await page.locator("#chatlist .chip.offer").count():
                return page
        await asyncio.sleep(0.05)


async def test_browser_console_keyboard_switching_and_floor(
    server: LiveServer, world: World, settings: Settings, browser: Any, artifacts_dir: Path
) -> None:
    await set_hours(settings, world.a.business_id, ALL_DAY)
    op_ctx, op = await operator_console(browser, server, world.a.operator)
    await wait_until_open(server, world.a.widget_key)
    visitors = []
    for i in range(2):
        ctx, page = await visitor_page(browser, server, world.a.widget_key)
        await page.click(f"{W} .launcher")
        await page.fill(f"{W} textarea.input", f"Vraag {i + 1}")
        await page.keyboard.press("Enter")
        await page.wait_for_selector(f"{W} li.me[data-state=sent]")
        visitors.append(ctx)
    await op.wait_for_function("document.querySelectorAll('#chatlist button.item').length === 2")
    await op.keyboard.press("Alt+1")
    await op.wait_for_selector(".log li.them >> text=/Vraag [12]/")
    first = await op.locator(".log li.them .text").inner_text()
    await op.keyboard.press("Alt+ArrowDown")
    await op.wait_for_function(
        "t => document.querySelector('.log li.them .text')?.textContent !== t", arg=first
    )
    second = await op.locator(".log li.them .text").inner_text()
    assert {first, second} == {"Vraag 1", "Vraag 2"}
    assert await op.evaluate("document.activeElement.id") == "composer-input"
    # Beside the chat: business, guidelines and opening hours.
    side = await op.locator(".side").inner_text()
    assert "Alpha BV" in side and "alpha tone" in side and "00:00–24:00" in side

    floor = await op_ctx.new_page()
    await floor.goto(f"{server.url}/console/floor")
    row = floor.locator("tr[data-business]", has_text="Alpha BV")
    await row.locator("td.queue").wait_for()
    await floor.wait_for_function(
        "() => [...document.querySelectorAll('tr[data-business] td.queue')]"
        ".some(td => td.textContent === '2')"
    )
    await shot(floor, artifacts_dir, "console-floor")
    for ctx in visitors:
        await ctx.close()
    await op_ctx.close()


async def test_browser_widget_in_english_and_keyboard_only(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    async def english(session: Any) -> None:
        from livedesk.businesses.models import Widget

        await session.execute(
            update(Widget)
            .where(Widget.id == world.a.widget_id)
            .values(
                language="en",
                settings={
                    "prechat": {
                        "fields": [{"name": "name", "label": "Name", "required": True}],
                        "gdpr_notice": "We keep this chat to answer your question.",
                    }
                },
            )
        )

    await db(settings, english)

    async def speaks_english(session: Any) -> None:
        from livedesk.accounts.models import OperatorProfile, User

        user_id = await session.scalar(select(User.id).where(User.username == world.a.operator))
        await session.execute(
            update(OperatorProfile)
            .where(OperatorProfile.user_id == user_id)
            .values(languages=["nl", "en"])
        )

    await db(settings, speaks_english)  # routing matches the chat's language to the operator's
    await set_hours(settings, world.a.business_id, ALL_DAY)
    op_ctx, _ = await operator_console(browser, server, world.a.operator)
    await wait_until_open(server, world.a.widget_key)
    vis_ctx, vis = await visitor_page(browser, server, world.a.widget_key)
    await vis.focus(f"{W} .launcher")
    await vis.keyboard.press("Enter")
    await vis.wait_for_selector(f"{W} form.prechat")
    assert "We keep this chat" in await vis.locator(f"{W} form.prechat").inner_text()
    await vis.keyboard.press("Enter")  # focus is in the first field: submitting it empty fails
    assert "required" in await vis.locator(f"{W} .err").inner_text()
    await vis.keyboard.type("Ann")
    await vis.keyboard.press("Enter")
    await vis.wait_for_selector(f"{W} textarea.input:focus")
    placeholder = await vis.locator(f"{W} textarea.input").get_attribute("placeholder")
    assert placeholder == "Type your message…"
    await vis.keyboard.type("Hello")
    await vis.keyboard.press("Enter")
    await vis.wait_for_selector(f"{W} li.me[data-state=sent]")
    await vis.keyboard.press("Escape")
    assert await vis.locator(f"{W} .panel").is_hidden()
    focused = await vis.evaluate("document.activeElement?.shadowRoot?.activeElement?.className")
    assert focused == "launcher"

    async def prechat(session: Any) -> dict[str, Any]:
        return (await session.scalars(select(Conversation.prechat))).one()

    assert await db(settings, prechat) == {"name": "Ann"}
    await vis_ctx.close()
    await op_ctx.close()
