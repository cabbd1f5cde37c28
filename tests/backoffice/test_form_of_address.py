"""The form of address ("u" or "je") a business chooses for its visitors: set through the
business API by the provider's admins only, audited, refused with the field named when it is
neither, and passed to the widget with its configuration."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from livedesk_testing import ORIGIN_A, LiveServer, World

LoginAs = Callable[[str | None], Awaitable[httpx.AsyncClient]]  # the fixtures in conftest.py
AccessCheck = Callable[..., Awaitable[list[str]]]
ADMIN_WRITE = {
    "admin": (200, 200),
    "supervisor": (403, 403),
    "operator": (403, 403),
    "business_user": (403, 403),
    "anonymous": (401, 401),
}


async def test_only_provider_admins_change_the_form_of_address(
    access_check: AccessCheck,
) -> None:
    wrong = await access_check(
        lambda t: ("PATCH", f"/api/v1/businesses/{t.business_id}", {"form_of_address": "je"}),
        ADMIN_WRITE,
    )
    assert wrong == []


async def test_u_by_default_je_when_chosen_and_the_widget_is_told(
    admin: str, login_as: LoginAs, server: LiveServer, world: World
) -> None:
    path = f"/api/v1/businesses/{world.a.business_id}"
    config = f"/api/v1/widget/{world.a.widget_key}/config"
    async with await login_as(admin) as http:
        assert (await http.get(path)).json()["form_of_address"] == "u"
        created = await http.post(
            "/api/v1/businesses", json={"name": "Gamma", "slug": "gamma", "form_of_address": "je"}
        )
        assert created.status_code == 201, created.text
        assert created.json()["form_of_address"] == "je"
        r = await http.patch(path, json={"form_of_address": "je"})
        assert r.status_code == 200, r.text
        assert (await http.get(path)).json()["form_of_address"] == "je"
        audit = (
            await http.get(
                "/api/v1/audit", params={"entity": "business", "entity_id": world.a.business_id}
            )
        ).json()
    change = next(item for item in audit if item["action"] == "update")
    assert (change["before"]["form_of_address"], change["after"]["form_of_address"]) == ("u", "je")
    async with server.http(headers={"origin": ORIGIN_A}) as page:
        widget = (await page.get(config)).json()
    assert widget["business"] == {"name": "Alpha BV", "form_of_address": "je"}


async def test_anything_else_is_refused_naming_the_field_and_the_choice_stays(
    admin: str, login_as: LoginAs, world: World
) -> None:
    path = f"/api/v1/businesses/{world.a.business_id}"
    async with await login_as(admin) as http:
        assert (await http.patch(path, json={"form_of_address": "je"})).status_code == 200
        for bad in ("jij", None, 2):
            r = await http.patch(
                path,
                json={"form_of_address": bad, "name": "Kwijt"},
                headers={"accept-language": "nl"},
            )
            assert r.status_code == 422, r.text
            assert list(r.json()["data"]["fields"]) == ["form_of_address"]
        stored = (await http.get(path)).json()
    assert (stored["form_of_address"], stored["name"]) == ("je", "Alpha BV")
