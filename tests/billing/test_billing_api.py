"""Billing over HTTP on a real database: a month's usage from conversations made here, the
statement under the contract's price model, the invoicing CSV, the pages, bad input, and who
may read what."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from billing_helpers import Chat, add_chats, add_leads, contract_with

from livedesk.businesses import portable
from livedesk.businesses.portable_export import export_by_slug
from livedesk.businesses.portable_import import ImportOptions, import_text
from livedesk.settings import Settings
from roles_testing import AccessCheck, Expected, LoginAs, RequestFor, get

from livedesk_testing import World

MARCH = "2026-03"
# Europe/Amsterdam: March runs from 2026-02-28 23:00 UTC to 2026-03-31 22:00 UTC (CEST by then).
START, END = datetime(2026, 2, 28, 23, tzinfo=UTC), datetime(2026, 3, 31, 22, tzinfo=UTC)
DAY = datetime(2026, 3, 10, 9, tzinfo=UTC)

ONE_BUSINESS: Expected = {
    "admin": (200, 200),
    "supervisor": (200, 200),
    "operator": (403, 403),
    "business_user": (200, 404),
    "anonymous": (401, 401),
}
PROVIDER_WIDE: Expected = {**ONE_BUSINESS, "business_user": (403, 403)}


def march_of_alpha() -> list[Chat]:
    """Nine chats in March (local time), each kind once, and three just outside it."""
    minutes = timedelta(minutes=1)
    return [
        Chat(DAY, handle=5 * minutes + timedelta(seconds=30)),  # billable; 6 min rounded up
        Chat(DAY, disposition="spam", handle=minutes),
        Chat(DAY, disposition="test", handle=2 * minutes + timedelta(seconds=10)),
        Chat(DAY, state="abandoned", disposition=None, operator_replies=0, wait=None),
        Chat(DAY, state="missed", disposition=None, operator_replies=0, wait=None),
        Chat(
            DAY,
            disposition="no_intent",
            visitor=("Hallo!", "goedemiddag"),
            handle=timedelta(seconds=45),
        ),
        Chat(DAY, disposition=None, operator_replies=0, bot_answers=1, wait=None),  # billable
        Chat(DAY, disposition=None, operator_replies=0, internal_notes=1, handle=minutes),
        Chat(START + timedelta(minutes=30), handle=10 * minutes),  # 1 March 00:30: billable
        Chat(START - timedelta(minutes=30)),  # 28 February 23:30 local
        Chat(END + timedelta(minutes=30)),  # 1 April 00:30 local
    ]


async def seed_march(settings: Any, world: World) -> None:
    await add_chats(settings, world.a, march_of_alpha())
    await add_chats(settings, world.b, [Chat(DAY)] * 4)
    await add_leads(
        settings,
        world.a,
        [
            (DAY, "accepted"),
            (END - timedelta(minutes=30), "accepted"),  # 31 March 23:30 local
            (END + timedelta(minutes=30), "accepted"),  # April
            (DAY, "disputed"),
            (DAY, "rejected"),
            (DAY, "new"),
        ],
    )
    await add_leads(settings, world.b, [(DAY, "accepted")])


async def test_usage_of_a_month_from_its_conversations(
    settings: Any, world: World, admin: str, login_as: LoginAs
) -> None:
    await seed_march(settings, world)
    async with await login_as(admin) as http:
        r = await http.get(
            "/api/v1/billing/usage", params={"business_id": world.a.business_id, "month": MARCH}
        )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "business_id": world.a.business_id,
        "month": MARCH,
        "timezone": "Europe/Amsterdam",
        "chats": 9,
        "billable_chats": 3,
        "excluded": {"spam": 1, "test": 1, "unanswered": 3, "greeting_only": 1},
        "accepted_leads": 2,
        "handled_minutes": "22",  # 6 + 1 + 3 + 1 + 1 + 10, each rounded up
        "covered_hours": "434",  # 09:00–23:00 on 31 days
        "bot_answers": 1,
    }


async def test_rounding_handled_minutes_up_is_a_contract_setting(
    settings: Any, world: World, admin: str, login_as: LoginAs
) -> None:
    await seed_march(settings, world)
    path = f"/api/v1/businesses/{world.a.business_id}/contract"
    terms = {"price": {"kind": "per_chat", "price": 4}, "round_minutes_up": False}
    async with await login_as(admin) as http:
        assert (await http.put(path, json=contract_with(terms))).status_code == 200
        usage = await http.get(
            "/api/v1/billing/usage", params={"business_id": world.a.business_id, "month": MARCH}
        )
    # 5:30 + 1:00 + 2:10 + 0:45 + 10:00 + 1:00 = 20 min 25 s
    assert usage.json()["handled_minutes"] == "20.4167"


async def put_billing(http: Any, business_id: str, billing: dict[str, Any] | None) -> None:
    r = await http.put(f"/api/v1/businesses/{business_id}/contract", json=contract_with(billing))
    assert r.status_code == 200, r.text


async def test_a_statement_under_each_price_model(
    settings: Any, world: World, admin: str, login_as: LoginAs
) -> None:
    """Alpha's March: 3 billable chats, 2 accepted leads, 434 covered hours."""
    await seed_march(settings, world)
    cases: list[tuple[dict[str, Any], list[tuple[str, str, str, str]], str]] = [
        (
            {"kind": "per_hour", "rate": 7.35},
            [("covered_hours", "434", "7.35", "3189.90")],
            "3189.90",
        ),
        (
            {"kind": "per_chat", "price": 4.125},
            [("billable_chats", "3", "4.125", "12.38")],
            "12.38",
        ),
        (
            {"kind": "per_lead", "price": 23.45},
            [("accepted_leads", "2", "23.45", "46.90")],
            "46.90",
        ),
        (
            {"kind": "bundle", "fee": 9.95, "included_chats": 1, "overage_price": 2.995},
            [("bundle_fee", "1", "9.95", "9.95"), ("extra_chats", "2", "2.995", "5.99")],
            "15.94",
        ),
        (
            {"kind": "monthly_fee", "fee": 100, "setup_fee": 50, "contract_months": 3},
            [
                ("monthly_fee", "1", "100.00", "100.00"),
                ("setup_fee_share", "1", "16.6667", "16.67"),
            ],
            "116.67",
        ),
    ]
    path = f"/api/v1/billing/statements/{world.a.business_id}"
    async with await login_as(admin) as http:
        for price, lines, subtotal in cases:
            await put_billing(http, world.a.business_id, {"price": price})
            body = (await http.get(path, params={"month": MARCH})).json()
            got = [(x["item"], x["quantity"], x["unit_price"], x["amount"]) for x in body["lines"]]
            assert got == lines, price["kind"]
            assert body["subtotal"] == body["total"] == subtotal, price["kind"]
            assert body["vat_rate"] is None and body["vat"] == "0.00"
            assert body["price"]["kind"] == price["kind"] and body["usage"]["billable_chats"] == 3


