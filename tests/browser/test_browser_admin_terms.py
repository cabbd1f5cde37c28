"""The back office's billing terms, retention periods and form of address in a real browser: a
provider admin sets a per-chat price typed with a Dutch decimal comma and VAT on the contract
page, sees them kept after a reload and stored exactly; a price with too many decimals shows the
Dutch field error beside the price and keeps what was typed; the retention periods and the
form of address are saved and stored. The page passes axe."""

from __future__ import annotations

from typing import Any

import pytest
from admin_helpers import api_get, open_admin, save, settled
from axe_helper import assert_accessible

from livedesk.settings import Settings
from roles_testing import ADMIN, create_admin

from livedesk_testing import LiveServer, World

pytestmark = pytest.mark.browser

PRICE = "[data-path='billing.price.per_chat.price']"
VAT = "[data-path='billing.vat_rate']"


async def test_admin_sets_billing_terms_retention_and_form_of_address(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await create_admin(settings)
    business = world.a.business_id
    context, page = await open_admin(browser, server, ADMIN, f"/admin/klanten/{business}/contract")
    terms = page.get_by_role("group", name="Facturering")
    await terms.get_by_label("Prijsmodel").select_option("per_chat")
    await page.fill(PRICE, "2,95")
    await page.fill(VAT, "21")
    await save(page, "#save-contract")

    await page.reload()
    await settled(page)
    await page.wait_for_selector("#retention-form")
    assert await page.input_value("[data-path='billing.price.kind']") == "per_chat"
    assert await page.input_value(PRICE) == "2,95"
    assert await page.input_value(VAT) == "21"
    history = await page.inner_text("#contract-history")
    assert "Facturering: — → Per chat: Prijs (€) 2,95 · Btw (%) 21" in history
    stored = (await api_get(server, f"/api/v1/businesses/{business}/contract"))["billing"]
    assert stored["price"] == {"kind": "per_chat", "price": 2.95, "billable_share": 1.0}
    assert stored["vat_rate"] == 0.21
    assert stored["billable"]["exclude_spam"] is True and "hallo" in stored["billable"]["greetings"]

    # Five decimals: the Dutch error beside the price; nothing typed is lost, nothing stored.
    await page.fill(PRICE, "2,12345")
    await page.fill(VAT, "9")
    await save(page, "#save-contract", "Niet opgeslagen: controleer de gemarkeerde velden.")
    price_id = await page.get_attribute(PRICE, "id")
    error = page.locator(f"#{price_id}-err")
    assert (await error.inner_text()).strip() == "Gebruik hoogstens 4 decimalen."
    assert await page.get_attribute(PRICE, "aria-invalid") == "true"
    assert await page.input_value(PRICE) == "2,12345"
    assert await page.input_value(VAT) == "9"
    again = await api_get(server, f"/api/v1/businesses/{business}/contract")
    assert again["billing"]["price"]["price"] == 2.95 and again["billing"]["vat_rate"] == 0.21

    retention = page.get_by_role("region", name="Bewaartermijnen")
    await retention.get_by_label("Gesprekken").fill("18")
    await retention.get_by_label("Leads").fill("36")
    await save(page, "#save-retention")
    kept = await api_get(server, f"/api/v1/businesses/{business}/retention")
    assert (kept["transcripts_months"], kept["offline_messages_months"], kept["leads_months"]) == (
        18,
        6,
        36,
    )
    assert kept["is_default"] is False
    await assert_accessible(page, "the contract page with billing terms and retention")

    await page.click("a[data-tab='gegevens']")
    await settled(page)
    address = page.get_by_label("Aanspreekvorm")
    assert await address.locator("option").all_inner_texts() == ["u (formeel)", "je (informeel)"]
    await address.select_option("je")
    await save(page, "form button[type=submit]")
    assert (await api_get(server, f"/api/v1/businesses/{business}"))["form_of_address"] == "je"
    await assert_accessible(page, "the business details with the form of address")
    assert page.js_errors == []
    await context.close()
