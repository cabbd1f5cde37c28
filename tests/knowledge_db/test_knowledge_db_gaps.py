"""Questions the FAQ did not answer (knowledge/gaps.py), from real chats over real sockets."""

from __future__ import annotations

from datetime import datetime

from test_knowledge_db_live import RETURNS, SHIPPING, agent_for, faq, say, start_chat

from livedesk.conversations.models import Message
from livedesk.knowledge.gaps import Asked, most_asked, question_key
from livedesk.knowledge.models import FaqSuggestionLog

from livedesk_testing import ORIGIN_B, LiveServer, World, visitor_in_chat


async def answer(agent, cid: str, body: str, msg_id: str) -> int:  # type: ignore[no-untyped-def]
    await agent.send(type="send", conversation_id=cid, client_msg_id=msg_id, body=body)
    return int((await agent.wait_type("ack", client_msg_id=msg_id))["seq"])


async def chat_at(server: LiveServer, widget_key: str, agent):  # type: ignore[no-untyped-def]
    """A beta visitor's chat, taken by `agent`."""
    visitor, cid, _ = await visitor_in_chat(server, widget_key, ORIGIN_B)
    await agent.send(type="accept", conversation_id=cid)
    await visitor.wait_for(lambda f: f.get("state") == "active")
    return visitor, cid


