"""The monthly report: sent on the first of the month in each business's own timezone, to the
business's users with an e-mail address, through the outbox to a real SMTP server (aiosmtpd),
exactly once per business-month with two servers checking at once and after a restart."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from known_month import QUESTION, SCRIPT, a_question_answered_without_the_faq, seed_known_month
from sqlalchemy import select, update

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role, User
from livedesk.businesses.models import Business
from livedesk.db import make_engine, make_sessionmaker, read_only, unit_of_work
from livedesk.leads.settings import LeadsSettings, SmtpSettings
from livedesk.reports.models import MonthlyReportSent
from livedesk.reports.monthly import ReportsSettings, due_months
from livedesk.routing.overflow import OverflowWatch
from livedesk.settings import Settings

from livedesk_testing import LiveServer, World, free_port

# 1 November 00:30 in Amsterdam, still 31 October 23:30 in London; then 00:30 in London too.
FIRST_IN_AMSTERDAM = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
FIRST_IN_LONDON = datetime(2026, 11, 1, 0, 30, tzinfo=UTC)


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 OK"

    async def wait(self, count: int, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.messages)} of {count} mails arrived")
            await asyncio.sleep(0.02)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def a_server(settings: Settings, smtp_port: int, clock: list[datetime]) -> LiveServer:
    """One more process-like server on the same database, checking every 20 ms."""
    server = LiveServer(settings.model_copy(update={"port": free_port()}))
    server.app.state.leads_settings = LeadsSettings(poll_seconds=0.05, stop_grace_seconds=0)
    server.app.state.smtp_settings = SmtpSettings(
        host="127.0.0.1", port=smtp_port, sender="Livedesk <reports@livedesk.test>"
    )
    server.app.state.reports_settings = ReportsSettings(monthly_check_seconds=0.02)
    server.app.state.reports_clock = lambda: clock[0]
    return server


async def prepare(settings: Settings, world: World) -> None:
    """Both businesses exist since January; beta keeps London time. Alpha has a user with an
    address, one without and a deactivated one; beta's user reads English."""
    await seed_known_month(settings, world)
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            await session.execute(
                update(Business).values(created_at=datetime(2026, 1, 1, tzinfo=UTC))
            )
            await session.execute(
                update(Business)
                .where(Business.id == world.b.business_id)
                .values(timezone="Europe/London")
            )
            await session.execute(
                update(User).where(User.username == "user-alpha").values(email="a@alpha.example")
            )
            await session.execute(
                update(User)
                .where(User.username == "user-beta")
                .values(email="b@beta.example", language="en")
            )
            for name, email, active in (
                ("no-mail", None, True),
                ("gone", "g@alpha.example", False),
            ):
                user = await do_create_user(
                    session,
                    username=name,
                    password=None,
                    role=Role.BUSINESS_USER,
                    business_id=world.a.business_id,
                    email=email,
                )
                user.is_active = active
    finally:
        await engine.dispose()


async def sent_rows(settings: Settings) -> list[tuple[str, str, int]]:
    engine = make_engine(settings)
    try:
        async with read_only(make_sessionmaker(engine)) as session:
            rows = await session.execute(
                select(
                    MonthlyReportSent.business_id,
                    MonthlyReportSent.month,
                    MonthlyReportSent.recipients,
                ).order_by(MonthlyReportSent.month, MonthlyReportSent.business_id)
            )
            return [(b, m, n) for b, m, n in rows.all()]
    finally:
        await engine.dispose()


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)

    def lines(part: EmailMessage) -> str:  # SMTP carries CRLF line ends
        return str(part.get_content()).replace("\r\n", "\n")

    return lines(text), lines(html)


