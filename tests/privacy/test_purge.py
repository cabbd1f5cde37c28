"""The retention purge with an injected clock, on SQLite and PostgreSQL: exactly what is older
than each limit goes and what is a day younger stays, in batches, counted once; a crash between
batches is finished by the next run; a second process never purges at the same time."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from privacy_helpers import add_chat, add_lead
from sqlalchemy import func, select

from livedesk.conversations.models import Conversation, Message, Rating, Visitor
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.knowledge.models import FaqProposal, FaqSuggestionLog
from livedesk.leads.models import Lead, OutboxItem, OutboxState
from livedesk.privacy.models import PurgeCount, PurgeRun, RetentionSettings
from livedesk.privacy.purge import PrivacySettings, Purger
from livedesk.privacy.retention import months_before
from livedesk.runtime import Runtime
from livedesk.settings import Settings

from livedesk_testing import Tenant, World

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
TRANSCRIPTS = months_before(NOW, 12)  # 2025-06-15 12:00
OFFLINE = months_before(NOW, 6)
LEADS = months_before(NOW, 24)
FAST = PrivacySettings(purge_batch_size=2, purge_pause_seconds=0, purge_lease_seconds=300)
OLD_CHATS = 5

# What a clean run removes: alpha under the defaults, beta under a one-month transcript limit.
EXPECTED = {
    "alpha": {
        "conversations": OLD_CHATS,
        "messages": 2 * OLD_CHATS,
        "rating_comments": OLD_CHATS,
        "suggestion_queries": OLD_CHATS,
        "faq_proposals": OLD_CHATS,
        "deliveries": OLD_CHATS,
        "visitors": OLD_CHATS + 1,  # their names and e-mails, and one visitor without chats
        "offline_messages": 1,
        "leads": 1,
    },
    "beta": {
        "conversations": 1,
        "messages": 2,
        "rating_comments": 1,
        "suggestion_queries": 1,
        "faq_proposals": 1,
        "deliveries": 1,
        "visitors": 1,
    },
}


def test_months_are_calendar_months() -> None:
    assert TRANSCRIPTS == datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
    assert months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2028, 3, 31, tzinfo=UTC), 1) == datetime(2028, 2, 29, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 10, tzinfo=UTC), 13) == datetime(
        2024, 12, 10, tzinfo=UTC
    )


async def chat_at(session: Any, tenant: Tenant, at: datetime, tag: str) -> None:
    """A chat of its own visitor at `at`, with everything the purge looks at."""
    visitor = Visitor(
        business_id=tenant.business_id,
        widget_id=tenant.widget_id,
        email=f"{tag}@example.nl",
        created_at=at,
        last_seen_at=at,
    )
    session.add(visitor)
    await session.flush()
    chat = await add_chat(
        session,
        tenant,
        visitor,
        [("visitor", f"vraag {tag}"), ("operator", f"antwoord {tag}")],
        at=at,
        prechat={"naam": tag},
        comment=f"goed {tag}",
    )
    session.add(
        FaqProposal(
            business_id=tenant.business_id,
            conversation_id=chat.id,
            question=f"vraag {tag}",
            answer="antwoord",
            proposed_at=at,
        )
    )
    session.add(
        OutboxItem(
            business_id=tenant.business_id,
            conversation_id=chat.id,
            event="visitor.transcript",
            channel="email",
            target={"emails": [f"{tag}@example.nl"]},
            payload={"transcript": [tag]},
            idempotency_key=f"visitor-transcript.{tag}",
            state=OutboxState.DELIVERED,
            created_at=at,
        )
    )


async def seed(settings: Settings, world: World) -> None:
    a, b = world.a, world.b
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            for n in range(OLD_CHATS):
                await chat_at(session, a, TRANSCRIPTS - DAY - n * timedelta(hours=1), f"oud{n}")
            await chat_at(session, a, TRANSCRIPTS + DAY, "jong")
            await chat_at(session, a, NOW - timedelta(days=40), "recent")
            for at, tag in ((TRANSCRIPTS - DAY, "zonder"), (TRANSCRIPTS + DAY, "zonderjong")):
                session.add(
                    Visitor(
                        business_id=a.business_id,
                        widget_id=a.widget_id,
                        name=tag,
                        created_at=at,
                        last_seen_at=at,
                    )
                )
            for kind, limit in (("offline_message", OFFLINE), ("callback_request", LEADS)):
                for at, age in ((limit - DAY, "oud"), (limit + DAY, "jong")):
                    await add_lead(
                        session, a, kind=kind, at=at, name=f"{kind} {age}", email=f"{age}@x.nl"
                    )
            session.add(RetentionSettings(business_id=b.business_id, transcripts_months=1))
            await chat_at(session, b, NOW - timedelta(days=40), "beta-oud")
            await chat_at(session, b, NOW - timedelta(days=20), "beta-jong")
    finally:
        await engine.dispose()


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    runtime = Runtime.create(settings)
    try:
        yield runtime
    finally:
        await runtime.engine.dispose()


async def report(runtime: Runtime, world: World, run_id: str) -> dict[str, dict[str, int]]:
    names = {world.a.business_id: "alpha", world.b.business_id: "beta"}
    async with runtime.reading() as session:
        counts = await session.scalars(select(PurgeCount).where(PurgeCount.run_id == run_id))
        out: dict[str, dict[str, int]] = {}
        for c in counts:
            out.setdefault(names[c.business_id], {})[c.kind] = c.count
    return out


async def what_is_left(runtime: Runtime) -> dict[str, Any]:
    async with runtime.reading() as session:

        async def count(query: Any) -> int:
            return int(await session.scalar(query) or 0)

        return {
            "chats with messages": await count(
                select(func.count(func.distinct(Message.conversation_id)))
            ),
            "pre-chat answers": sorted(
                str(p.get("naam")) for p in await session.scalars(select(Conversation.prechat)) if p
            ),
            "comments": await count(select(func.count()).where(Rating.comment.is_not(None))),
            "questions": await count(select(func.count()).where(FaqSuggestionLog.query != "")),
            "proposals": await count(select(func.count()).where(FaqProposal.question != "")),
            "deliveries": await count(
                select(func.count()).where(OutboxItem.event == "visitor.transcript")
            ),
            "named leads": sorted(n for n in await session.scalars(select(Lead.name)) if n),
            "visitors": sorted(
                (v.name or v.email or "-") for v in await session.scalars(select(Visitor))
            ),
            "chats": await count(select(func.count()).select_from(Conversation)),
            "leads": await count(select(func.count()).select_from(Lead)),
        }


async def test_purge_takes_what_is_older_than_each_limit_and_keeps_a_day_younger(
    runtime: Runtime, settings: Settings, world: World
) -> None:
    await seed(settings, world)
    batches = 0

    async def counted() -> None:
        nonlocal batches
        batches += 1

    run = await Purger(runtime, FAST, clock=lambda: NOW, after_batch=counted).run("cli")
    assert run is not None and run.status == "finished" and run.as_of == NOW
    assert await report(runtime, world, run.id) == EXPECTED
    assert batches >= OLD_CHATS // 2 + 1  # the five old chats alone took three batches
    left = await what_is_left(runtime)
    assert left == {
        "chats with messages": 3,  # jong, recent, beta-jong
        "pre-chat answers": ["beta-jong", "jong", "recent"],
        "comments": 3,
        "questions": 3,
        "proposals": 3,
        "deliveries": 3,
        "named leads": ["callback_request jong", "offline_message jong"],
        "visitors": sorted(
            ["-"] * (OLD_CHATS + 1)  # anonymised, kept for their chats
            + ["jong@example.nl", "recent@example.nl", "beta-jong@example.nl", "zonderjong"]
        ),
        "chats": OLD_CHATS + 4,  # every chat row stays for the reports
        "leads": 4,
    }

    # Run again: nothing is left to do, so nothing is counted.
    again = await Purger(runtime, FAST, clock=lambda: NOW + DAY).run("cli")
    assert again is not None and again.id != run.id
    assert await report(runtime, world, again.id) == {}
    assert await what_is_left(runtime) == left


CRASHING_PURGE = textwrap.dedent(
    """
    import asyncio, os, sys
    from datetime import datetime
    from livedesk.privacy.purge import PrivacySettings, Purger
    from livedesk.runtime import Runtime
    from livedesk.settings import Settings

    url, now = sys.argv[1], datetime.fromisoformat(sys.argv[2])
    settings = PrivacySettings(purge_batch_size=2, purge_pause_seconds=0, purge_lease_seconds=300)

    async def main():
        runtime = Runtime.create(Settings(database_url=url))
        done = 0

        async def crash():
            nonlocal done
            done += 1
            if done == 2:
                os._exit(17)  # dies between two batches: no cleanup, no lease released

        await Purger(runtime, settings, clock=lambda: now, after_batch=crash).run("cli")

    asyncio.run(main())
    """
)


async def test_a_crash_between_batches_is_finished_by_the_next_run_and_counted_once(
    runtime: Runtime, settings: Settings, world: World, tmp_path: Path
) -> None:
    await seed(settings, world)
    script = tmp_path / "crash.py"
    script.write_text(CRASHING_PURGE)
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(script), settings.database_url, NOW.isoformat(), env=dict(os.environ)
    )
    assert await asyncio.wait_for(process.wait(), 60) == 17
    async with runtime.reading() as session:
        [crashed] = await session.scalars(select(PurgeRun))
    assert crashed.status == "running"
    partial = await report(runtime, world, crashed.id)
    done = sum(n for counts in partial.values() for n in counts.values())
    assert 0 < done < sum(n for counts in EXPECTED.values() for n in counts.values())

    # The lease the dead process holds keeps everyone out until it runs out...
    assert (
        await Purger(runtime, FAST, clock=lambda: NOW + timedelta(seconds=299)).run("cli") is None
    )
    # ...then the next run takes the job up where it stopped, under the same limits.
    resumed = await Purger(runtime, FAST, clock=lambda: NOW + timedelta(days=3)).run("cli")
    assert resumed is not None and resumed.id == crashed.id
    assert resumed.resumed == 1 and resumed.status == "finished" and resumed.as_of == NOW
    assert await report(runtime, world, resumed.id) == EXPECTED


async def test_a_second_process_does_not_purge_at_the_same_time(
    runtime: Runtime, settings: Settings, world: World
) -> None:
    await seed(settings, world)
    other = Runtime.create(settings)  # another process: its own engine and connections
    paused, go_on = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        paused.set()
        await go_on.wait()

    first = asyncio.create_task(
        Purger(runtime, FAST, clock=lambda: NOW, after_batch=hold).run("cli")
    )
    try:
        await asyncio.wait_for(paused.wait(), 30)
        assert await Purger(other, FAST, clock=lambda: NOW).run("schedule") is None
    finally:
        go_on.set()
        done = await asyncio.wait_for(first, 60)
        await other.engine.dispose()
    assert done is not None and done.status == "finished"
    assert await report(runtime, world, done.id) == EXPECTED
    async with runtime.reading() as session:
        assert await session.scalar(select(func.count()).select_from(PurgeRun)) == 1
    # Once the first is done, anyone may purge again.
    assert await Purger(runtime, FAST, clock=lambda: NOW + DAY).run("cli") is not None
