"""Canned responses: who reads and who changes them, a business's own beside the shared ones,
field-level errors (placeholders included) in the user's language, and the audit trail."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from livedesk.canned import actions as canned_actions

from livedesk_testing import Tenant, World

LoginAs = Callable[[str | None], Awaitable[httpx.AsyncClient]]  # the fixtures in conftest.py
AccessCheck = Callable[..., Awaitable[list[str]]]
PATH = "/api/v1/canned-responses"

ADMIN_WRITE = {
    "admin": (200, 200),
    "supervisor": (403, 403),
    "operator": (403, 403),
    "business_user": (403, 403),
    "anonymous": (401, 401),
}
STAFF_READ = {
    "admin": (200, 200),
    "supervisor": (200, 200),
    "operator": (200, 404),  # op-alpha serves alpha only
    "business_user": (403, 403),
    "anonymous": (401, 401),
}


async def add(http: httpx.AsyncClient, business_id: str | None, shortcut: str, **kw: Any) -> str:
    body = {"business_id": business_id, "shortcut": shortcut, "title": shortcut.title(),
            "body": f"Antwoord {shortcut}", **kw}  # fmt: skip
    r = await http.post(PATH, json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_canned_endpoints_answer_each_role_as_agreed(
    admin: str, login_as: LoginAs, world: World, access_check: AccessCheck
) -> None:
    async with await login_as(admin) as http:
        ids = {t.slug: await add(http, t.business_id, "groet") for t in (world.a, world.b)}
        doomed = {t.slug: await add(http, t.business_id, "weg") for t in (world.a, world.b)}
    shortcuts = (f"kort-{n}" for n in itertools.count())

    def create(t: Tenant) -> tuple[str, str, dict[str, Any]]:
        return "POST", PATH, {"business_id": t.business_id, "shortcut": next(shortcuts),
                              "title": "Kort", "body": "Een moment, {visitor}."}  # fmt: skip

    wrong = await access_check(
        lambda t: ("GET", f"{PATH}?business_id={t.business_id}", None), STAFF_READ
    )
    wrong += await access_check(
        lambda t: ("GET", PATH, None), {**STAFF_READ, "operator": (200, 200)}
    )
    wrong += await access_check(create, {**ADMIN_WRITE, "admin": (201, 201)})
    wrong += await access_check(
        lambda t: ("PATCH", f"{PATH}/{ids[t.slug]}", {"title": f"Groet {t.slug}"}), ADMIN_WRITE
    )
    wrong += await access_check(
        lambda t: ("DELETE", f"{PATH}/{doomed[t.slug]}", None), {**ADMIN_WRITE, "admin": (204, 204)}
    )
    assert wrong == []


async def test_a_business_reads_its_own_and_the_shared_ones(
    admin: str, login_as: LoginAs, world: World
) -> None:
    async with await login_as(admin) as http:
        await add(http, None, "groet", body="Goedemiddag, u spreekt met {operator}.")
        await add(http, None, "afsluiten", language="en")
        await add(http, world.a.business_id, "offerte", body="{business} maakt een offerte.")
        await add(http, world.b.business_id, "retour")
        # The same shortcut in another business, or a business's own beside a shared one.
        await add(http, world.b.business_id, "offerte")
        await add(http, world.a.business_id, "groet", body="Welkom bij {business}, {visitor}!")
        everything = (await http.get(PATH)).json()

    def listed(items: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
        slug = {world.a.business_id: "alpha", world.b.business_id: "beta", None: None}
        return [(slug[i["business_id"]], i["shortcut"]) for i in items]

    shared = [(None, "afsluiten"), (None, "groet")]  # shared first, then by shortcut
    assert listed(everything)[:2] == shared and len(everything) == 6
    async with await login_as(world.a.operator) as op:
        alpha = (await op.get(PATH, params={"business_id": world.a.business_id})).json()
        assert listed(alpha) == [*shared, ("alpha", "groet"), ("alpha", "offerte")]
        assert listed((await op.get(PATH)).json()) == listed(alpha)  # what op-alpha serves
    first = alpha[2]
    assert {k: first[k] for k in ("title", "body", "language")} == {
        "title": "Groet", "body": "Welkom bij {business}, {visitor}!", "language": "nl"
    }  # fmt: skip
    assert set(first) == {
        "id", "business_id", "shortcut", "title", "body", "language", "updated_at", "updated_by"
    }  # fmt: skip
    async with await login_as(world.supervisor) as sup:
        beta = (await sup.get(PATH, params={"business_id": world.b.business_id})).json()
        assert listed(beta) == [*shared, ("beta", "offerte"), ("beta", "retour")]
        assert (await sup.get(PATH, params={"business_id": "bestaat-niet"})).status_code == 404


async def test_bad_fields_are_named_in_dutch_by_default_and_in_english_on_request(
    admin: str, login_as: LoginAs, world: World
) -> None:
    bad = {
        "business_id": world.a.business_id,
        "shortcut": "Groet!",
        "title": "x" * 201,
        "body": "Hallo {naam}, met {operator}.",
        "language": "de",
    }
    async with await login_as(admin) as http:
        dutch = await http.post(PATH, json=bad)
        english = await http.post(PATH, json=bad, headers={"Accept-Language": "en-US,en;q=0.8"})
        too_long = await http.post(PATH, json={**bad, "shortcut": "ok", "body": "y" * 4001})
        empty = await http.post(PATH, json={"shortcut": "leeg", "title": "", "body": ""})
        assert (await http.get(PATH)).json() == []
    assert dutch.status_code == english.status_code == 422
    codes = {
        "shortcut": "shortcut_invalid",
        "title": "string_too_long",
        "body": "placeholder_unknown",
        "language": "literal_error",
    }
    assert dutch.json()["data"]["codes"] == english.json()["data"]["codes"] == codes
    nl, en = dutch.json()["data"]["fields"], english.json()["data"]["fields"]
    assert (
        nl["body"] == "{naam} bestaat niet; je kunt {operator}, {business} en {visitor} gebruiken."
    )
    assert en["body"] == "{naam} does not exist; you can use {operator}, {business} and {visitor}."
    assert nl["shortcut"].startswith("Gebruik 1 tot 40 tekens: kleine letters, cijfers")
    assert nl["title"] == "Dit is te lang (hoogstens 200 tekens)."
    assert too_long.json()["data"]["codes"] == {
        "title": "string_too_long", "body": "string_too_long", "language": "literal_error"
    }  # fmt: skip
    assert empty.json()["data"]["codes"] == {
        "title": "string_too_short",
        "body": "string_too_short",
    }


async def test_rules_a_schema_cannot_check_and_a_rejected_change_loses_nothing(
    admin: str, login_as: LoginAs, world: World
) -> None:
    async with await login_as(admin) as http:
        shared = await add(http, None, "groet")
        own = await add(http, world.a.business_id, "offerte")
        await add(http, world.a.business_id, "prijs")
        for business_id, shortcut, field, code in (
            (None, "groet", "shortcut", "shortcut_taken_shared"),
            (world.a.business_id, "offerte", "shortcut", "shortcut_taken"),
            ("bestaat-niet", "nieuw", "business_id", "business_unknown"),
        ):
            r = await http.post(
                PATH,
                json={"business_id": business_id, "shortcut": shortcut, "title": "T", "body": "B"},
            )
            assert r.json()["data"]["codes"] == {field: code}
        before = (await http.get(PATH)).json()
        r = await http.patch(f"{PATH}/{own}", json={"title": "Nieuw", "shortcut": "prijs"})
        assert r.json()["data"]["codes"] == {"shortcut": "shortcut_taken"}
        assert r.json()["data"]["fields"]["shortcut"].startswith("Deze afkorting is al in gebruik")
        r = await http.patch(f"{PATH}/{own}", json={"title": "Nieuw", "body": "Dag {klant}"})
        assert r.json()["data"]["codes"] == {"body": "placeholder_unknown"}
        r = await http.patch(f"{PATH}/{shared}", json={"title": None})
        assert r.json()["data"]["codes"] == {"title": "null_not_allowed"}
        r = await http.patch(f"{PATH}/{own}", json={"business_id": world.b.business_id})
        assert r.json()["data"]["codes"] == {"business_id": "extra_forbidden"}
        assert (await http.get(PATH)).json() == before
        assert (await http.patch(f"{PATH}/nope", json={"title": "x"})).status_code == 404
        assert (await http.delete(f"{PATH}/nope")).status_code == 404


async def test_the_database_keeps_shortcuts_unique_when_two_saves_cross(
    admin: str, login_as: LoginAs, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two admins saving one shortcut at once both pass the application's check; the unique
    indexes decide, and the loser gets the same field error, with nothing stored."""
    async with await login_as(admin) as http:
        await add(http, None, "groet")
        await add(http, world.a.business_id, "offerte")
        prijs = await add(http, world.a.business_id, "prijs")
        await add(http, world.b.business_id, "offerte")  # another business may use it
        before = (await http.get(PATH)).json()

        async def as_if_the_other_was_not_seen(*args: Any, **kwargs: Any) -> None:
            return None

        monkeypatch.setattr(canned_actions, "check_shortcut_free", as_if_the_other_was_not_seen)
        for business_id, shortcut, code in (
            (None, "groet", "shortcut_taken_shared"),
            (world.a.business_id, "offerte", "shortcut_taken"),
        ):
            r = await http.post(
                PATH,
                json={"business_id": business_id, "shortcut": shortcut, "title": "T", "body": "B"},
            )
            assert r.status_code == 422 and r.json()["data"]["codes"] == {"shortcut": code}
        r = await http.patch(f"{PATH}/{prijs}", json={"shortcut": "offerte"})
        assert r.status_code == 422 and r.json()["data"]["codes"] == {"shortcut": "shortcut_taken"}
        assert (await http.get(PATH)).json() == before