async def test_vat_is_shown_separately_in_dutch_and_english(
    settings: Any, world: World, admin: str, login_as: LoginAs
) -> None:
    await seed_march(settings, world)
    price = {"kind": "per_hour", "rate": 7.35}
    path = f"/api/v1/billing/statements/{world.a.business_id}"
    async with await login_as(admin) as http:
        await put_billing(http, world.a.business_id, {"price": price, "vat_rate": 0.21})
        nl = (await http.get(path, params={"month": MARCH})).json()
        en = (
            await http.get(path, params={"month": MARCH}, headers={"Accept-Language": "en"})
        ).json()
    # 3189.90 × 0.21 = 669.879 → 669.88
    assert (nl["subtotal"], nl["vat_rate"], nl["vat"], nl["total"]) == (
        "3189.90",
        "0.21",
        "669.88",
        "3859.78",
    )
    assert (nl["subtotal_text"], nl["vat_text"], nl["total_text"]) == (
        "€3.189,90",
        "€669,88",
        "€3.859,78",
    )
    assert en["total_text"] == "€3,859.78"
    assert nl["lines"][0]["label"] == "Openingsuren met chatdekking"
    assert en["lines"][0]["label"] == "Opening hours with chat coverage"
    assert nl["price_label"] == "€7,35 per uur" and en["price_label"] == "€7.35 per hour"


