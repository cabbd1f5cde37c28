"""Delivery that never loses a lead: the outbox dispatcher, its senders and webhook signing.

Guarantee: at-least-once, with an idempotency key. A row leaves the outbox only after a receiver
acknowledged it (2xx / SMTP 250) and that is recorded in its own transaction right away. If the
process dies between the acknowledgement and that commit, the attempt's lease expires and the
same delivery is sent again with the same Idempotency-Key, which the receiver uses to dedupe.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import aiosmtplib
import httpx
from sqlalchemy import Table, and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livedesk import jsonutil
from livedesk.db import read_only, utcnow
from livedesk.leads.mails import render_email
from livedesk.leads.models import (
    DeliveryAttempt,
    DeliveryRoute,
    OutboxItem,
    OutboxState,
)
from livedesk.leads.settings import LeadsSettings, SmtpSettings
from livedesk.security.addresses import AddressNotAllowed, guarded_client

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Livedesk-Signature"
REPLAY_WINDOW_SECONDS = 300  # receivers should refuse signatures older (or newer) than this


# -- signing -----------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, now: float | None = None) -> str:
    timestamp = int(now if now is not None else time.time())
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = REPLAY_WINDOW_SECONDS,
) -> bool:
    """What a receiver does: recompute over the raw body, compare in constant time, and refuse
    timestamps outside the replay window. Several v1= values may be present during a rotation."""
    parts = [p.strip().split("=", 1) for p in header.split(",") if "=" in p]
    try:
        timestamp = int(next(v for k, v in parts if k == "t"))
    except (StopIteration, ValueError):
        return False
    current = now if now is not None else time.time()
    if abs(current - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return any(k == "v1" and hmac.compare_digest(v, expected) for k, v in parts)


# -- results and senders -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    delivered: bool
    permanent: bool = False  # do not retry: a human must look
    status_code: int | None = None
    error: str | None = None


def webhook_outcome(status: int) -> Outcome:
    if 200 <= status < 300:
        return Outcome(True, status_code=status)
    if status in (408, 429) or status >= 500:
        return Outcome(False, status_code=status, error=f"HTTP {status}")
    return Outcome(False, permanent=True, status_code=status, error=f"HTTP {status} (permanent)")


def webhook_body(item: OutboxItem) -> bytes:
    return jsonutil.dumps(
        {
            "id": item.id,
            "type": item.event,
            "business_id": item.business_id,
            "created_at": item.created_at,
            "data": item.payload,
        }
    )


async def send_webhook(
    client: httpx.AsyncClient, item: OutboxItem, secret: str, timeout_seconds: float
) -> Outcome:
    body = webhook_body(item)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Livedesk-Webhooks/1",
        "Idempotency-Key": item.idempotency_key,
        "Livedesk-Event": item.event,
        "Livedesk-Delivery": item.id,
        SIGNATURE_HEADER: signature_header(secret, body),
    }
    try:
        response = await client.post(
            item.target["url"], content=body, headers=headers, timeout=timeout_seconds
        )
    except AddressNotAllowed as exc:  # never connected: a human must change the route
        return Outcome(False, permanent=True, error=f"{ADDRESS_NOT_ALLOWED}: {exc}"[:500])
    except httpx.TimeoutException as exc:
        return Outcome(False, error=f"timeout: {type(exc).__name__}")
    except httpx.HTTPError as exc:  # refused, reset, DNS…: all worth another try
        return Outcome(False, error=f"{type(exc).__name__}: {exc}"[:500])
    return webhook_outcome(response.status_code)


# A refused destination's error keeps the addresses for the provider's staff; a business sees
# only that the address is not allowed (the detail would map the provider's network).
ADDRESS_NOT_ALLOWED = "address not allowed"
GENERIC_ERRORS = {"nl": "adres niet toegestaan", "en": "address not allowed"}


def error_for_viewer(error: str | None, *, staff: bool, language: str = "nl") -> str | None:
    """What the delivery log shows as an attempt's (or item's) error to this viewer."""
    if error is None or staff or ADDRESS_NOT_ALLOWED not in error:
        return error
    return GENERIC_ERRORS.get(language, GENERIC_ERRORS["nl"])


async def send_email(smtp: SmtpSettings, item: OutboxItem) -> Outcome:
    message = render_email(item, smtp.sender)
    try:
        await aiosmtplib.send(
            message,
            hostname=smtp.host,
            port=smtp.port,
            username=smtp.username,
            password=smtp.password,
            use_tls=smtp.use_tls,
            start_tls=smtp.start_tls,
            timeout=smtp.timeout_seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        permanent = all(500 <= c < 600 for c in codes)
        return Outcome(
            False,
            permanent=permanent,
            status_code=codes[0] if codes else None,
            error=f"recipients refused: {exc}"[:500],
        )
    except aiosmtplib.SMTPResponseException as exc:
        return Outcome(
            False,
            permanent=500 <= exc.code < 600,
            status_code=exc.code,
            error=f"SMTP {exc.code}: {exc.message}"[:500],
        )
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        return Outcome(False, error=f"{type(exc).__name__}: {exc}"[:500])
    return Outcome(True, status_code=250)


# -- the dispatcher ----------------------------------------------------------------------------


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential with jitter: uniform in [d/2, d], d = min(cap, base * 2**(attempt-1))."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return rng.uniform(ceiling / 2, ceiling)


@dataclass(slots=True)
class Claimed:
    item: OutboxItem
    attempt_id: int
    secret: str | None


class Dispatcher:
    """Claims due outbox rows and delivers them, `concurrency` at a time."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        dialect: str,
        settings: LeadsSettings,
        smtp: SmtpSettings,
        rng: random.Random | None = None,
        write_gate: Any = None,
    ) -> None:
        self.sessions = sessions
        # This process's SQLite write transactions queue here (see runtime.SqliteWriteGate).
        self._gate = write_gate if write_gate is not None else contextlib.nullcontext()
        self.skip_locked = dialect == "postgresql"
        self.settings = settings
        self.smtp = smtp
        self.rng = rng or random.Random()
        # Redirects are not followed and every connection goes to a vetted address only.
        self.client = guarded_client(
            allow=settings.webhook_allowed_networks,
            limits=httpx.Limits(max_connections=settings.concurrency),
        )
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self.delivered = 0  # counters for the benchmark and tests
        self._settle: list[tuple[Claimed, Outcome, asyncio.Future[None]]] = []
        self._settling = False

    # lifecycle

    def start(self) -> None:
        if self._loop_task is None:
            self._loop_task = asyncio.create_task(self._loop(), name="lead-dispatcher")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self, grace: float | None = None) -> None:
        """Finish what is in flight within `grace` seconds, then cancel. Anything cut off stays
        in flight in the database and is retried once its lease expires."""
        grace = self.settings.stop_grace_seconds if grace is None else grace
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        if self._running and grace > 0:
            await asyncio.wait(self._running, timeout=grace)
        for task in list(self._running):
            task.cancel()
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        await self.client.aclose()

    async def _loop(self) -> None:
        while True:
            try:
                free = self.settings.concurrency - len(self._running)
                claimed = await self.claim(free) if free > 0 else []
            except Exception:
                log.exception("claiming deliveries failed")
                claimed = []
            for job in claimed:
                task = asyncio.create_task(self._deliver(job))
                self._running.add(task)
                task.add_done_callback(self._done)
            if claimed and len(claimed) == free:
                self._wake.clear()
                await self._wait(self.settings.poll_seconds)  # a slot frees → woken
            elif not claimed:
                self._wake.clear()
                await self._wait(self.settings.poll_seconds)

    async def _wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._wake.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery crashed", exc_info=task.exception())

    # one round, also used directly by tests and the benchmark

    async def claim(self, limit: int) -> list[Claimed]:
        now = utcnow()
        lease_until = now + timedelta(seconds=self.settings.lease_seconds)
        due = or_(
            and_(OutboxItem.state == OutboxState.PENDING, OutboxItem.next_attempt_at <= now),
            and_(OutboxItem.state == OutboxState.IN_FLIGHT, OutboxItem.lease_until < now),
        )
        # The idle poll (every poll_seconds) only reads: a write transaction that finds nothing
        # would still hold SQLite's single write lock, and the chat's messages wait behind it.
        async with read_only(self.sessions) as session:
            if await session.scalar(select(OutboxItem.id).where(due).limit(1)) is None:
                return []
        query = select(OutboxItem).where(due).order_by(OutboxItem.next_attempt_at).limit(limit)
        if self.skip_locked:  # several dispatchers (processes) share the table without blocking
            query = query.with_for_update(skip_locked=True)
        async with self._gate, self.sessions() as session, session.begin():
            items = list(await session.scalars(query))
            if not items:
                return []
            expired = [i.id for i in items if i.state == OutboxState.IN_FLIGHT]
            if expired:  # the process that held these died (or hung) mid-delivery
                await session.execute(
                    update(DeliveryAttempt)
                    .where(
                        DeliveryAttempt.outbox_id.in_(expired),
                        DeliveryAttempt.outcome == "in_flight",
                    )
                    .values(
                        outcome="lease_expired",
                        finished_at=now,
                        error="lease expired: outcome unknown, sending again",
                    )
                )
            route_ids = {i.route_id for i in items if i.route_id}
            secrets = {}
            if route_ids:
                rows = await session.execute(
                    select(DeliveryRoute.id, DeliveryRoute.secret).where(
                        DeliveryRoute.id.in_(route_ids)
                    )
                )
                secrets = {row[0]: row[1] for row in rows}
            attempts = []
            for item in items:
                item.state = OutboxState.IN_FLIGHT
                item.lease_until = lease_until
                item.attempts += 1
                attempt = DeliveryAttempt(outbox_id=item.id, number=item.attempts, started_at=now)
                session.add(attempt)
                attempts.append(attempt)
            await session.flush()
            return [
                Claimed(item, attempt.id, secrets.get(item.route_id or ""))
                for item, attempt in zip(items, attempts, strict=True)
            ]

    async def _deliver(self, job: Claimed) -> None:
        item = job.item
        if item.channel == "webhook":
            if not job.secret:
                outcome = Outcome(False, permanent=True, error="the route was deleted")
            else:
                outcome = await send_webhook(
                    self.client, item, job.secret, self.settings.http_timeout_seconds
                )
        else:
            outcome = await send_email(self.smtp, item)
        await self.record(job, outcome)

    async def record(self, job: Claimed, outcome: Outcome) -> None:
        """Settle one attempt in a short transaction straight after the receiver answered.

        Answers that arrive while a write is in progress are settled together in the next one
        (group commit): the same guarantee, far fewer commits under load."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._settle.append((job, outcome, future))
        if not self._settling:
            self._settling = True
            try:
                while self._settle:
                    batch, self._settle = self._settle, []
                    try:
                        await self._write(batch)
                    except BaseException as exc:
                        # Unsettled rows stay in flight and are retried when the lease expires.
                        for *_, f in batch:
                            if not f.done():
                                f.set_exception(exc)
                        raise
                    for *_, f in batch:
                        f.set_result(None)
            finally:
                self._settling = False
        await future

    async def _write(self, batch: list[tuple[Claimed, Outcome, asyncio.Future[None]]]) -> None:
        """Record a batch of outcomes in one transaction: delivered items, retries scheduled
        with back-off, failures flagged for a human, and every attempt's result."""
        now = utcnow()
        delivered: list[dict[str, Any]] = []
        erase: list[str] = []
        attempts: list[dict[str, Any]] = []
        flagged = []
        async with self._gate, self.sessions() as session, session.begin():
            for job, outcome, _ in batch:
                item = job.item
                if outcome.delivered:
                    delivered.append({"oid": item.id})
                    if item.payload.get("erase_when_sent"):
                        erase.append(item.id)
                    result = "delivered"
                else:
                    result, values = self._not_delivered(item, outcome, now)
                    if result == "failed":
                        flagged.append((item.id, values["last_error"]))
                    # Only the holder of this attempt may schedule a retry or give up.
                    await session.execute(
                        update(OutboxItem)
                        .where(
                            OutboxItem.id == item.id,
                            OutboxItem.attempts == item.attempts,
                            OutboxItem.state == OutboxState.IN_FLIGHT,
                        )
                        .values(**values)
                    )
                attempts.append(
                    {
                        "aid": job.attempt_id,
                        "o": result,
                        "c": outcome.status_code,
                        "e": outcome.error,
                    }
                )
            await _record_outcomes(session, now, delivered, erase, attempts)
        self.delivered += len(delivered)
        for item_id, error in flagged:
            log.warning("delivery %s flagged for a human: %s", item_id, error)

    def _not_delivered(
        self, item: OutboxItem, outcome: Outcome, now: datetime
    ) -> tuple[str, dict[str, Any]]:
        """Give up (a permanent error, or too old: flagged for a human) or retry with back-off."""
        if outcome.permanent or self._too_old(item, now):
            error = (
                outcome.error
                if outcome.permanent
                else f"gave up after {item.attempts} attempts: {outcome.error}"
            )
            return "failed", {
                "state": OutboxState.FAILED,
                "flagged": True,
                "lease_until": None,
                "last_error": error,
            }
        delay = backoff_seconds(
            item.attempts,
            self.settings.backoff_base_seconds,
            self.settings.backoff_max_seconds,
            self.rng,
        )
        return "retry", {
            "state": OutboxState.PENDING,
            "lease_until": None,
            "next_attempt_at": now + timedelta(seconds=delay),
            "last_error": outcome.error,
        }

    def _too_old(self, item: OutboxItem, now: datetime) -> bool:
        return (now - item.created_at).total_seconds() >= self.settings.give_up_after_seconds

    async def run_until_idle(self, limit_seconds: float = 30.0) -> None:
        """Deliver everything due now (tests, CLI): claim and send until nothing is due."""
        deadline = time.monotonic() + limit_seconds
        while time.monotonic() < deadline:
            claimed = await self.claim(self.settings.concurrency)
            if not claimed:
                return
            await asyncio.gather(*(self._deliver(job) for job in claimed))
        raise TimeoutError("deliveries still due")


