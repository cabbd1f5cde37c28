"""Visitor sessions: limited per client address and per widget, refused without `Origin`, and
storing nothing until the visitor starts a chat or leaves a message."""

from __future__ import annotations

import asyncio

import httpx
from security_helpers import FakeClock
from sqlalchemy import func, select

from livedesk.conversations.models import Visitor
from livedesk.conversations.visitors import do_ensure_visitor
from livedesk.db import new_id, read_only
from livedesk.security.actors import VisitorActor
from livedesk.security.session_limit import SessionLimiter, SessionLimits

from livedesk_testing import ORIGIN_A, ORIGIN_B, LiveServer, World, connect_visitor


def _limiter(clock: FakeClock, **limits: float) -> SessionLimiter:
    return SessionLimiter(SessionLimits(**limits), clock=clock)  # type: ignore[arg-type]


async def _visitors(server: LiveServer) -> list[Visitor]:
    async with read_only(server.runtime.sessions) as session:
        return list(await session.scalars(select(Visitor)))


async def _session(
    http: httpx.AsyncClient, key: str, origin: str | None, **body: str
) -> httpx.Response:
    headers = {"origin": origin} if origin else {}
    return await http.post(f"/api/v1/widget/{key}/session", json=body, headers=headers)


# -- the limits --------------------------------------------------------------------------------


def test_an_address_gets_its_burst_then_waits_and_others_are_not_affected() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, per_address_per_minute=6, address_burst=3)
    assert [limiter.take("203.0.113.5", "w") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("203.0.113.5", "w") == 10.0  # one more every 10 s
    assert limiter.take("::ffff:203.0.113.5", "w") > 0  # the same address, mapped
    assert limiter.take("203.0.113.6", "w") == 0.0
    clock.advance(10)
    assert limiter.take("203.0.113.5", "w") == 0.0
    assert limiter.take("203.0.113.5", "w") > 0


def test_an_ipv6_client_counts_per_64_and_addresses_are_kept_hashed() -> None:
    limiter = _limiter(FakeClock(), per_address_per_minute=1, address_burst=2)
    assert limiter.take("2001:db8:1:2::1", "w") == limiter.take("2001:db8:1:2::ffff", "w") == 0
    assert limiter.take("2001:db8:1:2:aaaa::1", "w") > 0
    assert limiter.take("2001:db8:1:3::1", "w") == 0.0
    stored = b"".join(limiter._addresses._buckets)
    assert b"2001" not in stored and b"db8" not in stored
    assert all(len(key) == 16 for key in limiter._addresses._buckets)


def test_many_addresses_together_are_held_by_the_widget_limit() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, per_widget_per_minute=60, widget_burst=5)
    hosts = [f"198.51.100.{i}" for i in range(10)]
    waits = [limiter.take(host, "busy") for host in hosts]
    assert waits[:5] == [0.0] * 5 and all(w > 0 for w in waits[5:])
    assert limiter.take("198.51.100.99", "quiet") == 0.0  # another widget is not affected
    # A refusal spends nothing: the refused addresses still have their own burst.
    clock.advance(1)
    assert limiter.take(hosts[9], "busy") == 0.0


def test_the_tables_stay_bounded() -> None:
    limiter = _limiter(FakeClock(), max_entries=100)
    for i in range(1000):
        limiter.take(f"10.0.{i // 250}.{i % 250}", f"w{i}")
    assert len(limiter._addresses._buckets) <= 100 and len(limiter._widgets._buckets) <= 100


async def test_too_many_sessions_get_429_in_the_error_shape_readable_by_the_page(
    server: LiveServer, world: World
) -> None:
    clock = FakeClock()
    server.app.state.session_limiter = _limiter(clock, per_address_per_minute=2, address_burst=2)
    async with server.http() as http:
        first = await _session(http, world.a.widget_key, ORIGIN_A)
        assert (await _session(http, world.a.widget_key, ORIGIN_A)).status_code == 200
        refused = await http.post(
            f"/api/v1/widget/{world.a.widget_key}/session",
            headers={"origin": ORIGIN_A, "accept-language": "en"},
        )
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "30"
        assert refused.headers["access-control-allow-origin"] == ORIGIN_A
        assert refused.json() == {  # in the widget's language (Dutch), as the visitor reads it
            "code": "rate_limited",
            "message": "Te veel pogingen; probeer het over 30 seconden opnieuw.",
            "data": {"retry_after": 30},
        }
        # A returning visitor (a valid token of this widget) is not a new session: let through.
        again = await _session(http, world.a.widget_key, ORIGIN_A, token=first.json()["token"])
        assert again.status_code == 200
        assert again.json()["visitor_id"] == first.json()["visitor_id"]
        clock.advance(30)
        assert (await _session(http, world.a.widget_key, ORIGIN_A)).status_code == 200
        assert (await _session(http, world.a.widget_key, ORIGIN_A)).status_code == 429