async def test_sent_once_per_business_month(
    settings: Settings, world: World, mailbox: tuple[Mailbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The hand-worked month has a chat still open; routing's overflow watch would end it (it
    # waited weeks) as soon as a server starts, and the figures are of the month as seeded.
    async def watch_nothing(self: OverflowWatch) -> None:
        await asyncio.Event().wait()

    monkeypatch.setattr(OverflowWatch, "run", watch_nothing)
    box, port = mailbox
    await prepare(settings, world)
    await a_question_answered_without_the_faq(settings, world)
    clock = [FIRST_IN_AMSTERDAM]
    first, second = a_server(settings, port, clock), a_server(settings, port, clock)
    await asyncio.gather(first.start(), second.start())
    try:
        # Amsterdam's October is due; in London it is still October, so September is.
        await box.wait(2)
        await asyncio.sleep(0.5)  # both keep checking, many times over
    finally:
        await asyncio.gather(first.stop(), second.stop())
    assert sorted(to for to, _ in box.messages) == [["a@alpha.example"], ["b@beta.example"]]

    clock[0] = FIRST_IN_LONDON
    restarted = a_server(settings, port, clock)
    await restarted.start()
    try:
        await box.wait(3)
        await asyncio.sleep(0.3)
        assert await restarted.app.state.monthly_reports.run_once() == []  # nothing left
    finally:
        await restarted.stop()
    assert len(box.messages) == 3
    assert sorted(await sent_rows(settings)) == sorted(
        [
            (world.b.business_id, "2026-09", 1),
            (world.a.business_id, "2026-10", 1),  # one recipient: the others have no address
            (world.b.business_id, "2026-10", 1),
        ]
    )

    by_subject = {str(m["Subject"]): (to, m) for to, m in box.messages}
    to, alpha = by_subject["Livedesk maandrapport Alpha BV: oktober 2026"]
    assert to == ["a@alpha.example"] and alpha["Content-Language"] == "nl"
    assert alpha.get_content_type() == "multipart/alternative"
    text, html = parts(alpha)
    assert "  Chats aangeboden: 11\n" in text
    assert "  Deel op tijd beantwoord: 44,4 %\n" in text
    assert f"[2026-10-01 10:16] 2: {SCRIPT}" in text  # plain text: as typed
    assert "&lt;script&gt;alert(1)&lt;/script&gt; te traag" in html
    assert "<script" not in html
    link = f"/reports/business/{world.a.business_id}?from=2026-10-01&to=2026-10-31"
    assert link in text and link.replace("&", "&amp;") in html
    assert "donderdag 10:00–10:59" in text  # the busiest hour: C1, C2, C3
    # What people answered without the FAQ, with where to add it; the visitor's words as text.
    assert "Vaakst gevraagd zonder antwoord in je FAQ\n" in text
    assert f"  1× {QUESTION}\n" in text
    assert "Kan ik met &lt;b&gt;bitcoin&lt;/b&gt; betalen?" in html and "<b>" not in html
    assert "/portal/faq/zonder-antwoord" in text and "/portal/faq/zonder-antwoord" in html

    _, september = by_subject["Livedesk monthly report Beta BV: September 2026"]
    assert "  Chats offered: 0\n" in parts(september)[0]
    assert "without an answer in your FAQ" not in parts(september)[0]  # none asked: no such section
    _, october = by_subject["Livedesk monthly report Beta BV: October 2026"]
    assert "  Chats offered: 1\n" in parts(october)[0]


def test_due_months_follow_each_business_clock() -> None:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    businesses = [
        ("ams", "Europe/Amsterdam", created),
        ("lon", "Europe/London", created),
        ("new", "Europe/Amsterdam", datetime(2026, 11, 1, tzinfo=UTC)),  # after October ended
    ]
    # 31 October 22:59 UTC is 23:59 in Amsterdam: October is not over anywhere yet
    assert due_months(datetime(2026, 10, 31, 22, 59, tzinfo=UTC), businesses) == [
        ("ams", 2026, 9),
        ("lon", 2026, 9),
    ]
    assert due_months(FIRST_IN_AMSTERDAM, businesses) == [("ams", 2026, 10), ("lon", 2026, 9)]
    assert due_months(FIRST_IN_LONDON, businesses) == [("ams", 2026, 10), ("lon", 2026, 10)]
    # January is due for December of the year before
    new_year = datetime(2027, 1, 1, 0, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert due_months(new_year, businesses[:1]) == [("ams", 2026, 12)]
