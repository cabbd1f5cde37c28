"""Real parts for the leads tests: an SMTP server (aiosmtpd), a webhook receiver (http.server in
a thread) and a live Livedesk with short back-off settings."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import orjson

from livedesk.conversations.models import Conversation, Message, Visitor
from livedesk.db import make_engine, make_sessionmaker, unit_of_work, utcnow
from livedesk.leads.delivery import verify_signature
from livedesk.leads.settings import LeadsSettings, SmtpSettings
from livedesk.settings import Settings

from livedesk_testing import LiveServer, Tenant, login


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
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.messages)} of {count} mails arrived")
            await asyncio.sleep(0.02)


@dataclass
class Hit:
    at: float
    key: str
    event: str
    body: dict[str, Any]
    verified: bool
    status: int


@dataclass
class Receiver:
    """A webhook receiver that verifies signatures and answers as the test scripts it."""

    secret: str = ""
    # (request number from 1, idempotency key) -> (status, seconds to wait before answering)
    policy: Callable[[int, str], tuple[int, float]] = lambda n, key: (200, 0.0)
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    arrivals: int = 0

    def acknowledged(self) -> list[str]:
        with self.lock:
            return [h.key for h in self.hits if 200 <= h.status < 300]

    def all_keys(self) -> list[str]:
        with self.lock:
            return [h.key for h in self.hits]

    async def wait(self, predicate: Callable[[Receiver], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() > deadline:
                raise TimeoutError(f"receiver: {[(h.key, h.status) for h in self.hits]}")
            await asyncio.sleep(0.02)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            try:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                key = self.headers.get("Idempotency-Key", "")
                verified = verify_signature(
                    receiver.secret, self.headers.get("Livedesk-Signature", ""), body
                )
                with receiver.lock:  # numbered on arrival: answers may come out of order
                    receiver.arrivals += 1
                    number = receiver.arrivals
                status, delay = receiver.policy(number, key)
                if delay:
                    time.sleep(delay)
                if not verified:
                    status = 401
                with receiver.lock:
                    receiver.hits.append(
                        Hit(
                            time.monotonic(),
                            key,
                            self.headers.get("Livedesk-Event", ""),
                            orjson.loads(body),
                            verified,
                            status,
                        )
                    )
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()
            except Exception:  # a client that hung up while we slept
                pass

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def fast_settings(**overrides: Any) -> LeadsSettings:
    values: dict[str, Any] = {
        "poll_seconds": 0.05,
        "backoff_base_seconds": 0.1,
        "backoff_max_seconds": 0.4,
        "give_up_after_seconds": 30.0,
        "http_timeout_seconds": 2.0,
        "lease_seconds": 3.0,
        "stop_grace_seconds": 0.0,
        "offline_per_ip_per_minute": 600.0,
        "offline_burst": 50,
    }
    values.update(overrides)
    return LeadsSettings(**values)


def make_server(settings: Settings, smtp_port: int, **overrides: Any) -> LiveServer:
    server = LiveServer(settings)
    server.app.state.leads_settings = fast_settings(**overrides)
    server.app.state.smtp_settings = SmtpSettings(
        host="127.0.0.1", port=smtp_port, sender="Livedesk <leads@livedesk.test>"
    )
    return server


async def client_for(server: LiveServer, username: str) -> httpx.AsyncClient:
    return server.http(cookies={"livedesk_session": await login(server, username)})


async def make_chat(
    settings: Settings,
    tenant: Tenant,
    bodies: list[str],
    *,
    prechat: dict[str, str] | None = None,
    language: str = "nl",
) -> str:
    """A conversation with visitor messages, written straight to the database."""
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            visitor = Visitor(business_id=tenant.business_id, widget_id=tenant.widget_id)
            session.add(visitor)
            await session.flush()
            conversation = Conversation(
                business_id=tenant.business_id,
                widget_id=tenant.widget_id,
                visitor_id=visitor.id,
                state="active",
                language=language,
                prechat=prechat or {},
                page_url="https://alpha.example/auto",
                last_seq=len(bodies),
            )
            session.add(conversation)
            await session.flush()
            for seq, body in enumerate(bodies, 1):
                session.add(
                    Message(
                        conversation_id=conversation.id,
                        business_id=tenant.business_id,
                        seq=seq,
                        author_kind="visitor",
                        body=body,
                        created_at=utcnow(),
                    )
                )
            return conversation.id
    finally:
        await engine.dispose()
