"""Who may use which portal endpoint: every role on its own business (alpha) and another (beta).

A business user of alpha sees alpha only: beta's transcripts, leads, FAQ and change requests
answer 404, exactly like ids that do not exist. Operators work in the console (403 here)."""

from __future__ import annotations

from typing import Any

from portal_helpers import PORTAL_READ, Chat, seed_chats

from livedesk.settings import Settings
from roles_testing import AccessCheck, Expected, LoginAs

from livedesk_testing import LiveServer, Tenant, World

GUIDELINES = {"tone": "Vriendelijk en kort", "never_promise": "Levertijden"}
HOURS: dict[str, Any] = {
    "weekly": {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "exceptions": {},
}
BUSINESS_ONLY_WRITE: Expected = {
    "admin": (403, 403),
    "supervisor": (403, 403),
    "operator": (403, 403),
    "business_user": (201, 404),
    "anonymous": (401, 401),
}
ADMIN_ONLY: Expected = {
    "admin": (200, 200),
    "supervisor": (403, 403),
    "operator": (403, 403),
    "business_user": (403, 403),
    "anonymous": (401, 401),
}
ANY_VIEWER: Expected = {
    "admin": (200, 200),
    "supervisor": (200, 200),
    "operator": (200, 404),  # op-alpha serves alpha only
    "business_user": (200, 404),
    "anonymous": (401, 401),
}
LOGGED_IN: Expected = {role: (200, 200) for role in PORTAL_READ} | {"anonymous": (401, 401)}


def q(tenant: Tenant) -> str:
    return f"?business_id={tenant.business_id}"


async def test_portal_reads_answer_each_role_as_agreed(
    access_check: AccessCheck, settings: Settings, world: World
) -> None:
    chats = {
        t.business_id: (await seed_chats(settings, t, Chat(messages=[("visitor", "Hallo")])))[0]
        for t in (world.a, world.b)
    }
    wrong = []
    for path in ("today", "counts", "transcripts", "transcripts/export", "configuration"):
        wrong += await access_check(
            lambda t, path=path: ("GET", f"/api/v1/portal/{path}{q(t)}", None), PORTAL_READ
        )
    wrong += await access_check(
        lambda t: ("GET", f"/api/v1/portal/transcripts/export{q(t)}&format=json", None),
        PORTAL_READ,
    )
    wrong += await access_check(
        lambda t: ("GET", f"/api/v1/portal/transcripts/{chats[t.business_id]}", None),
        PORTAL_READ,
    )
    wrong += await access_check(lambda t: ("GET", "/api/v1/portal/features", None), LOGGED_IN)
    assert wrong == []


async def test_change_requests_answer_each_role_as_agreed(
    access_check: AccessCheck, login_as: LoginAs, world: World
) -> None:
    def propose(kind: str, value: dict[str, Any]):  # type: ignore[no-untyped-def]
        return lambda t: (
            "POST",
            "/api/v1/portal/change-requests",
            {"business_id": t.business_id, "kind": kind, kind: value},
        )

    wrong = await access_check(propose("guidelines", GUIDELINES), BUSINESS_ONLY_WRITE)
    # Each business proposes hours of its own, to approve and to reject below.
    pending: dict[str, dict[str, str]] = {}
    for tenant in (world.a, world.b):
        async with await login_as(tenant.business_user) as http:
            for kind, value in (("guidelines", GUIDELINES), ("opening_hours", HOURS)):
                r = await http.post(
                    "/api/v1/portal/change-requests", json={"kind": kind, kind: value}
                )
                assert r.status_code == 201, r.text
                assert r.json()["status"] == "pending"
                pending.setdefault(tenant.business_id, {})[kind] = r.json()["id"]

    def one(kind: str, suffix: str = "", method: str = "GET"):  # type: ignore[no-untyped-def]
        return lambda t: (
            method,
            f"/api/v1/portal/change-requests/{pending[t.business_id][kind]}{suffix}",
            None if method == "GET" else {"note": "akkoord"},
        )

    wrong += await access_check(
        lambda t: ("GET", f"/api/v1/portal/change-requests{q(t)}", None), PORTAL_READ
    )
    wrong += await access_check(one("guidelines"), PORTAL_READ)
    wrong += await access_check(one("guidelines", "/approve", "POST"), ADMIN_ONLY)
    wrong += await access_check(one("opening_hours", "/reject", "POST"), ADMIN_ONLY)
    assert wrong == []


async def test_portal_settings_answer_each_role_as_agreed(access_check: AccessCheck) -> None:
    def path(t: Tenant) -> str:
        return f"/api/v1/businesses/{t.business_id}/portal-settings"

    wrong = await access_check(lambda t: ("GET", path(t), None), ANY_VIEWER)
    wrong += await access_check(lambda t: ("PUT", path(t), {"experts_may_join": True}), ADMIN_ONLY)
    assert wrong == []


async def test_a_business_user_of_alpha_gets_404_for_everything_of_beta(
    admin: str, login_as: LoginAs, settings: Settings, server: LiveServer, world: World
) -> None:
    """Transcripts, leads, FAQ and proposals of beta: the same 404 as ids that do not exist."""
    (beta_chat,) = await seed_chats(
        settings, world.b, Chat(messages=[("visitor", "Beta geheim")], lead=True)
    )
    async with await login_as(world.b.business_user) as beta:
        r = await beta.post(
            "/api/v1/portal/change-requests", json={"kind": "guidelines", "guidelines": GUIDELINES}
        )
        beta_request = r.json()["id"]
        beta_lead = (await beta.get("/api/v1/leads")).json()["items"][0]["id"]
        faq = await beta.post(
            f"/api/v1/businesses/{world.b.business_id}/faq",
            json={"question": "Beta vraag?", "answer": "Beta antwoord."},
        )
        beta_faq = faq.json()["faq_id"]
    b = world.b.business_id
    async with await login_as(world.a.business_user) as alpha:
        for path in (
            f"/api/v1/portal/transcripts/{beta_chat}",
            f"/api/v1/portal/transcripts?business_id={b}",
            f"/api/v1/portal/today?business_id={b}",
            f"/api/v1/portal/change-requests/{beta_request}",
            f"/api/v1/portal/change-requests?business_id={b}",
            f"/api/v1/leads/{beta_lead}",
            f"/api/v1/businesses/{b}/faq",
            f"/api/v1/businesses/{b}/faq/{beta_faq}",
            f"/api/v1/businesses/{b}/faq/proposals",
            f"/api/v1/businesses/{b}/portal-settings",
        ):
            r = await alpha.get(path)
            assert r.status_code == 404, (path, r.status_code)
        # Without business_id, a business user gets their own business, never another.
        own = (await alpha.get("/api/v1/portal/transcripts")).json()
        assert own["total"] == 0
        assert (await alpha.get("/api/v1/leads")).json()["items"] == []
        assert (await alpha.get("/api/v1/portal/change-requests")).json() == []
        ghost = await alpha.get("/api/v1/portal/transcripts/" + "0" * 32)
        assert ghost.status_code == 404
        assert ghost.json()["code"] == "transcript_not_found"


async def test_provider_managers_must_name_the_business(
    admin: str, login_as: LoginAs, server: LiveServer
) -> None:
    async with await login_as(admin) as http:
        r = await http.get("/api/v1/portal/today", headers={"accept-language": "en"})
    assert r.status_code == 422
    assert r.json()["data"]["fields"] == {"business_id": "Choose a business."}


async def test_the_portal_page_is_served_under_every_path(server: LiveServer) -> None:
    async with server.http() as http:
        for path in ("/portal", "/portal/", "/portal/gesprekken/abc", "/portal/faq/voorstellen"):
            r = await http.get(path)
            assert r.status_code == 200, path
            assert '<script type="module" src="/static/portal/app.js">' in r.text
            assert r.headers["x-frame-options"] == "DENY"
