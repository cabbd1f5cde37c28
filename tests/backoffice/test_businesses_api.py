"""Businesses in the back office: who may do what, creating and editing with field-level errors
in the user's language, the audit trail, and deactivation as a visitor meets it."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from livedesk_testing import (
    ORIGIN_A,
    ORIGIN_B,
    LiveServer,
    Tenant,
    World,
    connect_visitor,
    visitor_token,
)

LoginAs = Callable[[str | None], Awaitable[httpx.AsyncClient]]  # the fixtures in conftest.py
AccessCheck = Callable[..., Awaitable[list[str]]]

ADMIN_WRITE = {
    "admin": (200, 200),
    "supervisor": (403, 403),
    "operator": (403, 403),
    "business_user": (403, 403),
    "anonymous": (401, 401),
}
# Operators keep reading the businesses they serve, business users their own (the console).
SCOPED_READ = {
    "admin": (200, 200),
    "supervisor": (200, 200),
    "operator": (200, 404),
    "business_user": (200, 404),
    "anonymous": (401, 401),
}
NEW_BUSINESS = {
    "name": "Bakkerij Jansen",
    "slug": "bakkerij-jansen",
    "language": "en",
    "timezone": "Europe/London",
    "guidelines": {
        "tone": "Vriendelijk, je",
        "never_promise": "Levertijden",
        "escalation": "Bel de eigenaar",
        "contacts": [
            {
                "name": "Piet Jansen",
                "role": "eigenaar",
                "phone": "+31 6 1234 5678",
                "email": "piet@bakkerij.example",
                "when": "klachten over bestellingen",
            }
        ],
        "sections": [{"title": "Allergenen", "body": "Verwijs naar de lijst op de site."}],
    },
}


async def audit_of(http: httpx.AsyncClient, business_id: str, **params: str) -> Any:
    r = await http.get("/api/v1/audit", params={"business_id": business_id, **params})
    assert r.status_code == 200, r.text
    return r.json()


async def test_business_endpoints_answer_each_role_as_agreed(access_check: AccessCheck) -> None:
    slugs = (f"nieuw-{n}" for n in itertools.count())

    def create(_: Tenant) -> tuple[str, str, dict[str, Any]]:
        return "POST", "/api/v1/businesses", {"name": "Nieuw", "slug": next(slugs)}

    created = {**ADMIN_WRITE, "admin": (201, 201)}
    wrong = await access_check(create, created)
    wrong += await access_check(
        lambda t: ("GET", f"/api/v1/businesses/{t.business_id}", None), SCOPED_READ
    )
    for method, suffix, body in (
        ("PATCH", "", {"guidelines": {"tone": "kort"}}),
        ("POST", "/deactivate", None),
        ("POST", "/activate", None),
    ):
        wrong += await access_check(
            lambda t, m=method, s=suffix, b=body: (m, f"/api/v1/businesses/{t.business_id}{s}", b),
            ADMIN_WRITE,
        )
    assert wrong == []


async def test_the_list_is_scoped_and_keeps_what_the_console_reads(
    admin: str, login_as: LoginAs, world: World
) -> None:
    expected_slugs = {
        admin: ["alpha", "beta"],
        world.supervisor: ["alpha", "beta"],
        world.a.operator: ["alpha"],
        world.b.business_user: ["beta"],
    }
    for username, slugs in expected_slugs.items():
        async with await login_as(username) as http:
            listed = (await http.get("/api/v1/businesses")).json()
            assert [b["slug"] for b in listed] == slugs, username
    async with await login_as(None) as anonymous:
        assert (await anonymous.get("/api/v1/businesses")).status_code == 401
    (beta,) = listed
    assert beta["guidelines"]["tone"] == "beta tone"  # stored before contacts and sections
    assert beta["guidelines"]["contacts"] == [] and beta["guidelines"]["sections"] == []
    assert beta["opening_hours"]["weekly"]["mon"] == [["09:00", "23:00"]]
    assert beta["contract"]["max_queue_wait_seconds"] == 120
    assert beta["is_active"] is True and beta["widget_count"] == 1


async def test_an_admin_creates_a_business_and_the_audit_log_has_it(
    admin: str, login_as: LoginAs
) -> None:
    async with await login_as(admin) as http:
        r = await http.post("/api/v1/businesses", json=NEW_BUSINESS)
        assert r.status_code == 201, r.text
        created = r.json()
        got = (await http.get(f"/api/v1/businesses/{created['id']}")).json()
        assert got == created
        assert {k: got[k] for k in NEW_BUSINESS} == NEW_BUSINESS
        assert got["is_active"] is True and got["widget_count"] == 0
        # New businesses start from the product defaults, in their own time zone.
        assert got["opening_hours"]["timezone"] == "Europe/London"
        assert got["contract"]["outside_hours"] == "offline_form"
        audit = await audit_of(http, got["id"], entity="business")
    assert [(e["action"], e["actor"]["name"]) for e in audit] == [("create", "Admin")]
    assert audit[0]["before"] == {}
    assert audit[0]["after"]["slug"] == "bakkerij-jansen"
    assert audit[0]["after"]["guidelines"] == NEW_BUSINESS["guidelines"]


async def test_bad_fields_are_named_in_dutch_by_default_and_in_english_on_request(
    admin: str, login_as: LoginAs
) -> None:
    bad = {
        "name": "",
        "slug": "Bakkerij Jansen",
        "language": "fr",
        "timezone": "Mars/Olympus_Mons",
        "guidelines": {"tone": "x" * 2001, "contacts": [{"name": "Piet", "email": "geen-adres"}]},
        "colour": "blauw",
    }
    async with await login_as(admin) as http:
        dutch = await http.post("/api/v1/businesses", json=bad)
        english = await http.post(
            "/api/v1/businesses", json=bad, headers={"Accept-Language": "en-GB,en;q=0.9"}
        )
        assert [b["slug"] for b in (await http.get("/api/v1/businesses")).json()] == [
            "alpha",
            "beta",
        ]
    assert dutch.status_code == english.status_code == 422
    codes = {
        "name": "string_too_short",
        "slug": "slug_invalid",
        "language": "literal_error",
        "timezone": "timezone_unknown",
        "guidelines.tone": "string_too_long",
        "guidelines.contacts.0.email": "email_invalid",
        "colour": "extra_forbidden",
    }
    assert dutch.json()["data"]["codes"] == english.json()["data"]["codes"] == codes
    nl, en = dutch.json()["data"]["fields"], english.json()["data"]["fields"]
    assert nl["slug"].startswith("Gebruik kleine letters, cijfers en streepjes")
    assert en["slug"].startswith("Use lower-case letters, digits and hyphens")
    assert nl["guidelines.tone"] == "Dit is te lang (hoogstens 2000 tekens)."
    assert en["guidelines.tone"] == "This is too long (at most 2000 characters)."
    assert nl["timezone"].startswith("Onbekende tijdzone") and en["timezone"].startswith("Unknown")
    assert dutch.json()["message"] == "Niet alles is goed ingevuld: zie de velden."


async def test_a_rejected_update_changes_nothing(
    admin: str, login_as: LoginAs, world: World
) -> None:
    path = f"/api/v1/businesses/{world.b.business_id}"
    async with await login_as(admin) as http:
        before = (await http.get(path)).json()
        # One bad field refuses the whole request, the good one included.
        r = await http.patch(path, json={"name": "Beta Nieuw", "timezone": "Nergens/Niets"})
        assert r.status_code == 422 and list(r.json()["data"]["fields"]) == ["timezone"]
        # A rule the schema cannot check: the slug is taken by alpha.
        r = await http.patch(path, json={"name": "Beta Nieuw", "slug": "alpha"})
        assert r.status_code == 422
        assert r.json()["data"]["codes"] == {"slug": "slug_taken"}
        assert r.json()["data"]["fields"]["slug"].startswith("Deze korte naam is al in gebruik")
        r = await http.post("/api/v1/businesses", json={"name": "Dubbel", "slug": "beta"})
        assert r.json()["data"]["codes"] == {"slug": "slug_taken"}
        # null is not "leave as it is": it is refused, by name.
        r = await http.patch(path, json={"name": None})
        assert r.json()["data"]["codes"] == {"name": "null_not_allowed"}
        assert (await http.get(path)).json() == before
        assert await audit_of(http, world.b.business_id) == []


async def test_an_update_changes_only_what_it_names_and_is_audited(
    admin: str, login_as: LoginAs, world: World
) -> None:
    path = f"/api/v1/businesses/{world.a.business_id}"
    guidelines = {"tone": "Zakelijk", "sections": [{"title": "Retour", "body": "30 dagen"}]}
    async with await login_as(admin) as http:
        before = (await http.get(path)).json()
        r = await http.patch(
            path,
            json={"name": "Alpha Groep", "guidelines": guidelines, "timezone": "Europe/Lisbon"},
        )
        assert r.status_code == 200, r.text
        after = r.json()
        assert (await http.get(path)).json() == after
        audit = (
            await http.get("/api/v1/audit", params={"business_id": world.a.business_id})
        ).json()
    assert after["slug"] == before["slug"] and after["language"] == before["language"]
    assert after["name"] == "Alpha Groep" and after["guidelines"]["tone"] == "Zakelijk"
    assert after["guidelines"]["sections"] == [{"title": "Retour", "body": "30 dagen"}]
    # The hours were in the old zone, so they move with the business (local times stay).
    assert after["opening_hours"]["timezone"] == "Europe/Lisbon"
    assert after["opening_hours"]["weekly"] == before["opening_hours"]["weekly"]
    by_entity = {e["entity"]: e for e in audit}
    business = by_entity["business"]
    assert business["action"] == "update" and business["actor"]["name"] == "Admin"
    assert set(business["before"]) == {"name", "guidelines", "timezone"}
    assert business["before"]["name"] == "Alpha BV" and business["after"]["name"] == "Alpha Groep"
    assert business["before"]["timezone"] == "Europe/Amsterdam"
    hours = by_entity["opening_hours"]
    assert hours["before"]["opening_hours"]["timezone"] == "Europe/Amsterdam"
    assert hours["after"]["opening_hours"]["timezone"] == "Europe/Lisbon"


async def _session(server: LiveServer, key: str, origin: str, **headers: str) -> httpx.Response:
    async with server.http() as http:
        return await http.post(
            f"/api/v1/widget/{key}/session", headers={"origin": origin, **headers}
        )


async def test_a_deactivated_business_refuses_new_chats_until_it_is_active_again(
    admin: str, login_as: LoginAs, server: LiveServer, world: World
) -> None:
    token = await visitor_token(server, world.a.widget_key, ORIGIN_A)  # taken while still active
    async with await login_as(admin) as http:
        r = await http.post(f"/api/v1/businesses/{world.a.business_id}/deactivate")
        assert r.status_code == 200 and r.json()["is_active"] is False

        refused = await _session(server, world.a.widget_key, ORIGIN_A)
        assert refused.status_code == 409
        assert refused.json()["code"] == "business_inactive"
        assert refused.json()["message"].startswith("Deze chat is op dit moment niet beschikbaar")
        assert refused.headers["access-control-allow-origin"] == ORIGIN_A  # readable by the page
        async with server.http(headers={"origin": ORIGIN_A}) as page:
            config = (await page.get(f"/api/v1/widget/{world.a.widget_key}/config")).json()
            availability = await page.get(f"/api/v1/widget/{world.a.widget_key}/availability")
        assert config["active"] is False and config["message"] == refused.json()["message"]
        assert availability.json()["open"] is False
        assert availability.json()["reason"] == "inactive"
        visitor = await connect_visitor(server, token, ORIGIN_A)
        try:
            await visitor.send(type="start", language="en")
            error = await visitor.wait_type("error")
            assert error["code"] == "business_inactive"
            assert error["message"].startswith("This chat is not available")
        finally:
            await visitor.close()
        # The other business goes on as before.
        assert (await _session(server, world.b.widget_key, ORIGIN_B)).status_code == 200

        r = await http.post(f"/api/v1/businesses/{world.a.business_id}/activate")
        assert r.json()["is_active"] is True and r.json()["widget_count"] == 1
        audit = (
            await http.get("/api/v1/audit", params={"business_id": world.a.business_id})
        ).json()
    assert [(e["action"], e["before"], e["after"]) for e in audit] == [
        ("activate", {"is_active": False}, {"is_active": True}),
        ("deactivate", {"is_active": True}, {"is_active": False}),
    ]
    assert (await _session(server, world.a.widget_key, ORIGIN_A)).status_code == 200
    visitor = await connect_visitor(server, token, ORIGIN_A)
    try:
        await visitor.send(type="start", language="nl")
        started = await visitor.wait_type("conversation")
        assert started["state"] == "queued"
    finally:
        await visitor.close()


async def test_unknown_businesses_are_404_for_admins_too(admin: str, login_as: LoginAs) -> None:
    async with await login_as(admin) as http:
        for method, path in (
            ("GET", "/api/v1/businesses/nope"),
            ("PATCH", "/api/v1/businesses/nope"),
            ("POST", "/api/v1/businesses/nope/deactivate"),
        ):
            r = await http.request(method, path, json={} if method == "PATCH" else None)
            assert (r.status_code, r.json()["code"]) == (404, "not_found"), (method, path)
