"""The portal's FAQ pages in Chromium: a shop owner searches, writes and edits entries, goes
back to an earlier version, decides an operator's proposal with the chat it came from beside it,
and checks and imports a file. Every page passes axe without serious or critical findings."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from axe_helper import assert_accessible

from livedesk.settings import Settings
from portal.portal_helpers import Chat, go, h1, open_portal, seed_chats, settled

from livedesk_testing import LiveServer, World, login

pytestmark = pytest.mark.browser


async def save(page: Any, button: str, expect: str = "Opgeslagen") -> None:
    await page.evaluate("document.querySelector('#status').textContent = ''")
    await page.click(button)
    await page.wait_for_function(
        "(want) => document.querySelector('#status')?.textContent === want", arg=expect
    )


async def test_a_shop_owner_writes_edits_and_restores_faq_entries(
    server: LiveServer, world: World, browser: Any
) -> None:
    context, page = await open_portal(browser, server, world.a.business_user)
    assert await go(page, "FAQ") == "FAQ"
    assert await page.locator("#faq-empty").inner_text() == "Uw FAQ is nog leeg."
    await assert_accessible(page, "the empty FAQ")
    await page.click("#new-faq")
    assert await h1(page) == "Nieuwe vraag"
    await page.click("#faq-form button[type=submit]")  # nothing filled in
    assert await page.locator("#faq-question-err").inner_text() == "Vul dit in."
    await page.fill("#faq-question", "Wat kost verzending?")
    await page.fill("#faq-alternatives", "Verzendkosten\nHoe duur is bezorgen?")
    await page.fill("#faq-answer", "Verzending kost € 4,95; boven € 50 gratis.")
    await page.fill("#faq-tags", "verzending, kosten")
    await assert_accessible(page, "the new FAQ entry form")
    await page.click("#faq-form button[type=submit]")
    await page.wait_for_function("() => document.title.startsWith('FAQ: Wat kost')")
    assert await h1(page) == "FAQ: Wat kost verzending?"
    await page.fill("#faq-answer", "Verzending kost € 5,95.")
    await save(page, "#faq-form button[type=submit]")
    await page.wait_for_function(
        "() => document.querySelectorAll('#faq-revisions tbody tr').length === 2"
    )
    assert await page.locator("#faq-answer").input_value() == "Verzending kost € 5,95."
    await page.fill("#faq-answer", "<b>vet</b>")  # HTML is refused, named beside the answer
    await page.click("#faq-form button[type=submit]")
    await page.wait_for_selector("#faq-answer[aria-invalid=true]")
    assert "geen HTML" in await page.locator("#faq-answer-err").inner_text()
    assert await page.locator("#faq-answer").input_value() == "<b>vet</b>"  # kept as typed
    await assert_accessible(page, "an FAQ entry with its versions")

    await page.get_by_role("button", name="Versie 1 terugzetten").click()
    await page.locator("dialog.confirm [data-confirm]").click()
    await page.wait_for_function(
        "() => document.querySelectorAll('#faq-revisions tbody tr').length === 3"
    )
    assert await page.locator("#faq-answer").input_value() == (
        "Verzending kost € 4,95; boven € 50 gratis."
    )
    await page.click("text=Terug naar de FAQ")
    await settled(page)
    await assert_accessible(page, "the FAQ list")
    await page.fill("#faq-search", "bezorgen")  # an alternative question matches too
    assert await page.locator("#faq-entries tbody tr").count() == 1
    await page.fill("#faq-search", "retour")
    assert await page.locator("#faq-empty").inner_text() == "Geen vragen met deze woorden."
    assert page.js_errors == []
    await context.close()


async def test_an_operators_proposal_is_decided_with_the_chat_it_came_from(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    (cid,) = await seed_chats(
        settings,
        world.a,
        Chat(
            messages=[
                ("visitor", "Kan ik mijn bestelling ophalen in de winkel?"),
                ("operator", "Ja, vanaf de volgende werkdag na 12:00."),
            ]
        ),
    )
    async with server.http(cookies={"livedesk_session": await login(server, "op-alpha")}) as op:
        r = await op.post(
            f"/api/v1/conversations/{cid}/faq-proposals", json={"visitor_seq": 1, "operator_seq": 2}
        )
        assert r.status_code == 201, r.text
    context, page = await open_portal(browser, server, world.a.business_user)
    await page.wait_for_selector("nav.side-nav [data-count='faq_proposals']:not([hidden])")
    await go(page, "FAQ")
    await page.get_by_role("link", name="Voorstellen (1)").click()
    assert await h1(page) == "Voorstellen voor de FAQ"
    proposal = page.locator("article.proposal")
    excerpt = await proposal.locator(".from-chat .msg-body").all_inner_texts()
    assert excerpt == [
        "Kan ik mijn bestelling ophalen in de winkel?",
        "Ja, vanaf de volgende werkdag na 12:00.",
    ]
    await assert_accessible(page, "the FAQ proposals")
    await proposal.get_by_label("Antwoord").fill("Ja: vanaf de volgende werkdag, na 12:00 uur.")
    await proposal.get_by_role("button", name="Goedkeuren").click()
    await page.wait_for_selector("#no-proposals")
    await go(page, "FAQ")
    await page.get_by_role("link", name="Kan ik mijn bestelling ophalen in de winkel?").click()
    assert await page.locator("#faq-answer").input_value() == (
        "Ja: vanaf de volgende werkdag, na 12:00 uur."
    )
    assert page.js_errors == []
    await context.close()


async def test_the_faq_is_checked_and_imported_from_a_file_and_downloaded(
    server: LiveServer, world: World, browser: Any, tmp_path: Path
) -> None:
    good = tmp_path / "faq.csv"
    good.write_text("question,answer,tags\nZijn jullie open op zondag?,Nee.,open\n", "utf-8")
    bad = tmp_path / "fout.csv"
    bad.write_text("question,answer\nLeeg antwoord?,\n", "utf-8")
    context, page = await open_portal(browser, server, world.a.business_user, "/portal/faq/bestand")
    assert await h1(page) == "FAQ importeren en exporteren"
    await assert_accessible(page, "the FAQ file page")
    await page.set_input_files("#faq-file", str(bad))
    await page.click("#faq-check")
    await page.wait_for_selector("#import-result .summary")
    assert "Regel 2" in await page.locator("#import-result").inner_text()
    assert await page.locator("#faq-import").is_disabled()
    await page.set_input_files("#faq-file", str(good))
    await page.click("#faq-check")
    await page.wait_for_selector("#import-result .notice")
    assert "1 nieuw" in await page.locator("#import-result").inner_text()
    await page.click("#faq-import")
    await page.wait_for_selector("#import-result .done")
    async with page.expect_download() as download:
        await page.click("#faq-downloads a[data-format=csv]")
    path = await (await download.value).path()
    assert "Zijn jullie open op zondag?" in await asyncio.to_thread(Path(path).read_text, "utf-8")
    assert page.js_errors == []
    await context.close()
