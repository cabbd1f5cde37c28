"""Staff search past conversations (GET /api/v1/conversations/search): by what was said, by the
visitor's pre-chat answers, by business, visitor and period, only over the businesses they
serve; the transcript they open shows internal notes (staff see them)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role
from livedesk.conversations.models import Conversation, Message, Visitor
from livedesk.db import make_engine, make_sessionmaker, unit_of_work, utcnow
from livedesk.settings import Settings

from livedesk_testing import (
    PASSWORD,
    LiveServer,
    Tenant,
    World,
    amsterdam_day,
    login,
    search_indexed,
)

SEARCH = "/api/v1/conversations/search"
Client = Callable[[str | None], Awaitable[httpx.AsyncClient]]
# role → username ("admin" is created below); own business is world.a, the other world.b.
USERS: dict[str, str | None] = {
    "admin": "admin",
    "supervisor": "super",
    "operator": "op-alpha",
    "business_user": "user-alpha",
    "anonymous": None,
}


async def seed(
    settings: Settings,
    tenant: Tenant,
    messages: list[tuple[str, str, bool]],
    *,
    prechat: dict[str, str] | None = None,
    started: datetime | None = None,
    visitor_id: str | None = None,
) -> tuple[str, str]:
    """One closed conversation with (author_kind, body, internal) messages: (id, visitor id)."""
    engine = make_engine(settings)
    at = started or utcnow()
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            if visitor_id is None:
                visitor = Visitor(business_id=tenant.business_id, widget_id=tenant.widget_id)
                session.add(visitor)
                await session.flush()
                visitor_id = visitor.id
            conversation = Conversation(
                business_id=tenant.business_id,
                widget_id=tenant.widget_id,
                visitor_id=visitor_id,
                state="closed",
                disposition="answered",
                prechat=prechat or {},
                created_at=at,
                queued_at=at,
                closed_at=at + timedelta(minutes=5),
                last_seq=len(messages),
            )
            session.add(conversation)
            await session.flush()
            for seq, (kind, body, internal) in enumerate(messages, 1):
                session.add(
                    Message(
                        conversation_id=conversation.id,
                        business_id=tenant.business_id,
                        seq=seq,
                        author_kind=kind,
                        author_name=None if kind == "visitor" else "Op alpha",
                        body=body,
                        internal=internal,
                        created_at=at + timedelta(seconds=seq),
                    )
                )
            return conversation.id, visitor_id
    finally:
        await engine.dispose()


@pytest.fixture
async def as_user(server: LiveServer, settings: Settings, world: World) -> AsyncIterator[Client]:
    async with unit_of_work(server.runtime.sessions) as session:
        await do_create_user(session, username="admin", password=PASSWORD, role=Role.PROVIDER_ADMIN)
    opened: list[httpx.AsyncClient] = []

    async def client(username: str | None) -> httpx.AsyncClient:
        cookies = {"livedesk_session": await login(server, username)} if username else {}
        http = server.http(cookies=cookies, headers={"accept-language": "nl"})
        opened.append(http)
        return http

    yield client
    for http in opened:
        await http.aclose()


async def ids(http: httpx.AsyncClient, **params: Any) -> list[str]:
    r = await http.get(SEARCH, params=params)
    assert r.status_code == 200, r.text
    return [item["conversation_id"] for item in r.json()["items"]]


async def test_every_role_on_its_own_and_another_business(
    as_user: Client, server: LiveServer, settings: Settings, world: World
) -> None:
    await seed(settings, world.a, [("visitor", "Waar blijft mijn pakket?", False)])
    await seed(settings, world.b, [("visitor", "Waar blijft mijn pakket?", False)])
    await search_indexed(server)
    expected = {
        "admin": (200, 200),
        "supervisor": (200, 200),
        "operator": (200, 404),
        "business_user": (403, 403),  # they search in the portal
        "anonymous": (401, 401),
    }
    wrong = []
    for role, username in USERS.items():
        http = await as_user(username)
        for side, tenant in enumerate((world.a, world.b)):
            r = await http.get(SEARCH, params={"business_id": tenant.business_id, "q": "pakket"})
            if r.status_code != expected[role][side]:
                wrong.append(f"{role}/{('own', 'other')[side]}: {r.status_code}")
            if r.status_code == 200:
                (item,) = r.json()["items"]
                assert item["business_id"] == tenant.business_id
    assert wrong == []
    # Without a business: every business the user serves, and only those.
    operator = await as_user("op-alpha")
    found = (await operator.get(SEARCH, params={"q": "pakket"})).json()["items"]
    assert [item["business_id"] for item in found] == [world.a.business_id]
    supervisor = await as_user("super")
    found = (await supervisor.get(SEARCH, params={"q": "pakket"})).json()["items"]
    assert {item["business_id"] for item in found} == {world.a.business_id, world.b.business_id}
    assert {item["business_name"] for item in found} == {"Alpha BV", "Beta BV"}


async def test_by_what_was_said_the_visitors_name_the_visitor_and_the_period(
    as_user: Client, server: LiveServer, settings: Settings, world: World
) -> None:
    now = utcnow()
    bikes, visitor = await seed(
        settings,
        world.a,
        [
            ("visitor", "Ik wil mijn fietsen retourneren", False),
            ("operator", "Dat kan binnen dertig dagen.", False),
            ("operator", "Klant belde al eerder over de garantie", True),
        ],
        prechat={"name": "René Smit"},
        started=now - timedelta(days=8),
    )
    again, _ = await seed(
        settings,
        world.a,
        [("visitor", "Nog een vraag over de levering", False)],
        prechat={"name": "René Smit"},
        started=now - timedelta(hours=1),
        visitor_id=visitor,
    )
    other, _ = await seed(
        settings, world.a, [("visitor", "Hoe laat zijn jullie open?", False)], started=now
    )
    await search_indexed(server)  # SQLite's index follows the writer by up to a second
    http = await as_user("op-alpha")
    assert await ids(http, q="fiets") == [bikes]  # the portal's stemming: fietsen
    assert await ids(http, q="rené") == [again, bikes]  # the pre-chat name, newest first
    assert await ids(http, q="SMIT") == [again, bikes]
    assert await ids(http, q="garantie") == []  # the portal's index leaves notes out
    assert await ids(http, visitor_id=visitor) == [again, bikes]
    assert await ids(http) == [other, again, bikes]
    last_week = amsterdam_day(now - timedelta(days=8))
    assert await ids(http, **{"from": last_week, "to": last_week}) == [bikes]
    assert await ids(http, **{"from": amsterdam_day(now - timedelta(days=2))}) == [
        other,
        again,
    ]
    assert await ids(http, q="levering", visitor_id=visitor) == [again]
    r = await http.get(SEARCH, params={"q": "fiets"})
    (item,) = r.json()["items"]
    assert item["excerpt"] == "Ik wil mijn fietsen retourneren"
    assert item["visitor_id"] == visitor and item["visitor"]["name"] == "René Smit"
    assert r.json()["total"] == 1
    page = (await http.get(SEARCH, params={"limit": 2, "offset": 2})).json()
    assert [x["conversation_id"] for x in page["items"]] == [bikes] and page["total"] == 3
    # The transcript opened beside a chat: staff see the internal note.
    messages = (await http.get(f"/api/v1/conversations/{bikes}/messages")).json()["items"]
    assert [(m["body"], m.get("internal", False)) for m in messages][-1] == (
        "Klant belde al eerder over de garantie",
        True,
    )
    # LIKE's wildcards are text in a name ("sm%t" would find Smit otherwise); a search of no
    # words at all is no text filter, as in the portal.
    assert await ids(http, q="Sm%t") == []
    assert await ids(http, q="Sm_t") == []
    assert await ids(http, q="%") == [other, again, bikes]


async def test_bad_dates_name_their_field_in_the_users_language(
    as_user: Client, settings: Settings, world: World
) -> None:
    cid, _ = await seed(settings, world.a, [("visitor", "Hallo", False)])
    http = await as_user("op-alpha")
    r = await http.get(SEARCH, params={"from": "2026-13-45"})
    assert r.status_code == 422
    assert r.json()["data"]["codes"] == {"from": "date_invalid"}
    assert r.json()["data"]["fields"]["from"].startswith("Geef een bestaande datum")
    r = await http.get(SEARCH, params={"to": "2026-01-01T10:00"}, headers={"accept-language": "en"})
    assert r.status_code == 422 and r.json()["data"]["codes"] == {"to": "date_invalid"}
    assert r.json()["data"]["fields"]["to"].startswith("Give an existing date")
    r = await http.get(SEARCH, params={"from": "2026-05-02", "to": "2026-05-01"})
    assert r.status_code == 422 and r.json()["data"]["codes"] == {"to": "period_reversed"}
    r = await http.get(SEARCH, params={"limit": 0})
    assert r.status_code == 422 and "limit" in r.json()["data"]["fields"]
    # The same day as both ends is one whole day; the search still answers afterwards.
    today = amsterdam_day(utcnow())
    assert await ids(http, **{"from": today, "to": today}) == [cid]