async def test_a_flood_on_one_widget_leaves_the_other_business_alone(
    server: LiveServer, world: World
) -> None:
    server.app.state.session_limiter = _limiter(
        FakeClock(), per_widget_per_minute=1, widget_burst=3
    )
    async with server.http() as http:
        codes = [(await _session(http, world.a.widget_key, ORIGIN_A)).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        assert (await _session(http, world.b.widget_key, ORIGIN_B)).status_code == 200


# -- Origin ------------------------------------------------------------------------------------


async def test_a_session_request_must_say_which_website_it_comes_from(
    server: LiveServer, world: World
) -> None:
    key = world.a.widget_key
    async with server.http() as http:
        bare = await http.post(f"/api/v1/widget/{key}/session", headers={"accept-language": "nl"})
        assert bare.status_code == 403 and bare.json()["code"] == "no_origin"
        assert bare.json()["message"].startswith("Dit verzoek zegt niet van welke website")
        foreign = await _session(http, key, "https://evil.example")
        assert foreign.status_code == 403 and foreign.json()["code"] == "origin_not_allowed"
        assert (await _session(http, key, ORIGIN_A)).status_code == 200
        # Livedesk's own pages (the demo): by their Origin, or as a same-origin browser request.
        assert (await _session(http, key, server.url)).status_code == 200
        same = await http.post(
            f"/api/v1/widget/{key}/session", headers={"sec-fetch-site": "same-origin"}
        )
        assert same.status_code == 200
        cross = await http.post(
            f"/api/v1/widget/{key}/session", headers={"sec-fetch-site": "cross-site"}
        )
        assert cross.status_code == 403
    assert await _visitors(server) == []


# -- no row until the visitor says something ---------------------------------------------------


async def test_sessions_store_nothing_until_the_visitor_starts_a_chat(
    server: LiveServer, world: World
) -> None:
    async with server.http() as http:
        answers = [(await _session(http, world.a.widget_key, ORIGIN_A)).json() for _ in range(5)]
    assert len({a["visitor_id"] for a in answers}) == 5
    assert await _visitors(server) == []
    visitor = await connect_visitor(server, answers[0]["token"], ORIGIN_A)
    try:
        await visitor.send(type="hello")
        await visitor.wait_type("welcome")  # opening the socket stores nothing either
        assert await _visitors(server) == []
        await visitor.send(type="start", page={"url": "https://alpha.example/prijzen"})
        conversation = await visitor.wait_type("conversation")
        await visitor.send(type="start")  # a second start: the same visitor, the same chat
        assert (await visitor.wait_type("conversation"))["conversation_id"] == (
            conversation["conversation_id"]
        )
    finally:
        await visitor.close()
    (stored,) = await _visitors(server)
    assert stored.id == answers[0]["visitor_id"] == conversation["visitor_id"]
    assert (stored.business_id, stored.widget_id) == (world.a.business_id, world.a.widget_id)


async def test_an_offline_message_stores_the_visitor_who_sent_it(
    server: LiveServer, world: World
) -> None:
    form = {"name": "Ann", "email": "ann@example.nl", "question": "Bel me", "consent": True}
    url = f"/api/v1/widget/{world.a.widget_key}/offline"
    async with server.http(headers={"origin": ORIGIN_A}) as http:
        assert (await http.post(url, json=form)).status_code == 201  # no session: no visitor
        assert await _visitors(server) == []
        session = (await _session(http, world.a.widget_key, ORIGIN_A)).json()
        invalid = await http.post(url, json={**form, "consent": False, "token": session["token"]})
        assert invalid.status_code == 422
        assert await _visitors(server) == []  # a refused form stores nothing
        sent = await http.post(url, json={**form, "token": session["token"]})
        assert sent.status_code == 201, sent.text
    assert [v.id for v in await _visitors(server)] == [session["visitor_id"]]


async def test_two_tabs_storing_the_same_visitor_at_once_make_one_row(
    server: LiveServer, world: World
) -> None:
    actor = VisitorActor(new_id(), world.a.widget_id, world.a.business_id)

    async def store() -> None:
        async with server.runtime.transaction() as session:
            await do_ensure_visitor(session, actor)
            await asyncio.sleep(0.05)  # both inside their transaction at once (PostgreSQL)

    await asyncio.gather(store(), store(), store())
    async with read_only(server.runtime.sessions) as session:
        count = await session.scalar(select(func.count()).select_from(Visitor))
    assert count == 1
