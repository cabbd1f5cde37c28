"""Delivery with real receivers: SMTP (aiosmtpd) and a signed-webhook receiver that fails,
stalls and answers late on purpose. Back-off is shortened; nothing sleeps for long."""

from __future__ import annotations

import asyncio
import itertools
import random
from typing import Any

import pytest
from leads_helpers import Mailbox, Receiver, client_for, make_chat, make_server
from sqlalchemy import select

from livedesk.db import make_engine, make_sessionmaker, read_only
from livedesk.leads.delivery import backoff_seconds, sign, signature_header, verify_signature
from livedesk.leads.models import OutboxItem
from livedesk.settings import Settings

from livedesk_testing import (
    ORIGIN_A,
    LiveServer,
    World,
    connect_agent,
    login,
    visitor_in_chat,
    visitor_token,
)

# The receivers listen on 127.0.0.1, which webhooks may reach only when allow-listed.
LOCAL = {"webhook_allow_networks": "127.0.0.0/8"}


@pytest.fixture
def leads_overrides() -> dict[str, Any]:
    return dict(LOCAL)


def test_signature_scheme() -> None:
    body = b'{"id":"x"}'
    header = signature_header("s3cret", body, now=1_700_000_000)
    assert header == f"t=1700000000,v1={sign('s3cret', 1_700_000_000, body)}"
    assert verify_signature("s3cret", header, body, now=1_700_000_100)
    assert not verify_signature("s3cret", header, body + b" ", now=1_700_000_100)  # tampered
    assert not verify_signature("other", header, body, now=1_700_000_100)
    assert not verify_signature("s3cret", header, body, now=1_700_000_301)  # replayed late
    assert not verify_signature("s3cret", "v1=abc", body)


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    rng = random.Random(1)
    for attempt, ceiling in [(1, 30), (2, 60), (3, 120), (8, 3600), (30, 3600)]:
        delays = [backoff_seconds(attempt, 30, 3600, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 4  # jittered, not lock-step


async def add_webhook(live: LiveServer, world: World, receiver: Receiver, **extra: Any) -> str:
    async with await client_for(live, world.a.business_user) as biz:
        r = await biz.post(
            f"/api/v1/businesses/{world.a.business_id}/delivery-routes",
            json={"kind": "webhook", "url": receiver.url, **extra},
        )
        assert r.status_code == 201, r.text
        receiver.secret = r.json()["secret"]
        return str(r.json()["id"])


async def file_leads(live: LiveServer, world: World, settings: Settings, n: int) -> list[str]:
    cid = await make_chat(settings, world.a, ["Ik wil een proefrit", "jan@example.nl"])
    async with await client_for(live, world.a.operator) as op:
        return [
            (
                await op.post(
                    f"/api/v1/conversations/{cid}/leads",
                    json={"email": f"lead{i}@example.nl", "intent": "proefrit"},
                )
            ).json()["id"]
            for i in range(n)
        ]


async def outbox(settings: Settings) -> list[OutboxItem]:
    engine = make_engine(settings)
    try:
        async with read_only(make_sessionmaker(engine)) as session:
            return list(await session.scalars(select(OutboxItem)))
    finally:
        await engine.dispose()


async def wait_outbox(settings: Settings, done: Any, limit: float = 15.0) -> list[OutboxItem]:
    """Until done(items): the receiver may have its copy a moment before the row is settled."""
    for _ in range(int(limit / 0.05)):
        items = await outbox(settings)
        if done(items):
            return items
        await asyncio.sleep(0.05)
    raise TimeoutError([(i.idempotency_key, i.state) for i in items])


async def test_email_routes_lead_visitor_and_closed_transcripts(
    live: LiveServer, world: World, settings: Settings, mailbox: tuple[Mailbox, int]
) -> None:
    box = mailbox[0]
    base = f"/api/v1/businesses/{world.a.business_id}/delivery-routes"
    async with await client_for(live, "super") as sup:
        r = await sup.post(
            base,
            json={
                "kind": "email",
                "language": "en",
                "send_transcripts": True,
                "emails": ["sales@alpha.example", "boss@alpha.example"],
            },
        )
        assert r.status_code == 201
        await sup.post(
            base,
            json={
                "kind": "email",
                "emails": ["nl@alpha.example"],
                "lead_kinds": ["callback_request"],
            },
        )
    cid = await make_chat(settings, world.a, ["Kunt u mij terugbellen? 0687654321"])
    async with await client_for(live, world.a.operator) as op:
        r = await op.post(
            f"/api/v1/conversations/{cid}/leads",
            json={
                "name": "Karin",
                "phone": "0687654321",
                "kind": "callback_request",
                "intent": "terugbellen",
            },
        )
        lead_id = r.json()["id"]
    await box.wait(2)
    await wait_outbox(settings, lambda items: {i.state for i in items} == {"delivered"})
    by_rcpt = {tuple(rcpts): msg for rcpts, msg in box.messages}
    en = by_rcpt[("sales@alpha.example", "boss@alpha.example")]
    assert en["Subject"] == "New lead from Livedesk: Karin"
    assert str(en["Idempotency-Key"]).strip().startswith(f"lead.{lead_id}.")  # may be folded
    text = en.get_content()
    assert "Phone: 0687654321" in text and "Kunt u mij terugbellen? 0687654321" in text
    nl = by_rcpt[("nl@alpha.example",)]
    assert nl["Subject"] == "Nieuwe lead via Livedesk: Karin" and "Telefoon: 0687654321" in (
        nl.get_content()
    )

    async with await client_for(live, world.a.business_user) as biz:
        log = (await biz.get(f"/api/v1/leads/{lead_id}/deliveries")).json()["items"]
    assert {d["state"] for d in log} == {"delivered"} and len(log) == 2
    assert all(
        d["attempts"][0]["outcome"] == "delivered" and d["attempts"][0]["status_code"] == 250
        for d in log
    )

    # The visitor asks for their transcript: only their own conversation, by token.
    token = await visitor_token(live, world.a.widget_key, ORIGIN_A)
    async with live.http(headers={"origin": ORIGIN_A}) as http:
        r = await http.post(
            f"/api/v1/widget/{world.a.widget_key}/transcript",
            json={"token": token, "email": "me@visitor.example", "conversation_id": cid},
        )
        assert r.status_code == 404  # a token for another visitor gets nothing
        r = await http.post(
            f"/api/v1/widget/{world.b.widget_key}/transcript",
            json={"token": token, "email": "me@visitor.example"},
            headers={"origin": "https://beta.example"},
        )
        assert r.status_code == 404  # alpha's token on beta's widget
        r = await http.post(
            f"/api/v1/widget/{world.a.widget_key}/transcript",
            json={"token": token, "email": "not-an-address"},
        )
        assert r.status_code == 422
    visitor = await _visitor_chat(live, world, token)
    async with live.http(headers={"origin": ORIGIN_A}) as http:
        r = await http.post(
            f"/api/v1/widget/{world.a.widget_key}/transcript",
            json={"token": token, "email": "me@visitor.example"},
        )
        assert r.status_code == 202 and r.headers["access-control-allow-origin"] == ORIGIN_A
    await box.wait(3)
    rcpts, mine = box.messages[2]
    assert rcpts == ["me@visitor.example"] and "Mijn eigen vraag" in mine.get_content()
    assert "Kunt u mij" not in mine.get_content()

    # Closing the chat e-mails its transcript to the route that wants every transcript.
    agent = await connect_agent(live, await login(live, world.a.operator))
    await agent.send(type="hello")
    await agent.wait_type("welcome")
    await agent.send(type="close", conversation_id=visitor, disposition="answered")
    await box.wait(4)
    rcpts, closed = box.messages[3]
    assert rcpts == ["sales@alpha.example", "boss@alpha.example"]
    assert closed["Subject"] == "Chat transcript for Alpha BV"
    assert "Mijn eigen vraag" in closed.get_content()
    await agent.close()


async def _visitor_chat(live: LiveServer, world: World, token: str) -> str:
    visitor, cid, _ = await visitor_in_chat(
        live, world.a.widget_key, ORIGIN_A, token, page={"url": "https://alpha.example/"}
    )
    await visitor.send(
        type="send", conversation_id=cid, client_msg_id="m1", body="Mijn eigen vraag"
    )
    await visitor.wait_type("ack", client_msg_id="m1")
    await visitor.close()
    return cid


async def test_webhook_retries_with_backoff_then_delivers_once(
    live: LiveServer, world: World, settings: Settings, receiver: Receiver
) -> None:
    script = {1: (500, 0.0), 2: (503, 0.0), 3: (429, 0.0), 4: (200, 0.0)}
    receiver.policy = lambda n, key: script.get(n, (200, 0.0))
    await add_webhook(live, world, receiver)
    [lead_id] = await file_leads(live, world, settings, 1)
    await receiver.wait(lambda r: r.acknowledged())
    await asyncio.sleep(0.5)  # would any duplicate still arrive?
    hits = receiver.hits
    assert [h.status for h in hits] == [500, 503, 429, 200]
    assert all(h.verified for h in hits) and len({h.key for h in hits}) == 1
    assert hits[0].event == "lead.created" and hits[0].body["data"]["lead"]["id"] == lead_id
    gaps = [b.at - a.at for a, b in itertools.pairwise(hits)]
    # base 0.1 s: waits in [0.05, 0.1], [0.1, 0.2], [0.2, 0.4] plus polling slack
    assert 0.04 <= gaps[0] < 0.5 and 0.09 <= gaps[1] and 0.19 <= gaps[2] < 1.0
    async with await client_for(live, world.a.business_user) as biz:
        [d] = (await biz.get(f"/api/v1/leads/{lead_id}/deliveries")).json()["items"]
    assert d["state"] == "delivered" and d["attempt_count"] == 4
    assert [(a["outcome"], a["status_code"]) for a in d["attempts"]] == [
        ("retry", 500),
        ("retry", 503),
        ("retry", 429),
        ("delivered", 200),
    ]
    assert d["idempotency_key"] == hits[0].key


@pytest.mark.parametrize(
    "leads_overrides", [{"give_up_after_seconds": 0.6, "http_timeout_seconds": 0.3, **LOCAL}]
)
async def test_permanent_failure_timeouts_and_give_up_are_flagged(
    live: LiveServer, world: World, settings: Settings, receiver: Receiver
) -> None:
    def policy(n: int, key: str) -> tuple[int, float]:
        if key.startswith("lead.") and receiver.hits == []:
            return 404, 0.0  # first lead: a permanent refusal
        return 500, 0.5 if n % 2 else 0.0  # the other: timeouts and 5xx until we give up

    receiver.policy = policy
    await add_webhook(live, world, receiver)
    ids = await file_leads(live, world, settings, 1)
    await receiver.wait(lambda r: len(r.hits) == 1)
    ids += await file_leads(live, world, settings, 1)

    await wait_outbox(
        settings, lambda items: len(items) == 2 and all(i.state == "failed" for i in items)
    )
    async with await client_for(live, world.a.business_user) as biz:
        [perm] = (await biz.get(f"/api/v1/leads/{ids[0]}/deliveries")).json()["items"]
        [gave] = (await biz.get(f"/api/v1/leads/{ids[1]}/deliveries")).json()["items"]
        flagged = (await biz.get("/api/v1/deliveries/flagged")).json()["items"]
    assert perm["state"] == "failed" and perm["flagged"] and perm["attempt_count"] == 1
    assert perm["attempts"][0]["status_code"] == 404
    assert gave["state"] == "failed" and gave["flagged"] and gave["attempt_count"] >= 2
    assert gave["last_error"].startswith("gave up after")
    assert any(a["error"].startswith("timeout") for a in gave["attempts"])
    assert {f["id"] for f in flagged} == {perm["id"], gave["id"]}

    # A human fixes the receiver and retries: delivered, same idempotency key.
    receiver.policy = lambda n, key: (200, 0.0)
    async with await client_for(live, world.a.business_user) as biz:
        assert (await biz.post(f"/api/v1/deliveries/{perm['id']}/retry")).status_code == 200
        assert (await biz.post(f"/api/v1/deliveries/{perm['id']}/retry")).status_code == 409
    await receiver.wait(lambda r: perm["idempotency_key"] in r.acknowledged())


async def test_restart_mid_flight_loses_nothing_and_resends_no_acknowledged(
    settings: Settings, world: World, receiver: Receiver, mailbox: tuple[Mailbox, int]
) -> None:
    held: set[str] = set()

    def policy(n: int, key: str) -> tuple[int, float]:
        if n in (4, 5):  # two deliveries hang until the process is gone
            held.add(key)
            return 200, 1.5
        return 200, 0.0

    receiver.policy = policy
    # The lease outlasts the HTTP timeout, so a live (slow) attempt is never taken over.
    first = make_server(settings, mailbox[1], lease_seconds=1.0, http_timeout_seconds=0.9, **LOCAL)
    await first.start()
    await add_webhook(first, world, receiver)
    await file_leads(first, world, settings, 3)
    await receiver.wait(lambda r: len(r.acknowledged()) == 3)
    await wait_outbox(settings, lambda items: [i.state for i in items] == ["delivered"] * 3)
    acknowledged_before = set(receiver.acknowledged())
    await file_leads(first, world, settings, 3)
    await receiver.wait(lambda r: len(held) == 2 and len(r.acknowledged()) == 4)
    await first.stop()  # grace 0: the two hanging deliveries are cut off mid-flight

    states = {i.idempotency_key: i.state for i in await outbox(settings)}
    assert {states[k] for k in acknowledged_before} == {"delivered"}
    assert sorted(states[k] for k in held) == ["in_flight", "in_flight"]

    second = make_server(settings, mailbox[1], lease_seconds=1.0, http_timeout_seconds=0.9, **LOCAL)
    await second.start()
    try:
        await wait_outbox(settings, lambda items: {i.state for i in items} == {"delivered"})
    finally:
        await second.stop()
    items = await outbox(settings)
    assert len(items) == 6 and {i.state for i in items} == {"delivered"}
    await receiver.wait(lambda r: len(r.hits) == r.arrivals)  # the cut-off handlers finish
    keys = receiver.all_keys()
    # Nothing acknowledged (and recorded) was sent again; the cut-off ones came once more,
    # with the same key, which is what the receiver dedupes on.
    for key in acknowledged_before:
        assert keys.count(key) == 1
    assert set(keys) == {i.idempotency_key for i in items}
    for key in held:
        assert keys.count(key) == 2
    engine = make_engine(settings)
    async with read_only(make_sessionmaker(engine)) as session:
        from livedesk.leads.models import DeliveryAttempt

        outcomes = list(await session.scalars(select(DeliveryAttempt.outcome)))
    await engine.dispose()
    assert outcomes.count("lease_expired") == 2 and "in_flight" not in outcomes


async def test_concurrent_claims_never_overlap(
    live: LiveServer, world: World, settings: Settings, receiver: Receiver
) -> None:
    service = live.runtime.extensions["leads"]
    await service.dispatcher.stop()  # drive claims by hand
    await add_webhook(live, world, receiver)
    await file_leads(live, world, settings, 8)
    from livedesk.leads.delivery import Dispatcher

    engine = make_engine(settings)
    try:
        sessions = make_sessionmaker(engine)
        a = Dispatcher(sessions, engine.dialect.name, service.settings, service.smtp)
        b = Dispatcher(sessions, engine.dialect.name, service.settings, service.smtp)
        got = await asyncio.gather(a.claim(5), b.claim(5), a.claim(5))
        ids = [job.item.id for batch in got for job in batch]
        assert len(ids) == 8 and len(set(ids)) == 8
        await asyncio.gather(a.stop(), b.stop())
    finally:
        await engine.dispose()