async def test_the_invoicing_export_has_a_row_per_business_with_every_figure(
    settings: Any, world: World, admin: str, login_as: LoginAs
) -> None:
    await seed_march(settings, world)
    bundle = {"kind": "bundle", "fee": 595, "included_chats": 2, "overage_price": 4.25}
    async with await login_as(admin) as http:
        await put_billing(http, world.a.business_id, {"price": bundle, "vat_rate": 0.21})
        r = await http.get("/api/v1/billing/statements.csv", params={"month": MARCH})
        listed = (await http.get("/api/v1/billing/statements", params={"month": MARCH})).json()
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="statements-2026-03.csv"' in r.headers["content-disposition"]
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))}
    assert set(rows) == {"alpha", "beta"}
    alpha, beta = rows["alpha"], rows["beta"]
    assert {k: alpha[k] for k in ("chats", "billable_chats", "excluded_unanswered")} == {
        "chats": "9",
        "billable_chats": "3",
        "excluded_unanswered": "3",
    }
    assert (alpha["accepted_leads"], alpha["handled_minutes"], alpha["covered_hours"]) == (
        "2",
        "22.00",
        "434.00",
    )
    assert (alpha["price_model"], alpha["amount_bundle_fee"], alpha["amount_extra_chats"]) == (
        "bundle",
        "595.00",
        "4.25",
    )
    # 599.25 × 0.21 = 125.8425 → 125.84
    assert (alpha["subtotal"], alpha["vat_rate"], alpha["vat"], alpha["total"]) == (
        "599.25",
        "0.21",
        "125.84",
        "725.09",
    )
    assert (beta["chats"], beta["price_model"], beta["total"]) == ("4", "", "0.00")
    assert [s["business_name"] for s in listed["statements"]] == ["Alpha BV", "Beta BV"]
    assert listed["total"] == "725.09"


async def test_pages_show_the_month_and_a_statement(
    settings: Any, world: World, admin: str, login_as: LoginAs
) -> None:
    await seed_march(settings, world)
    bundle = {"kind": "bundle", "fee": 595, "included_chats": 2, "overage_price": 4.25}
    async with await login_as(admin) as http:
        await put_billing(http, world.a.business_id, {"price": bundle, "vat_rate": 0.21})
        month = await http.get("/billing", params={"month": MARCH})
    assert month.status_code == 200 and month.headers["content-type"].startswith("text/html")
    assert "Facturatie: maart 2026" in month.text and "€725,09" in month.text
    assert "/api/v1/billing/statements.csv?month=2026-03" in month.text
    assert f"/billing/{world.a.business_id}?month=2026-03" in month.text
    async with await login_as(world.a.business_user) as http:
        own = await http.get(f"/billing/{world.a.business_id}", params={"month": MARCH})
        english = await http.get(
            f"/billing/{world.a.business_id}", params={"month": MARCH, "lang": "en"}
        )
    assert own.status_code == 200
    for text in ("Overzicht Alpha BV: maart 2026", "Chats boven de bundel", "€4,25", "€125,84"):
        assert text in own.text, text
    assert "Btw (21%)" in own.text and "alleen een begroeting: 1" in own.text
    assert "Statement Alpha BV: March 2026" in english.text and "€725.09" in english.text


async def test_a_business_name_is_text_on_the_pages(
    settings: Any, world: World, admin: str, login_as: LoginAs
) -> None:
    async with await login_as(admin) as http:
        r = await http.patch(
            f"/api/v1/businesses/{world.a.business_id}", json={"name": "<b>Kaas & Co</b>"}
        )
        assert r.status_code == 200, r.text
        page = await http.get(f"/billing/{world.a.business_id}", params={"month": MARCH})
    assert "&lt;b&gt;Kaas &amp; Co&lt;/b&gt;" in page.text and "<b>Kaas" not in page.text


async def test_a_month_that_is_not_one_is_named(
    world: World, admin: str, login_as: LoginAs
) -> None:
    async with await login_as(admin) as http:
        for path, params in (
            ("/api/v1/billing/usage", {"business_id": world.a.business_id, "month": "2026-3"}),
            ("/api/v1/billing/statements", {"month": "maart"}),
            ("/api/v1/billing/statements.csv", {"month": "2026-13"}),
            (f"/api/v1/billing/statements/{world.a.business_id}", {"month": ""}),
        ):
            r = await http.get(path, params=params)
            assert r.status_code == 422, path
            assert r.json()["data"]["fields"] == {"month": "Geef een maand als 2026-03."}, path
        missing = await http.get("/api/v1/billing/statements", headers={"Accept-Language": "en"})
        assert missing.status_code == 422
        assert missing.json()["data"]["fields"] == {"month": "This field is required."}
        page = await http.get("/billing", params={"month": "2026-00"})
        assert page.status_code == 422 and "Geef een maand als 2026-03." in page.text


