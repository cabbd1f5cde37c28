"""Shared by the portal tests (API and browser): a provider admin, and conversations written
straight into the database with exactly the times, states, messages, ratings and leads a test
needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from livedesk.conversations.models import Conversation, Message, Rating, Visitor
from livedesk.db import make_engine, make_sessionmaker, unit_of_work, utcnow
from livedesk.knowledge.models import FaqBotState
from livedesk.leads.models import Lead, LeadKind
from livedesk.settings import Settings
from roles_testing import Expected

from livedesk_testing import PASSWORD, Tenant

# The portal's read rule: the business itself (own only) and the provider's managers.
PORTAL_READ: Expected = {
    "admin": (200, 200),
    "supervisor": (200, 200),
    "operator": (403, 403),
    "business_user": (200, 404),
    "anonymous": (401, 401),
}


@dataclass
class Chat:
    """One conversation to write: messages are (author_kind, body) or (author_kind, body, True)
    for an internal note."""

    messages: list[tuple[Any, ...]] = field(default_factory=list)
    started: datetime | None = None  # default: now
    state: str = "closed"
    disposition: str | None = "answered"
    first_reply_after: float | None = 10.0  # seconds after queueing; None: never answered
    visitor_name: str | None = "Sanne de Vries"
    visitor_email: str | None = "sanne@example.nl"
    rating: tuple[int, str | None] | None = None
    lead: bool = False
    offline_message: bool = False
    bot_answers: int = 0
    page_url: str = "https://alpha.example/winkel"


async def seed_chats(settings: Settings, tenant: Tenant, *chats: Chat) -> list[str]:
    """Writes the chats for `tenant` and returns their conversation ids, in order."""
    engine = make_engine(settings)
    ids = []
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            for chat in chats:
                ids.append(await _write(session, tenant, chat))
    finally:
        await engine.dispose()
    return ids


async def _write(session: Any, tenant: Tenant, chat: Chat) -> str:
    started = chat.started or utcnow()
    visitor = Visitor(
        business_id=tenant.business_id,
        widget_id=tenant.widget_id,
        name=chat.visitor_name,
        email=chat.visitor_email,
        created_at=started,
    )
    session.add(visitor)
    await session.flush()
    replied = (
        started + timedelta(seconds=chat.first_reply_after)
        if chat.first_reply_after is not None
        else None
    )
    ended = started + timedelta(minutes=5)
    conversation = Conversation(
        business_id=tenant.business_id,
        widget_id=tenant.widget_id,
        visitor_id=visitor.id,
        state=chat.state,
        disposition=chat.disposition,
        page_url=chat.page_url,
        created_at=started,
        queued_at=started,
        accepted_at=replied,
        first_reply_at=replied,
        closed_at=ended if chat.state == "closed" else None,
        missed_at=ended if chat.state == "missed" else None,
        abandoned_at=ended if chat.state == "abandoned" else None,
        last_seq=len(chat.messages),
    )
    session.add(conversation)
    await session.flush()
    for seq, (kind, body, *internal) in enumerate(chat.messages, 1):
        session.add(
            Message(
                conversation_id=conversation.id,
                business_id=tenant.business_id,
                seq=seq,
                author_kind=kind,
                author_name={"visitor": None, "operator": "Op alpha", "bot": "Automatisch"}.get(
                    kind
                ),
                body=body,
                internal=bool(internal and internal[0]),
                created_at=started + timedelta(seconds=seq),
            )
        )
    if chat.rating is not None:
        score, comment = chat.rating
        session.add(
            Rating(
                conversation_id=conversation.id,
                business_id=tenant.business_id,
                score=score,
                comment=comment,
                created_at=ended,
            )
        )
    for kind, wanted in (
        (LeadKind.SALES_LEAD, chat.lead),
        (LeadKind.OFFLINE_MESSAGE, chat.offline_message),
    ):
        if wanted:
            session.add(
                Lead(
                    business_id=tenant.business_id,
                    conversation_id=conversation.id,
                    kind=kind,
                    source="operator" if kind == LeadKind.SALES_LEAD else "offline_form",
                    name=chat.visitor_name,
                    email=chat.visitor_email,
                    intent="Wil een offerte",
                    created_at=started + timedelta(minutes=1),
                )
            )
    if chat.bot_answers:
        session.add(
            FaqBotState(
                conversation_id=conversation.id,
                business_id=tenant.business_id,
                answers=chat.bot_answers,
            )
        )
    await session.flush()
    return conversation.id


# -- the browser tests (tests/browser/test_browser_portal*.py) ---------------------------------

DESKTOP = {"width": 1280, "height": 900}


async def open_portal(
    browser: Any,
    server: Any,
    username: str,
    path: str = "/portal",
    *,
    locale: str = "nl-NL",
    viewport: dict[str, int] = DESKTOP,
) -> tuple[Any, Any]:
    """A new browser context logged in through the portal's own login form, on `path`."""
    context = await browser.new_context(viewport=viewport, locale=locale)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.js_errors = errors
    await page.goto(f"{server.url}{path}")
    await page.wait_for_selector("#login-user")
    await page.fill("#login-user", username)
    await page.fill("#login-pass", PASSWORD)
    await page.click("form.login button[type=submit]")
    await page.wait_for_selector("form.login", state="detached")
    await page.wait_for_selector("main h1")
    if await page.locator("main .page").count():  # the shell (not the "not for you" page)
        await settled(page)
    return context, page


async def settled(page: Any) -> None:
    """The page has finished loading what it shows (the shell marks it busy meanwhile)."""
    await page.wait_for_selector("main .page:not([aria-busy]) h1")


async def h1(page: Any) -> str:
    await settled(page)
    return str(await page.locator("main h1").inner_text())


async def go(page: Any, link_name: str) -> str:
    """Follows a link of the side navigation and returns the new page's title."""
    await page.locator("nav.side-nav").get_by_role("link", name=link_name).click()
    await page.wait_for_function(
        "(name) => document.querySelector('nav.side-nav a[aria-current=page]')"
        "?.textContent.startsWith(name)",
        arg=link_name,
    )
    return await h1(page)
