"""Letting people in: an invitation mailed through the delivery outbox to a real SMTP server,
the link's page and API (once, until it expires), resets, and the CLI fallback."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from typer.testing import CliRunner

from livedesk.accounts.actions import do_issue_password_link
from livedesk.accounts.models import User
from livedesk.cli import cli
from livedesk.db import make_engine, make_sessionmaker, unit_of_work, utcnow
from livedesk.leads.models import OutboxItem
from livedesk.leads.settings import LeadsSettings, SmtpSettings
from livedesk.settings import Settings

from livedesk_testing import PASSWORD, LiveServer, World, free_port, login

LoginAs = Callable[[str | None], Awaitable[httpx.AsyncClient]]  # the fixtures in conftest.py
LINK = re.compile(r"(http://\S+/set-password\?token=(\S+))")
NEW_PASSWORD = "een-lang-wachtwoord"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 OK"

    async def wait(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} of {count} mails arrived"
            await asyncio.sleep(0.02)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
async def server(
    settings: Settings, world: World, mailbox: tuple[Mailbox, int]
) -> AsyncIterator[LiveServer]:
    """Livedesk mailing through the test's SMTP server, its dispatcher polling quickly."""
    live = LiveServer(settings)
    live.app.state.smtp_settings = SmtpSettings(
        host="127.0.0.1", port=mailbox[1], sender="Livedesk <livedesk@provider.example>"
    )
    live.app.state.leads_settings = LeadsSettings(poll_seconds=0.05, stop_grace_seconds=0)
    await live.start()
    try:
        yield live
    finally:
        await live.stop()


async def in_db(settings: Settings, work: Any) -> Any:
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            return await work(session)
    finally:
        await engine.dispose()