async def _record_outcomes(
    session: AsyncSession,
    now: datetime,
    delivered: list[dict[str, Any]],
    erase: list[str],
    attempts: list[dict[str, Any]],
) -> None:
    """One executemany each: delivered items, sent one-time texts blanked, attempt results."""
    conn = await session.connection()
    outbox = cast(Table, OutboxItem.__table__)
    if delivered:  # acknowledged is final, whoever holds the lease by now
        await conn.execute(
            update(outbox)
            .where(outbox.c.id == bindparam("oid"), outbox.c.state != OutboxState.DELIVERED)
            .values(
                state=OutboxState.DELIVERED, delivered_at=now, lease_until=None, last_error=None
            ),
            delivered,
        )
    if erase:  # a one-time link in the text: sent, so it need not be kept
        await session.execute(
            update(OutboxItem)
            .where(OutboxItem.id.in_(erase))
            .values(payload={"erased": True})
            .execution_options(synchronize_session=False)
        )
    table = cast(Table, DeliveryAttempt.__table__)
    await conn.execute(
        update(table)
        .where(table.c.id == bindparam("aid"))
        .values(
            outcome=bindparam("o"),
            status_code=bindparam("c"),
            error=bindparam("e"),
            finished_at=now,
        ),
        attempts,
    )
