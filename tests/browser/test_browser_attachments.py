"""Files in a chat, in Chromium: the operator sends a PDF the visitor downloads; the visitor
sends an image through a network cut and the operator sees its thumbnail, once; the widget
with files in it passes axe."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from axe_helper import assert_accessible
from PIL import Image
from sqlalchemy import select
from test_browser_chat import (
    ALL_DAY,
    W,
    accept_first_chat,
    db,
    operator_console,
    set_hours,
    visitor_page,
    wait_until_open,
)

from livedesk.conversations.models import Message
from livedesk.settings import Settings

from livedesk_testing import LiveServer, World

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def attachment_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "files"
    monkeypatch.setenv("LIVEDESK_ATTACHMENTS_DIR", str(folder))
    return folder


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


async def files_sent(settings: Settings) -> list[tuple[str, str, str]]:
    async def work(session: Any) -> list[tuple[str, str, str]]:
        rows = await session.scalars(select(Message).where(Message.attachment.is_not(None)))
        return [(m.author_kind, m.body, m.attachment["type"]) for m in rows]

    return list(await db(settings, work))


def read(path: Path | str) -> bytes:
    return Path(path).read_bytes()


async def choose(page: Any, button: str, name: str, mime: str, data: bytes) -> None:
    async with page.expect_file_chooser() as chooser:
        await page.click(button)
    await (await chooser.value).set_files(files=[{"name": name, "mimeType": mime, "buffer": data}])


async def test_browser_files_both_ways_and_through_a_network_cut(
    server: LiveServer, world: World, settings: Settings, browser: Any
) -> None:
    await set_hours(settings, world.a.business_id, ALL_DAY)
    op_ctx, op = await operator_console(browser, server, world.a.operator)
    await wait_until_open(server, world.a.widget_key)
    vis_ctx, vis = await visitor_page(browser, server, world.a.widget_key)
    await vis.click(f"{W} .launcher")
    await vis.fill(f"{W} textarea.input", "Ik stuur zo een foto")
    await vis.keyboard.press("Enter")
    await vis.wait_for_selector(f"{W} li.me[data-state=sent]")
    await accept_first_chat(op)

    # The operator sends a PDF; the visitor sees its name and size and downloads it.
    await choose(op, "#attach", "offerte.pdf", "application/pdf", PDF)
    chip = vis.locator(f"{W} li.them a.file")
    await chip.wait_for()
    assert await chip.inner_text() == "offerte.pdf (1 kB)"
    async with vis.expect_download() as downloading:
        await chip.click()
    download = await downloading.value
    assert download.suggested_filename == "offerte.pdf"
    assert read(await download.path()) == PDF

    # The visitor's network goes while a photo is chosen: it waits, marked as being sent,
    # and goes once the network is back.
    clip = f"{W} .composer button[aria-label='Bestand bijvoegen']"
    await vis_ctx.set_offline(True)
    await vis.wait_for_selector(f"{W} .conn:has-text('offline')")
    await choose(vis, clip, "vakantie.jpg", "image/jpeg", photo())
    pending = vis.locator(f"{W} li.me.pending")
    await pending.wait_for()
    assert "vakantie.jpg" in await pending.inner_text()
    await vis.wait_for_timeout(1000)  # a cut that lasts: nothing reaches the operator
    assert await op.locator(".log a.file img").count() == 0
    await vis_ctx.set_offline(False)

    thumb = op.locator(".log li.them a.file img")
    await thumb.wait_for()
    await op.wait_for_function(
        "() => { const i = document.querySelector('.log li.them a.file img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    assert await thumb.get_attribute("alt") == "vakantie.jpg"
    mine = vis.locator(f"{W} li.me a.file img")
    await mine.wait_for()
    await vis.wait_for_function(
        "() => { const h = document.querySelector('[data-livedesk]').shadowRoot;"
        " const i = h && h.querySelector('li.me a.file img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    assert await op.locator(".log a.file img").count() == 1
    assert await vis.locator(f"{W} li.me a.file").count() == 1
    assert sorted(await files_sent(settings)) == [
        ("operator", "offerte.pdf", "application/pdf"),
        ("visitor", "vakantie.jpg", "image/jpeg"),
    ]
    await assert_accessible(vis, "the widget with a photo and a PDF in the chat", selector=W)
    await vis_ctx.close()
    await op_ctx.close()
