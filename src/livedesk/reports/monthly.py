"""The monthly report: on the first of the month, in each business's own timezone, last
month's report goes to the business's users with an e-mail address, through the delivery outbox.

Exactly once per business and month, however many processes run the check and however often
they restart: a `MonthlyReportSent` row, unique per (business, month), is inserted in the same
transaction as the mails. Whoever inserts second gets an IntegrityError and sends nothing (on
PostgreSQL the second insert waits for the first transaction; on SQLite transactions queue for
the write lock). A missed first of the month (the server was down) is made up later that month.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from urllib.parse import urlencode

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import Role, User
from livedesk.background import Background
from livedesk.businesses.models import Business
from livedesk.db import utcnow
from livedesk.errors import NotFound
from livedesk.knowledge.gaps import PORTAL_PAGE, unanswered_questions
from livedesk.leads.outbox import queue_system_email
from livedesk.leads.service import EXTENSION as LEADS
from livedesk.reports.access import ReportAccess
from livedesk.reports.compose import summary_report, timezone_of, zone
from livedesk.reports.models import MonthlyReportSent
from livedesk.reports.monthly_mail import TOP_GAPS, MonthlyContent, mail_document, render_monthly
from livedesk.reports.records import Scope, month_period
from livedesk.reports.texts import LANGUAGES
from livedesk.runtime import Runtime

log = logging.getLogger(__name__)
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
Clock = Callable[[], datetime]


class ReportsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVEDESK_REPORTS_", extra="ignore")

    monthly_enabled: bool = True
    monthly_check_seconds: float = Field(default=300.0, gt=0)  # how often "what is due?" runs


def parse_month(text: str) -> tuple[int, int]:
    match = MONTH.match(text)
    if match is None:
        raise NotFound("no such month (use YYYY-MM)")
    return int(match.group(1)), int(match.group(2))


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def previous_month(day: date) -> tuple[int, int]:
    return (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)


def due_months(
    now: datetime, businesses: Iterable[tuple[str, str, datetime]]
) -> list[tuple[str, int, int]]:
    """(business, year, month) of the month that ended before `now` in each business's own
    timezone, for businesses that existed before that month ended."""
    out = []
    for business_id, timezone, created_at in businesses:
        tz = zone(timezone)
        year, month = previous_month(now.astimezone(tz).date())
        if created_at < month_period(year, month, tz).end:
            out.append((business_id, year, month))
    return out


def report_link(base_url: str, business_id: str, year: int, month: int) -> str:
    period = month_period(year, month, zone(None))  # local dates: the same in every zone
    query = urlencode({"from": period.first.isoformat(), "to": period.last.isoformat()})
    return f"{base_url.rstrip('/')}/reports/business/{business_id}?{query}"


async def monthly_content(
    session: AsyncSession,
    access: ReportAccess,
    year: int,
    month: int,
    lang: str,
    *,
    base_url: str = "",
    now: datetime | None = None,
) -> MonthlyContent:
    """The report of `access`'s business for the month, in `lang`."""
    assert access.business is not None, "a monthly report is a business's"
    period = month_period(year, month, timezone_of(access.business))
    report = await summary_report(session, access, period.first, period.last, now)
    report["faq_gaps"] = await unanswered_questions(
        session, access.business.id, period.start, TOP_GAPS, until=period.end
    )
    link = report_link(base_url, access.business.id, year, month)
    gaps_link = f"{base_url.rstrip('/')}{PORTAL_PAGE}"
    return render_monthly(report, access.business.name, year, month, link, lang, gaps_link)


async def recipients(session: AsyncSession, business_id: str) -> list[User]:
    """The business's own active users who have an e-mail address."""
    return list(
        await session.scalars(
            select(User)
            .where(
                User.business_id == business_id,
                User.role == Role.BUSINESS_USER,
                User.is_active.is_(True),
                User.email.is_not(None),
                User.email != "",
            )
            .order_by(User.id)
        )
    )


class MonthlyReports:
    """A small periodic task: every `interval` seconds, send what is due (clock injectable)."""

    def __init__(
        self, runtime: Runtime, *, clock: Clock = utcnow, interval: float = 300.0, base_url: str
    ) -> None:
        self.runtime = runtime
        self.clock = clock
        self.interval = interval
        self.base_url = base_url
        self._background = Background("monthly-reports")

    async def run_once(self) -> list[tuple[str, str]]:
        """Sends every due business-month not sent yet; returns the (business, month) sent."""
        now = self.clock()
        async with self.runtime.reading() as session:
            rows = await session.execute(
                select(Business.id, Business.timezone, Business.created_at).where(
                    Business.is_active.is_(True)
                )
            )
            due = due_months(now, rows.all())
            keys = {month_key(y, m) for _, y, m in due}
            sent = set(
                (
                    await session.execute(
                        select(MonthlyReportSent.business_id, MonthlyReportSent.month).where(
                            MonthlyReportSent.month.in_(keys)
                        )
                    )
                ).all()
            )
        done = []
        for business_id, year, month in due:
            key = month_key(year, month)
            if (business_id, key) not in sent and await self.send(business_id, year, month, now):
                done.append((business_id, key))
        if done and LEADS in self.runtime.extensions:
            self.runtime.extensions[LEADS].wake()
        return done

    async def _contents(
        self, business_id: str, year: int, month: int, now: datetime
    ) -> tuple[list[User], dict[str, MonthlyContent]]:
        """The figures are read before the write transaction, so the lock is held briefly."""
        async with self.runtime.reading() as session:
            business = await session.get(Business, business_id)
            assert business is not None
            users = await recipients(session, business_id)
            access = ReportAccess(Scope(business_id), business)
            languages = {u.language if u.language in LANGUAGES else "nl" for u in users} or {"nl"}
            contents = {
                lang: await monthly_content(
                    session, access, year, month, lang, base_url=self.base_url, now=now
                )
                for lang in sorted(languages)
            }
        return users, contents

    async def send(self, business_id: str, year: int, month: int, now: datetime) -> bool:
        """Queue the month's mails with the row that marks them sent; False if another process
        got there first."""
        key = month_key(year, month)
        users, contents = await self._contents(business_id, year, month, now)
        try:
            async with self.runtime.transaction() as session:
                session.add(
                    MonthlyReportSent(business_id=business_id, month=key, recipients=len(users))
                )
                await session.flush()  # a second sender stops here
                for user in users:
                    lang = user.language if user.language in contents else "nl"
                    content = contents[lang]
                    queue_system_email(
                        session,
                        to=str(user.email),
                        subject=content.subject,
                        text=content.text,
                        html=mail_document(content, lang),
                        language=lang,
                        key=f"monthly-report.{business_id}.{key}.{user.id}",
                        business_id=business_id,
                    )
        except IntegrityError:
            log.info("monthly report %s %s was sent by another process", business_id, key)
            return False
        log.info("monthly report %s %s queued for %d users", business_id, key, len(users))
        return True

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # a bad month must not stop the next check
                log.exception("monthly reports check failed")
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._background.start(self._loop())

    async def stop(self) -> None:
        await self._background.stop()
