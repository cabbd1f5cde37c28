"""Report fixtures: a provider admin on top of the two-business world."""

from __future__ import annotations

import pytest
from reports_helpers import ADMIN

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.settings import Settings

from livedesk_testing import PASSWORD, World


@pytest.fixture
async def admin(settings: Settings, world: World) -> str:
    """The username of a provider admin (password: livedesk_testing.PASSWORD)."""
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            await do_create_user(
                session,
                username=ADMIN,
                password=PASSWORD,
                role=Role.PROVIDER_ADMIN,
                display_name="Admin",
            )
    finally:
        await engine.dispose()
    return ADMIN
