"""What an opened widget costs a visitor on a phone, measured in Chromium through the DevTools
protocol (`Network.loadingFinished`'s encodedDataLength: the bytes that crossed the wire,
headers included), and how its files are served: gzip, hashed names cached for a year, ETag and
304, HEAD."""

from __future__ import annotations

import asyncio
import gzip
import re
from typing import Any

import pytest
from widget_look_helpers import ALL_DAY, W, operator_online, set_hours, wait_until_open

from livedesk.settings import Settings
from livedesk.web.views import ASSETS

from livedesk_testing import LiveServer, World

pytestmark = pytest.mark.browser

BUDGET = 15_000  # bytes over the wire for an opened widget's files: the "≤ 15 KB"
PHONE = {"width": 390, "height": 844}


async def _transfers(page: Any) -> dict[str, dict[str, Any]]:
    """Per request id: its URL, type and (once finished) the bytes that crossed the wire."""
    cdp = await page.context.new_cdp_session(page)
    seen: dict[str, dict[str, Any]] = {}

    def sent(event: dict[str, Any]) -> None:
        seen[event["requestId"]] = {"url": event["request"]["url"], "type": event.get("type")}

    def received(event: dict[str, Any]) -> None:
        item = seen.setdefault(event["requestId"], {"url": event["response"]["url"]})
        item["encoding"] = {k.lower(): v for k, v in event["response"]["headers"].items()}.get(
            "content-encoding", ""
        )

    def finished(event: dict[str, Any]) -> None:
        seen.setdefault(event["requestId"], {"url": "?"})["bytes"] = event["encodedDataLength"]

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    await cdp.send("Network.enable")
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    return seen


async def test_an_opened_widget_downloads_at_most_15_kb_compressed(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await set_hours(settings, world.a.business_id, ALL_DAY)
    agent = await operator_online(server, world.a.operator)
    await wait_until_open(server, world.a.widget_key)
    context = await browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = await context.new_page()
    seen = await _transfers(page)
    await page.goto(f"{server.url}/demo/{world.a.widget_key}")
    await page.wait_for_selector(f"{W} .launcher")
    await page.click(f"{W} .launcher")
    await page.wait_for_selector(f"{W} textarea.input")
    await page.wait_for_selector(f"{W} .panel .head")
    await asyncio.sleep(0.5)  # the last responses finish

    mine = [
        {**r, "path": r["url"][len(server.url) :]}
        for r in seen.values()
        if r["url"].startswith(server.url) and "/demo/" not in r["url"] and "bytes" in r
    ]
    assets = [r for r in mine if re.match(r"/(widget|shared)[/.]", r["path"])]
    calls = [r for r in mine if r not in assets]
    for r in sorted(mine, key=lambda r: r["path"]):
        print(f"{r['bytes']:>7} B  {r.get('encoding') or '-':5} {r['path']}")
    files = sum(r["bytes"] for r in assets)
    total = files + sum(r["bytes"] for r in calls)
    print(f"opened widget on a phone: {files} B for {len(assets)} files (headers included);")
    print(f"  with the {len(calls)} API calls: {total} B")
    names = {re.sub(r"\.[0-9a-f]{10}\.", ".", r["url"].rsplit("/", 1)[-1]) for r in assets}
    # The loader, then the panel with its modules and stylesheet in one response (bundle.py).
    assert names == {"widget.js", "panel.js"}
    assert all(r["encoding"] == "gzip" for r in assets), assets
    assert files <= BUDGET, f"{files} B over the wire for the widget's files"
    await context.close()
    await agent.close()


async def test_widget_files_are_gzipped_hashed_cached_and_answer_head_and_304(
    server: LiveServer,
) -> None:
    gz = {"accept-encoding": "gzip, br"}
    async with server.http() as http:
        head = await http.head("/widget.js", headers=gz)
        loader = await http.get("/widget.js", headers=gz)
        plain = await http.get("/widget.js", headers={"accept-encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == loader.headers["content-length"]
    assert loader.headers["content-encoding"] == "gzip"
    assert loader.headers["cache-control"] == "public, max-age=300"  # the stable URL
    assert loader.headers["access-control-allow-origin"] == "*"
    assert "accept-encoding" in loader.headers["vary"].lower()
    assert "content-encoding" not in plain.headers
    assert gzip.decompress(await _raw(server, "/widget.js", gz)) == plain.content
    assert loader.headers["etag"] != plain.headers["etag"]  # one per encoding

    # The loader names the panel by its hashed name; that name is cached for a year.
    panel = ASSETS.url("widget/panel.js")
    assert f'"/{panel}"' in plain.text
    async with server.http() as http:
        hashed = await http.get(f"/{panel}", headers=gz)
        again = await http.get(f"/{panel}", headers={**gz, "if-none-match": hashed.headers["etag"]})
        stale = await http.get("/widget/panel.0123456789.js", headers=gz)
        refused = await http.get("/widget/secret.py")
        shared = await http.head(f"/{ASSETS.url('shared/socket.js')}", headers=gz)
        console = await http.get("/static/console/app.js", headers=gz)
        console_again = await http.get(
            "/static/console/app.js", headers={**gz, "if-none-match": console.headers["etag"]}
        )
    assert hashed.status_code == 200
    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert hashed.headers["content-type"] == "text/javascript; charset=utf-8"
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == hashed.headers["etag"]
    # An older page's hash gets today's file, never as immutable.
    assert stale.status_code == 200 and "immutable" not in stale.headers["cache-control"]
    assert refused.status_code == 404
    assert shared.status_code == 200 and shared.headers["cache-control"].endswith("immutable")
    # The panel's static imports are inlined (the shared socket too), and what it loads later
    # it asks for by hashed names: nothing is fetched by a plain name.
    assert "class ReconnectingSocket" in hashed.text
    assert not re.search(r"^import ", hashed.text, re.M)
    assert re.search(r'import\("\./forms\.[0-9a-f]{10}\.js"\)', hashed.text)
    # The console's files: compressed and revalidated.
    assert console.headers["content-encoding"] == "gzip"
    assert console.headers["cache-control"] == "no-cache"
    assert console_again.status_code == 304


async def _raw(server: LiveServer, path: str, headers: dict[str, str]) -> bytes:
    """The body as sent, not decoded by the client."""
    async with server.http() as http, http.stream("GET", path, headers=headers) as r:
        return b"".join([chunk async for chunk in r.aiter_raw()])