async def test_changes_are_audited_per_business(
    admin: str, login_as: LoginAs, world: World
) -> None:
    async with await login_as(admin) as http:
        own = await add(http, world.a.business_id, "offerte")
        shared = await add(http, None, "groet")
        r = await http.patch(f"{PATH}/{own}", json={"body": "Nieuwe tekst voor {visitor}."})
        assert r.status_code == 200 and r.json()["body"] == "Nieuwe tekst voor {visitor}."
        # Saving what is already there changes nothing and records nothing.
        assert (await http.patch(f"{PATH}/{own}", json={"title": "Offerte"})).status_code == 200
        assert (await http.delete(f"{PATH}/{own}")).status_code == 204
        assert (await http.delete(f"{PATH}/{own}")).status_code == 404
        alpha = (
            await http.get(
                "/api/v1/audit",
                params={"business_id": world.a.business_id, "entity": "canned_response"},
            )
        ).json()
        provider_wide = (await http.get("/api/v1/audit", params={"entity_id": shared})).json()
    assert [(e["action"], e["actor"]["name"]) for e in alpha] == [
        ("delete", "Admin"), ("update", "Admin"), ("create", "Admin")
    ]  # fmt: skip
    assert alpha[1]["before"] == {"body": "Antwoord offerte"}
    assert alpha[1]["after"] == {"body": "Nieuwe tekst voor {visitor}."}
    assert alpha[0]["before"]["shortcut"] == "offerte" and alpha[0]["after"] == {}
    assert [(e["action"], e["business_id"]) for e in provider_wide] == [("create", None)]
