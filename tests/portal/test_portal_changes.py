"""A business proposes guidelines and opening hours: applied at once or after a provider admin's
approval, as the business's portal settings say; every step audited; bad input named by field
without losing what was saved before."""

from __future__ import annotations

from typing import Any

from livedesk.routing.hours import Schedule
from roles_testing import LoginAs

from livedesk_testing import LiveServer, World

REQUESTS = "/api/v1/portal/change-requests"
WEEK: dict[str, Any] = {
    "timezone": "Europe/Amsterdam",
    "weekly": {
        "mon": [["08:30", "12:00"], ["13:00", "17:30"]],
        "tue": [["08:30", "17:30"]],
        "wed": [],
        "thu": [["08:30", "17:30"]],
        "fri": [["08:30", "17:30"]],
        "sat": [["10:00", "14:00"]],
        "sun": [],
    },
    "exceptions": {"2026-12-25": {"label": "Eerste kerstdag", "ranges": []}},
}
GUIDELINES: dict[str, Any] = {
    "tone": "Je-vorm, vriendelijk",
    "never_promise": "Levering op zaterdag",
    "escalation": "Bel de winkel",
    "contacts": [
        {"name": "Piet", "role": "Eigenaar", "phone": "0201234567", "email": "", "when": ""}
    ],
    "sections": [{"title": "Retouren", "body": "Binnen 30 dagen."}],
}


