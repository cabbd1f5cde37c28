"""Live suggestions, the "used" log, proposals from a chat and the bot, over real sockets."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from livedesk.knowledge.evaluate import LabelledQuery
from livedesk.knowledge.service import labelled_queries

from livedesk_testing import (
    ORIGIN_A,
    LiveServer,
    World,
    connect_agent,
    login,
    visitor_in_chat,
)

SHIPPING = {"question": "Wat zijn de verzendkosten?", "answer": "€ 4,95; vanaf € 50 gratis."}
RETURNS = {"question": "Kan ik mijn bestelling retourneren?", "answer": "Binnen 30 dagen."}


def faq(world: World, tenant: str = "a") -> str:
    return f"/api/v1/businesses/{getattr(world, tenant).business_id}/faq"


async def start_chat(  # type: ignore[no-untyped-def]
    server: LiveServer, world: World, language: str | None = None, token: str | None = None
):
    """A visitor of alpha with a started chat; `token` to reconnect as the same visitor later."""
    start = {"language": language} if language else {}
    visitor, cid, _ = await visitor_in_chat(server, world.a.widget_key, ORIGIN_A, token, **start)
    return visitor, cid


async def say(visitor, cid: str, body: str, msg_id: str) -> int:  # type: ignore[no-untyped-def]
    await visitor.send(type="send", conversation_id=cid, client_msg_id=msg_id, body=body)
    return int((await visitor.wait_type("ack", client_msg_id=msg_id))["seq"])


async def agent_for(server: LiveServer, username: str):  # type: ignore[no-untyped-def]
    agent = await connect_agent(server, await login(server, username))
    await agent.send(type="hello")
    await agent.wait_type("welcome")
    return agent


async def test_suggestions_pushed_logged_and_used(
    server: LiveServer, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    owner = await as_user(world.a.business_user)
    shipping = (await owner.post(faq(world), json=SHIPPING)).json()
    await owner.post(faq(world), json=RETURNS)
    await (await as_user(world.b.business_user)).post(faq(world, "b"), json=SHIPPING)
    alpha, beta = await agent_for(server, world.a.operator), await agent_for(server, "op-beta")
    visitor, cid = await start_chat(server, world)

    seq = await say(visitor, cid, "wat zijn de verzendkosten", "v1")
    frame = await alpha.wait_type("suggestions", seq=seq)
    assert frame["conversation_id"] == cid and frame["method"] == "lexical"
    top = frame["items"][0]
    assert set(top) == {"faq_id", "question", "answer", "score"}
    assert top["faq_id"] == shipping["faq_id"] and top["answer"] == SHIPPING["answer"]
    assert top["score"] >= 0.7 and len(frame["items"]) == 2  # only alpha's two entries
    seq2 = await say(visitor, cid, "kan ik met bitcoin betalen", "v2")
    await alpha.wait_type("suggestions", seq=seq2)
    await asyncio.sleep(0.2)
    assert beta.of_type("suggestions") == []  # another business's staff never see them
    assert [m for m in visitor.of_type("message") if m["author"]["kind"] == "bot"] == []

    operator = await as_user(world.a.operator)
    used = f"/api/v1/conversations/{cid}/suggestions/{seq}/used"
    r = await operator.post(used, json={"faq_id": shipping["faq_id"]})
    assert r.status_code == 200 and r.json()["used"]["from_suggestions"] is True
    r = await operator.post(
        f"/api/v1/conversations/{cid}/suggestions/{seq2}/used", json={"faq_id": None}
    )
    assert r.json()["used"]["faq_id"] is None
    assert (await (await as_user("op-beta")).post(used, json={"faq_id": None})).status_code == 404
    bad = await operator.post(used, json={"faq_id": "nope"})
    assert bad.status_code == 404

    log = (await operator.get(f"{faq(world)}/suggestion-log")).json()["items"]
    assert [(e["seq"], e["items"][0]["faq_id"]) for e in log] == [
        (seq2, log[0]["items"][0]["faq_id"]),
        (seq, shipping["faq_id"]),
    ]
    # The logged choices feed `livedesk faq evaluate --from-db`.
    records = await labelled_queries(server.runtime.sessions, world.a.business_id)
    assert records == [
        LabelledQuery(world.a.business_id, "wat zijn de verzendkosten", shipping["faq_id"]),
        LabelledQuery(world.a.business_id, "kan ik met bitcoin betalen", None),
    ]
    for client in (visitor, alpha, beta):
        await client.close()


async def test_proposal_from_chat_is_searchable_after_approval(
    server: LiveServer, world: World, as_user, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    owner = await as_user(world.a.business_user)
    shipping = (await owner.post(faq(world), json=SHIPPING)).json()
    agent = await agent_for(server, world.a.operator)
    visitor, cid = await start_chat(server, world)
    asked = await say(visitor, cid, "Kan ik met bitcoin betalen?", "v1")
    await agent.send(type="accept", conversation_id=cid)
    await visitor.wait_for(lambda f: f.get("state") == "active")
    await agent.send(
        type="send",
        conversation_id=cid,
        client_msg_id="o1",
        body="Nee, alleen iDEAL en creditcard.",
    )
    answered = (await agent.wait_type("ack", client_msg_id="o1"))["seq"]

    operator = await as_user(world.a.operator)
    r = await operator.post(
        f"/api/v1/conversations/{cid}/faq-proposals",
        json={"visitor_seq": asked, "operator_seq": answered, "tags": ["betalen"]},
    )
    assert r.status_code == 201, r.text
    proposal = r.json()
    assert (proposal["question"], proposal["answer"], proposal["status"]) == (
        "Kan ik met bitcoin betalen?",
        "Nee, alleen iDEAL en creditcard.",
        "pending",
    )
    assert (await agent.wait_type("faq_proposal", status="pending"))["proposal_id"] == (
        proposal["proposal_id"]
    )
    wrong = await operator.post(
        f"/api/v1/conversations/{cid}/faq-proposals", json={"visitor_seq": answered, "answer": "x"}
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "invalid_source"
    other = await (await as_user("op-beta")).post(
        f"/api/v1/conversations/{cid}/faq-proposals", json={"question": "q", "answer": "a"}
    )
    assert other.status_code == 404

    pending = (await owner.get(f"{faq(world)}/proposals")).json()["items"]
    assert [p["proposal_id"] for p in pending] == [proposal["proposal_id"]]
    approve = f"{faq(world)}/proposals/{proposal['proposal_id']}/approve"
    supervisor = await as_user(world.supervisor)
    denied = await supervisor.post(approve, json={})
    assert denied.status_code == 403 and denied.json()["code"] == "approval_not_allowed"

    # Approval must touch only this entry: a whole-index rebuild would fail here.
    service = server.runtime.extensions["knowledge"]
    monkeypatch.setattr(service.registry, "load", _no_rebuild)
    r = await owner.post(approve, json={"answer": "Nee: iDEAL, creditcard of PayPal."})
    assert r.status_code == 200, r.text
    approved_at = time.monotonic()
    entry = r.json()["entry"]
    hits = (await operator.get(f"{faq(world)}/search", params={"q": "bitcoin"})).json()["items"]
    assert time.monotonic() - approved_at < 1.0
    assert hits[0]["faq_id"] == entry["faq_id"]
    assert hits[0]["answer"] == "Nee: iDEAL, creditcard of PayPal."
    seq = await say(visitor, cid, "betalen met bitcoin?", "v2")
    frame = await agent.wait_type("suggestions", seq=seq)
    assert frame["items"][0]["faq_id"] == entry["faq_id"]
    revision = (await owner.get(f"{faq(world)}/{entry['faq_id']}/revisions")).json()["items"][0]
    assert revision["action"] == "proposal_approved" and revision["changed_by"]["id"]
    again = await owner.post(approve, json={})
    assert again.status_code == 409 and again.json()["code"] == "already_decided"

    # An edit of an existing entry; the business lets supervisors decide.
    r = await operator.post(
        f"/api/v1/conversations/{cid}/faq-proposals",
        json={
            "faq_id": shipping["faq_id"],
            "visitor_seq": asked,
            "question": "Wat kost de verzending?",
            "answer": "€ 5.",
        },
    )
    edit = r.json()
    assert edit["faq_id"] == shipping["faq_id"] and edit["base_version"] == 1
    s = await owner.put(f"{faq(world)}/settings", json={"supervisors_may_approve": True})
    assert s.json()["supervisors_may_approve"] is True
    assert (
        await supervisor.put(f"{faq(world)}/settings", json={"bot_enabled": True})
    ).status_code == 403
    r = await supervisor.post(f"{faq(world)}/proposals/{edit['proposal_id']}/approve", json={})
    changed = r.json()["entry"]
    assert changed["question"] == SHIPPING["question"] and changed["answer"] == "€ 5."
    assert "Wat kost de verzending?" in changed["alternatives"]  # the visitor's wording
    r = await operator.post(
        f"/api/v1/conversations/{cid}/faq-proposals", json={"question": "Zomaar?", "answer": "Nee."}
    )
    rejected = await owner.post(
        f"{faq(world)}/proposals/{r.json()['proposal_id']}/reject", json={"reason": "te specifiek"}
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decision_note"] == "te specifiek"
    await visitor.close()
    await agent.close()


def _no_rebuild(*_: Any) -> None:
    raise AssertionError("the index was rebuilt")


def availability(reason: str, action: str):  # type: ignore[no-untyped-def]
    async def check(business_id: str, language: str) -> dict[str, Any]:
        return {"open": False, "reason": reason, "overflow_action": action}

    return check


def bot_messages(visitor) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return [m for m in visitor.of_type("message") if m["author"]["kind"] == "bot"]


async def test_bot_answers_only_when_sure_and_stops_for_a_human(
    server: LiveServer, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    owner = await as_user(world.a.business_user)
    await owner.post(faq(world), json=SHIPPING)
    await owner.post(faq(world), json=RETURNS)
    server.runtime.extensions["availability"] = availability("closed", "offline_form")
    visitor, cid = await start_chat(server, world)

    await say(visitor, cid, "wat zijn de verzendkosten", "v1")
    await asyncio.sleep(0.3)
    assert bot_messages(visitor) == []  # closed, but the business has not enabled the bot
    assert (await owner.put(f"{faq(world)}/settings", json={"bot_enabled": True})).json()[
        "bot_enabled"
    ] is True

    await say(visitor, cid, "wat zijn de verzendkosten", "v2")
    answer = await visitor.wait_for(
        lambda f: f.get("type") == "message" and f["author"]["kind"] == "bot"
    )
    assert answer["author"] == {"kind": "bot", "name": "Automatisch antwoord"}
    assert answer["body"].startswith(SHIPPING["answer"]) and "medewerker" in answer["body"]

    await say(visitor, cid, "kan ik met bitcoin betalen", "v3")
    fallback = await visitor.wait_for(
        lambda f: (
            f.get("type") == "message" and f["author"]["kind"] == "bot" and f["seq"] > answer["seq"]
        )
    )
    assert "geen zeker antwoord" in fallback["body"] and "offline formulier" in fallback["body"]
    # What the bot promised, the chat shows: the offline form takes over and the chat ends.
    form = await visitor.wait_type("overflow", conversation_id=cid)
    assert (form["action"], form["reason"]) == ("offline_form", "bot")
    await visitor.wait_for(lambda f: f.get("type") == "conversation" and f["state"] == "abandoned")
    # An operator who opens the chat sees what the bot said.
    transcript = (
        await (await as_user(world.a.operator)).get(f"/api/v1/conversations/{cid}/messages")
    ).json()["items"]
    bot_said = [m for m in transcript if m["author"]["kind"] == "bot"]
    assert [m["body"] for m in bot_said] == [m["body"] for m in bot_messages(visitor)]
    await visitor.close()

    # Busy rather than closed, the bot only: a fallback once, then a request for a human stops it.
    server.runtime.extensions["availability"] = availability("overflow", "bot")
    await asyncio.sleep(1.1)  # the bot's cached availability expires
    visitor, cid = await start_chat(server, world)
    await say(visitor, cid, "kan ik met bitcoin betalen", "b1")
    fallback = await visitor.wait_for(
        lambda f: f.get("type") == "message" and f["author"]["kind"] == "bot"
    )
    assert "offline formulier" not in fallback["body"]  # no form is offered here
    await say(visitor, cid, "en met goud dan", "b2")
    await say(visitor, cid, "Mag ik een medewerker spreken?", "b3")
    handoff = await visitor.wait_for(
        lambda f: (
            f.get("type") == "message"
            and f["author"]["kind"] == "bot"
            and f["seq"] > fallback["seq"]
        )
    )
    assert handoff["body"].startswith("Ik geef uw vraag door aan een medewerker.")
    await say(visitor, cid, "wat zijn de verzendkosten", "b4")
    await asyncio.sleep(0.3)
    assert len(bot_messages(visitor)) == 2  # no second fallback; stopped after the request
    assert visitor.of_type("overflow") == []
    await visitor.close()

    # English conversation, overflow routed to the bot: honest English fallback.
    server.runtime.extensions["availability"] = availability("overflow", "bot")
    visitor, cid = await start_chat(server, world, language="en")
    await say(visitor, cid, "do you ship to Mars", "e1")
    reply = await visitor.wait_for(
        lambda f: f.get("type") == "message" and f["author"]["kind"] == "bot"
    )
    assert reply["author"]["name"] == "Automatic answer"
    assert reply["body"] == (
        "I don't have a reliable answer to that. A colleague will answer "
        "your question as soon as possible."
    )
    await visitor.close()


def test_human_request_detection_is_small_and_general() -> None:
    from livedesk.knowledge.bot import asks_for_human

    for text in (
        "mens",
        "Medewerker!",
        "ik wil een MENS spreken",
        "human please",
        "can I talk to a person",
    ):
        assert asks_for_human(text), text
    for text in (
        "wat kost verzenden",
        "",
        "mensa",
        "Werken jullie medewerkers ook in het weekend en op feestdagen tot laat in de avond?",
    ):
        assert not asks_for_human(text), text


async def test_a_business_whose_record_contradicts_the_bot_keeps_it_silent(
    server: LiveServer, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    """Confident suggestions that this business's operators kept replacing with another entry:
    its own record allows no threshold, so the bot hands over instead of answering."""
    from livedesk.knowledge.calibration import MIN_RECORDED_CHOICES
    from livedesk.knowledge.models import FaqSuggestionLog

    owner = await as_user(world.a.business_user)
    shipping = (await owner.post(faq(world), json=SHIPPING)).json()["faq_id"]
    returns = (await owner.post(faq(world), json=RETURNS)).json()["faq_id"]
    await owner.put(f"{faq(world)}/settings", json={"bot_enabled": True})
    server.runtime.extensions["availability"] = availability("closed", "offline_form")
    visitor, cid = await start_chat(server, world)
    service = server.runtime.extensions["knowledge"]
    settings = (await owner.get(f"{faq(world)}/settings")).json()["bot_threshold"]
    assert settings["own_record"] is False and settings["confidence"] == service.threshold

    choices = MIN_RECORDED_CHOICES + 50
    async with server.runtime.transaction() as session:
        for i in range(choices):
            session.add(
                FaqSuggestionLog(
                    business_id=world.a.business_id,
                    conversation_id=cid,
                    seq=10_000 + i,
                    query="wat kost verzenden",
                    method=service.method,
                    items=[{"faq_id": shipping, "score": 0.99}],
                    used_recorded=True,
                    used_faq_id=returns,
                )
            )
    service._own_thresholds.clear()  # as after OWN_THRESHOLD_SECONDS

    settings = (await owner.get(f"{faq(world)}/settings")).json()["bot_threshold"]
    assert settings == {
        "confidence": None,
        "shared_default": service.threshold,
        "recorded_choices": choices,
        "own_record": True,
    }
    await say(visitor, cid, "wat zijn de verzendkosten", "v1")
    reply = await visitor.wait_for(
        lambda f: f.get("type") == "message" and f["author"]["kind"] == "bot"
    )
    assert "geen zeker antwoord" in reply["body"]  # the shared default alone would answer
    # Business b's record is its own: its threshold is still the shared default.
    other = await as_user(world.b.business_user)
    settings_b = (await other.get(f"{faq(world, 'b')}/settings")).json()["bot_threshold"]
    assert settings_b["confidence"] == service.threshold and settings_b["recorded_choices"] == 0
    await visitor.close()
