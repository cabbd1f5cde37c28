"""The visitor-token signing key: `serve` refuses to start without one, the demo generates its
own, and a key can be rotated (the new one signs, the old one is still accepted) without logging
every visitor out."""

from __future__ import annotations

import pytest
import websockets
from typer.testing import CliRunner

from livedesk.cli import cli
from livedesk.security.tokens import InvalidToken, issue_visitor_token, read_visitor_token
from livedesk.settings import Settings

from livedesk_testing import ORIGIN_A, World, connect_visitor, running, visitor_token


def test_several_keys_are_read_in_order_and_blanks_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIVEDESK_SECRET_KEY", raising=False)
    assert Settings(secret_key=" new , old,,").secret_keys == ["new", "old"]
    assert Settings(secret_key="").secret_keys == []
    assert Settings().secret_keys == []


def test_a_token_signed_with_any_listed_key_is_read_and_no_other() -> None:
    old = issue_visitor_token(b"old", "w1", "v1", ttl_seconds=60)
    new = issue_visitor_token(b"new", "w1", "v2", ttl_seconds=60)
    assert read_visitor_token([b"new", b"old"], old).visitor_id == "v1"
    assert read_visitor_token([b"new", b"old"], new).visitor_id == "v2"
    assert read_visitor_token(b"new", new).visitor_id == "v2"
    for keys in ([b"new"], [b"other", b"new"], []):
        with pytest.raises(InvalidToken):
            read_visitor_token(keys, old)


def test_serve_refuses_to_start_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIVEDESK_SECRET_KEY", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--database-url", "sqlite:///unused.db"])
    assert result.exit_code == 2
    assert "LIVEDESK_SECRET_KEY is not set" in result.output
    monkeypatch.setenv("LIVEDESK_SECRET_KEY", " , ")  # only separators: still no key
    assert CliRunner().invoke(cli, ["serve"]).exit_code == 2


async def test_rotation_keeps_visitors_signed_with_the_old_key(
    settings: Settings, world: World
) -> None:
    settings.secret_key = "key-one"
    async with running(settings) as server:
        old_token = await visitor_token(server, world.a.widget_key, ORIGIN_A)
    settings.secret_key = "key-two, key-one"
    async with running(settings) as server:
        visitor = await connect_visitor(server, old_token, ORIGIN_A)
        await visitor.send(type="hello")
        assert (await visitor.wait_type("welcome"))["role"] == "visitor"
        await visitor.close()
        new_token = await visitor_token(server, world.a.widget_key, ORIGIN_A)
        assert read_visitor_token(b"key-two", new_token)  # signed with the first key
        with pytest.raises(InvalidToken):
            read_visitor_token(b"key-one", new_token)
    settings.secret_key = "key-two"  # the old key retired: its tokens stop working
    async with running(settings) as server:
        with pytest.raises(websockets.InvalidStatus) as refused:
            await connect_visitor(server, old_token, ORIGIN_A)
        assert refused.value.response.status_code == 403
        visitor = await connect_visitor(server, new_token, ORIGIN_A)
        await visitor.close()


async def test_the_demo_without_a_key_keeps_one_in_the_database(
    settings: Settings, world: World
) -> None:
    settings.secret_key = None
    async with running(settings) as server:
        token = await visitor_token(server, world.a.widget_key, ORIGIN_A)
        generated = server.runtime.visitor_token_key
    assert len(generated) >= 32
    async with running(settings) as server:  # a restart keeps the key and the visitors
        assert server.runtime.visitor_token_keys == (generated,)
        visitor = await connect_visitor(server, token, ORIGIN_A)
        await visitor.close()
