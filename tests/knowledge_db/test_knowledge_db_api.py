"""FAQ HTTP API on a live server: CRUD with history, scoping, import/export, search."""

from __future__ import annotations

from livedesk.knowledge import io as kio
from livedesk.knowledge.calibration import default_model

from livedesk_testing import World


def faq(world: World, tenant: str = "a") -> str:
    return f"/api/v1/businesses/{getattr(world, tenant).business_id}/faq"


ENTRY = {
    "question": "Wat zijn de verzendkosten?",
    "alternatives": ["Kost bezorgen geld?"],
    "answer": "Binnen Nederland € 4,95; vanaf € 50 gratis. Zie https://alpha.example/v.",
    "tags": ["Verzending"],
}


async def test_crud_history_and_restore(as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    owner = await as_user(world.a.business_user)
    r = await owner.post(faq(world), json=ENTRY)
    assert r.status_code == 201, r.text
    entry = r.json()
    assert entry["status"] == "published" and entry["version"] == 1
    assert entry["tags"] == ["verzending"] and entry["links"] == ["https://alpha.example/v"]
    assert entry["has_embedding"] is False  # lexical mode in these tests
    url = f"{faq(world)}/{entry['faq_id']}"

    r = await owner.patch(url, json={"answer": "Altijd gratis.", "version": 1})
    assert r.status_code == 200 and r.json()["version"] == 2
    stale = await owner.patch(url, json={"answer": "Oud.", "version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    same = await owner.patch(url, json={"answer": "Altijd gratis."})
    assert same.json()["version"] == 2  # nothing changed: no new revision

    revisions = (await owner.get(f"{url}/revisions")).json()["items"]
    assert [(v["version"], v["action"]) for v in revisions] == [(2, "edited"), (1, "created")]
    assert revisions[0]["changed_fields"] == ["answer"]
    me = (await owner.get("/api/v1/auth/me")).json()
    for revision in revisions:  # who made each revision, and when, in UTC
        assert revision["changed_by"] == {"id": me["id"], "name": world.a.business_user}
        assert revision["changed_at"].endswith("Z")

    restored = (await owner.post(f"{url}/revisions/1/restore")).json()
    assert restored["version"] == 3 and restored["answer"] == ENTRY["answer"]
    assert (await owner.get(f"{url}/revisions")).json()["items"][0]["note"] == (
        "restored version 1"
    )

    archived = (await owner.delete(url)).json()
    assert archived["status"] == "archived"
    hits = (await owner.get(f"{faq(world)}/search", params={"q": "verzendkosten"})).json()
    assert hits["items"] == []  # archived entries leave the index at once


INVALID = [
    ({"question": "Vraag?", "answer": "<a href='x'>klik</a>"}, "answer"),
    ({"question": "Vraag?", "answer": "ga naar javascript:alert(1)"}, "answer"),
    ({"question": "   ", "answer": "Antwoord"}, "question"),
    ({"question": "Vraag?", "answer": "a", "tags": ["a,b"]}, "tags"),
]


async def test_invalid_entries_get_clear_errors(as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    owner = await as_user(world.a.business_user)
    for body, field in INVALID:
        r = await owner.post(faq(world), json=body)
        assert r.status_code == 422
        assert r.json()["code"] == "invalid" and r.json()["data"]["field"] == field
    assert (await owner.get(faq(world))).json()["total"] == 0


async def test_scoping_by_actor(as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    owner = await as_user(world.a.business_user)
    entry = (await owner.post(faq(world), json=ENTRY)).json()
    url = f"{faq(world)}/{entry['faq_id']}"
    dup = await owner.post(faq(world), json=ENTRY | {"question": "wat zijn de VERZENDKOSTEN?"})
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_question"

    operator = await as_user(world.a.operator)
    assert (await operator.get(url)).status_code == 200  # provider staff of alpha read
    r = await operator.patch(url, json={"answer": "x"})
    assert r.status_code == 403 and r.json()["code"] == "faq_read_only"

    for other in (world.b.business_user, world.b.operator):
        client = await as_user(other)
        assert (await client.get(url)).status_code == 404
        assert (await client.get(faq(world))).status_code == 404
        assert (await client.patch(url, json={"answer": "x"})).status_code == 404
        assert (
            await client.get(f"{faq(world)}/search", params={"q": "verzend"})
        ).status_code == 404
    # The right business id with another business's entry id is "not found" too.
    beta_owner = await as_user(world.b.business_user)
    assert (await beta_owner.get(f"{faq(world, 'b')}/{entry['faq_id']}")).status_code == 404

    supervisor = await as_user(world.supervisor)
    r = await supervisor.patch(url, json={"tags": ["door supervisor"]})
    assert r.status_code == 200 and r.json()["tags"] == ["door supervisor"]


async def test_operator_search_is_prefix_and_typo_tolerant(as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    owner = await as_user(world.a.business_user)
    for q, a in [
        ("Wat zijn de verzendkosten?", "€ 4,95."),
        ("Hoe lang is de levertijd?", "Eén werkdag."),
        ("Kan ik mijn bestelling retourneren?", "Binnen 30 dagen."),
    ]:
        assert (await owner.post(faq(world), json={"question": q, "answer": a})).status_code == 201
    await (await as_user(world.b.business_user)).post(
        faq(world, "b"), json={"question": "Wat zijn de verzendkosten?", "answer": "beta"}
    )
    operator = await as_user(world.a.operator)
    for q, expected in [
        ("verzen", "Wat zijn de verzendkosten?"),
        ("levertjid", "Hoe lang is de levertijd?"),
        ("retour", "Kan ik mijn bestelling retourneren?"),
    ]:
        items = (await operator.get(f"{faq(world)}/search", params={"q": q})).json()["items"]
        assert items[0]["question"] == expected
        assert {i["answer"] for i in items} & {"beta"} == set()  # never another business's


async def test_export_import_round_trip(as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    owner = await as_user(world.a.business_user)
    for e in kio.validate_rows(
        [
            kio.EntryData(
                question=t.question,
                answer=t.answer,
                alternatives=t.alternatives,
                tags=t.tags,
                status=t.status,
            )
            for t in _tricky()
        ]
    ):
        r = await owner.post(faq(world), json=e.content() | {"id": None})
        assert r.status_code == 201, r.text
    beta = await as_user(world.b.business_user)
    for n, fmt in enumerate(kio.FORMATS):
        exported = await owner.get(f"{faq(world)}/export", params={"format": fmt})
        assert exported.status_code == 200
        assert "attachment" in exported.headers["content-disposition"]
        # Into the other business (new ids there): the first import creates the entries; the
        # next formats find exactly the same content, so nothing changes.
        r = await beta.post(
            f"{faq(world, 'b')}/import", params={"format": fmt}, content=exported.content
        )
        assert r.status_code == 200, r.text
        assert (r.json()["created"], r.json()["unchanged"]) == ((3, 0) if n == 0 else (0, 3))
        again = await beta.get(f"{faq(world, 'b')}/export", params={"format": fmt})
        assert _without_ids(fmt, again.text) == _without_ids(fmt, exported.text)
        # Importing its own export changes nothing and adds no revisions.
        r = await owner.post(
            f"{faq(world)}/import", params={"format": fmt}, content=exported.content
        )
        assert r.json() | {"faq_ids": None} == {
            "dry_run": False,
            "rows": 3,
            "unchanged": 3,
            "created": 0,
            "updated": 0,
            "faq_ids": None,
        }
    items = (await owner.get(faq(world))).json()["items"]
    assert all(i["version"] == 1 for i in items)


def _without_ids(fmt: str, body: str) -> list[dict[str, object]]:
    return [e.content() | {"id": None} for e in kio.parse(fmt, body)]


def _tricky() -> list[kio.EntryData]:
    from test_knowledge_db_io import TRICKY

    return TRICKY


async def test_bad_import_row_stores_nothing(as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    owner = await as_user(world.a.business_user)
    await owner.post(faq(world), json=ENTRY)
    csv_text = (
        "question,answer,tags\n"
        'Nieuwe vraag?,"Antwoord, met komma",x\n'
        "Wat zijn de verzendkosten?,Nieuw antwoord,\n"
        "Kapot?,<script>alert(1)</script>,\n"
    )
    r = await owner.post(f"{faq(world)}/import", params={"format": "csv"}, content=csv_text)
    assert r.status_code == 422 and r.json()["code"] == "invalid_import"
    assert r.json()["data"]["errors"] == [
        {
            "line": 4,
            "field": "answer",
            "message": "answer must be plain text: no HTML; write links as https://…",
        }
    ]
    entries = (await owner.get(faq(world))).json()
    assert entries["total"] == 1 and entries["items"][0]["answer"] == ENTRY["answer"]

    ok = csv_text.rsplit("Kapot", 1)[0]
    dry = (
        await owner.post(
            f"{faq(world)}/import", params={"format": "csv", "dry_run": True}, content=ok
        )
    ).json()
    assert (dry["created"], dry["updated"]) == (1, 1)
    assert (await owner.get(faq(world))).json()["total"] == 1
    done = (await owner.post(f"{faq(world)}/import", params={"format": "csv"}, content=ok)).json()
    assert (done["created"], done["updated"]) == (1, 1)
    items = {e["question"]: e for e in (await owner.get(faq(world))).json()["items"]}
    assert items["Wat zijn de verzendkosten?"]["answer"] == "Nieuw antwoord"
    assert items["Nieuwe vraag?"]["answer"] == "Antwoord, met komma"


async def test_knowledge_settings_endpoint(as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    owner = await as_user(world.a.business_user)
    await owner.post(faq(world), json=ENTRY)
    body = (await owner.get("/api/v1/knowledge/settings")).json()
    assert body["method"] == "lexical" and body["embeddings"]["enabled"] is False
    assert body["bot_threshold"] == default_model("lexical").threshold
    assert body["published_entries"] == {world.a.business_id: 1}
    assert (await (await as_user(world.b.operator)).get("/api/v1/knowledge/settings")).json()[
        "published_entries"
    ] == {}
