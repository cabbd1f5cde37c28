"""A visitor's rights over HTTP: find, export and erase, checked against the whole database, the
portal's full-text search and the audit log; bad input; who may do it."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from privacy_helpers import Person, count_rows, find_anywhere, long_ago, seed_person
from sqlalchemy import make_url

from livedesk.settings import Settings
from roles_testing import AccessCheck, LoginAs

from livedesk_testing import LiveServer, Tenant, World, search_indexed

SUBJECTS = "/api/v1/privacy/subjects"


def jan() -> Person:
    return Person("Jan.Kwartel@Example.nl", "06-1234 5678", "Jan Kwartelmans", "zonnewijzerdak")


def piet() -> Person:
    return Person("piet@voorbeeld.org", "06-8765 4321", "Piet Haverkamp", "regentonnetje")


async def portal_hits(login_as: LoginAs, username: str, words: str) -> int:
    async with await login_as(username) as http:
        r = await http.get("/api/v1/portal/transcripts", params={"q": words})
        assert r.status_code == 200, r.text
        return int(r.json()["total"])


async def sqlite_file_holds(settings: Settings, needles: list[str]) -> list[str]:
    """The database file's bytes, after a checkpoint moved the WAL in: what no query can
    reach any more, such as free space inside pages."""
    path = Path(str(make_url(settings.database_url).database))

    def read() -> bytes:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            assert busy == 0, "the checkpoint could not finish"
        return path.read_bytes().lower()

    raw = await asyncio.to_thread(read)
    return [n for n in needles if n.lower().encode() in raw]


async def test_erase_removes_the_visitor_everywhere_and_keeps_the_counts(
    admin: str, world: World, settings: Settings, login_as: LoginAs, server: LiveServer
) -> None:
    person = await seed_person(settings, world.a, jan(), world.b, at=long_ago(30))
    other = await seed_person(settings, world.a, piet(), world.b, at=long_ago(20))
    await search_indexed(server)  # so that the erasure has words to take out of the index
    assert await find_anywhere(settings, person.needles)  # the search does find what is there
    assert await portal_hits(login_as, "user-alpha", person.phrase) == 2
    counts = await count_rows(settings)

    async with await login_as(admin) as http:
        r = await http.post(f"{SUBJECTS}/erase", json={"email": "jan.kwartel@example.NL"})
        assert r.status_code == 200, r.text
        erased = r.json()
        assert erased["totals"] == {
            "conversations": 2,
            "deliveries": 3,
            "faq_proposals": 1,
            "leads": 2,
            "messages": 5,
            "rating_comments": 1,
            "suggestion_queries": 3,
            "visitors": 1,
        }
        assert set(erased["erased"]) == {world.a.business_id, world.b.business_id}
        assert erased["erased"][world.b.business_id]["leads"] == 1

        assert await find_anywhere(settings, person.needles, person.words) == []
        assert await portal_hits(login_as, "user-alpha", person.phrase) == 0
        assert await portal_hits(login_as, "user-alpha", other.phrase) == 2  # others untouched
        assert len(await find_anywhere(settings, other.needles)) > 5
        assert await count_rows(settings) == counts  # the rows stay for reports and billing

        # The transcript shows that something was said and taken out.
        chat = await http.get(f"/api/v1/portal/transcripts/{person.conversation_ids[0]}")
        assert chat.status_code == 200, chat.text
        bodies = {m["body"] for m in chat.json()["messages"]}
        assert bodies == {"[verwijderd op verzoek]"}

        # The audit log says who erased how much in which business, not what or whose.
        audit = (await http.get("/api/v1/audit", params={"entity": "data_subject"})).json()
        assert {(e["action"], e["business_id"]) for e in audit} == {
            ("erase", world.a.business_id),
            ("erase", world.b.business_id),
        }
        assert {e["actor"]["name"] for e in audit} == {"Admin"}
        assert {e["entity_id"] for e in audit} == {erased["request_id"]}
        assert all(e["after"]["query"] == "email" for e in audit)

        # Again: nothing is found, nothing changes; by visitor id too.
        again = (await http.post(f"{SUBJECTS}/erase", json={"email": person.email})).json()
        assert again["totals"] == {} and again["erased"] == {}
        by_id = await http.post(f"{SUBJECTS}/erase", json={"visitor_id": person.visitor_id})
        assert by_id.status_code == 200 and set(by_id.json()["totals"].values()) == {0}
    if settings.is_sqlite:
        assert await sqlite_file_holds(settings, person.needles) == []


async def test_find_by_phone_email_or_visitor_and_narrow_to_a_business(
    admin: str, world: World, settings: Settings, login_as: LoginAs
) -> None:
    person = await seed_person(settings, world.a, jan(), world.b, at=long_ago(30))
    await seed_person(settings, world.a, piet(), world.b, at=long_ago(20))
    async with await login_as(admin) as http:
        found = (await http.post(f"{SUBJECTS}/search", json={"phone": "+31 6 12345678"})).json()
        assert found["query"] == "phone"
        assert found["summary"] == {"visitors": 1, "conversations": 2, "leads": 2, "deliveries": 3}
        assert found["visitor_ids"] == [person.visitor_id]
        reasons = {c["id"]: c["found_by"] for c in found["conversations"]}
        assert reasons == {
            person.conversation_ids[0]: ["lead", "prechat", "visitor"],
            person.conversation_ids[1]: ["visitor"],
        }
        assert {c["messages"] for c in found["conversations"]} == {4, 1}
        assert sorted(b["name"] for b in found["businesses"]) == ["Alpha BV", "Beta BV"]

        narrowed = await http.post(
            f"{SUBJECTS}/search", json={"phone": "0612345678", "business_id": world.b.business_id}
        )
        assert narrowed.json()["summary"] == {
            "visitors": 0,
            "conversations": 0,
            "leads": 1,
            "deliveries": 1,
        }
        by_visitor = await http.post(f"{SUBJECTS}/search", json={"visitor_id": person.visitor_id})
        assert by_visitor.json()["summary"]["leads"] == 1  # the offline one names no chat
        nobody = await http.post(f"{SUBJECTS}/search", json={"email": "niemand@example.nl"})
        assert nobody.json()["summary"] == {
            "visitors": 0,
            "conversations": 0,
            "leads": 0,
            "deliveries": 0,
        }
        audit = (await http.get("/api/v1/audit", params={"entity": "data_subject"})).json()
        assert {e["action"] for e in audit} == {"search"}
        assert [e for e in audit if e["business_id"] is None]  # the search that found nothing
    assert await find_anywhere(settings, [person.phrase])  # a search changes nothing


async def test_export_holds_everything_found(
    admin: str, world: World, settings: Settings, login_as: LoginAs
) -> None:
    person = await seed_person(settings, world.a, jan(), world.b, at=long_ago(30))
    async with await login_as(admin) as http:
        r = await http.post(f"{SUBJECTS}/export", json={"email": person.email})
        assert r.status_code == 200, r.text
        assert r.headers["content-disposition"].startswith("attachment;")
        assert r.headers["cache-control"] == "no-store"
        doc = r.json()
    assert doc["format"] == "livedesk-subject/1"
    assert doc["query"] == {"email": person.email, "business_id": None}
    [visitor] = doc["visitors"]
    assert visitor["email"] == person.email and visitor["name"] == person.name
    chats = {c["id"]: c for c in doc["conversations"]}
    assert set(chats) == set(person.conversation_ids)
    first = chats[person.conversation_ids[0]]
    assert first["prechat"]["telefoon"] == person.phone
    assert first["page_url"].startswith("https://alpha.example/contact")
    assert person.phrase in first["rating"]["comment"]
    assert [m["internal"] for m in first["messages"]] == [False, False, False, True]
    assert person.email in first["messages"][2]["body"]
    leads = {x["kind"]: x for x in doc["leads"]}
    assert set(leads) == {"callback_request", "offline_message"}
    assert [h["to"] for h in leads["callback_request"]["history"]] == ["new", "accepted"]
    assert leads["offline_message"]["phone"] == "+31612345678"
    events = sorted(d["event"] for d in doc["deliveries"])
    assert events == ["lead.created", "lead.created", "visitor.transcript"]
    assert len(doc["faq_suggestions"]) == 3 and len(doc["faq_proposals"]) == 1
    [learned] = doc["faq_evidence"]
    assert person.phrase in learned["query"] and learned["kind"] == "as_is"
    assert person.phrase in doc["faq_proposals"][0]["question"]
    async with await login_as(admin) as http:
        audit = (await http.get("/api/v1/audit", params={"entity": "data_subject"})).json()
    assert {e["action"] for e in audit} == {"export"}
    assert {e["entity_id"] for e in audit} == {doc["request_id"]}


async def test_a_query_names_its_problem(admin: str, world: World, login_as: LoginAs) -> None:
    async with await login_as(admin) as http:
        for body, fields in (
            ({}, {"email"}),
            ({"email": "  "}, {"email"}),
            ({"email": "a@b.nl", "phone": "0612345678"}, {"email", "phone"}),
            ({"email": "geen-adres"}, {"email"}),
            ({"phone": "12-34"}, {"phone"}),
            ({"visitor_id": "x" * 33}, {"visitor_id"}),
            ({"email": "a@b.nl", "name": "Jan"}, {"name"}),
        ):
            for action in ("search", "export", "erase"):
                r = await http.post(
                    f"{SUBJECTS}/{action}", json=body, headers={"Accept-Language": "en"}
                )
                assert r.status_code == 422, (body, r.text)
                assert set(r.json()["data"]["fields"]) == fields, (body, r.json())
        r = await http.post(f"{SUBJECTS}/search", json={}, headers={"Accept-Language": "nl"})
        assert r.json()["data"]["fields"]["email"].startswith("Vul een e-mailadres")
        unknown = await http.post(
            f"{SUBJECTS}/search", json={"email": "a@b.nl", "business_id": "x"}
        )
        assert unknown.status_code == 404
        audit = (await http.get("/api/v1/audit", params={"entity": "data_subject"})).json()
        assert audit == []  # a refused request did nothing


async def test_who_may_use_a_visitors_rights(access_check: AccessCheck) -> None:
    everyone_refused = {
        "admin": (200, 200),
        "supervisor": (403, 403),
        "operator": (403, 403),
        "business_user": (403, 403),
        "anonymous": (401, 401),
    }
    for action in ("search", "export", "erase"):

        def request(tenant: Tenant, action: str = action) -> tuple[str, str, dict[str, str]]:
            body = {"email": f"iemand@{tenant.slug}.example", "business_id": tenant.business_id}
            return "POST", f"{SUBJECTS}/{action}", body

        assert await access_check(request, everyone_refused) == []

    def purges(tenant: Tenant) -> tuple[str, str, None]:
        return "GET", f"/api/v1/privacy/purges?business_id={tenant.business_id}", None

    assert await access_check(purges, everyone_refused) == []