async def new_user(http: httpx.AsyncClient, username: str, language: str = "nl") -> str:
    r = await http.post(
        "/api/v1/users",
        json={"username": username, "display_name": "Nina <b>Nieuw</b>", "role": "supervisor",
              "email": f"{username}@provider.example", "language": language},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_an_invitation_arrives_by_mail_and_its_link_works_once(
    server: LiveServer,
    settings: Settings,
    admin: str,
    login_as: LoginAs,
    mailbox: tuple[Mailbox, int],
) -> None:
    box, _ = mailbox
    async with await login_as(admin) as boss:
        nina = await new_user(boss, "nina")
        r = await boss.post(f"/api/v1/users/{nina}/password-link")
        assert r.status_code == 202, r.text
        answer = r.json()
        assert set(answer) == {"kind", "sent_to", "expires_at"}  # never the link itself
        assert (answer["kind"], answer["sent_to"]) == ("invite", "nina@provider.example")
        await box.wait(1)
        audit = (await boss.get("/api/v1/audit", params={"entity_id": nina})).json()
    recipients, mail = box.messages[0]
    assert recipients == ["nina@provider.example"]
    assert mail["Subject"] == "Je account voor Livedesk"
    assert mail.get_content_type() == "text/plain"
    body = mail.get_content()
    assert body.startswith("Hallo Nina <b>Nieuw</b>,")  # typed text stays text
    assert "Je gebruikersnaam is: nina" in body and "verloopt op" in body
    url, token = LINK.search(body).groups()  # type: ignore[union-attr]
    assert url.startswith(server.url + "/set-password?token=")
    # The secret is in the mailbox only: not in the answer, the audit log or the kept outbox row.
    assert token not in r.text and token not in str(audit)
    assert [e["action"] for e in audit] == ["password_link", "create"]
    assert audit[0]["after"]["sent_to"] == "nina@provider.example"

    async def kept_payloads(session: Any) -> list[dict[str, Any]]:
        return list(await session.scalars(select(OutboxItem.payload)))

    for _ in range(100):  # the delivery is recorded just after the server said 250
        if await in_db(settings, kept_payloads) == [{"erased": True}]:
            break
        await asyncio.sleep(0.05)
    assert await in_db(settings, kept_payloads) == [{"erased": True}]

    async with server.http() as anonymous:
        page = await anonymous.get(url)
        assert page.status_code == 200 and "set_password.js" in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        # The link's secret is no login token.
        me = await anonymous.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401
        short = await anonymous.post(
            "/api/v1/auth/password", json={"token": token, "password": "kort"}
        )
        assert short.status_code == 422
        assert short.json()["data"]["fields"] == {
            "password": "Kies een wachtwoord van minstens 10 tekens."
        }
        r = await anonymous.post(
            "/api/v1/auth/password", json={"token": token, "password": NEW_PASSWORD}
        )
        assert r.status_code == 200 and r.json() == {"ok": True, "username": "nina"}
        again = await anonymous.post(
            "/api/v1/auth/password",
            json={"token": token, "password": "nog-een-wachtwoord"},
            headers={"Accept-Language": "en"},
        )
        assert again.status_code == 422
        assert again.json()["data"]["codes"] == {"token": "password_link_invalid"}
        assert again.json()["data"]["fields"]["token"].startswith("This link has expired")
    assert await login(server, "nina", NEW_PASSWORD)


async def test_a_reset_is_english_for_english_users_ends_sessions_and_replaces_older_links(
    server: LiveServer, admin: str, login_as: LoginAs, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    async with await login_as(admin) as boss:
        sam = await new_user(boss, "sam", language="en")
        await boss.post(f"/api/v1/users/{sam}/password-link")
        await box.wait(1)
        first = LINK.search(box.messages[0][1].get_content()).group(2)  # type: ignore[union-attr]
        async with server.http() as anonymous:
            r = await anonymous.post(
                "/api/v1/auth/password", json={"token": first, "password": NEW_PASSWORD}
            )
            assert r.status_code == 200
        old_session = await login(server, "sam", NEW_PASSWORD)
        for _ in range(2):  # the second link replaces the first
            r = await boss.post(f"/api/v1/users/{sam}/password-link")
            assert r.json()["kind"] == "reset"
        await box.wait(3)
    _, mail = box.messages[2]
    assert mail["Subject"] == "A new password for Livedesk"
    assert "your current password keeps working" in mail.get_content()
    older, newer = (LINK.search(m.get_content()).group(2) for _, m in box.messages[1:])  # type: ignore[union-attr]
    async with server.http() as anonymous:
        r = await anonymous.post(
            "/api/v1/auth/password", json={"token": older, "password": "ander-wachtwoord"}
        )
        assert r.json()["data"]["codes"] == {"token": "password_link_invalid"}
        r = await anonymous.post(
            "/api/v1/auth/password", json={"token": newer, "password": "ander-wachtwoord"}
        )
        assert r.status_code == 200
    async with server.http(cookies={"livedesk_session": old_session}) as old:
        assert (await old.get("/api/v1/auth/me")).status_code == 401  # sessions ended
    await login(server, "sam", "ander-wachtwoord")


async def test_no_link_without_an_address_or_for_a_deactivated_user(
    server: LiveServer, settings: Settings, admin: str, login_as: LoginAs
) -> None:
    async with await login_as(admin) as boss:
        r = await boss.post(
            "/api/v1/users",
            json={"username": "zonder", "display_name": "Zonder", "role": "supervisor"},
        )
        r = await boss.post(f"/api/v1/users/{r.json()['id']}/password-link")
        assert (r.status_code, r.json()["code"]) == (422, "email_missing")
        assert r.json()["message"] == "Deze gebruiker heeft geen e-mailadres; vul dat eerst in."
        nina = await new_user(boss, "nina")
        assert (await boss.post(f"/api/v1/users/{nina}/deactivate")).status_code == 200
        r = await boss.post(
            f"/api/v1/users/{nina}/password-link", headers={"Accept-Language": "en"}
        )
        assert (r.status_code, r.json()["message"]) == (409, "This user is deactivated.")

    async def queued(session: Any) -> list[str]:
        return list(await session.scalars(select(OutboxItem.id)))

    assert await in_db(settings, queued) == []  # nothing to mail, nothing half-done


async def test_a_link_expires(
    server: LiveServer, settings: Settings, world: World, admin: str, login_as: LoginAs
) -> None:
    """Issued in the past (the actions take the clock): an invitation after 72 hours, a reset
    after 1 hour."""
    async with await login_as(admin) as boss:
        await new_user(boss, "nina")

    async def issue(username: str, hours_ago: float) -> str:
        async def work(session: Any) -> str:
            user = await session.scalar(select(User).where(User.username == username))
            past = utcnow() - timedelta(hours=hours_ago)
            link = await do_issue_password_link(
                session, None, user, base_url=server.url, sent_to=None, now=past
            )
            return link.url.rsplit("=", 1)[1]

        return await in_db(settings, work)

    async with server.http() as anonymous:
        for username, hours_ago, works in (
            ("nina", 72.1, False),  # invited (no password yet): 72 hours
            (world.a.operator, 1.1, False),  # has a password: a reset, 1 hour
            ("nina", 71.5, True),
        ):
            token = await issue(username, hours_ago)
            r = await anonymous.post(
                "/api/v1/auth/password", json={"token": token, "password": NEW_PASSWORD}
            )
            assert (r.status_code == 200) is works, (username, hours_ago, r.text)


async def test_the_cli_prints_a_link_and_sets_a_password(
    server: LiveServer, settings: Settings, world: World
) -> None:
    runner = CliRunner()
    env = {"LIVEDESK_PUBLIC_URL": server.url}
    db = ["--database-url", settings.database_url]

    async def invoke(args: list[str], **kw: Any) -> Any:
        # The CLI runs its own event loop: in a thread, beside the live server's.
        return await asyncio.to_thread(runner.invoke, cli, args, env=env, **kw)

    printed = await invoke(["user", "password-link", world.a.business_user, *db])
    assert printed.exit_code == 0, printed.output
    url = printed.stdout.strip()
    assert url.startswith(f"{server.url}/set-password?token=")
    async with server.http() as anonymous:
        r = await anonymous.post(
            "/api/v1/auth/password", json={"token": url.rsplit("=", 1)[1], "password": NEW_PASSWORD}
        )
        assert r.status_code == 200
    await login(server, world.a.business_user, NEW_PASSWORD)

    session = await login(server, world.a.operator)
    typed = await invoke(
        ["user", "set-password", world.a.operator, *db], input="nieuw-geheim-1\nnieuw-geheim-1\n"
    )
    assert typed.exit_code == 0 and "password set for op-alpha" in typed.stdout
    await login(server, world.a.operator, "nieuw-geheim-1")
    async with server.http(cookies={"livedesk_session": session}) as old:
        assert (await old.get("/api/v1/auth/me")).status_code == 401  # sessions ended
    short = await invoke(["user", "set-password", world.b.operator, *db], input="kort\nkort\n")
    assert short.exit_code == 2 and "at least 10 characters" in short.output
    await login(server, world.b.operator, PASSWORD)  # unchanged
    nobody = await invoke(["user", "password-link", "niemand", *db])
    assert nobody.exit_code == 2 and "no user 'niemand'" in nobody.output
