"""The widget dressed by its settings, in a real browser (Debian's Chromium): the look (accent
colour with readable text, side, launcher text, greeting, logo), the forms and their labels, the
language (fixed, or the visitor's browser), a deactivated business's message instead of the
chat, and the back office's live preview page, which re-renders from posted settings and never
starts a visitor session.

Widgets are configured through the back office's API (`PATCH /api/v1/widgets/{id}`)."""

from __future__ import annotations

import asyncio
import json
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from axe_helper import assert_accessible
from sqlalchemy import func, select, update

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import OperatorProfile, Role, User
from livedesk.businesses.models import Business
from livedesk.conversations.models import Conversation, Visitor
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.leads.models import Lead
from livedesk.settings import Settings

from livedesk_testing import PASSWORD, LiveServer, World, connect_agent, login

W = "[data-livedesk]"  # Playwright's CSS engine pierces the widget's open shadow root
ADMIN = "admin-look"
DESKTOP = {"width": 1280, "height": 800}
ALL_DAY = {
    "timezone": "Europe/Amsterdam",
    "exceptions": {},
    "weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
}
NEVER = {"timezone": "Europe/Amsterdam", "exceptions": {}, "weekly": {}}
LOGO = "https://logo.example/alpha.png"
GREETING = "Welkom bij Alpha! <b>niet vet</b>"
LOOK = {
    "accent_color": "#ffd23f",  # light: white text on it would not be readable
    "position": "left",
    "launcher_text": "Vragen? Chat met ons",
    "greeting": GREETING,
    "logo_url": LOGO,
}
PRECHAT = {
    "fields": [
        {
            "name": "name",
            "label_nl": "Je voornaam",
            "label_en": "Your first name",
            "required": True,
        },
        {"name": "email", "label_nl": "Je e-mail", "label_en": "Your e-mail", "required": False},
    ]
}
PRIVACY = {"text": "Wij bewaren je gegevens 30 dagen.", "url": "https://alpha.example/privacy"}


async def db(settings: Settings, work: Any) -> Any:
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            return await work(session)
    finally:
        await engine.dispose()


@pytest.fixture
async def admin(settings: Settings, world: World) -> str:
    async def create(session: Any) -> None:
        await do_create_user(session, username=ADMIN, password=PASSWORD, role=Role.PROVIDER_ADMIN)

    await db(settings, create)
    return ADMIN