async def audit(http, business_id: str, entity: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    r = await http.get("/api/v1/audit", params={"business_id": business_id, "entity": entity})
    assert r.status_code == 200, r.text
    return list(r.json())


async def test_with_approval_the_change_waits_for_an_admin_and_is_audited_both_ways(
    admin: str, login_as: LoginAs, server: LiveServer, world: World
) -> None:
    a = world.a.business_id
    async with await login_as(world.a.business_user) as user, await login_as(admin) as boss:
        before = (await boss.get(f"/api/v1/businesses/{a}")).json()["opening_hours"]
        r = await user.post(
            REQUESTS,
            json={"kind": "opening_hours", "opening_hours": WEEK, "note": "Woensdag dicht"},
        )
        assert r.status_code == 201, r.text
        proposal = r.json()
        assert proposal["status"] == "pending" and proposal["proposed"] == WEEK
        assert proposal["previous"]["weekly"]["wed"] == [["09:00", "23:00"]]
        assert (await boss.get(f"/api/v1/businesses/{a}")).json()["opening_hours"] == before

        waiting = (await boss.get(REQUESTS, params={"status": "pending"})).json()
        assert [(p["id"], p["business_name"]) for p in waiting] == [(proposal["id"], "Alpha BV")]
        assert (await user.get("/api/v1/portal/counts")).json()["change_requests"] == 1

        r = await boss.post(f"{REQUESTS}/{proposal['id']}/approve", json={"note": "Prima"})
        assert r.status_code == 200, r.text
        decided = r.json()
        assert decided["status"] == "approved"
        assert decided["decided_by"]["name"] == "Admin"
        stored = (await boss.get(f"/api/v1/businesses/{a}")).json()["opening_hours"]
        schedule = Schedule.from_dict(stored)
        assert stored["weekly"]["wed"] == [] and schedule.exception_labels
        again = await boss.post(f"{REQUESTS}/{proposal['id']}/approve", json={})
        assert again.status_code == 409 and again.json()["code"] == "change_request_decided"

        hours_log = await audit(boss, a, "opening_hours")
        assert hours_log[0]["actor"]["name"] == "Admin"
        assert hours_log[0]["after"]["opening_hours"]["weekly"]["wed"] == []
        request_log = await audit(boss, a, "change_request")
        assert [(e["action"], e["actor"]["name"]) for e in request_log] == [
            ("update", "Admin"),
            ("create", "user-alpha"),
        ]
        assert request_log[0]["after"] == {"status": "approved", "decided_by": "Admin"}
        assert request_log[1]["after"]["note"] == "Woensdag dicht"
        mine = (await user.get(REQUESTS)).json()
        assert [(p["status"], p["decision_note"]) for p in mine] == [("approved", "Prima")]


async def test_without_approval_the_change_applies_at_once_as_the_business_users_own(
    admin: str, login_as: LoginAs, server: LiveServer, world: World
) -> None:
    a = world.a.business_id
    async with await login_as(world.a.business_user) as user, await login_as(admin) as boss:
        r = await boss.put(
            f"/api/v1/businesses/{a}/portal-settings", json={"changes_need_approval": False}
        )
        assert r.json() == {
            "business_id": a,
            "changes_need_approval": False,
            "experts_may_join": False,
        }
        (entry,) = await audit(boss, a, "portal_settings")
        assert entry["before"] == {"changes_need_approval": True}
        assert entry["after"] == {"changes_need_approval": False}

        r = await user.post(REQUESTS, json={"kind": "guidelines", "guidelines": GUIDELINES})
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "applied"
        business = (await boss.get(f"/api/v1/businesses/{a}")).json()
        assert business["guidelines"] == GUIDELINES
        (change,) = await audit(boss, a, "business")
        assert change["actor"]["name"] == "user-alpha"
        assert change["after"]["guidelines"]["tone"] == "Je-vorm, vriendelijk"
        assert (await boss.get(REQUESTS, params={"status": "pending"})).json() == []
        config = (await user.get("/api/v1/portal/configuration")).json()
        assert config["settings"]["changes_need_approval"] is False
        assert config["guidelines"] == GUIDELINES


async def test_a_rejected_proposal_changes_nothing_and_a_newer_one_replaces_a_pending_one(
    admin: str, login_as: LoginAs, server: LiveServer, world: World
) -> None:
    a = world.a.business_id
    async with await login_as(world.a.business_user) as user, await login_as(admin) as boss:
        first = (
            await user.post(REQUESTS, json={"kind": "guidelines", "guidelines": {"tone": "Kort"}})
        ).json()
        second = (
            await user.post(REQUESTS, json={"kind": "guidelines", "guidelines": {"tone": "Lang"}})
        ).json()
        statuses = {p["id"]: p["status"] for p in (await user.get(REQUESTS)).json()}
        assert statuses == {first["id"]: "superseded", second["id"]: "pending"}
        gone = await boss.post(f"{REQUESTS}/{first['id']}/approve", json={})
        assert gone.status_code == 409
        r = await boss.post(f"{REQUESTS}/{second['id']}/reject", json={"note": "Te lang"})
        assert r.json()["status"] == "rejected"
        assert (await boss.get(f"/api/v1/businesses/{a}")).json()["guidelines"]["tone"] == (
            "alpha tone"
        )
        assert (await user.get(f"{REQUESTS}/{second['id']}")).json()["decision_note"] == "Te lang"


async def test_bad_proposals_name_the_field_and_lose_nothing_saved(
    admin: str, login_as: LoginAs, server: LiveServer, world: World
) -> None:
    nl = {"accept-language": "nl"}
    async with await login_as(world.a.business_user) as user, await login_as(admin) as boss:
        pending = (
            await user.post(REQUESTS, json={"kind": "opening_hours", "opening_hours": WEEK})
        ).json()
        overlap = {
            **WEEK,
            "weekly": {**WEEK["weekly"], "mon": [["08:00", "12:00"], ["11:00", "13:00"]]},
        }
        r = await user.post(
            REQUESTS, json={"kind": "opening_hours", "opening_hours": overlap}, headers=nl
        )
        assert r.status_code == 422
        assert r.json()["data"]["fields"] == {
            "opening_hours.weekly.mon.1": "Dit blok overlapt met een ander blok op dezelfde dag."
        }
        typo = {**WEEK, "weekly": {**WEEK["weekly"], "monday": []}}
        r = await user.post(REQUESTS, json={"kind": "opening_hours", "opening_hours": typo})
        assert r.json()["data"]["codes"] == {"opening_hours.weekly.monday": "extra_forbidden"}
        bad_mail = {"contacts": [{"name": "Piet", "email": "piet-at-winkel"}]}
        r = await user.post(REQUESTS, json={"kind": "guidelines", "guidelines": bad_mail})
        assert r.json()["data"]["codes"] == {"guidelines.contacts.0.email": "email_invalid"}
        r = await user.post(REQUESTS, json={"kind": "guidelines"}, headers=nl)
        assert r.json()["data"]["fields"] == {"guidelines": "Dit veld is verplicht."}
        # The earlier proposal still waits, nothing else was stored, the hours are as they were.
        mine = (await user.get(REQUESTS)).json()
        assert [(p["id"], p["status"]) for p in mine] == [(pending["id"], "pending")]
        hours = (await boss.get(f"/api/v1/businesses/{world.a.business_id}")).json()
        assert hours["opening_hours"]["weekly"]["wed"] == [["09:00", "23:00"]]


async def test_bad_settings_name_the_field_and_keep_the_settings(
    admin: str, login_as: LoginAs, server: LiveServer, world: World
) -> None:
    path = f"/api/v1/businesses/{world.a.business_id}/portal-settings"
    async with await login_as(admin) as boss:
        assert (await boss.put(path, json={"experts_may_join": True})).status_code == 200
        for body, code in (
            ({"experts_may_join": None}, "null_not_allowed"),
            ({"changes_need_approval": "soms"}, "bool_parsing"),
            ({"expert_may_join": False}, "extra_forbidden"),
        ):
            r = await boss.put(path, json=body)
            assert r.status_code == 422
            assert r.json()["data"]["codes"] == {next(iter(body)): code}
        assert (await boss.get(path)).json() == {
            "business_id": world.a.business_id,
            "changes_need_approval": True,
            "experts_may_join": True,
        }
