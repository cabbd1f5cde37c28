"""Searching the business's transcripts: full text on PostgreSQL (Dutch stemming) and FTS5 on
SQLite, following every message the chat writes (there a second behind, tests/portal/
test_search_indexer.py); internal notes and other businesses'
chats are never found. And the list's filters."""

from __future__ import annotations

from datetime import timedelta

from portal_helpers import Chat, seed_chats
from sqlalchemy import delete

from livedesk.conversations.models import Conversation
from livedesk.db import make_engine, make_sessionmaker, unit_of_work, utcnow
from livedesk.portal.transcripts import search_terms, sqlite_match, sqlite_prefix
from livedesk.settings import Settings
from roles_testing import LoginAs

from livedesk_testing import (
    ORIGIN_A,
    LiveServer,
    World,
    connect_agent,
    login,
    search_indexed,
    visitor_in_chat,
)


async def found(http, q: str, **filters: str) -> list[str]:  # type: ignore[no-untyped-def]
    r = await http.get("/api/v1/portal/transcripts", params={"q": q, **filters})
    assert r.status_code == 200, r.text
    return [item["conversation_id"] for item in r.json()["items"]]


async def test_a_dutch_word_is_found_in_what_was_said_not_in_notes_nor_other_businesses(
    login_as: LoginAs, settings: Settings, server: LiveServer, world: World
) -> None:
    orders, returns = await seed_chats(
        settings,
        world.a,
        Chat(
            messages=[
                ("visitor", "Mijn bestellingen zijn nog niet geleverd"),
                ("operator", "Ik kijk het voor u na."),
                ("operator", "Klant klaagt vaker over de factuur", True),
            ]
        ),
        Chat(messages=[("visitor", "Kan ik mijn fiets retourneren? Het zadel is stuk.")]),
    )
    await seed_chats(settings, world.b, Chat(messages=[("visitor", "Waar blijft mijn bestelling")]))
    await search_indexed(server)
    async with await login_as(world.a.business_user) as http:
        assert await found(http, "bestelling") == [orders]  # inflected: bestellingen
        assert await found(http, "Bestelling geleverd") == [orders]  # every word, any case
        assert await found(http, "retour") == [returns]
        assert await found(http, "factuur") == []  # only in an internal note
        assert await found(http, "bestelling zadel") == []  # never both in one message
        r = await http.get("/api/v1/portal/transcripts", params={"q": "bestelling"})
        (item,) = r.json()["items"]
        assert item["excerpt"] == "Mijn bestellingen zijn nog niet geleverd"
        assert item["message_count"] == 2  # the note is not counted either
        # Search syntax in the query is just words: here "or" must occur too.
        assert await found(http, '"bestelling*" OR fiets') == []
        assert await found(http, "bestelling*") == [orders]
        for odd in ('"', "*", "AND", "NEAR(", "a:b", "-", "'"):
            r = await http.get("/api/v1/portal/transcripts", params={"q": odd})
            assert r.status_code == 200, (odd, r.text)
    async with await login_as(world.b.business_user) as http:
        assert len(await found(http, "bestelling")) == 1
        assert orders not in await found(http, "bestelling")


async def test_messages_written_by_the_chat_are_searchable_and_deletions_leave(
    login_as: LoginAs, settings: Settings, server: LiveServer, world: World
) -> None:
    """Through the real message writer (SQLite: its own connection; PostgreSQL: SQLAlchemy
    Core in batches): the index is kept by the indexer and triggers (SQLite) or an expression
    index (PostgreSQL), not by the writer."""
    visitor, cid, _ = await visitor_in_chat(
        server, world.a.widget_key, ORIGIN_A, page={"url": "https://alpha.example/fietsen"}
    )
    await visitor.send(
        type="send",
        conversation_id=cid,
        client_msg_id="v1",
        body="Geldt de garantie op onderdelen?",
    )
    await visitor.wait_type("ack", client_msg_id="v1")
    agent = await connect_agent(server, await login(server, world.a.operator))
    await agent.send(type="hello")
    await agent.wait_type("welcome")
    await agent.send(type="accept", conversation_id=cid)
    await visitor.wait_for(lambda f: f.get("state") == "active")
    for n, (body, internal) in enumerate(
        [("Ja, twee jaar op alle onderdelen.", False), ("vipklant, korting gegeven", True)]
    ):
        await agent.send(
            type="send", conversation_id=cid, client_msg_id=f"o{n}", body=body, internal=internal
        )
        await agent.wait_type("ack", client_msg_id=f"o{n}")
    await visitor.close()
    await agent.close()
    await search_indexed(server)  # SQLite: the indexer, up to a second behind the writer
    async with await login_as(world.a.business_user) as http:
        assert await found(http, "onderdeel") == [cid]
        assert await found(http, "garantie jaar") == []  # two different messages
        assert await found(http, "vipklant") == []
        detail = (await http.get(f"/api/v1/portal/transcripts/{cid}")).json()
        assert [m["body"] for m in detail["messages"]] == [
            "Geldt de garantie op onderdelen?",
            "Ja, twee jaar op alle onderdelen.",
        ]
        engine = make_engine(settings)
        async with unit_of_work(make_sessionmaker(engine)) as session:
            await session.execute(delete(Conversation).where(Conversation.id == cid))
        await engine.dispose()
        assert await found(http, "onderdeel") == []


