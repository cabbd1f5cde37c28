"""The end of a chat in the widget (Chromium): the transcript at its full height with the end
view below it, "ended" said once; the message list as a live region that keeps its list
semantics (axe finds nothing serious on the chat or its end); and a widget taken off the page
(`Livedesk.destroy()`) leaves no listener on the window or the document behind."""

from __future__ import annotations

from typing import Any

import pytest
from axe_helper import assert_accessible
from widget_look_helpers import ALL_DAY, W, operator_online, set_hours, visitor_page
from widget_look_helpers import wait_until_open as open_for_chat

from livedesk.settings import Settings

from livedesk_testing import LiveServer, World

pytestmark = pytest.mark.browser

# Counts the listeners the page adds to and removes from the window and the document, by type.
COUNT_LISTENERS = """
(() => {
  const live = (window.__listeners = {});
  for (const target of [window, document]) {
    const name = target === window ? "window" : "document";
    const add = target.addEventListener.bind(target);
    const remove = target.removeEventListener.bind(target);
    target.addEventListener = (type, fn, opts) => {
      live[name + ":" + type] = (live[name + ":" + type] || 0) + 1;
      return add(type, fn, opts);
    };
    target.removeEventListener = (type, fn, opts) => {
      live[name + ":" + type] = (live[name + ":" + type] || 0) - 1;
      return remove(type, fn, opts);
    };
  }
})();
"""


async def test_the_end_view_keeps_the_transcript_whole_and_says_ended_once(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await set_hours(settings, world.a.business_id, ALL_DAY)
    agent = await operator_online(server, world.a.operator)
    await open_for_chat(server, world.a.widget_key)
    page = await visitor_page(browser, server, world.a.widget_key)
    await page.click(f"{W} .launcher")
    await page.fill(f"{W} textarea.input", "Eerste vraag")
    await page.keyboard.press("Enter")
    offer = await agent.wait_type("offer", timeout=10)
    cid = offer["conversation_id"]
    await agent.send(type="accept", conversation_id=cid)
    for n in range(6):
        await agent.send(
            type="send", conversation_id=cid, client_msg_id=f"m{n}", body=f"Antwoord {n}"
        )
    await page.wait_for_selector(f"{W} li.them >> text=Antwoord 5")
    # The list is a live region around a list: <div role=log> holding an <ol> of messages.
    log = page.locator(f"{W} .log")
    assert await log.get_attribute("role") == "log"
    assert await log.evaluate("e => e.tagName + '>' + e.firstElementChild.tagName") == "DIV>OL"
    assert await page.locator(f"{W} .head").evaluate("e => e.tagName") == "DIV"  # no 2nd banner
    await assert_accessible(page, "the widget's chat with messages", selector=W)

    await agent.send(type="close", conversation_id=cid)
    await page.wait_for_selector(f"{W} form.rating")
    panel_text = await page.locator(f"{W} .panel").inner_text()
    assert panel_text.count("beëindigd") == 1
    assert await page.locator(f"{W} .composer").is_hidden()
    # The transcript keeps its full height (no strip of its own that scrolls); the panel's
    # body scrolls the whole, transcript then end view.
    full = await log.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    assert full, "the transcript scrolls inside a strip"
    first, last = page.locator(f"{W} li.msg").first, page.locator(f"{W} li.msg").last
    await first.scroll_into_view_if_needed()
    assert await first.is_visible()
    assert (await first.bounding_box() or {}).get("height", 0) > 20
    await last.scroll_into_view_if_needed()
    await page.locator(f"{W} form.rating").scroll_into_view_if_needed()
    await assert_accessible(page, "the widget's end of a chat", selector=W)
    await page.context.close()
    await agent.close()


async def test_a_widget_taken_off_the_page_leaves_no_listener_behind(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await set_hours(settings, world.a.business_id, ALL_DAY)
    agent = await operator_online(server, world.a.operator)
    await open_for_chat(server, world.a.widget_key)
    context = await browser.new_context()
    await context.add_init_script(COUNT_LISTENERS)
    page = await context.new_page()
    await page.goto(f"{server.url}/demo/{world.a.widget_key}")
    await page.wait_for_selector(f"{W} .launcher")
    before = await page.evaluate("({...window.__listeners})")
    await page.click(f"{W} .launcher")
    await page.fill(f"{W} textarea.input", "Hallo")
    await page.keyboard.press("Enter")
    await page.wait_for_selector(f"{W} li.me[data-state=sent]")
    during = await page.evaluate("({...window.__listeners})")
    # While open: the socket watches the network, the panel the page's visibility.
    assert during.get("window:online", 0) > before.get("window:online", 0)
    assert during.get("document:visibilitychange", 0) > before.get("document:visibilitychange", 0)
    await page.evaluate("window.Livedesk.destroy()")
    after = await page.evaluate("({...window.__listeners})")
    grown = {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}
    assert grown == {}, f"left behind: {grown}"
    assert await page.locator(W).count() == 0
    assert await page.evaluate("typeof window.Livedesk") == "undefined"
    await context.close()
    await agent.close()
