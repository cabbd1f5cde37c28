"""Security headers: a strict CSP on every HTML page, nosniff and no framing everywhere, and the
pages really work under that CSP in Chromium (no violation reported)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from security_helpers import running_live
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from livedesk.security import headers as sec_headers
from livedesk.security.headers import (
    DEMO_INLINE_HANDLERS,
    SecurityHeadersMiddleware,
    inline_scripts,
    sha256_source,
)
from livedesk.settings import Settings

from livedesk_testing import PASSWORD, LiveServer, World, connect_agent, login

TEMPLATES = Path(sec_headers.__file__).parents[1] / "web" / "templates"


def directives(policy: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


class _Inline(HTMLParser):
    """What a strict policy would block in a page: inline scripts, handlers and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{name}=" for name in names if name.startswith("on") or name == "style"]


def inline_parts(html: str) -> list[str]:
    parser = _Inline()
    parser.feed(html)
    return parser.found


APP_PAGES = ["/console", "/console/login", "/console/floor", "/plan"]


async def test_html_pages_get_a_strict_policy(server_secured: LiveServer, world: World) -> None:
    async with server_secured.http() as http:
        for path in APP_PAGES:
            r = await http.get(path)
            assert r.headers["content-type"].startswith("text/html"), path
            csp = directives(r.headers["content-security-policy"])
            assert csp["default-src"] == ["'none'"], path
            assert csp["script-src"] == ["'self'"], path  # no inline script, nothing from afar
            assert csp["style-src"] == ["'self'"], path
            assert csp["connect-src"] == ["'self'"], path
            assert csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'none'"], path
            assert r.headers["x-frame-options"] == "DENY", path
            assert r.headers.get_list("x-content-type-options") == ["nosniff"], path
            assert r.headers["referrer-policy"] == "same-origin", path
            # …and the page needs nothing the policy forbids.
            assert inline_parts(r.text) == [], path

        r = await http.get(f"/demo/{world.a.widget_key}")
        csp = directives(r.headers["content-security-policy"])
        assert csp["script-src"][:2] == ["'self'", "'unsafe-hashes'"]
        assert "'unsafe-inline'" not in csp["script-src"]
        assert "'unsafe-inline'" in csp["style-src"]  # the host page's and the widget's <style>
        assert csp["frame-ancestors"] == ["'none'"] and r.headers["x-frame-options"] == "DENY"


def test_no_template_needs_more_than_its_policy_allows() -> None:
    """Every page template is plain (external modules and stylesheets only), except the demo
    client website, whose one inline handler is allowed by its hash."""
    templates = sorted(TEMPLATES.glob("*.html"))
    assert {"console.html", "floor.html", "demo.html"} <= {t.name for t in templates}
    for template in templates:
        if template.name != "demo.html":
            assert inline_parts(template.read_text("utf-8")) == [], template.name
    demo = (TEMPLATES / "demo.html").read_text("utf-8")
    handlers = re.findall(r"""\son[a-z]+="([^"]*)\"""", demo)
    assert sorted(handlers) == sorted(DEMO_INLINE_HANDLERS)
    assert not inline_scripts(demo)


async def test_docs_pages_allow_exactly_their_own_inline_scripts(
    server_secured: LiveServer,
) -> None:
    async with server_secured.http() as http:
        for path in ("/docs", "/docs/oauth2-redirect", "/redoc"):
            r = await http.get(path)
            assert r.status_code == 200, path
            csp = directives(r.headers["content-security-policy"])
            scripts = inline_scripts(r.text)
            for script in scripts:
                assert sha256_source(script) in csp["script-src"], (path, script[:60])
            assert "'unsafe-inline'" not in csp["script-src"]
            assert "'unsafe-eval'" not in csp["script-src"]
            assert csp["frame-ancestors"] == ["'none'"]
            assert r.headers["x-frame-options"] == "DENY"
        assert inline_scripts((await http.get("/docs")).text)  # the check above checked something


async def test_everything_else_is_nosniff_and_unframeable(
    server_secured: LiveServer, world: World
) -> None:
    async with server_secured.http() as http:
        for path in (
            "/healthz",
            "/openapi.json",
            "/static/console/app.js",
            "/widget.js",
            "/ui/capabilities",
            "/api/v1/nothing-here",
            f"/api/v1/widget/{world.a.widget_key}/config",
        ):
            r = await http.get(path)
            assert r.headers.get_list("x-content-type-options") == ["nosniff"], path
            assert r.headers["x-frame-options"] == "DENY", path
            csp = directives(r.headers["content-security-policy"])
            assert csp == {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}, path
        r = await http.get("/api/v1/plan/chart/staffing.svg")
        if r.status_code == 200:  # the charts need matplotlib
            csp = directives(r.headers["content-security-policy"])
            assert csp["default-src"] == ["'none'"] and csp["style-src"] == ["'unsafe-inline'"]


