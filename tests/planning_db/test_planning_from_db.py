"""`livedesk plan --from-db`: planner inputs estimated from stored conversations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from livedesk.conversations.models import Conversation, Visitor
from livedesk.db import make_engine, make_sessionmaker, unit_of_work, utcnow
from livedesk.planning.errors import PlanningInputError
from livedesk.planning.from_db import estimate_from_db
from livedesk.settings import Settings

from livedesk_testing import World


async def test_estimates_aht_and_patience_from_conversations(
    settings: Settings, world: World
) -> None:
    engine = make_engine(settings)
    now = utcnow() - timedelta(days=1)
    async with unit_of_work(make_sessionmaker(engine)) as session:
        visitor = Visitor(business_id=world.a.business_id, widget_id=world.a.widget_id)
        session.add(visitor)
        await session.flush()
        operator_id = None
        for i in range(10):  # answered after 20 s, handled for 8 minutes, one at a time
            start = now + timedelta(minutes=10 * i)
            session.add(
                Conversation(
                    business_id=world.a.business_id,
                    widget_id=world.a.widget_id,
                    visitor_id=visitor.id,
                    state="closed",
                    queued_at=start,
                    accepted_at=start + timedelta(seconds=20),
                    operator_id=operator_id,
                    closed_at=start + timedelta(seconds=20, minutes=8),
                )
            )
        for i in range(4):  # gave up after 90 s
            start = now + timedelta(minutes=10 * i + 5)
            session.add(
                Conversation(
                    business_id=world.a.business_id,
                    widget_id=world.a.widget_id,
                    visitor_id=visitor.id,
                    state="abandoned",
                    queued_at=start,
                    abandoned_at=start + timedelta(seconds=90),
                )
            )
        session.add(
            Conversation(  # another business's chat must not count
                business_id=world.b.business_id,
                widget_id=world.b.widget_id,
                visitor_id=visitor.id,
                state="abandoned",
                queued_at=now,
                abandoned_at=now + timedelta(hours=1),
            )
        )
    await engine.dispose()

    estimates = await estimate_from_db(settings, "alpha", weeks=1)
    assert estimates.aht_min == pytest.approx(8.0)
    # patience = total waiting time / abandonments = (10·20 s + 4·90 s) / 4
    assert estimates.patience_min == pytest.approx((10 * 20 + 4 * 90) / 4 / 60)
    assert estimates.arrivals_per_hour_of_week.sum() == pytest.approx(14 / 1)


async def test_unknown_business_is_a_clear_error(settings: Settings, world: World) -> None:
    with pytest.raises(PlanningInputError) as error:
        await estimate_from_db(settings, "nope", weeks=4)
    assert error.value.code == "unknown_business"
