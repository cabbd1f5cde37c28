"""Widgets in the back office: who may do what, validated origins and forms, the embed snippet,
changes reaching the next visitor at once, and switching one widget off."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy import update

from livedesk.businesses.models import Widget
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.settings import Settings

from livedesk_testing import ORIGIN_A, LiveServer, World, connect_visitor, visitor_token

LoginAs = Callable[[str | None], Awaitable[httpx.AsyncClient]]  # the fixtures in conftest.py
AccessCheck = Callable[..., Awaitable[list[str]]]

ADMIN_WRITE = {
    "admin": (200, 200),
    "supervisor": (403, 403),
    "operator": (403, 403),
    "business_user": (403, 403),
    "anonymous": (401, 401),
}
MANAGER_READ = {
    **ADMIN_WRITE,
    "supervisor": (200, 200),
}
FULL_WIDGET: dict[str, Any] = {
    "name": "Webshop",
    "allowed_origins": [
        "HTTPS://Shop.Alpha.Example:443/",
        "http://localhost:8080",
        "https://bücher.example",
        "https://shop.alpha.example",  # the first one again, once normalised
    ],
    "language": "auto",
    "look": {
        "accent_color": "#AA3300",
        "position": "left",
        "launcher_text": "Vraag het ons",
        "greeting": "Hallo! Waarmee kunnen we helpen?",
        "logo_url": "https://shop.alpha.example/logo.png",
    },
    "prechat": {
        "fields": [
            {"name": "name", "label_nl": "Je naam", "label_en": "Your name", "required": True},
            {"name": "email", "label_nl": "E-mail", "label_en": "E-mail", "required": False},
        ]
    },
    "privacy": {"text": "We bewaren dit gesprek 30 dagen.", "url": "https://alpha.example/p"},
    "offline_form": {
        "fields": [{"name": "phone", "label_nl": "Telefoon", "label_en": "Phone", "required": True}]
    },
}


async def test_widget_endpoints_answer_each_role_as_agreed(
    access_check: AccessCheck, world: World
) -> None:
    def widgets(t: Any) -> str:
        return f"/api/v1/businesses/{t.business_id}/widgets"

    def widget(t: Any) -> str:
        return f"/api/v1/widgets/{t.widget_id}"

    wrong = await access_check(lambda t: ("GET", widgets(t), None), MANAGER_READ)
    created = {**ADMIN_WRITE, "admin": (201, 201)}
    wrong += await access_check(lambda t: ("POST", widgets(t), {"name": "Extra"}), created)
    wrong += await access_check(lambda t: ("GET", widget(t), None), MANAGER_READ)
    wrong += await access_check(lambda t: ("PATCH", widget(t), {"name": "Site"}), ADMIN_WRITE)
    wrong += await access_check(lambda t: ("POST", widget(t) + "/deactivate", None), ADMIN_WRITE)
    wrong += await access_check(lambda t: ("POST", widget(t) + "/activate", None), ADMIN_WRITE)
    assert wrong == []


async def test_an_admin_creates_a_widget_with_its_own_key_and_snippet(
    admin: str, login_as: LoginAs, server: LiveServer, world: World
) -> None:
    path = f"/api/v1/businesses/{world.a.business_id}/widgets"
    async with await login_as(admin) as http:
        r = await http.post(path, json=FULL_WIDGET)
        assert r.status_code == 201, r.text
        widget = r.json()
        plain = (await http.post(path, json={"name": "Tweede site"})).json()
        assert (await http.get(f"/api/v1/widgets/{widget['id']}")).json() == widget
        listed = (await http.get(path)).json()
    assert [w["id"] for w in listed] == [world.a.widget_id, widget["id"], plain["id"]]
    assert widget["allowed_origins"] == [
        "https://shop.alpha.example",
        "http://localhost:8080",
        "https://xn--bcher-kva.example",  # what a browser sends as Origin
    ]
    assert widget["language"] == "auto" and plain["language"] == "nl"  # alpha's language
    assert widget["look"]["accent_color"] == "#aa3300"
    for section in ("prechat", "privacy", "offline_form"):
        assert widget[section] == FULL_WIDGET[section]
    assert widget["public_key"] != plain["public_key"]
    assert len(widget["public_key"]) >= 16 and widget["public_key"] != world.a.widget_key
    assert widget["embed_snippet"] == (
        f'<script src="{server.url}/widget.js" data-widget="{widget["public_key"]}" async></script>'
    )
    assert widget["is_active"] is True and widget["business_id"] == world.a.business_id
    # Defaults: an offline form that can reach the visitor.
    assert {f["name"] for f in plain["offline_form"]["fields"]} >= {"email"}


async def test_bad_widget_fields_are_named_and_nothing_saved_is_lost(
    admin: str, login_as: LoginAs, world: World
) -> None:
    bad = {
        "name": "Webshop",
        "allowed_origins": [
            "*",
            "https://alpha.example/contact",
            "ftp://alpha.example",
            "https://piet@alpha.example",
            "https://alpha.example?x=1",
        ],
        "language": "de",
        "look": {"accent_color": "rood", "logo_url": "http://alpha.example/logo.png"},
        "prechat": {"fields": [{"name": "email"}, {"name": "email"}]},
        "privacy": {"url": "javascript:alert(1)"},
        "offline_form": {"fields": [{"name": "name"}, {"name": "question"}]},
    }
    codes = {
        "allowed_origins.0": "origin_wildcard",
        "allowed_origins.1": "origin_invalid",
        "allowed_origins.2": "origin_invalid",
        "allowed_origins.3": "origin_invalid",
        "allowed_origins.4": "origin_invalid",
        "language": "literal_error",
        "look.accent_color": "color_invalid",
        "look.logo_url": "https_url",
        "prechat.fields": "form_field_duplicate",
        "privacy.url": "https_url",
        "offline_form.fields": "offline_contact_required",
    }
    path = f"/api/v1/widgets/{world.a.widget_id}"
    async with await login_as(admin) as http:
        before = (await http.get(path)).json()
        dutch = await http.post(f"/api/v1/businesses/{world.a.business_id}/widgets", json=bad)
        assert dutch.status_code == 422 and dutch.json()["data"]["codes"] == codes
        assert dutch.json()["data"]["fields"]["allowed_origins.0"].startswith("Een * mag hier niet")
        english = await http.patch(path, json=bad, headers={"Accept-Language": "en"})
        assert english.status_code == 422 and english.json()["data"]["codes"] == codes
        assert english.json()["data"]["fields"]["offline_form.fields"].startswith(
            "The offline form must ask for an e-mail address or a phone number"
        )
        r = await http.patch(path, json={"name": "Nieuw", "allowed_origins": ["*"]})
        assert r.json()["data"]["codes"] == {"allowed_origins.0": "origin_wildcard"}
        assert (await http.get(path)).json() == before
        widgets = (await http.get(f"/api/v1/businesses/{world.a.business_id}/widgets")).json()
        assert len(widgets) == 1


async def test_a_change_reaches_the_next_visitor_without_a_restart(
    admin: str, login_as: LoginAs, server: LiveServer, world: World
) -> None:
    shop = "https://shop.alpha.example"
    key = world.a.widget_key
    async with server.http(headers={"origin": shop}) as page:
        assert (await page.post(f"/api/v1/widget/{key}/session")).status_code == 403
    async with await login_as(admin) as http:
        r = await http.patch(
            f"/api/v1/widgets/{world.a.widget_id}",
            json={
                "allowed_origins": [ORIGIN_A, shop],
                "language": "auto",
                "prechat": FULL_WIDGET["prechat"],
                "privacy": {"text": "Wij bewaren niets."},
            },
        )
        assert r.status_code == 200, r.text
        audit = (
            await http.get(
                "/api/v1/audit", params={"business_id": world.a.business_id, "entity": "widget"}
            )
        ).json()
    async with server.http(headers={"origin": shop, "accept-language": "en-US,en"}) as page:
        r = await page.post(f"/api/v1/widget/{key}/session")
        assert r.status_code == 200, r.text
    config = r.json()["config"]
    assert config["language"] == "auto" and config["visitor_language"] == "en"
    assert [f["label"] for f in config["settings"]["prechat"]["fields"]] == ["Your name", "E-mail"]
    assert config["settings"]["prechat"]["gdpr_notice"] == "Wij bewaren niets."
    (entry,) = audit
    assert entry["action"] == "update" and entry["actor"]["name"] == "Admin"
    assert entry["before"]["allowed_origins"] == [ORIGIN_A]
    assert entry["after"]["allowed_origins"] == [ORIGIN_A, shop]
    assert entry["before"]["language"] == "nl" and entry["after"]["language"] == "auto"


async def test_settings_stored_before_the_back_office_still_read(
    admin: str, login_as: LoginAs, settings: Settings, world: World
) -> None:
    legacy = {
        "prechat": {
            "fields": [{"name": "name", "label": "Naam", "required": False}],
            "gdpr_notice": "We bewaren dit gesprek om je vraag te beantwoorden.",
        }
    }
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            await session.execute(
                update(Widget).where(Widget.id == world.a.widget_id).values(settings=legacy)
            )
    finally:
        await engine.dispose()
    async with await login_as(admin) as http:
        widget = (await http.get(f"/api/v1/widgets/{world.a.widget_id}")).json()
    assert widget["prechat"]["fields"] == [
        {"name": "name", "label_nl": "Naam", "label_en": "Naam", "required": False}
    ]
    assert widget["privacy"]["text"] == legacy["prechat"]["gdpr_notice"]
    assert widget["look"]["position"] == "right"


async def test_a_deactivated_widget_refuses_new_chats_and_its_sibling_does_not(
    admin: str, login_as: LoginAs, server: LiveServer, world: World
) -> None:
    token = await visitor_token(server, world.a.widget_key, ORIGIN_A)
    async with await login_as(admin) as http:
        sibling = (
            await http.post(
                f"/api/v1/businesses/{world.a.business_id}/widgets",
                json={"name": "Tweede", "allowed_origins": [ORIGIN_A]},
            )
        ).json()
        r = await http.post(f"/api/v1/widgets/{world.a.widget_id}/deactivate")
        assert r.status_code == 200 and r.json()["is_active"] is False
        async with server.http(headers={"origin": ORIGIN_A}) as page:
            refused = await page.post(f"/api/v1/widget/{world.a.widget_key}/session")
            config = (await page.get(f"/api/v1/widget/{world.a.widget_key}/config")).json()
            other = await page.post(f"/api/v1/widget/{sibling['public_key']}/session")
        assert refused.status_code == 409 and refused.json()["code"] == "widget_inactive"
        assert config["active"] is False and config["message"] == refused.json()["message"]
        assert other.status_code == 200
        visitor = await connect_visitor(server, token, ORIGIN_A)
        try:
            await visitor.send(type="start")
            assert (await visitor.wait_type("error"))["code"] == "widget_inactive"
        finally:
            await visitor.close()
        r = await http.post(f"/api/v1/widgets/{world.a.widget_id}/activate")
        assert r.json()["is_active"] is True
    async with server.http(headers={"origin": ORIGIN_A}) as page:
        assert (await page.post(f"/api/v1/widget/{world.a.widget_key}/session")).status_code == 200


async def test_unknown_widgets_are_404(admin: str, login_as: LoginAs) -> None:
    async with await login_as(admin) as http:
        assert (await http.get("/api/v1/widgets/nope")).status_code == 404
        assert (await http.patch("/api/v1/widgets/nope", json={"name": "x"})).status_code == 404
        r = await http.post("/api/v1/businesses/nope/widgets", json={"name": "x"})
        assert r.status_code == 404
