"""Files in a chat: what is accepted (sniffed from the bytes, within the limits), the message
that carries one over the socket, who may download it, and how it is served."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from attachment_helpers import (
    HTML,
    PDF,
    SVG,
    files_in,
    image,
    open_chat,
    own_storage,
    upload_as_visitor,
)
from PIL import Image

from livedesk.attachments.sniff import clean_name, sniff

from livedesk_testing import (
    ORIGIN_A,
    ORIGIN_B,
    LiveServer,
    World,
    connect_visitor,
    login,
    visitor_token,
)


@pytest.fixture(autouse=True)
def attachment_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return own_storage(tmp_path, monkeypatch)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (image("PNG"), "image/png"),
        (image("JPEG"), "image/jpeg"),
        (image("GIF"), "image/gif"),
        (image("WEBP"), "image/webp"),
        (PDF, "application/pdf"),
        (SVG, None),
        (HTML, None),
        (b"GIF8", None),
        (b"RIFF\x00\x00\x00\x00WAVE", None),
    ],
)
def test_the_type_comes_from_the_first_bytes(data: bytes, expected: str | None) -> None:
    assert sniff(data[:16]) == expected


def test_names_lose_their_path_and_unsafe_characters_and_end_in_the_real_type() -> None:
    assert clean_name("../../etc/passwd", "application/pdf") == "passwd.pdf"
    assert clean_name('C:\\Users\\a"b<script>.svg', "image/png") == "a_b_script.png"
    assert clean_name("foto vakantie.JPG", "image/jpeg") == "foto vakantie.jpg"
    assert clean_name("", "image/gif") == "bestand.gif"
    assert len(clean_name("x" * 500 + ".png", "image/png")) == 104


async def test_a_visitor_sends_an_image_and_the_operator_gets_it_once(
    server: LiveServer, world: World, attachment_dir: Path
) -> None:
    chat = await open_chat(server, world)
    png = image("PNG", (800, 600))
    # The name and Content-Type claim a PDF: the bytes say PNG, and that is what counts.
    made = await upload_as_visitor(server, world, chat.token, chat.cid, png, name="doc.pdf")
    assert made.status_code == 201, made.text
    assert made.headers["access-control-allow-origin"] == ORIGIN_A
    upload = made.json()
    assert upload["type"] == "image/png" and upload["name"] == "doc.png"
    assert upload["size"] == len(png) and upload["thumbnail"] is True
    stored = attachment_dir / upload["id"][:2] / upload["id"]
    assert stored.read_bytes() == png and stored.stat().st_mode & 0o077 == 0

    frame = {"conversation_id": chat.cid, "client_msg_id": "f1", "attachment_id": upload["id"]}
    await chat.visitor.send(type="send", body="doc.png", after_seq=0, **frame)
    await chat.visitor.send(type="send", body="doc.png", after_seq=0, **frame)  # a retry
    ack = await chat.visitor.wait_type("ack", client_msg_id="f1")
    got = await chat.agent.wait_type("message", client_msg_id="f1")
    reference = {"id": upload["id"], "type": "image/png", "size": len(png)}
    assert got["attachment"] == reference and got["body"] == "doc.png"
    await chat.visitor.wait_for(lambda f: f.get("type") == "ack" and f.get("duplicate") is True)
    assert ack["seq"] == got["seq"]
    history = await chat.staff.get(f"/api/v1/conversations/{chat.cid}/messages")
    files = [m for m in history.json()["items"] if m.get("attachment")]
    assert [m["attachment"] for m in files] == [reference]  # stored once

    whole = await chat.staff.get(f"/api/v1/attachments/{upload['id']}")
    assert whole.status_code == 200 and whole.content == png
    assert whole.headers["content-type"] == "image/png"
    assert whole.headers["content-disposition"].startswith("attachment;")
    assert 'filename="doc.png"' in whole.headers["content-disposition"]
    assert whole.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in whole.headers["content-security-policy"]
    # The visitor's <img> sends its token in the query.
    thumb = await chat.staff.get(
        f"/api/v1/attachments/{upload['id']}/thumbnail", params={"token": chat.token}
    )
    assert thumb.headers["content-type"] == "image/jpeg"
    assert thumb.headers["content-disposition"].startswith("inline;")
    async with server.http() as anonymous:
        thumb = await anonymous.get(
            f"/api/v1/attachments/{upload['id']}/thumbnail", params={"token": chat.token}
        )
    assert thumb.status_code == 200
    with Image.open(io.BytesIO(thumb.content)) as small:
        assert max(small.size) == 320 and small.format == "JPEG"
    await chat.close()


async def test_the_operator_sends_a_pdf_the_visitor_downloads(
    server: LiveServer, world: World
) -> None:
    chat = await open_chat(server, world)
    made = await chat.staff.post(
        f"/api/v1/conversations/{chat.cid}/attachments",
        params={"name": "offerte.pdf"},
        content=PDF,
        headers={"content-type": "application/octet-stream"},
    )
    assert made.status_code == 201, made.text
    upload = made.json()
    assert upload["thumbnail"] is False
    await chat.agent.send(
        type="send",
        conversation_id=chat.cid,
        client_msg_id="o1",
        body="offerte.pdf",
        attachment_id=upload["id"],
    )
    got = await chat.visitor.wait_type("message", client_msg_id="o1")
    assert got["attachment"]["type"] == "application/pdf" and got["body"] == "offerte.pdf"
    async with server.http() as http:
        url = f"/api/v1/attachments/{upload['id']}"
        pdf = await http.get(url, params={"token": chat.token})
        assert pdf.content == PDF and pdf.headers["content-type"] == "application/pdf"
        assert (await http.get(f"{url}/thumbnail", params={"token": chat.token})).status_code == 404
    # A file goes to the visitor, so never in an internal note.
    await chat.agent.send(
        type="send",
        conversation_id=chat.cid,
        client_msg_id="n1",
        body="offerte.pdf",
        internal=True,
        attachment_id=upload["id"],
    )
    assert (await chat.agent.wait_type("error"))["code"] == "attachment_in_note"
    await chat.close()


REFUSED = [
    (SVG, 415, "attachment_type"),
    (HTML, 415, "attachment_type"),
    (b"\x89PNG\r\n\x1a\n" + SVG, 422, "attachment_unreadable"),  # SVG behind a PNG header
    (b"", 422, "attachment_empty"),
    (image("PNG", (1100, 1000), "1"), 422, "attachment_image_too_large"),  # 1.1 megapixels
    (b"\x00" * 5000, 413, "attachment_too_large"),
]


async def test_refused_files_are_explained_in_the_visitors_language_and_nothing_is_kept(
    server: LiveServer, world: World, attachment_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = server.app.state.attachment_settings
    monkeypatch.setattr(settings, "max_bytes", 4096)
    monkeypatch.setattr(settings, "max_image_pixels", 1_000_000)
    chat = await open_chat(server, world)
    for number, (data, status, code) in enumerate(REFUSED):
        dutch = await upload_as_visitor(server, world, chat.token, chat.cid, data, name="x.png")
        english = await upload_as_visitor(
            server, world, chat.token, chat.cid, data, name="x.png", language="en"
        )
        assert (dutch.status_code, dutch.json()["code"]) == (status, code), dutch.text
        assert dutch.headers["access-control-allow-origin"] == ORIGIN_A  # the widget can read it
        assert dutch.json()["message"] != english.json()["message"]
        assert files_in(attachment_dir) == []
        # The chat goes on.
        msg = f"t{number}"
        await chat.visitor.send(
            type="send", conversation_id=chat.cid, client_msg_id=msg, body="Hoi"
        )
        assert (await chat.agent.wait_type("message", client_msg_id=msg))["body"] == "Hoi"
    await chat.close()


async def test_only_the_conversations_own_people_get_a_file(
    server: LiveServer, world: World
) -> None:
    chat = await open_chat(server, world)
    upload = (await upload_as_visitor(server, world, chat.token, chat.cid, image())).json()
    url = f"/api/v1/attachments/{upload['id']}"
    # Another visitor of the same widget: not their conversation, not their file.
    other = await visitor_token(server, world.a.widget_key, ORIGIN_A)
    stranger = await connect_visitor(server, other, ORIGIN_A)
    async with server.http() as http:
        assert (await http.get(url, params={"token": other})).status_code == 404
        assert (await http.get(f"{url}/thumbnail", params={"token": other})).status_code == 404
        assert (await http.get(url)).status_code == 401
        assert (await http.get(url, params={"token": "forged.token"})).status_code == 401
    into = await upload_as_visitor(server, world, other, chat.cid, image())
    assert into.status_code == 404
    # Nor can they send it, even knowing its id.
    await stranger.send(type="hello")
    await stranger.wait_type("welcome")
    await stranger.send(type="start")
    theirs = (await stranger.wait_type("conversation"))["conversation_id"]
    await stranger.send(
        type="send", conversation_id=theirs, client_msg_id="s", body="x", attachment_id=upload["id"]
    )
    assert (await stranger.wait_type("error"))["code"] == "attachment_not_found"
    # A token of business B's widget, sent to A's widget, is no visitor there.
    token_b = await visitor_token(server, world.b.widget_key, ORIGIN_B)
    assert (await upload_as_visitor(server, world, token_b, chat.cid, image())).status_code == 401
    # B's operator does not see A's chats; A's business user sees its transcripts.
    async with server.http(
        cookies={"livedesk_session": await login(server, world.b.operator)}
    ) as b:
        assert (await b.get(url)).status_code == 404
    async with server.http(
        cookies={"livedesk_session": await login(server, world.a.business_user)}
    ) as a_user:
        assert (await a_user.get(url)).status_code == 200
    await stranger.close()
    await chat.close()