async def test_filters_narrow_the_list(
    login_as: LoginAs, settings: Settings, server: LiveServer, world: World
) -> None:
    long_ago = utcnow() - timedelta(days=40)
    rated, lead, bot, missed, old = await seed_chats(
        settings,
        world.a,
        Chat(messages=[("visitor", "a")], rating=(5, "Top!")),
        Chat(messages=[("visitor", "b")], lead=True, disposition="lead"),
        Chat(messages=[("visitor", "c")], bot_answers=2, disposition=None),
        Chat(messages=[("visitor", "d")], state="missed", disposition=None, first_reply_after=None),
        Chat(messages=[("visitor", "e")], started=long_ago, rating=(2, "Traag")),
    )
    async with await login_as(world.a.business_user) as http:

        async def ids(**params: str) -> set[str]:
            r = await http.get("/api/v1/portal/transcripts", params=params)
            assert r.status_code == 200, r.text
            return {item["conversation_id"] for item in r.json()["items"]}

        assert await ids() == {rated, lead, bot, missed, old}
        assert await ids(rating="rated") == {rated, old}
        assert await ids(rating="5") == {rated}
        assert await ids(rating="unrated") == {lead, bot, missed}
        assert await ids(has_lead="true") == {lead}
        assert await ids(has_lead="false") == {rated, bot, missed, old}
        assert await ids(bot="true") == {bot}
        assert await ids(disposition="lead") == {lead}
        assert await ids(state="missed") == {missed}
        today = utcnow().date()
        start = (today - timedelta(days=7)).isoformat()
        assert await ids(**{"from": start}) == {rated, lead, bot, missed}
        assert await ids(**{"to": (today - timedelta(days=30)).isoformat()}) == {old}
        r = await http.get("/api/v1/portal/transcripts", params={"rating": "5"})
        (item,) = r.json()["items"]
        assert item["rating"]["score"] == 5 and item["rating"]["comment"] == "Top!"
        assert item["visitor"] == {"name": "Sanne de Vries", "email": "sanne@example.nl"}
        bad = await http.get(
            "/api/v1/portal/transcripts",
            params={"from": "31-12-2026", "rating": "7"},
            headers={"accept-language": "nl"},
        )
        assert bad.status_code == 422
        assert set(bad.json()["data"]["fields"]) == {"rating"}
        bad = await http.get("/api/v1/portal/transcripts", params={"from": "2026-02-30"})
        assert bad.status_code == 422
        assert bad.json()["data"]["codes"] == {"from": "date_invalid"}


def test_search_terms_are_words_only_and_sqlite_cuts_dutch_inflections() -> None:
    assert search_terms('Bestel* OR "fiets" NEAR(a_b)') == [
        "bestel",
        "or",
        "fiets",
        "near",
        "a",
        "b",
    ]
    assert sqlite_prefix("bestellingen") == "bestell"
    assert sqlite_prefix("bezorgen") == "bezorg"
    assert sqlite_prefix("factuur") == "factur"  # as in facturen
    assert sqlite_prefix("onderdeel") == "onderdel"
    assert sqlite_prefix("ideeën") == "ideeën"  # FTS5 folds the diaeresis on both sides
    assert sqlite_prefix("ideeen") == "idee"
    assert sqlite_prefix("fiets") == "fiets"  # short words stay whole
    assert sqlite_match(["bezorgen", "fiets", "a4"]) == '"bezorg"* "fiets"* "a4"'
