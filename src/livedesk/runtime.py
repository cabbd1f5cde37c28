"""The long-lived parts of one Livedesk process, created at start-up and shared by requests."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import make_url, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from livedesk import jsonutil
from livedesk.businesses.models import ServerSecret
from livedesk.conversations.models import Conversation
from livedesk.db import make_engine, make_sessionmaker, new_secret, read_only
from livedesk.realtime import protocol
from livedesk.realtime.broker import Broker, InProcessBroker, RedisBroker
from livedesk.realtime.hub import Hub
from livedesk.realtime.sqlite_writer import SqliteStore
from livedesk.realtime.writer import BatchStore, EngineStore, MessageWriter, StoredMessage
from livedesk.settings import Settings

log = logging.getLogger(__name__)

ALL_STAFF = "staff:all"  # supervisors and provider admins see every business


class Hook(enum.StrEnum):
    """What the chat core announces after a commit, with the arguments listeners receive."""

    CONVERSATION_STARTED = "on_conversation_started"  # (conversation: Conversation)
    VISITOR_MESSAGE = "on_visitor_message"  # (stored: StoredMessage)
    # A person answered the visitor: the operator or the business's own expert.
    HUMAN_REPLY = "on_human_reply"  # (stored: StoredMessage)
    CONVERSATION_CLOSED = "on_conversation_closed"  # (conversation_id: str)
    VISITOR_DISCONNECTED = "on_visitor_disconnected"  # (visitor, conversation_ids: set[str])
    HUMAN_REQUESTED = "on_human_requested"  # (conversation_id: str): the bot handed over


def _hook(name: str) -> Hook:
    """A hook by name; an unknown name is a bug that must fail at start-up, not stay silent."""
    try:
        return Hook(name)
    except ValueError:
        known = ", ".join(h.value for h in Hook)
        raise ValueError(f"unknown hook {name!r}; the hooks are {known}") from None


def business_topic(business_id: str) -> str:
    return f"biz:{business_id}"


def conversation_topic(conversation_id: str) -> str:
    return f"conv:{conversation_id}"


def user_topic(user_id: str) -> str:
    return f"user:{user_id}"


def message_store(settings: Settings, engine: AsyncEngine, gate: Any) -> BatchStore:
    """SQLite files get the writer's own connection on the loop; the rest goes via SQLAlchemy."""
    if settings.is_sqlite:
        path = make_url(settings.async_database_url).database
        if path and path != ":memory:" and not path.startswith("file:"):
            store = SqliteStore(path, gate)
            store.take_over_checkpoints(engine)
            return store
    return EngineStore(engine, gate)


class SqliteWriteGate:
    """Queues this process's SQLite write transactions in an asyncio lock.

    SQLite has one writer at a time. Without the gate, waiting writers sit in SQLite's busy
    handler, which polls with sleeps of up to 100 ms and leaves the lock idle in between; in the
    gate they are woken the moment the previous transaction ends. Other processes still wait via
    busy_timeout. Not re-entrant: a write transaction inside another deadlocks (on SQLite it
    would block on the database lock anyway), so waiting is bounded.
    """

    def __init__(self, timeout: float = 30.0) -> None:
        self._lock = asyncio.Lock()
        self._timeout = timeout

    async def __aenter__(self) -> None:
        if not self._lock.locked():  # uncontended: no timeout task needed
            await self._lock.acquire()
            return
        try:
            await asyncio.wait_for(self._lock.acquire(), self._timeout)
        except TimeoutError:
            raise RuntimeError("waited too long for the SQLite write lock") from None

    async def __aexit__(self, *exc: object) -> None:
        self._lock.release()