async def test_frameable_pages_are_an_explicit_list() -> None:
    async def page(request: Any) -> HTMLResponse:
        return HTMLResponse("<p>preview</p>")

    app = Starlette(routes=[Route("/preview/x", page), Route("/other", page)])
    wrapped = SecurityHeadersMiddleware(app, frameable={"/preview/": "'self' https://a.example"})
    transport = httpx.ASGITransport(app=wrapped)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        r = await http.get("/preview/x")
        assert directives(r.headers["content-security-policy"])["frame-ancestors"] == [
            "'self'",
            "https://a.example",
        ]
        assert "x-frame-options" not in r.headers
        r = await http.get("/other")
        assert directives(r.headers["content-security-policy"])["frame-ancestors"] == ["'none'"]
        assert r.headers["x-frame-options"] == "DENY"


async def test_a_route_own_headers_are_kept() -> None:
    async def page(request: Any) -> PlainTextResponse:
        return PlainTextResponse(
            "x", headers={"Content-Security-Policy": "sandbox", "Referrer-Policy": "no-referrer"}
        )

    wrapped = SecurityHeadersMiddleware(Starlette(routes=[Route("/", page)]))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=wrapped), base_url="http://t"
    ) as http:
        r = await http.get("/")
    assert r.headers.get_list("content-security-policy") == ["sandbox"]
    assert r.headers.get_list("referrer-policy") == ["no-referrer"]
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_websockets_pass_untouched_and_the_chat_sockets_skip_the_middleware(
    server_secured: LiveServer, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, str]] = []
    original = SecurityHeadersMiddleware.__call__

    async def spy(self: SecurityHeadersMiddleware, scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope["type"], scope.get("path", "")))
        await original(self, scope, receive, send)

    monkeypatch.setattr(SecurityHeadersMiddleware, "__call__", spy)
    agent = await connect_agent(server_secured, await login(server_secured, world.a.operator))
    try:
        await agent.send(type="hello")
        await agent.wait_type("welcome")
    finally:
        await agent.close()
    assert ("http", "/api/v1/auth/login") in seen  # the spy sees what goes through it…
    assert not [s for s in seen if s[0] == "websocket"]  # …and no chat socket does

    # A WebSocket scope that does reach it is passed on with the very same receive and send.
    calls: list[tuple[Any, Any]] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        calls.append((receive, send))

    async def receive() -> Any:
        return {}

    async def send(message: Any) -> None:
        return None

    await original(SecurityHeadersMiddleware(inner), {"type": "websocket"}, receive, send)
    assert calls == [(receive, send)]


# -- in Chromium: the pages work under their policy ---------------------------------------------


WATCH = """
    window.__csp = [];
    document.addEventListener("securitypolicyviolation",
        (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`), true);
"""


async def new_page(browser: Any, violations: list[str]) -> Any:
    context = await browser.new_context(viewport={"width": 1200, "height": 800})
    page = await context.new_page()
    await page.add_init_script(WATCH)
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return page


async def reported(page: Any) -> list[str]:
    return list(await page.evaluate("window.__csp"))


@pytest.mark.browser
async def test_pages_work_in_chromium_without_csp_violations(
    server_secured: LiveServer, world: World, browser: Any
) -> None:
    console_messages: list[str] = []
    url = server_secured.url

    page = await new_page(browser, console_messages)
    response = await page.goto(f"{url}/console/login")
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    await page.fill("#login-user", world.supervisor)
    await page.fill("#login-pass", PASSWORD)
    await page.click("form.login button[type=submit]")
    await page.wait_for_selector("#chatlist")  # the console ran, its socket connected
    console_violations = await reported(page)
    await page.goto(f"{url}/console/floor")
    await page.wait_for_selector("#floor .floor")
    floor_violations = await reported(page)

    await page.goto(f"{url}/plan")
    await page.wait_for_selector("#plan-form")
    plan_violations = await reported(page)

    demo = await new_page(browser, console_messages)
    await demo.goto(f"{url}/demo/{world.a.widget_key}")
    await demo.click("[data-livedesk] .launcher")
    await demo.wait_for_selector(
        "[data-livedesk] textarea.input, [data-livedesk] .offline-view", state="attached"
    )
    launcher_bg = await demo.locator("[data-livedesk] .launcher").evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )
    await demo.click("main button")  # the host page's one inline handler, allowed by hash
    newsletter = await demo.locator("main button").inner_text()
    demo_violations = await reported(demo)

    assert console_violations == [] and floor_violations == [] and plan_violations == []
    assert demo_violations == []
    assert console_messages == []
    # The widget's own <style> applied: neither the browser's default button nor the host's.
    assert launcher_bg not in ("rgb(239, 239, 239)", "rgba(0, 0, 0, 0)", "rgb(255, 105, 180)")
    assert newsletter == "Bedankt!"


@pytest.mark.browser
async def test_chromium_reports_what_the_policy_blocks(
    server_secured: LiveServer, browser: Any
) -> None:
    """The watch above can see a violation: an injected inline script is blocked and reported."""
    console_messages: list[str] = []
    page = await new_page(browser, console_messages)
    await page.goto(f"{server_secured.url}/plan")
    await page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__ran = 1"; document.body.append(s); }"""
    )
    await page.wait_for_function("window.__csp.length > 0")
    assert await page.evaluate("window.__ran") is None
    assert any(v.startswith("script-src") for v in await reported(page))


@pytest.fixture
async def server_secured(settings: Settings, world: World) -> Any:
    async with running_live(settings, secured=True) as live:
        yield live