async def test_questions_a_person_answered_without_the_faq_are_listed_most_asked_first(
    server: LiveServer, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    owner = await as_user(world.a.business_user)
    shipping = (await owner.post(faq(world), json=SHIPPING)).json()["faq_id"]
    await owner.post(faq(world), json=RETURNS)
    agent = await agent_for(server, world.a.operator)
    operator = await as_user(world.a.operator)
    chats = []

    async def chat_with_operator():  # type: ignore[no-untyped-def]
        visitor, cid = await start_chat(server, world)
        await agent.send(type="accept", conversation_id=cid)
        await visitor.wait_for(lambda f: f.get("state") == "active")
        chats.append(visitor)
        return visitor, cid

    # A greeting, then a question the FAQ has no answer to, answered by the operator; then
    # thanks, answered too: only the question counts.
    visitor, one = await chat_with_operator()
    await say(visitor, one, "Hallo!", "v1")
    await say(visitor, one, "Kan ik met bitcoin betalen?", "v2")
    await answer(agent, one, "Nee, alleen iDEAL en creditcard.", "o1")
    await say(visitor, one, "Ok, bedankt!", "v3")
    await answer(agent, one, "Graag gedaan!", "o2")

    # The same question in other words, later; then one the operator answered with an entry.
    visitor, two = await chat_with_operator()
    asked_again = await say(visitor, two, "kan ik betalen met bitcoin", "v1")
    await answer(agent, two, "Helaas niet.", "o1")
    with_entry = await say(visitor, two, "wat kost verzenden eigenlijk", "v2")
    await answer(agent, two, SHIPPING["answer"], "o2")
    r = await operator.post(
        f"/api/v1/conversations/{two}/faq-evidence",
        json={"seq": with_entry, "faq_id": shipping, "body": SHIPPING["answer"]},
    )
    assert r.status_code == 200, r.text
    # Two questions in a row: the operator's reply answers the second.
    await say(visitor, two, "Hebben jullie een winkel in Amsterdam?", "v3")
    await say(visitor, two, "Is er een winkel in Utrecht?", "v4")
    await answer(agent, two, "Nee, we verkopen alleen online.", "o3")

    # Nobody answered this one (yet): not listed.
    waiting, three = await start_chat(server, world)
    chats.append(waiting)
    await say(waiting, three, "Kan ik met bitcoin betalen?", "v1")

    # A chat marked spam teaches nothing and is no gap.
    visitor, four = await chat_with_operator()
    await say(visitor, four, "Kan ik met bitcoin betalen?", "v1")
    await answer(agent, four, "Nee.", "o1")
    await agent.send(type="close", conversation_id=four, disposition="spam")
    await visitor.wait_for(lambda f: f.get("state") == "closed")

    gaps = await owner.get(f"{faq(world)}/gaps")
    assert gaps.status_code == 200, gaps.text
    items = gaps.json()["items"]
    assert [(i["question"], i["count"], i["other_wordings"]) for i in items] == [
        ("kan ik betalen met bitcoin", 2, ["Kan ik met bitcoin betalen?"]),
        ("Is er een winkel in Utrecht?", 1, []),
    ]
    assert (items[0]["conversation_id"], items[0]["seq"]) == (two, asked_again)
    # What the operator answered to the latest wording: the start of an FAQ answer.
    assert [i["answer"] for i in items] == ["Helaas niet.", "Nee, we verkopen alleen online."]
    assert gaps.json()["days"] == 30

    # Another business, whose FAQ is still empty, sees its own questions and none of these.
    beta_agent = await agent_for(server, world.b.operator)
    beta_visitor, beta = await chat_at(server, world.b.widget_key, beta_agent)
    await say(beta_visitor, beta, "Verkopen jullie ook cadeaubonnen?", "v1")
    await answer(beta_agent, beta, "Ja, in de winkel.", "o1")
    other = await as_user(world.b.business_user)
    beta_gaps = (await other.get(f"{faq(world, 'b')}/gaps")).json()["items"]
    assert [(i["question"], i["count"]) for i in beta_gaps] == [
        ("Verkopen jullie ook cadeaubonnen?", 1)
    ]
    assert (await other.get(f"{faq(world)}/gaps")).status_code == 404
    assert (await owner.get(f"{faq(world)}/gaps", params={"days": 0})).status_code == 422
    for client in (*chats, agent, beta_visitor, beta_agent):
        await client.close()


def test_greetings_and_thanks_are_not_questions_and_wordings_group() -> None:
    assert question_key("Hallo!") == ""
    assert question_key("Ok, dank je wel, fijne dag!") == ""
    assert question_key("Ik wil een medewerker spreken") == ""
    assert question_key("Kan ik met Bitcoin betalen?") == "betalen bitcoin"  # any word order
    texts = (
        "mag ik ruilen",  # the newest
        "betalen met bitcoin?",
        "Retourneren?!",  # one word: no question
        "Kan ik met bitcoin betalen",  # the same words
        "betalen met bitcoins",  # nearly the same words
        "mag ik ruilen",
        "wanneer is de winkel open",
        "Kan ik met bitcoin betalen",
    )
    answered = [Asked("c1", n, t, datetime(2026, 1, 1, 12, 8 - n)) for n, t in enumerate(texts)]
    found = most_asked(answered, limit=10)
    assert [(q["question"], q["count"], q["other_wordings"]) for q in found] == [
        ("betalen met bitcoin?", 4, ["Kan ik met bitcoin betalen", "betalen met bitcoins"]),
        ("mag ik ruilen", 2, []),
        ("wanneer is de winkel open", 1, []),
    ]
    assert [(q["question"], q["count"]) for q in most_asked(answered, limit=1)] == [
        ("betalen met bitcoin?", 4)
    ]


PHOTO = {"id": "f1", "type": "image/jpeg", "size": 10}


async def test_the_bots_and_livedesks_own_words_between_do_not_hide_a_question(
    server: LiveServer, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    """A bot that could not answer ("a colleague will") and an expert joining come between a
    question and its answer; a question the bot answered from the FAQ, and a file, are none."""
    visitor, cid = await start_chat(server, world)
    lines = [
        (100, "visitor", "Kunnen jullie mijn fiets ophalen?"),
        (101, "bot", "Een collega helpt je zo."),
        (102, "system", "Anne van Alpha BV doet mee."),
        (103, "expert", "Ja, op werkdagen."),
        (104, "visitor", "Wat zijn de verzendkosten naar België?"),
        (105, "bot", SHIPPING["answer"]),
        (106, "operator", "En naar Nederland is het gratis vanaf € 50."),
        (107, "visitor", "Ok, dank je!"),
        (108, "operator", "Graag gedaan."),
        (109, "visitor", "foto-van-de-schade.jpg"),
        (110, "operator", "Dank voor de foto."),
    ]
    async with server.runtime.transaction() as session:
        for seq, kind, body in lines:
            session.add(
                Message(
                    conversation_id=cid,
                    business_id=world.a.business_id,
                    seq=seq,
                    author_kind=kind,
                    body=body,
                    attachment=PHOTO if seq == 109 else None,
                )
            )
        session.add(  # the bot answered 104 with an entry
            FaqSuggestionLog(
                business_id=world.a.business_id,
                conversation_id=cid,
                seq=104,
                query=lines[4][2],
                method="lexical",
                items=[],
                bot_faq_id="entry-1",
            )
        )
    owner = await as_user(world.a.business_user)
    items = (await owner.get(f"{faq(world)}/gaps")).json()["items"]
    assert [(i["question"], i["seq"]) for i in items] == [
        ("Kunnen jullie mijn fiets ophalen?", 100)
    ]
    await visitor.close()
