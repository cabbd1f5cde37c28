"""People in the back office: who may manage whom, creating and editing users with field-level
errors in the user's language, operators' assignments, and the audit trail.

Deactivation is in test_people_deactivation.py; invitations, password links and the CLI in
test_people_passwords.py."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from livedesk_testing import Tenant, World

LoginAs = Callable[[str | None], Awaitable[httpx.AsyncClient]]  # the fixtures in conftest.py
AccessCheck = Callable[..., Awaitable[list[str]]]

MANAGERS = {
    "admin": (200, 200),
    "supervisor": (200, 200),
    "operator": (403, 403),
    "business_user": (403, 403),
    "anonymous": (401, 401),
}
ADMIN_ONLY = {**MANAGERS, "supervisor": (403, 403)}


async def add_people(http: httpx.AsyncClient, world: World) -> dict[str, str]:
    """Users the matrix may change without touching the ones who log in: per business a second
    operator and business user, and a second supervisor and admin. Username → id."""
    ids = {}
    for t in (world.a, world.b):
        for body in (
            {"username": f"op2-{t.slug}", "role": "operator", "email": f"op2@{t.slug}.example",
             "operator": {"businesses": [t.business_id]}},
            {"username": f"user2-{t.slug}", "role": "business_user",
             "business_id": t.business_id, "email": f"user2@{t.slug}.example"},
        ):  # fmt: skip
            r = await http.post("/api/v1/users", json={"display_name": "Tweede", **body})
            assert r.status_code == 201, r.text
            ids[body["username"]] = r.json()["id"]
    for username, role in (("super2", "supervisor"), ("admin2", "provider_admin")):
        body = {"username": username, "display_name": username, "role": role}
        r = await http.post("/api/v1/users", json={**body, "email": f"{username}@provider.example"})
        ids[username] = r.json()["id"]
    return ids


async def test_people_endpoints_answer_each_role_as_agreed(
    admin: str, login_as: LoginAs, world: World, access_check: AccessCheck
) -> None:
    async with await login_as(admin) as http:
        ids = await add_people(http, world)
    names = (f"nieuw{n}" for n in itertools.count())

    def op2(t: Tenant) -> str:
        return f"/api/v1/users/{ids['op2-' + t.slug]}"

    def create(role: str) -> Callable[[Tenant], tuple[str, str, dict[str, Any]]]:
        def request(t: Tenant) -> tuple[str, str, dict[str, Any]]:
            body = {"username": next(names), "display_name": "Nieuw", "role": role}
            if role == "business_user":
                body["business_id"] = t.business_id
            if role == "operator":
                body["operator"] = {"businesses": [t.business_id]}
            return "POST", "/api/v1/users", body

        return request

    created = {k: (201, 201) if k in ("admin", "supervisor") else v for k, v in MANAGERS.items()}
    wrong = []
    for role in ("operator", "business_user"):
        wrong += await access_check(create(role), created)
    for role in ("supervisor", "provider_admin"):
        wrong += await access_check(create(role), {**created, "supervisor": (403, 403)})
    operator_body = {"businesses": [], "languages": ["nl", "en"], "max_concurrent": 4}
    for request in (
        lambda t: ("GET", f"/api/v1/users?business_id={t.business_id}", None),
        lambda t: ("GET", op2(t), None),
        lambda t: ("PATCH", op2(t), {"display_name": f"Operator {t.slug}"}),
        lambda t: ("PUT", op2(t) + "/operator", {**operator_body, "businesses": [t.business_id]}),
        lambda t: ("POST", op2(t) + "/deactivate", None),
        lambda t: ("POST", op2(t) + "/activate", None),
    ):
        wrong += await access_check(request, MANAGERS)
    wrong += await access_check(
        lambda t: ("POST", f"/api/v1/users/{ids['user2-' + t.slug]}/password-link", None),
        {**MANAGERS, "admin": (202, 202), "supervisor": (202, 202)},
    )
    # The provider's own staff: only a provider admin manages supervisors and admins.
    for target in ("super2", "admin2"):
        path = f"/api/v1/users/{ids[target]}"
        wrong += await access_check(lambda t, p=path: ("GET", p, None), MANAGERS)
        for method, suffix, body in (
            ("PATCH", "", {"display_name": "Anders"}),
            ("POST", "/password-link", None),
            ("POST", "/deactivate", None),
            ("POST", "/activate", None),
        ):
            expected = {**ADMIN_ONLY, "admin": (202, 202)} if "link" in suffix else ADMIN_ONLY
            wrong += await access_check(
                lambda t, m=method, p=path + suffix, b=body: (m, p, b), expected
            )
    assert wrong == []


async def test_nobody_deactivates_themselves_or_promotes_past_their_own_rights(
    admin: str, login_as: LoginAs, world: World
) -> None:
    async with await login_as(admin) as boss, await login_as(world.supervisor) as sup:
        ids = await add_people(boss, world)
        me = {
            who: (await c.get("/api/v1/auth/me")).json()["id"]
            for who, c in (("a", boss), ("s", sup))
        }
        for client, own in ((boss, me["a"]), (sup, me["s"])):
            r = await client.post(f"/api/v1/users/{own}/deactivate")
            assert (r.status_code, r.json()["code"]) == (403, "not_yourself")
        r = await boss.patch(f"/api/v1/users/{me['a']}", json={"role": "supervisor"})
        assert (r.status_code, r.json()["code"]) == (403, "not_yourself")
        # Their own name, with the role they have (as the edit page sends it), is fine.
        r = await boss.patch(
            f"/api/v1/users/{me['a']}", json={"display_name": "Baas", "role": "provider_admin"}
        )
        assert (r.status_code, r.json()["display_name"]) == (200, "Baas")
        r = await sup.patch(f"/api/v1/users/{ids['op2-alpha']}", json={"role": "supervisor"})
        assert (r.status_code, r.json()["code"]) == (403, "role_not_allowed")
        assert r.json()["message"] == "Je mag geen gebruikers met deze rol aanmaken of beheren."
        # Operators and business users cannot read even their own record here (they keep /me).
        for username in (world.a.operator, world.a.business_user):
            async with await login_as(username) as http:
                own = (await http.get("/api/v1/auth/me")).json()["id"]
                assert (await http.get(f"/api/v1/users/{own}")).status_code == 403
                assert (await http.get("/api/v1/users")).status_code == 403
        assert (await sup.get(f"/api/v1/users/{ids['op2-alpha']}")).json()["role"] == "operator"
        assert (await boss.get("/api/v1/users/nobody")).status_code == 404


async def test_creating_an_operator_and_a_business_user(
    admin: str, login_as: LoginAs, world: World
) -> None:
    async with await login_as(world.supervisor) as http:
        r = await http.post(
            "/api/v1/users",
            json={
                "username": "  Jan.de-Vries_2 ",
                "display_name": "Jan de Vries",
                "role": "operator",
                "email": "jan@provider.example",
                "language": "en",
                "operator": {
                    "businesses": [world.a.business_id, world.b.business_id],
                    "languages": ["nl", "en"],
                    "max_concurrent": 6,
                    "auto_accept": True,
                },
            },
        )
        assert r.status_code == 201, r.text
        jan = r.json()
        assert {k: jan[k] for k in ("username", "role", "email", "language", "business_id")} == {
            "username": "jan.de-vries_2",
            "role": "operator",
            "email": "jan@provider.example",
            "language": "en",
            "business_id": None,
        }
        assert jan["operator"] == {
            "businesses": sorted([world.a.business_id, world.b.business_id]),
            "languages": ["nl", "en"],
            "max_concurrent": 6,
            "auto_accept": True,
        }
        assert jan["is_active"] is True and jan["has_password"] is False
        assert (await http.get(f"/api/v1/users/{jan['id']}")).json() == jan
        r = await http.post(
            "/api/v1/users",
            json={"username": "klant-b", "display_name": "Klant", "role": "business_user",
                  "business_id": world.b.business_id},
        )  # fmt: skip
        assert r.status_code == 201 and r.json()["operator"] is None
        # The list filters: a business's users and the operators who serve it.
        listed = await http.get("/api/v1/users", params={"business_id": world.b.business_id})
        assert [u["username"] for u in listed.json()] == [
            "jan.de-vries_2", "klant-b", "op-beta", "user-beta"
        ]  # fmt: skip
        ops = await http.get("/api/v1/users", params={"role": "operator", "active": "true"})
        assert [u["username"] for u in ops.json()] == ["jan.de-vries_2", "op-alpha", "op-beta"]
        audit = (await http.get("/api/v1/audit", params={"entity_id": jan["id"]})).json()
    assert [(e["entity"], e["action"], e["actor"]["name"]) for e in audit] == [
        ("user", "create", "Super")
    ]
    assert audit[0]["after"]["operator"]["max_concurrent"] == 6
    assert "password" not in str(audit[0]).replace("has_password", "")


async def test_bad_fields_are_named_in_dutch_by_default_and_in_english_on_request(
    admin: str, login_as: LoginAs, world: World
) -> None:
    bad = {
        "username": "Jan de Vries",
        "display_name": "",
        "role": "koning",
        "email": "geen-adres",
        "language": "fr",
        "operator": {"max_concurrent": 0, "languages": []},
        "colour": "blauw",
    }
    async with await login_as(admin) as http:
        dutch = await http.post("/api/v1/users", json=bad)
        english = await http.post("/api/v1/users", json=bad, headers={"Accept-Language": "en"})
        assert len((await http.get("/api/v1/users")).json()) == 6  # nobody was added
    assert dutch.status_code == english.status_code == 422
    codes = {
        "username": "username_invalid",
        "display_name": "string_too_short",
        "role": "enum",
        "email": "email_invalid",
        "language": "literal_error",
        "operator.max_concurrent": "greater_than_equal",
        "operator.languages": "too_short",
        "colour": "extra_forbidden",
    }
    assert dutch.json()["data"]["codes"] == english.json()["data"]["codes"] == codes
    nl, en = dutch.json()["data"]["fields"], english.json()["data"]["fields"]
    assert nl["username"].startswith("Gebruik 2 tot 150 tekens: kleine letters")
    assert en["username"].startswith("Use 2 to 150 characters: lower-case letters")
    assert (nl["email"], en["email"]) == (
        "Dit is geen geldig e-mailadres.", "This is not a valid e-mail address."
    )  # fmt: skip
    assert nl["operator.max_concurrent"] == "Dit moet minstens 1 zijn."
    assert en["operator.max_concurrent"] == "This must be at least 1."


async def test_rules_a_schema_cannot_check_come_back_per_field(
    admin: str, login_as: LoginAs, world: World
) -> None:
    base = {"display_name": "X", "email": "x@provider.example"}
    cases = [
        ({"username": "op-alpha", "role": "supervisor"}, {"username": "username_taken"}),
        ({"username": "klant", "role": "business_user"}, {"business_id": "business_required"}),
        ({"username": "sup", "role": "supervisor", "business_id": world.a.business_id},
         {"business_id": "business_not_allowed"}),
        ({"username": "klant", "role": "business_user", "business_id": "bestaat-niet"},
         {"business_id": "business_unknown"}),
        ({"username": "op", "role": "operator",
          "operator": {"businesses": [world.a.business_id, "bestaat-niet"]}},
         {"operator.businesses.1": "business_unknown"}),
        ({"username": "sup", "role": "supervisor", "operator": {}}, {"operator": "operator_only"}),
    ]  # fmt: skip
    async with await login_as(admin) as http:
        for body, codes in cases:
            r = await http.post("/api/v1/users", json={**base, **body})
            assert (r.status_code, r.json()["data"]["codes"]) == (422, codes), body
        english = await http.post(
            "/api/v1/users", json={**base, **cases[1][0]}, headers={"Accept-Language": "en"}
        )
        assert english.json()["data"]["fields"]["business_id"] == (
            "A business user belongs to exactly one business: choose it."
        )
        assert len((await http.get("/api/v1/users")).json()) == 6


async def test_a_rejected_change_loses_nothing_already_saved(
    admin: str, login_as: LoginAs, world: World
) -> None:
    async with await login_as(admin) as http:
        ids = await add_people(http, world)
        path = f"/api/v1/users/{ids['op2-alpha']}"
        before = (await http.get(path)).json()
        r = await http.patch(path, json={"display_name": "Nieuw", "email": "kapot"})
        assert r.status_code == 422 and r.json()["data"]["codes"] == {"email": "email_invalid"}
        r = await http.patch(path, json={"display_name": None})
        assert r.json()["data"]["codes"] == {"display_name": "null_not_allowed"}
        r = await http.patch(path, json={"role": "business_user"})
        assert r.json()["data"]["codes"] == {"business_id": "business_required"}
        r = await http.put(
            path + "/operator",
            json={"businesses": [world.b.business_id, "weg"], "max_concurrent": 5},
        )
        assert r.json()["data"]["codes"] == {"businesses.1": "business_unknown"}
        r = await http.put(path + "/operator", json={"max_concurrent": 21})
        assert r.json()["data"]["codes"] == {"max_concurrent": "less_than_equal"}
        assert (await http.get(path)).json() == before
        r = await http.put(f"/api/v1/users/{ids['user2-alpha']}/operator", json={})
        assert (r.status_code, r.json()["code"]) == (409, "not_an_operator")
        audit = await http.get("/api/v1/audit", params={"entity_id": ids["op2-alpha"]})
        assert [e["action"] for e in audit.json()] == ["create"]


async def test_edits_and_assignments_are_saved_and_audited(
    admin: str, login_as: LoginAs, world: World
) -> None:
    async with await login_as(admin) as boss:
        ids = await add_people(boss, world)
    async with await login_as(world.supervisor) as http:
        path = f"/api/v1/users/{ids['op2-alpha']}"
        r = await http.put(
            path + "/operator",
            json={"businesses": [world.b.business_id], "languages": ["en"], "max_concurrent": 8},
        )
        assert r.status_code == 200, r.text
        assert r.json()["operator"] == {
            "businesses": [world.b.business_id], "languages": ["en"], "max_concurrent": 8,
            "auto_accept": False,
        }  # fmt: skip
        r = await http.patch(path, json={"display_name": "Ops Twee", "email": "", "language": "en"})
        assert r.status_code == 200
        assert (r.json()["display_name"], r.json()["email"], r.json()["language"]) == (
            "Ops Twee", None, "en"
        )  # fmt: skip
        # A business user moves to the other business; an operator becomes a business user.
        user2 = f"/api/v1/users/{ids['user2-alpha']}"
        r = await http.patch(user2, json={"business_id": world.b.business_id})
        assert r.json()["business_id"] == world.b.business_id
        r = await http.patch(
            path, json={"role": "business_user", "business_id": world.a.business_id}
        )
        assert (r.json()["role"], r.json()["business_id"], r.json()["operator"]) == (
            "business_user", world.a.business_id, None
        )  # fmt: skip
        audit = (await http.get("/api/v1/audit", params={"entity_id": ids["op2-alpha"]})).json()
    assert [e["action"] for e in audit] == ["update", "update", "update", "create"]
    assignment = audit[2]
    assert assignment["before"]["operator"]["businesses"] == [world.a.business_id]
    assert assignment["after"]["operator"] == {
        "businesses": [world.b.business_id], "languages": ["en"], "max_concurrent": 8,
        "auto_accept": False,
    }  # fmt: skip
    assert audit[1]["before"] == {
        "display_name": "Tweede", "email": "op2@alpha.example", "language": "nl"
    }  # fmt: skip
    assert audit[0]["after"]["role"] == "business_user" and audit[0]["actor"]["name"] == "Super"
