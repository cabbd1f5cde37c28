"""Running the retention purge: one process at a time, in small batches, resumable.

- **One at a time**: a run holds the `privacy_leases` row named `retention-purge`. Taking it is
  one conditional UPDATE (or the INSERT of the row), so two processes cannot both get it; every
  batch renews it in its own transaction and stops (rolled back) if someone else took it over,
  which only happens after the holder was silent for the lease's length.
- **Small batches**: candidates are read without the write lock, then each batch of
  `batch_size` rows is changed in its own short transaction, with a pause before the next one,
  so chat messages (on SQLite: the one write lock per file) get their turn in between.
- **After a crash**: every batch commits its changes with its counts, and a run left `running`
  is taken up by the next one with the same moment (`as_of`), so the rest is done under the
  same limits, added to the same report, and nothing is counted twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.background import Background
from livedesk.businesses.models import Business
from livedesk.db import new_id, utcnow
from livedesk.privacy.models import Lease, PurgeCount, PurgeRun, RetentionSettings
from livedesk.privacy.retention import Counts, Pass, Retention, after, months_before, passes
from livedesk.runtime import Runtime

log = logging.getLogger(__name__)
LEASE = "retention-purge"
Clock = Callable[[], datetime]


class PrivacySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVEDESK_PRIVACY_", extra="ignore")

    purge_enabled: bool = True
    purge_every_hours: float = Field(default=24.0, gt=0)  # a run is due this long after the last
    purge_check_seconds: float = Field(default=600.0, gt=0)  # how often "is a run due?" is asked
    purge_batch_size: int = Field(default=200, ge=1, le=10_000)
    purge_pause_seconds: float = Field(default=0.05, ge=0)  # between batches: chats go first
    purge_lease_seconds: float = Field(default=300.0, gt=0)


class LeaseLost(Exception):
    """Another process took the purge over: this one was silent longer than the lease."""


def holder_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{new_id()[:8]}"


async def take_lease(runtime: Runtime, holder: str, now: datetime, seconds: float) -> bool:
    until = now + timedelta(seconds=seconds)
    try:
        async with runtime.transaction() as session:
            taken = await session.execute(
                update(Lease)
                .where(Lease.name == LEASE, or_(Lease.until <= now, Lease.holder == holder))
                .values(holder=holder, until=until),
                execution_options={"synchronize_session": False},
            )
            if taken.rowcount:  # type: ignore[attr-defined]
                return True
            if await session.get(Lease, LEASE) is not None:
                return False
            session.add(Lease(name=LEASE, holder=holder, until=until))
            await session.flush()  # a second process inserting at once stops here
    except IntegrityError:
        return False
    return True


async def renew_lease(session: AsyncSession, holder: str, now: datetime, seconds: float) -> None:
    renewed = await session.execute(
        update(Lease)
        .where(Lease.name == LEASE, Lease.holder == holder)
        .values(until=now + timedelta(seconds=seconds)),
        execution_options={"synchronize_session": False},
    )
    if not renewed.rowcount:  # type: ignore[attr-defined]
        raise LeaseLost(holder)


async def release_lease(runtime: Runtime, holder: str, now: datetime) -> None:
    async with runtime.transaction() as session:
        await session.execute(
            update(Lease).where(Lease.name == LEASE, Lease.holder == holder).values(until=now),
            execution_options={"synchronize_session": False},
        )


async def add_counts(session: AsyncSession, run_id: str, business_id: str, counts: Counts) -> None:
    for kind, count in counts.items():
        if count <= 0:
            continue
        row = await session.get(PurgeCount, (run_id, business_id, kind))
        if row is None:
            session.add(PurgeCount(run_id=run_id, business_id=business_id, kind=kind, count=count))
        else:
            row.count += count


class Purger:
    """One process's purge. `after_batch` is for tests: it runs after each committed batch."""

    def __init__(
        self,
        runtime: Runtime,
        settings: PrivacySettings | None = None,
        *,
        clock: Clock = utcnow,
        holder: str | None = None,
        after_batch: Callable[[], Awaitable[Any]] | None = None,
    ) -> None:
        self.runtime = runtime
        self.settings = settings or PrivacySettings()
        self.clock = clock
        self.holder = holder or holder_name()
        self.after_batch = after_batch

    async def run(self, trigger: str) -> PurgeRun | None:
        """Purge what is expired; None when another process is purging."""
        lease_seconds = self.settings.purge_lease_seconds
        if not await take_lease(self.runtime, self.holder, self.clock(), lease_seconds):
            log.info("retention purge: another process holds the lease")
            return None
        try:
            run = await self._open_run(trigger)
            async with self.runtime.reading() as session:
                businesses = list(await session.scalars(select(Business.id).order_by(Business.id)))
                rows = await session.scalars(select(RetentionSettings))
                retention = {row.business_id: Retention.of(row) for row in rows}
            for business_id in businesses:
                limits = retention.get(business_id, Retention())
                for kind in passes(limits):
                    cutoff = months_before(run.as_of, kind.months(limits))
                    await self._pass(run, business_id, kind, cutoff)
            return await self._finish(run)
        finally:
            with contextlib.suppress(Exception):  # at worst the lease runs out by itself
                await release_lease(self.runtime, self.holder, self.clock())

    async def _open_run(self, trigger: str) -> PurgeRun:
        """The run a crash left unfinished, or a new one."""
        now = self.clock()
        async with self.runtime.transaction() as session:
            await renew_lease(session, self.holder, now, self.settings.purge_lease_seconds)
            run = await session.scalar(
                select(PurgeRun)
                .where(PurgeRun.status == "running")
                .order_by(PurgeRun.started_at.desc())
                .limit(1)
            )
            if run is not None:
                run.resumed += 1
                log.info("retention purge: taking up run %s of %s", run.id, run.as_of)
            else:
                run = PurgeRun(as_of=now, started_at=now, trigger=trigger, status="running")
                session.add(run)
            await session.flush()
        return run

    async def _pass(self, run: PurgeRun, business_id: str, kind: Pass, cutoff: datetime) -> None:
        batch = self.settings.purge_batch_size
        cursor: tuple[datetime, Any] | None = None
        while True:
            query = kind.candidates(business_id, cutoff).where(after(kind.key, kind.id, cursor))
            async with self.runtime.reading() as session:
                rows = (await session.execute(query.order_by(kind.key, kind.id).limit(batch))).all()
            if not rows:
                return
            async with self.runtime.transaction() as session:
                await renew_lease(
                    session, self.holder, self.clock(), self.settings.purge_lease_seconds
                )
                counts = await kind.apply(session, [row[1] for row in rows], run.as_of)
                await add_counts(session, run.id, business_id, counts)
            if self.after_batch is not None:
                await self.after_batch()
            if len(rows) < batch:
                return
            cursor = (rows[-1][0], rows[-1][1])
            await asyncio.sleep(self.settings.purge_pause_seconds)

    async def _finish(self, run: PurgeRun) -> PurgeRun:
        async with self.runtime.transaction() as session:
            await renew_lease(session, self.holder, self.clock(), self.settings.purge_lease_seconds)
            row = await session.get(PurgeRun, run.id)
            assert row is not None
            row.status = "finished"
            row.finished_at = self.clock()
        log.info("retention purge: run %s finished", run.id)
        return row


class PurgeScheduler:
    """Asks every `purge_check_seconds` whether a run is due (none for `purge_every_hours`, or
    one a crash left unfinished) and makes it; the lease keeps other processes out."""

    def __init__(self, purger: Purger) -> None:
        self.purger = purger
        self._background = Background("retention-purge")

    async def due(self) -> bool:
        async with self.purger.runtime.reading() as session:
            latest = await session.scalar(
                select(PurgeRun).order_by(PurgeRun.started_at.desc()).limit(1)
            )
        if latest is None or latest.status != "finished":
            return True
        every = timedelta(hours=self.purger.settings.purge_every_hours)
        return latest.started_at <= self.purger.clock() - every

    async def _loop(self) -> None:
        while True:
            # The first check waits too: a process starting up has other work, and one that
            # lives only briefly (a test, a migration check) never purges.
            await asyncio.sleep(self.purger.settings.purge_check_seconds)
            try:
                if await self.due():
                    await self.purger.run("schedule")
            except Exception:  # a failed run is tried again at the next check
                log.exception("retention purge failed")

    def start(self) -> None:
        self._background.start(self._loop())

    async def stop(self) -> None:
        await self._background.stop()
