"""Named leases: one process at a time does a job, and another takes it over when it dies.

A lease is a row (name, holder, until) in the table the retention purge introduced for its own
lease (`privacy_leases`); any job may use a name of its own. Taking and renewing are one
conditional UPDATE (or the INSERT of a missing row), so two processes cannot both hold a name.
The holder renews well before `until`; a process killed with -9 stops renewing, and the next
process that asks after `until` gets the lease: the job moves within the lease's length plus
one renewal interval.

The holder stops acting on its own as soon as it cannot be sure it still holds the lease: `held`
is measured against this process's monotonic clock from the moment a renewal *started*, so a
renewal that hangs, fails or comes back late cannot make two holders at once (as long as the
processes' wall clocks agree within the lease's margin). The same code runs on SQLite, where the
only process always gets the lease at its first try.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from livedesk.db import new_id, utcnow
from livedesk.privacy.models import Lease as LeaseRow
from livedesk.runtime import Runtime

log = logging.getLogger(__name__)

# Part of the lease kept back from `held`: the holder stops acting this long before the row
# says the lease ends, so clock drift and a late renewal do not overlap two holders.
SAFETY_MARGIN = 0.25


def holder_name() -> str:
    """Unique per process and start, readable in the table (host:pid:random)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{new_id()[:8]}"


class Lease:
    def __init__(self, runtime: Runtime, name: str, seconds: float) -> None:
        self.runtime = runtime
        self.name = name
        self.seconds = seconds
        self.holder = holder_name()
        self._valid_until = 0.0  # monotonic: until when this process may act
        self.takeovers = 0  # times this process gained the lease

    @property
    def held(self) -> bool:
        return time.monotonic() < self._valid_until

    @property
    def renew_every(self) -> float:
        """A renewal every quarter lease: two may fail before anyone else can take it."""
        return self.seconds / 4

    async def take(self) -> bool:
        """Take the lease, or renew it when this process holds it; True when held now."""
        started = time.monotonic()
        try:
            got = await self._take_row()
        except Exception as exc:  # the database is away: act no more until it answers
            log.warning("lease %s: could not renew (%s)", self.name, exc)
            got = False
        if got:
            self._valid_until = started + self.seconds * (1 - SAFETY_MARGIN)
        else:
            self._valid_until = 0.0
        return got

    async def _take_row(self) -> bool:
        now = utcnow()
        until = now + timedelta(seconds=self.seconds)
        try:
            async with self.runtime.transaction() as session:
                taken = await session.execute(
                    update(LeaseRow)
                    .where(
                        LeaseRow.name == self.name,
                        or_(LeaseRow.until <= now, LeaseRow.holder == self.holder),
                    )
                    .values(holder=self.holder, until=until),
                    execution_options={"synchronize_session": False},
                )
                if taken.rowcount:  # type: ignore[attr-defined]
                    return True
                if await session.get(LeaseRow, self.name) is not None:
                    return False
                session.add(LeaseRow(name=self.name, holder=self.holder, until=until))
                await session.flush()  # a second process inserting at once stops here
        except IntegrityError:
            return False
        return True

    async def release(self) -> None:
        """Give the lease up at once (a clean stop), so the next process need not wait."""
        self._valid_until = 0.0
        with contextlib.suppress(Exception):  # at worst it runs out by itself
            async with self.runtime.transaction() as session:
                await session.execute(
                    update(LeaseRow)
                    .where(LeaseRow.name == self.name, LeaseRow.holder == self.holder)
                    .values(until=utcnow()),
                    execution_options={"synchronize_session": False},
                )

    async def keep(self, on_gained: Callable[[], None]) -> None:
        """Runs until cancelled: take or renew every `renew_every` seconds; `on_gained` is
        called each time this process becomes the holder (to pick up what is due at once)."""
        while True:
            was_held = self.held
            if await self.take() and not was_held:
                self.takeovers += 1
                log.info("lease %s: held by this process (%s)", self.name, self.holder)
                on_gained()
            elif was_held and not self.held:
                log.warning("lease %s: lost", self.name)
            await asyncio.sleep(self.renew_every)
