"""Files go with the transcripts they were sent in: the retention purge, a visitor's erasure and
the end of a contract delete their rows and their files."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from attachment_helpers import PDF, files_in, image, open_chat, own_storage, upload_as_visitor
from sqlalchemy import func, select, update

from livedesk.attachments.models import Attachment
from livedesk.businesses.models import Business
from livedesk.conversations.models import Message
from livedesk.db import utcnow
from livedesk.privacy.contract_end import purge_contract
from livedesk.privacy.purge import PrivacySettings, Purger
from livedesk.security.actors import SYSTEM_ACTOR

from livedesk_testing import LiveServer, World, login


@pytest.fixture(autouse=True)
def attachment_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return own_storage(tmp_path, monkeypatch)


async def chat_with_files(server: LiveServer, world: World, words: str) -> tuple[str, list[str]]:
    """A closed chat in which the visitor sent an image and `words`, and the operator a PDF."""
    chat = await open_chat(server, world)
    mine = (await upload_as_visitor(server, world, chat.token, chat.cid, image())).json()
    theirs = await chat.staff.post(
        f"/api/v1/conversations/{chat.cid}/attachments",
        params={"name": "offerte.pdf"},
        content=PDF,
        headers={"content-type": "application/octet-stream"},
    )
    sends = [
        (chat.visitor, "v1", {"attachment_id": mine["id"], "body": mine["name"]}),
        (chat.visitor, "v2", {"body": words}),
        (chat.agent, "o1", {"attachment_id": theirs.json()["id"], "body": "offerte.pdf"}),
    ]
    for socket, cmid, fields in sends:
        await socket.send(type="send", conversation_id=chat.cid, client_msg_id=cmid, **fields)
        await socket.wait_type("ack", client_msg_id=cmid)
    await chat.agent.send(type="close", conversation_id=chat.cid, disposition="answered")
    await chat.visitor.wait_for(lambda f: f.get("state") == "closed")
    await chat.close()
    return chat.cid, [mine["id"], theirs.json()["id"]]


async def attachment_rows(server: LiveServer) -> int:
    async with server.runtime.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(Attachment)) or 0)


async def test_the_retention_purge_deletes_old_files_with_their_messages(
    server: LiveServer, world: World, attachment_dir: Path
) -> None:
    await chat_with_files(server, world, "Hoi")
    assert len(files_in(attachment_dir)) == 3  # the image, its thumbnail, the PDF
    later = utcnow() + timedelta(days=400)  # past the default 12 months
    settings = PrivacySettings(purge_pause_seconds=0)
    run = await Purger(server.runtime, settings, clock=lambda: later).run("cli")
    assert run is not None and run.status == "finished"
    assert files_in(attachment_dir) == []
    assert await attachment_rows(server) == 0
    async with server.runtime.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 0


async def test_a_visitors_erasure_deletes_their_files_and_keeps_the_others(
    server: LiveServer, world: World, admin: str, attachment_dir: Path
) -> None:
    erased_cid, erased_ids = await chat_with_files(server, world, "Mail me: ann@example.nl")
    _, kept_ids = await chat_with_files(server, world, "Tot ziens")
    async with httpx.AsyncClient(  # an erasure compacts the search index: slow on a busy machine
        base_url=server.url, cookies={"livedesk_session": await login(server, admin)}, timeout=60
    ) as http:
        r = await http.post(
            "/api/v1/privacy/subjects/erase",
            json={"email": "ann@example.nl", "business_id": world.a.business_id},
        )
        assert r.status_code == 200, r.text
        assert r.json()["totals"]["attachments"] == 2
        for gone in erased_ids:
            assert (await http.get(f"/api/v1/attachments/{gone}")).status_code == 404
        for kept in kept_ids:
            assert (await http.get(f"/api/v1/attachments/{kept}")).status_code == 200
        history = await http.get(f"/api/v1/conversations/{erased_cid}/messages")
        assert [m.get("attachment") for m in history.json()["items"]] == [None, None, None]
    remaining = {p.name.split(".")[0] for p in files_in(attachment_dir)}
    assert remaining == set(kept_ids)
    assert await attachment_rows(server) == 2


async def test_the_end_of_a_contract_deletes_the_files_of_its_chats(
    server: LiveServer, world: World, attachment_dir: Path
) -> None:
    await chat_with_files(server, world, "Hoi")
    async with server.runtime.transaction() as session:
        await session.execute(
            update(Business).where(Business.id == world.a.business_id).values(is_active=False)
        )
    removed = await purge_contract(server.runtime, SYSTEM_ACTOR, "alpha")
    assert removed["attachments"] == 2
    assert files_in(attachment_dir) == []
    assert await attachment_rows(server) == 0