async def test_bad_billing_terms_are_named_and_the_saved_ones_stay(
    world: World, admin: str, login_as: LoginAs
) -> None:
    good = {"price": {"kind": "per_chat", "price": 4.5}, "vat_rate": 0.21}
    bad = {
        "price": {"kind": "per_chat", "price": 4.12345},
        "vat_rate": 1.5,
        "billable": {"exclude_spam": "soms", "greetings": ["!!"]},
    }
    path = f"/api/v1/businesses/{world.a.business_id}/contract"
    async with await login_as(admin) as http:
        await put_billing(http, world.a.business_id, good)
        dutch = await http.put(path, json=contract_with(bad))
        english = await http.put(path, json=contract_with(bad), headers={"Accept-Language": "en"})
        unknown = await http.put(path, json=contract_with({"price": {"kind": "per_visit"}}))
        stored = (await http.get(path)).json()
    assert dutch.status_code == english.status_code == unknown.status_code == 422
    assert dutch.json()["data"]["codes"] == {
        "billing.price.per_chat.price": "too_many_decimals",
        "billing.vat_rate": "less_than_equal",
        "billing.billable.exclude_spam": "bool_parsing",
        "billing.billable.greetings.0": "greeting_empty",
    }
    nl, en = dutch.json()["data"]["fields"], english.json()["data"]["fields"]
    assert nl["billing.price.per_chat.price"] == "Gebruik hoogstens 4 decimalen."
    assert en["billing.price.per_chat.price"] == "Use at most 4 decimals."
    assert "billing.price" in unknown.json()["data"]["fields"]
    assert stored["billing"]["price"] == {"kind": "per_chat", "price": 4.5, "billable_share": 1.0}
    assert stored["billing"]["vat_rate"] == 0.21


async def test_the_contract_form_keeps_billing_terms_it_does_not_show(
    world: World, admin: str, login_as: LoginAs
) -> None:
    path = f"/api/v1/businesses/{world.a.business_id}/contract"
    terms = {"price": {"kind": "per_lead", "price": 25}}
    async with await login_as(admin) as http:
        await put_billing(http, world.a.business_id, terms)
        await put_billing(http, world.a.business_id, None)  # the back office's form: no billing
        kept = (await http.get(path)).json()
        r = await http.put(path, json={**contract_with(None), "billing": None})
        assert r.status_code == 200, r.text
        removed = (await http.get(path)).json()
        history = (await http.get(f"{path}/history")).json()
    assert kept["billing"]["price"]["kind"] == "per_lead"
    assert "billing" not in removed
    # set, then removed: two changes in the audit log, the first billing-only one is the newest
    assert history[0]["before"]["billing"]["price"]["price"] == 25
    assert history[0]["after"] == {"billing": None}


async def test_every_endpoint_and_page_answers_each_role_as_agreed(
    settings: Any, world: World, access_check: AccessCheck
) -> None:
    feb = datetime(2026, 2, 10, 10, tzinfo=UTC)
    await add_chats(settings, world.a, [Chat(feb)])
    await add_chats(settings, world.b, [Chat(feb)])
    month = "month=2026-03"

    def one(path: str) -> RequestFor:
        return get(lambda t: path.format(id=t.business_id))

    wrong = []
    for path in (
        "/api/v1/billing/usage?business_id={id}&" + month,
        "/api/v1/billing/statements/{id}?" + month,
        "/api/v1/billing/in-house/{id}?months=1&until=2026-02",
        "/billing/{id}?" + month,
    ):
        wrong += await access_check(one(path), ONE_BUSINESS)
    for path in (
        "/api/v1/billing/statements?" + month,
        "/api/v1/billing/statements.csv?" + month,
        "/billing?" + month,
    ):
        wrong += await access_check(one(path), PROVIDER_WIDE)
    assert wrong == []


async def test_unknown_business_is_not_found_for_managers(
    world: World, admin: str, login_as: LoginAs
) -> None:
    async with await login_as(admin) as http:
        for path in (
            "/api/v1/billing/statements/nope?month=2026-03",
            "/api/v1/billing/usage?business_id=nope&month=2026-03",
            "/api/v1/billing/in-house/nope",
            "/billing/nope?month=2026-03",
        ):
            assert (await http.get(path)).status_code == 404, path


async def test_billing_terms_travel_with_a_business_export(
    settings: Settings, world: World, admin: str, login_as: LoginAs
) -> None:
    terms = {"price": {"kind": "per_chat", "price": 4.125}, "vat_rate": 0.21}
    path = f"/api/v1/businesses/{world.a.business_id}/contract"
    async with await login_as(admin) as http:
        await put_billing(http, world.a.business_id, terms)
        document = await export_by_slug(settings, "alpha")
        assert document is not None
        text = portable.write_yaml(document)
        await put_billing(http, world.a.business_id, None)
        assert (await http.put(path, json={**contract_with(None), "billing": None})).is_success
        await import_text(settings, text, "alpha.yaml", ImportOptions(replace=True))
        restored = (await http.get(path)).json()
    assert "billing:" in text and document["contract"]["billing"]["vat_rate"] == 0.21
    assert restored["billing"]["price"]["price"] == 4.125
    without = await export_by_slug(settings, "beta")
    assert without is not None and "billing" not in without["contract"]