async def configure(server: LiveServer, widget_id: str, **body: Any) -> dict[str, Any]:
    """Saves widget settings the way the back office does."""
    cookies = {"livedesk_session": await login(server, ADMIN)}
    async with server.http(cookies=cookies) as http:
        r = await http.patch(f"/api/v1/widgets/{widget_id}", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def set_hours(settings: Settings, business_id: str, hours: dict[str, Any]) -> None:
    async def work(session: Any) -> None:
        await session.execute(
            update(Business).where(Business.id == business_id).values(opening_hours=hours)
        )

    await db(settings, work)


async def count_rows(settings: Settings) -> tuple[int, int]:
    async def work(session: Any) -> tuple[int, int]:
        visitors = await session.scalar(select(func.count()).select_from(Visitor))
        conversations = await session.scalar(select(func.count()).select_from(Conversation))
        return int(visitors), int(conversations)

    return await db(settings, work)


def png(size: int = 32) -> bytes:
    """A small solid PNG, so the logo really loads (from a routed https URL)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x1a\x6b\x4c" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def rgb(css: str) -> tuple[int, int, int]:
    """`rgb(255, 210, 63)` → (255, 210, 63)."""
    parts = css[css.index("(") + 1 : css.index(")")].split(",")
    r, g, b = (int(float(p)) for p in parts[:3])
    return r, g, b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    def luminance(c: tuple[int, int, int]) -> float:
        linear = [
            v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
            for v in (x / 255 for x in c)
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    x, y = sorted((luminance(a), luminance(b)), reverse=True)
    return (x + 0.05) / (y + 0.05)


async def style(page: Any, selector: str, prop: str) -> str:
    return str(await page.locator(selector).evaluate(f"e => getComputedStyle(e)['{prop}']"))


async def box(page: Any, selector: str) -> dict[str, float]:
    found = await page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not rendered"
    return dict(found)


async def visitor_page(browser: Any, server: LiveServer, key: str, **context: Any) -> Any:
    ctx = await browser.new_context(viewport=DESKTOP, **context)
    await ctx.route(
        "https://logo.example/**", lambda route: route.fulfill(body=png(), content_type="image/png")
    )
    page = await ctx.new_page()
    page.requests = []  # type: ignore[attr-defined]
    page.on("request", lambda request: page.requests.append((request.method, request.url)))
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    await page.goto(f"{server.url}/demo/{key}")
    await page.wait_for_selector(f"{W} .launcher")
    return page


async def speaks_english_too(settings: Settings, username: str) -> None:
    """Routing offers a chat only to an operator who speaks its language."""

    async def work(session: Any) -> None:
        user_id = await session.scalar(select(User.id).where(User.username == username))
        await session.execute(
            update(OperatorProfile)
            .where(OperatorProfile.user_id == user_id)
            .values(languages=["nl", "en"])
        )

    await db(settings, work)


async def operator_online(server: LiveServer, username: str) -> Any:
    agent = await connect_agent(server, await login(server, username))
    await agent.send(type="hello")
    await agent.wait_type("welcome")
    await agent.send(type="presence", state="online")
    await agent.wait_type("presence", state="online")
    return agent


async def wait_until_open(server: LiveServer, key: str, language: str = "nl") -> None:
    async with server.http() as http:
        for _ in range(100):
            r = await http.get(f"/api/v1/widget/{key}/availability", params={"language": language})
            if r.json()["open"]:
                return
            await asyncio.sleep(0.1)
    raise AssertionError("the widget never became available")


# -- the look ----------------------------------------------------------------------------------


@pytest.mark.browser
async def test_widget_shows_its_look_and_prechat_labels_on_a_client_page(
    server: LiveServer,
    world: World,
    settings: Settings,
    browser: Any,
    admin: str,
    artifacts_dir: Path,
) -> None:
    await configure(
        server, world.a.widget_id, language="nl", look=LOOK, prechat=PRECHAT, privacy=PRIVACY
    )
    await set_hours(settings, world.a.business_id, ALL_DAY)
    agent = await operator_online(server, world.a.operator)
    await wait_until_open(server, world.a.widget_key)
    page = await visitor_page(browser, server, world.a.widget_key)
    launcher = f"{W} .launcher"

    # The launcher: the accent with readable (dark) text, bottom left, with its own text.
    background = rgb(await style(page, launcher, "backgroundColor"))
    text = rgb(await style(page, launcher, "color"))
    assert background == (255, 210, 63)
    assert contrast(background, text) >= 4.5 and text != (255, 255, 255)
    spot = await box(page, launcher)
    assert spot["x"] == pytest.approx(16, abs=1)
    assert spot["y"] + spot["height"] == pytest.approx(DESKTOP["height"] - 16, abs=1)
    assert await page.locator(launcher).inner_text() == "Vragen? Chat met ons"
    assert await page.locator(launcher).get_attribute("aria-label") == "Vragen? Chat met ons"

    await page.click(launcher)
    await page.wait_for_selector(f"{W} form.prechat")
    panel = await box(page, f"{W} .panel")
    assert panel["x"] == pytest.approx(16, abs=1)
    head = f"{W} .head"
    assert rgb(await style(page, head, "backgroundColor")) == (255, 210, 63)
    assert contrast((255, 210, 63), rgb(await style(page, f"{W} .title", "color"))) >= 4.5

    # The logo: an image (never markup) in the header, named after the business. Whether it
    # loads is up to the embedding page's policy (the demo page's allows images from itself
    # only); the preview test below sees it load and sit in the header.
    logo = page.locator(f"{W} .head > img.logo")
    assert await logo.get_attribute("alt") == "Alpha BV"
    assert await logo.get_attribute("src") == LOGO
    header = await box(page, head)

    # The greeting: plain text, the first line under the header, above the form.
    greeting = f"{W} .greeting"
    assert await page.locator(greeting).inner_text() == GREETING
    assert await page.locator(f"{greeting} b").count() == 0
    line, form = await box(page, greeting), await box(page, f"{W} form.prechat")
    assert line["y"] == pytest.approx(header["y"] + header["height"], abs=1)
    assert line["y"] + line["height"] <= form["y"]

    # The pre-chat form's own fields and Dutch labels, and the privacy notice with its link.
    labels = await page.locator(f"{W} form.prechat label").all_inner_texts()
    assert labels == ["Je voornaam (verplicht)", "Je e-mail"]
    assert await page.locator(f"{W} #ld-pre-email").get_attribute("type") == "email"
    notice = page.locator(f"{W} form.prechat .gdpr")
    assert "Wij bewaren je gegevens 30 dagen." in await notice.inner_text()
    link = notice.locator("a")
    assert await link.get_attribute("href") == "https://alpha.example/privacy"
    assert await link.inner_text() == "Privacyverklaring"

    await page.screenshot(path=str(artifacts_dir / "widget-look.png"))
    await assert_accessible(page, "the widget in its business's look", selector=W)
    await page.fill(f"{W} #ld-pre-name", "Ann")
    await page.click(f"{W} form.prechat button[type=submit]")
    await page.wait_for_selector(f"{W} textarea.input")

    async def prechat(session: Any) -> list[dict[str, Any]]:
        return list(await session.scalars(select(Conversation.prechat)))

    for _ in range(50):
        if await db(settings, prechat):
            break
        await asyncio.sleep(0.1)
    assert await db(settings, prechat) == [{"name": "Ann"}]
    assert page.errors == []
    await agent.close()
    await page.context.close()


@pytest.mark.browser
async def test_offline_form_asks_for_the_configured_fields(
    server: LiveServer, world: World, settings: Settings, browser: Any, admin: str
) -> None:
    fields = [
        {"name": "phone", "label_nl": "Je telefoonnummer", "label_en": "Phone", "required": True},
        {"name": "question", "label_nl": "Waarover?", "label_en": "About?", "required": True},
    ]
    await configure(server, world.a.widget_id, offline_form={"fields": fields})
    await set_hours(settings, world.a.business_id, NEVER)
    page = await visitor_page(browser, server, world.a.widget_key)
    await page.click(f"{W} .launcher")
    await page.wait_for_selector(f"{W} form.offline")
    labels = await page.locator(f"{W} form.offline label:not(.check)").all_inner_texts()
    assert labels == ["Je telefoonnummer (verplicht)", "Waarover? (verplicht)"]
    assert await page.locator(f"{W} #ld-off-email").count() == 0
    assert await page.locator(f"{W} #ld-off-phone").get_attribute("autocomplete") == "tel"
    await page.fill(f"{W} #ld-off-phone", "0612345678")
    await page.fill(f"{W} #ld-off-question", "Bel me <b>morgen</b>")
    await page.check(f"{W} #ld-off-consent")
    await page.click(f"{W} form.offline button[type=submit]")
    await page.wait_for_selector(f"{W} .offline-view .ok")

    async def leads(session: Any) -> list[tuple[str | None, str | None]]:
        return [(lead.phone, lead.email) for lead in await session.scalars(select(Lead))]

    assert await db(settings, leads) == [("0612345678", None)]
    await page.context.close()


# -- the language ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize(
    ("language", "locale", "expected"),
    [
        ("auto", "en-GB", "en"),
        ("auto", "nl-NL", "nl"),
        ("auto", "de-DE", "nl"),
        ("nl", "en-GB", "nl"),
    ],
)
async def test_language_follows_the_browser_when_the_widget_allows_it(
    server: LiveServer,
    world: World,
    settings: Settings,
    browser: Any,
    admin: str,
    language: str,
    locale: str,
    expected: str,
) -> None:
    await configure(server, world.a.widget_id, language=language, prechat=PRECHAT)
    await set_hours(settings, world.a.business_id, ALL_DAY)
    await speaks_english_too(settings, world.a.operator)
    agent = await operator_online(server, world.a.operator)
    await wait_until_open(server, world.a.widget_key, expected)
    page = await visitor_page(browser, server, world.a.widget_key, locale=locale)
    words = {
        "nl": ("Chat met ons", "Chat met Alpha BV", "Je voornaam (verplicht)", "Start de chat"),
        "en": ("Chat with us", "Chat with Alpha BV", "Your first name (required)", "Start chat"),
    }[expected]
    assert await page.locator(f"{W} .launcher").get_attribute("aria-label") == words[0]
    await page.click(f"{W} .launcher")
    await page.wait_for_selector(f"{W} form.prechat")
    assert await page.locator(f"{W} .title").inner_text() == words[1]
    assert await page.locator(f"{W} form.prechat label").first.inner_text() == words[2]
    assert await page.locator(f"{W} form.prechat button[type=submit]").inner_text() == words[3]
    await agent.close()
    await page.context.close()


# -- a deactivated business or widget ----------------------------------------------------------


async def deactivate(server: LiveServer, path: str) -> None:
    cookies = {"livedesk_session": await login(server, ADMIN)}
    async with server.http(cookies=cookies) as http:
        r = await http.post(f"{path}/deactivate")
    assert r.status_code == 200, r.text


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["nl-NL", "en-GB"])
async def test_deactivated_business_shows_its_message_instead_of_the_chat(
    server: LiveServer, world: World, settings: Settings, browser: Any, admin: str, locale: str
) -> None:
    await configure(server, world.a.widget_id, language="auto", prechat=PRECHAT)
    await deactivate(server, f"/api/v1/businesses/{world.a.business_id}")
    page = await visitor_page(browser, server, world.a.widget_key, locale=locale)
    await page.click(f"{W} .launcher")
    refusal = page.locator(f"{W} .panel .refused")
    await refusal.wait_for()
    expected = {"nl-NL": "niet beschikbaar", "en-GB": "not available"}[locale]
    assert expected in await refusal.inner_text()
    assert await page.locator(f"{W} form.prechat, {W} textarea.input").count() == 0
    # The configuration said so: no session was asked for, no socket opened, nothing stored.
    assert not [url for _, url in page.requests if "/session" in url or "/ws/" in url]
    assert await count_rows(settings) == (0, 0)
    assert page.errors == []
    await page.context.close()


@pytest.mark.browser
async def test_widget_deactivated_after_the_page_loaded_refuses_at_the_session(
    server: LiveServer, world: World, settings: Settings, browser: Any, admin: str
) -> None:
    """The page still holds the configuration from before: the session's 409 carries the
    message, which the visitor sees in the widget's language (English here)."""
    await configure(server, world.a.widget_id, language="en")
    page = await visitor_page(browser, server, world.a.widget_key, locale="nl-NL")
    await deactivate(server, f"/api/v1/widgets/{world.a.widget_id}")
    await page.click(f"{W} .launcher")
    refusal = page.locator(f"{W} .panel .refused")
    await refusal.wait_for()
    assert "not available" in await refusal.inner_text()
    assert [m for m, url in page.requests if url.endswith("/session")] == ["POST"]
    assert not [url for _, url in page.requests if "/ws/" in url]
    assert await page.locator(f"{W} textarea.input").count() == 0
    assert await count_rows(settings) == (0, 0)
    assert page.errors == []
    await page.context.close()


# -- the back office's live preview ------------------------------------------------------------

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
    assert config["business"] == {"name": "Alpha BV"}
    assert config["language"] == "auto" and config["active"] is True
    assert config["settings"]["look"]["launcher_text"] == LOOK["launcher_text"]
    embed.feed(unknown_view.text)
    assert embed.script["data-preview"] == ""
