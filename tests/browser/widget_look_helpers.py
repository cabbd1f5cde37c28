"""Shared by the widget's browser tests: widgets configured through the back office's API, a
client page in Chromium with a routed https logo, computed colours and their contrast."""

from __future__ import annotations

import asyncio
import struct
import zlib
from typing import Any

from sqlalchemy import func, select, update

from livedesk.accounts.models import OperatorProfile, User
from livedesk.businesses.models import Business
from livedesk.conversations.models import Conversation, Visitor
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.settings import Settings

from livedesk_testing import LiveServer, connect_agent, login

W = "[data-livedesk]"  # Playwright's CSS engine pierces the widget's open shadow root
ADMIN = "admin-look"  # a provider admin each test creates
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


async def deactivate(server: LiveServer, path: str) -> None:
    cookies = {"livedesk_session": await login(server, ADMIN)}
    async with server.http(cookies=cookies) as http:
        r = await http.post(f"{path}/deactivate")
    assert r.status_code == 200, r.text