@dataclass(slots=True)
class ConversationFacts:
    """What the hot path needs to know about a conversation without asking the database."""

    business_id: str
    visitor_id: str
    state: str
    operator_id: str | None
    language: str = "nl"


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    hub: Hub
    broker: Broker
    writer: MessageWriter = field(init=False)
    write_gate: Any = field(init=False)
    visitor_token_key: bytes = b""  # signs new visitor tokens
    visitor_token_keys: tuple[bytes, ...] = ()  # read them: the signing key, then previous ones
    facts: dict[str, ConversationFacts] = field(default_factory=dict)
    draining: bool = False  # going away for a deploy (realtime/drain.py): /readyz says 503
    # Domains plug in here. `hooks` are notifications (several listeners, awaited in order, each
    # failure logged and contained); `extensions` are single services another domain may provide
    # (e.g. "accept" when routing takes over assignment, "availability" for the widget and bot).
    hooks: dict[Hook, list[Callable[..., Awaitable[None]]]] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        engine = make_engine(settings)
        gate = SqliteWriteGate() if settings.is_sqlite else contextlib.nullcontext()
        hub = Hub()
        broker: Broker = (
            RedisBroker(hub, settings.redis_url) if settings.redis_url else (InProcessBroker(hub))
        )
        runtime = cls(settings, engine, make_sessionmaker(engine), hub, broker)
        runtime.write_gate = gate
        runtime.writer = MessageWriter(
            message_store(settings, engine, gate), runtime.publish_messages
        )
        hub.conversation_watchers.append(runtime._refresh_facts)
        return runtime

    def _refresh_facts(self, frame: str) -> None:
        data = jsonutil.loads(frame)
        facts = self.facts.get(data["conversation_id"])
        if facts is not None:
            facts.state = data["state"]
            facts.operator_id = (data.get("operator") or {}).get("id")

    def on(self, hook: Hook | str, listener: Callable[..., Awaitable[None]]) -> None:
        self.hooks.setdefault(_hook(hook), []).append(listener)

    async def emit(self, hook: Hook, *args: Any) -> None:
        """Runs after the commit that caused it; a failing listener never breaks the chat."""
        name = _hook(hook)
        for listener in self.hooks.get(name, ()):
            try:
                await listener(*args)
            except Exception:
                log.exception("hook %s failed in %r", name, listener)

    async def start(self) -> None:
        self.visitor_token_keys = await self._signing_keys()
        self.visitor_token_key = self.visitor_token_keys[0]
        await self.broker.start()
        await self.writer.start()

    async def stop(self) -> None:
        await self.writer.stop()
        await self.broker.stop()
        await self.engine.dispose()

    async def _signing_keys(self) -> tuple[bytes, ...]:
        """LIVEDESK_SECRET_KEY's keys; without one (the demo: `serve` refuses to start) a key
        generated once and kept in the database."""
        if self.settings.secret_keys:
            return tuple(key.encode() for key in self.settings.secret_keys)
        async with self.transaction() as session:
            secret = await session.get(ServerSecret, "visitor_token_key")
            if secret is None:
                secret = ServerSecret(name="visitor_token_key", value=new_secret())
                session.add(secret)
            return (secret.value.encode(),)

    # -- units of work -------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Commit at the end of the block, then publish what the actions queued — never before."""
        async with self.sessions() as session:
            async with self.write_gate, session.begin():
                session.info["after_commit"] = []
                session.info["changed_conversations"] = []
                yield session
            for conversation in session.info.pop("changed_conversations"):
                self.remember(conversation)
            for topic, frame in session.info.pop("after_commit"):
                self.broker.publish(topic, frame)

    def reading(self) -> contextlib.AbstractAsyncContextManager[AsyncSession]:
        """A session that only reads. On SQLite it does not take the write lock, which a plain
        session's first statement would (BEGIN IMMEDIATE, see db._sqlite_begin): outside the
        write gate that makes the message writer's commit fail and retry after a sleep."""
        return read_only(self.sessions)

    # -- publishing ----------------------------------------------------------------------------

    def publish_messages(self, stored: Sequence[StoredMessage]) -> None:
        for message in stored:
            frame = protocol.message_frame(message)
            if not message.internal:  # internal notes never reach the visitor's topic
                self.broker.publish(conversation_topic(message.conversation_id), frame)
            self.publish_to_staff(message.business_id, frame)

    def publish_to_staff(self, business_id: str, frame: str) -> None:
        self.broker.publish(business_topic(business_id), frame)
        self.broker.publish(ALL_STAFF, frame)

    async def conversation_facts(self, conversation_id: str) -> ConversationFacts | None:
        facts = self.facts.get(conversation_id)
        if facts is None:
            async with self.reading() as session:
                row = (
                    await session.execute(
                        select(
                            Conversation.business_id,
                            Conversation.visitor_id,
                            Conversation.state,
                            Conversation.operator_id,
                            Conversation.language,
                        ).where(Conversation.id == conversation_id)
                    )
                ).first()
            if row is None:
                return None
            facts = ConversationFacts(*row)
            if len(self.facts) > 100_000:  # a bounded cache; closed chats fall out first
                self.facts.clear()
            self.facts[conversation_id] = facts
        return facts

    def remember(self, conversation: Conversation) -> None:
        self.facts[conversation.id] = ConversationFacts(
            conversation.business_id,
            conversation.visitor_id,
            conversation.state,
            conversation.operator_id,
            conversation.language,
        )


def queue_after_commit(session: AsyncSession, topic: str, frame: str) -> None:
    """Actions call this; Runtime.transaction publishes once the commit succeeded."""
    session.info["after_commit"].append((topic, frame))
