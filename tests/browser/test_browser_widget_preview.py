"""The back office's live preview of a widget (`/admin/preview/{key}`): opened as saved,
re-rendered from settings its same-origin parent posts (other origins ignored), never a visitor
session; for provider admins and supervisors only."""

from __future__ import annotations

import asyncio
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from axe_helper import assert_accessible
from widget_look_helpers import (
    ADMIN,
    DESKTOP,
    GREETING,
    LOOK,
    PRECHAT,
    W,
    configure,
    count_rows,
    png,
    rgb,
)

from livedesk.settings import Settings
from roles_testing import create_admin

from livedesk_testing import LiveServer, World, login


@pytest.fixture
async def admin(settings: Settings, world: World) -> str:
    return await create_admin(settings, ADMIN)


PREVIEW_LOOK = {
    "accent_color": "#1b4332",  # dark: white text
    "position": "right",
    "launcher_text": "Hulp nodig?",
    "greeting": "Nieuw <i>welkom</i>",
    "logo_url": "",
}
PREVIEW_PRECHAT = {
    "fields": [
        {"name": "question", "label_nl": "Je vraag", "label_en": "Your question", "required": True}
    ]
}


def framing_page(preview_url: str, stranger_url: str) -> str:
    """A same-origin page framing the preview as the back office does, plus a frame from
    another origin that tries to post settings to it too."""
    return (
        "<!doctype html><title>host</title>"
        f'<iframe id="preview" src="{preview_url}" width="560" height="760"></iframe>'
        f'<iframe id="stranger" src="{stranger_url}" width="10" height="10"></iframe>'
    )


@pytest.mark.browser
async def test_preview_renders_the_saved_look_then_posted_changes_and_starts_nothing(
    server: LiveServer,
    world: World,
    settings: Settings,
    browser: Any,
    admin: str,
    artifacts_dir: Path,
) -> None:
    await configure(server, world.a.widget_id, language="nl", look=LOOK, prechat=PRECHAT)
    ctx = await browser.new_context(viewport=DESKTOP, locale="nl-NL")
    await ctx.add_cookies(
        [{"name": "livedesk_session", "value": await login(server, ADMIN), "url": server.url}]
    )
    await ctx.route(
        "https://logo.example/**", lambda route: route.fulfill(body=png(), content_type="image/png")
    )
    stranger = f"http://localhost:{server.port}/stranger"
    host = framing_page(f"/admin/preview/{world.a.widget_key}", stranger)
    await ctx.route(f"{server.url}/host", lambda r: r.fulfill(body=host, content_type="text/html"))
    await ctx.route(stranger, lambda r: r.fulfill(body="<p>x</p>", content_type="text/html"))
    page = await ctx.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    await page.goto(f"{server.url}/host")
    frame = page.frame_locator("#preview")

    # Opened at once, as saved: the pre-chat form a new visitor would see first.
    await frame.locator(f"{W} form.prechat").wait_for()
    head = frame.locator(f"{W} .head")
    assert rgb(await head.evaluate("e => getComputedStyle(e).backgroundColor")) == (255, 210, 63)
    assert await frame.locator(f"{W} .greeting").inner_text() == GREETING
    assert await frame.locator(f"{W} form.prechat label").first.inner_text() == (
        "Je voornaam (verplicht)"
    )
    # The saved https logo loads (the preview page allows https images) and sits in the header.
    logo = frame.locator(f"{W} .head > img.logo")
    assert await logo.get_attribute("alt") == "Alpha BV"
    assert await logo.evaluate("img => img.complete && img.naturalWidth") == 32
    inside = """img => {
        const a = img.getBoundingClientRect(), h = img.parentElement.getBoundingClientRect();
        return a.top >= h.top && a.bottom <= h.bottom && a.width === 32;
    }"""
    assert await logo.evaluate(inside)
    launcher = frame.locator(f"{W} .launcher")
    # Where the launcher sits in the framed page: its left and right margins.
    margins = "e => [e.getBoundingClientRect().left, innerWidth - e.getBoundingClientRect().right]"
    left, right = await launcher.evaluate(margins)
    assert left == pytest.approx(16, abs=1) and right > 100  # left, as saved

    # Another origin's message changes nothing.
    other = next(f for f in page.frames if f.url.startswith(stranger))
    await other.evaluate(
        "look => parent.frames[0].postMessage({look}, '*')", {**PREVIEW_LOOK, "greeting": "evil"}
    )
    await asyncio.sleep(0.5)
    assert await frame.locator(f"{W} .greeting").inner_text() == GREETING

    # The back office's unsaved changes: a dark accent, the right side, English, other fields.
    await page.evaluate(
        """settings => document.getElementById('preview').contentWindow
             .postMessage(settings, location.origin)""",
        {
            "look": PREVIEW_LOOK,
            "language": "en",
            "prechat": PREVIEW_PRECHAT,
            "privacy": {"text": "We keep it a week.", "url": ""},
        },
    )
    await frame.locator(f"{W} .greeting", has_text="Nieuw <i>welkom</i>").wait_for()
    assert rgb(await head.evaluate("e => getComputedStyle(e).backgroundColor")) == (27, 67, 50)
    title_colour = rgb(
        await frame.locator(f"{W} .title").evaluate("e => getComputedStyle(e).color")
    )
    assert title_colour == (255, 255, 255)
    assert await frame.locator(f"{W} .title").inner_text() == "Chat with Alpha BV"
    assert await frame.locator(f"{W} form.prechat label").all_inner_texts() == [
        "Your question (required)"
    ]
    assert "We keep it a week." in await frame.locator(f"{W} form.prechat .gdpr").inner_text()
    assert await frame.locator(f"{W} .head img.logo").is_hidden()
    assert await launcher.inner_text() == "Hulp nodig?"
    await page.screenshot(path=str(artifacts_dir / "widget-preview.png"))
    left, right = await launcher.evaluate(margins)
    assert right == pytest.approx(16, abs=1) and left > 100

    # Another view on request: the offline form with its own fields.
    await page.evaluate(
        """form => document.getElementById('preview').contentWindow
             .postMessage({view: 'offline', offline_form: form}, location.origin)""",
        {"fields": [{"name": "email", "label_en": "Your e-mail", "required": True}]},
    )
    await frame.locator(f"{W} form.offline").wait_for()
    assert await frame.locator(f"{W} form.offline label:not(.check)").all_inner_texts() == [
        "Your e-mail (required)"
    ]
    await frame.locator(f"{W} form.offline button[type=submit]").click()

    # Nothing reached the server beyond the page and its files; no visitor, no conversation.
    assert not [u for u in requests if "/api/" in u or "/ws/" in u]
    assert await count_rows(settings) == (0, 0)
    assert console_errors == []  # nothing refused by the page's policy either
    # (axe itself then trips the policy with an inline copy before it is evaluated instead.)
    preview = next(f for f in page.frames if "/admin/preview/" in f.url)
    await assert_accessible(preview, "the widget preview page")
    await ctx.close()


