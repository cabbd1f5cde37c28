"""Files for the attachment tests, made here (Pillow draws the images), and the chat they go
into: a visitor of business A with an open conversation, and A's operator who accepted it."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image

from livedesk_testing import (
    ORIGIN_A,
    LiveServer,
    World,
    WsClient,
    connect_agent,
    login,
    visitor_in_chat,
)

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def image(fmt: str = "PNG", size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red" if mode == "RGB" else None).save(out, fmt)
    return out.getvalue()


def own_storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A test's own storage directory (read at the server's start-up): for an autouse fixture."""
    folder = tmp_path / "files"
    monkeypatch.setenv("LIVEDESK_ATTACHMENTS_DIR", str(folder))
    return folder


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@dataclass
class Chat:
    token: str
    visitor: WsClient
    agent: WsClient
    cid: str
    staff: httpx.AsyncClient  # A's operator, logged in

    async def close(self) -> None:
        await self.visitor.close()
        await self.agent.close()
        await self.staff.aclose()


async def open_chat(server: LiveServer, world: World) -> Chat:
    visitor, cid, token = await visitor_in_chat(server, world.a.widget_key, ORIGIN_A)
    secret = await login(server, world.a.operator)
    agent = await connect_agent(server, secret)
    await agent.send(type="hello")
    await agent.wait_type("welcome")
    await agent.send(type="accept", conversation_id=cid)
    await visitor.wait_for(lambda f: f.get("state") == "active")
    staff = server.http(cookies={"livedesk_session": secret})
    return Chat(token, visitor, agent, cid, staff)


async def upload_as_visitor(
    server: LiveServer,
    world: World,
    token: str,
    cid: str,
    data: bytes,
    name: str = "foto.png",
    language: str = "nl",
) -> httpx.Response:
    async with server.http() as http:
        return await http.post(
            f"/api/v1/widget/{world.a.widget_key}/conversations/{cid}/attachments",
            params={"name": name},
            content=data,
            headers={
                "authorization": f"Bearer {token}",
                "content-type": "application/octet-stream",
                "origin": ORIGIN_A,
                "accept-language": language,
            },
        )
