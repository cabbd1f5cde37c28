"""What a visitor, who needs no account, may put on the provider's disk: a bound per
conversation that every process sees (the database), a byte budget per client address that
new conversations do not reset (staff uploads are bound by neither), and uploads never sent
removed once their chat has ended."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from attachment_helpers import PDF, files_in, image, open_chat, own_storage, upload_as_visitor
from sqlalchemy import select

from livedesk.attachments.limits import AddressBudget
from livedesk.attachments.models import Attachment
from livedesk.attachments.sweep import sweep_unsent
from livedesk.db import utcnow

from livedesk_testing import LiveServer, World


@pytest.fixture(autouse=True)
def attachment_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return own_storage(tmp_path, monkeypatch)


async def test_a_conversation_takes_so_many_visitor_files_and_says_so(
    server: LiveServer, world: World, attachment_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = server.app.state.attachment_settings
    monkeypatch.setattr(settings, "visitor_files_per_conversation", 3)
    chat = await open_chat(server, world)
    picture = image()
    for _ in range(3):
        r = await upload_as_visitor(server, world, chat.token, chat.cid, picture)
        assert r.status_code == 201, r.text
    kept = files_in(attachment_dir)
    dutch = await upload_as_visitor(server, world, chat.token, chat.cid, picture)
    english = await upload_as_visitor(server, world, chat.token, chat.cid, picture, language="en")
    assert (dutch.status_code, dutch.json()["code"]) == (409, "attachment_quota")
    assert dutch.json()["message"].startswith("In dit gesprek kunnen geen bestanden meer")
    assert "at most 3 files" in english.json()["message"]
    assert files_in(attachment_dir) == kept  # nothing written for a refused file
    # The operator can still send one.
    r = await chat.staff.post(
        f"/api/v1/conversations/{chat.cid}/attachments",
        params={"name": "a.png"},
        content=picture,
        headers={"content-type": "application/octet-stream"},
    )
    assert r.status_code == 201, r.text

    # Bytes count too: a new conversation, a bound under two pictures' size.
    monkeypatch.setattr(settings, "visitor_files_per_conversation", 20)
    monkeypatch.setattr(settings, "visitor_bytes_per_conversation", len(picture) * 2 - 1)
    other = await open_chat(server, world)
    first = await upload_as_visitor(server, world, other.token, other.cid, picture)
    second = await upload_as_visitor(server, world, other.token, other.cid, picture)
    assert (first.status_code, second.status_code) == (201, 409)
    await chat.close()
    await other.close()


async def test_one_address_has_a_byte_budget_across_conversations(
    server: LiveServer, world: World, attachment_dir: Path
) -> None:
    now = [0.0]
    picture = image()
    # Room for two pictures, refilled at one picture a minute.
    budget = AddressBudget(len(picture) * 60, len(picture) * 2, clock=lambda: now[0])
    server.app.state.upload_budget = budget
    chats = [await open_chat(server, world) for _ in range(2)]
    answers = [
        (await upload_as_visitor(server, world, c.token, c.cid, picture)).status_code
        for c in (chats[0], chats[1], chats[1])
    ]
    assert answers == [201, 201, 429]
    refused = await upload_as_visitor(server, world, chats[0].token, chats[0].cid, picture)
    assert refused.json()["code"] == "attachment_rate"
    assert refused.headers["retry-after"] == "60"
    assert "over 60 seconden" in refused.json()["message"]
    assert len(files_in(attachment_dir)) == 2 * 2  # two files, each with its thumbnail
    now[0] += 60
    again = await upload_as_visitor(server, world, chats[0].token, chats[0].cid, picture)
    assert again.status_code == 201
    for chat in chats:
        await chat.close()


def test_a_refused_take_spends_nothing_and_addresses_are_apart() -> None:
    now = [0.0]
    budget = AddressBudget(36_000.0, 100.0, clock=lambda: now[0])  # 10 bytes a second
    assert budget.take("192.0.2.1", 80) == 0.0
    assert budget.take("192.0.2.1", 30) == pytest.approx(1.0)  # 10 bytes short
    assert budget.take("192.0.2.1", 20) == 0.0  # the refused 30 were not spent
    assert budget.take("192.0.2.2", 100) == 0.0
    assert budget.take("2001:db8::1", 100) == 0.0
    assert budget.take("2001:db8::2", 1) > 0  # the same /64


async def test_uploads_never_sent_go_once_the_chat_has_ended(
    server: LiveServer, world: World, attachment_dir: Path
) -> None:
    """The sent file stays with the transcript; the one never sent goes after the grace, and
    a chat that ended long before the window is not scanned again."""
    chat = await open_chat(server, world)
    sent = (await upload_as_visitor(server, world, chat.token, chat.cid, image())).json()["id"]
    unsent = (await upload_as_visitor(server, world, chat.token, chat.cid, PDF)).json()["id"]
    frame = {"conversation_id": chat.cid, "client_msg_id": "f1", "attachment_id": sent}
    await chat.visitor.send(type="send", body="foto.png", after_seq=0, **frame)
    await chat.agent.wait_type("message", client_msg_id="f1")
    storage = server.app.state.attachment_storage
    now = utcnow()
    assert await sweep_unsent(server.runtime, storage, now + timedelta(hours=1)) == 0  # open

    await chat.agent.send(type="close", conversation_id=chat.cid)
    await chat.visitor.wait_for(lambda f: f.get("state") == "closed")
    # A chat the visitor left before anyone answered ends as abandoned, stamped elsewhere.
    walked_out = await open_chat(server, world)
    await upload_as_visitor(server, world, walked_out.token, walked_out.cid, PDF)
    await walked_out.visitor.send(type="leave", conversation_id=walked_out.cid)
    await walked_out.visitor.wait_for(lambda f: f.get("state") == "abandoned")
    assert await sweep_unsent(server.runtime, storage, now) == 0  # within the grace
    assert await sweep_unsent(server.runtime, storage, now + timedelta(hours=1)) == 2
    async with server.runtime.reading() as session:
        left = list(await session.scalars(select(Attachment.id)))
    assert left == [sent]
    names = {p.name for p in files_in(attachment_dir)}
    assert names == {sent, f"{sent}.thumb"} and unsent not in names
    download = await chat.staff.get(f"/api/v1/attachments/{sent}")
    assert download.status_code == 200
    await chat.close()
    await walked_out.close()