class _Embed(HTMLParser):
    """The preview page's widget script tag: its data attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.script: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.script = dict(attrs)


async def test_preview_page_is_for_provider_admins_and_supervisors_only(
    server: LiveServer, world: World, admin: str
) -> None:
    """Every role × own/other business: admins and supervisors see any business's widget,
    operators and business users are refused, a visitor who is not signed in goes to the login."""
    expected = {
        ADMIN: (200, 200),
        world.supervisor: (200, 200),
        world.a.operator: (403, 403),
        world.a.business_user: (403, 403),
        None: (303, 303),
    }
    wrong = []
    for username, statuses in expected.items():
        cookies = {"livedesk_session": await login(server, username)} if username else {}
        async with server.http(cookies=cookies) as http:
            for tenant, status in zip((world.a, world.b), statuses, strict=True):
                r = await http.get(f"/admin/preview/{tenant.widget_key}")
                if r.status_code != status:
                    wrong.append(f"{username} {tenant.slug}: {r.status_code} != {status}")
                elif status == 303:
                    where = f"/console/login?next=/admin/preview/{tenant.widget_key}"
                    assert r.headers["location"] == where
                elif status == 200:
                    assert f'data-widget="{tenant.widget_key}"' in r.text
                if status != 303:
                    assert "frame-ancestors 'self'" in r.headers["content-security-policy"]
            if username == ADMIN:
                assert (await http.get("/admin/preview/no-such-key")).status_code == 404
    assert wrong == []


async def test_preview_page_embeds_the_saved_settings_as_data_and_names_as_text(
    server: LiveServer, world: World, admin: str
) -> None:
    name = 'Site <script>alert("x")</script>'
    await configure(server, world.a.widget_id, name=name, language="auto", look=LOOK)
    cookies = {"livedesk_session": await login(server, ADMIN)}
    async with server.http(cookies=cookies) as http:
        r = await http.get(f"/admin/preview/{world.a.widget_key}", params={"view": "offline"})
        unknown_view = await http.get(
            f"/admin/preview/{world.a.widget_key}", params={"view": "<x>"}
        )
    assert r.status_code == 200
    policy = r.headers["content-security-policy"]
    # No inline script anywhere, and no fetch or socket: the preview cannot open a session.
    assert "script-src 'self';" in policy and "connect-src 'none'" in policy
    assert r.headers["x-frame-options"] == "SAMEORIGIN"
    assert "<script>alert" not in r.text and "&lt;script&gt;alert" in r.text
    embed = _Embed()
    embed.feed(r.text)
    assert embed.script["src"] == "/widget.js"
    assert embed.script["data-preview"] == "offline"
    config = json.loads(embed.script["data-config"] or "")
    assert config["business"] == {"name": "Alpha BV", "form_of_address": "u"}
    assert config["language"] == "auto" and config["active"] is True
    assert config["settings"]["look"]["launcher_text"] == LOOK["launcher_text"]
    embed.feed(unknown_view.text)
    assert embed.script["data-preview"] == ""
