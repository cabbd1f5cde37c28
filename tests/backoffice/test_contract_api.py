"""The contract in the back office: who may read and change it, limits per field in the user's
language, routing reading the new values, and the history of who changed what."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from livedesk_testing import ORIGIN_A, LiveServer, World, open_around_the_clock

LoginAs = Callable[[str | None], Awaitable[httpx.AsyncClient]]  # the fixtures in conftest.py
AccessCheck = Callable[..., Awaitable[list[str]]]

ADMIN_WRITE = {
    "admin": (200, 200),
    "supervisor": (403, 403),
    "operator": (403, 403),
    "business_user": (403, 403),
    "anonymous": (401, 401),
}
MANAGER_READ = {**ADMIN_WRITE, "supervisor": (200, 200)}
CONTRACT: dict[str, Any] = {
    "first_reply_seconds": 20,
    "first_reply_share": 0.9,
    "max_queue_wait_seconds": 90,
    "outside_hours": "bot_then_form",
    "overflow": "bot",
    "priority": 3,
}


def contract_path(business_id: str, suffix: str = "") -> str:
    return f"/api/v1/businesses/{business_id}/contract{suffix}"


async def test_contract_endpoints_answer_each_role_as_agreed(access_check: AccessCheck) -> None:
    wrong = await access_check(lambda t: ("GET", contract_path(t.business_id), None), MANAGER_READ)
    wrong += await access_check(
        lambda t: ("PUT", contract_path(t.business_id), CONTRACT), ADMIN_WRITE
    )
    wrong += await access_check(
        lambda t: ("GET", contract_path(t.business_id, "/history"), None), MANAGER_READ
    )
    assert wrong == []


async def test_a_new_contract_is_what_routing_reads_next(
    admin: str, login_as: LoginAs, server: LiveServer, world: World
) -> None:
    path = contract_path(world.a.business_id)
    await open_around_the_clock(server, world.a.business_id)  # `overflow`, not `outside_hours`
    async with await login_as(admin) as http:
        assert (await http.get(path)).json() == {
            "first_reply_seconds": 30,
            "first_reply_share": 0.8,
            "max_queue_wait_seconds": 120,
            "outside_hours": "offline_form",  # not stored yet: the default
            "overflow": "offline_form",
            "priority": 0,
        }
        r = await http.put(path, json=CONTRACT)
        assert r.status_code == 200, r.text
        assert r.json() == CONTRACT == (await http.get(path)).json()
        business = (await http.get(f"/api/v1/businesses/{world.a.business_id}")).json()
    assert business["contract"] == CONTRACT  # the form the console and routing read
    async with server.http(headers={"origin": ORIGIN_A}) as page:
        availability = (await page.get(f"/api/v1/widget/{world.a.widget_key}/availability")).json()
    assert availability["overflow_action"] == "bot"


async def test_values_out_of_range_are_named_and_the_contract_stays(
    admin: str, login_as: LoginAs, world: World
) -> None:
    bad = {
        "first_reply_seconds": 4,
        "first_reply_share": 1.5,
        "max_queue_wait_seconds": "lang",
        "outside_hours": "email",
        "priority": 11,
    }
    path = contract_path(world.a.business_id)
    async with await login_as(admin) as http:
        assert (await http.put(path, json=CONTRACT)).status_code == 200
        dutch = await http.put(path, json=bad)
        english = await http.put(path, json=bad, headers={"Accept-Language": "en"})
        assert (await http.get(path)).json() == CONTRACT
        history = (await http.get(contract_path(world.a.business_id, "/history"))).json()
        assert len(history) == 1  # the good PUT only
    assert dutch.status_code == english.status_code == 422
    assert dutch.json()["data"]["codes"] == {
        "first_reply_seconds": "greater_than_equal",
        "first_reply_share": "less_than_equal",
        "max_queue_wait_seconds": "int_parsing",
        "outside_hours": "literal_error",
        "overflow": "missing",  # a PUT names every field: none is reset by omission
        "priority": "less_than_equal",
    }
    nl, en = dutch.json()["data"]["fields"], english.json()["data"]["fields"]
    assert nl["first_reply_seconds"] == "Dit moet minstens 5 zijn."
    assert en["first_reply_seconds"] == "This must be at least 5."
    assert nl["priority"] == "Dit mag hoogstens 10 zijn."
    assert (
        nl["overflow"] == "Dit veld is verplicht." and en["overflow"] == "This field is required."
    )


async def test_the_history_says_who_changed_what_and_when(
    admin: str, login_as: LoginAs, world: World
) -> None:
    async with await login_as(admin) as http:
        r = await http.post("/api/v1/businesses", json={"name": "Kapper Kim", "slug": "kapper-kim"})
        business_id = r.json()["id"]
        path = contract_path(business_id)
        assert (await http.put(path, json=CONTRACT)).status_code == 200
        assert (await http.put(path, json={**CONTRACT, "priority": -2})).status_code == 200
        assert (await http.put(path, json={**CONTRACT, "priority": -2})).status_code == 200
    async with await login_as(world.supervisor) as supervisor:  # supervisors read it too
        history = (await supervisor.get(contract_path(business_id, "/history"))).json()
    assert [(h["action"], h["actor"]["name"]) for h in history] == [
        ("update", "Admin"),
        ("update", "Admin"),
        ("create", "Admin"),  # the unchanged third PUT is not a change
    ]
    assert history[0]["before"] == {"priority": 3} and history[0]["after"] == {"priority": -2}
    assert history[1]["before"]["first_reply_seconds"] == 30
    assert history[1]["after"]["first_reply_seconds"] == 20
    assert history[1]["after"]["outside_hours"] == "bot_then_form"
    assert history[2]["before"] == {} and history[2]["after"]["max_queue_wait_seconds"] == 120
    assert history[0]["at"] >= history[1]["at"] >= history[2]["at"]
