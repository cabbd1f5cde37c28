"""The purge as the server schedules it, and its report over HTTP."""

from __future__ import annotations

import asyncio
import time

from test_purge import EXPECTED, NOW, seed

from livedesk.privacy.purge import PrivacySettings
from livedesk.settings import Settings
from roles_testing import create_admin

from livedesk_testing import LiveServer, World, login


async def test_the_server_purges_on_its_schedule_once_and_reports_it(
    settings: Settings, world: World
) -> None:
    await seed(settings, world)
    admin = await create_admin(settings)
    server = LiveServer(settings)
    server.app.state.privacy_settings = PrivacySettings(
        purge_check_seconds=0.05, purge_batch_size=2, purge_pause_seconds=0
    )
    server.app.state.privacy_clock = lambda: NOW
    await server.start()
    try:
        async with server.http(cookies={"livedesk_session": await login(server, admin)}) as http:
            deadline = time.monotonic() + 30
            while True:
                runs = (await http.get("/api/v1/privacy/purges")).json()
                if runs and runs[0]["status"] == "finished":
                    break
                assert time.monotonic() < deadline, runs
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # several more checks: the next run is due in a day
            [run] = (await http.get("/api/v1/privacy/purges")).json()
            assert run["trigger"] == "schedule" and run["resumed"] == 0
            assert run["as_of"] == "2026-06-15T12:00:00Z"
            names = {world.a.business_id: "alpha", world.b.business_id: "beta"}
            assert {names[b]: counts for b, counts in run["counts"].items()} == EXPECTED
            only_beta = await http.get(
                "/api/v1/privacy/purges", params={"business_id": world.b.business_id}
            )
            assert only_beta.json()[0]["counts"] == {world.b.business_id: EXPECTED["beta"]}
    finally:
        await server.stop()
