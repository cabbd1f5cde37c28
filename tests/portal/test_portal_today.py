"""Today: the business's chats since its local midnight against its contract, and the chats open
right now; and the navigation's counts."""

from __future__ import annotations

from datetime import timedelta

from portal_helpers import Chat, seed_chats

from livedesk.businesses.models import Business
from livedesk.db import utcnow
from livedesk.portal.today import day_start
from livedesk.settings import Settings
from roles_testing import LoginAs

from livedesk_testing import LiveServer, World


async def test_today_counts_since_local_midnight_against_the_contract(
    login_as: LoginAs, settings: Settings, server: LiveServer, world: World
) -> None:
    since = day_start(Business(timezone="Europe/Amsterdam"), utcnow())
    # A minute ago, but never before midnight there (a test run at 00:00:30 stays today).
    now = max(utcnow() - timedelta(minutes=1), since + timedelta(seconds=1))
    today = {"started": now}
    ids = await seed_chats(
        settings,
        world.a,
        Chat(**today, first_reply_after=10, lead=True),  # within the 30 s target
        Chat(**today, first_reply_after=100),
        Chat(**today, state="missed", first_reply_after=None, offline_message=True),
        Chat(**today, state="abandoned", first_reply_after=None),
        Chat(**today, first_reply_after=None, bot_answers=2),
        Chat(**today, state="queued", first_reply_after=None, disposition=None),
        Chat(
            started=now + timedelta(seconds=1),
            state="active",
            first_reply_after=5,
            disposition=None,
        ),
        Chat(started=since - timedelta(hours=1), state="active", first_reply_after=3),
    )
    await seed_chats(settings, world.b, Chat(**today), Chat(**today, lead=True))
    async with await login_as(world.a.business_user) as http:
        r = await http.get("/api/v1/portal/today")
    assert r.status_code == 200, r.text
    day = r.json()
    got = {k: day[k] for k in ("chats", "answered", "answered_within_target", "missed")}
    got |= {k: day[k] for k in ("abandoned", "bot_answered", "leads", "offline_messages")}
    assert got == {
        "chats": 7,
        "answered": 3,
        "answered_within_target": 2,
        "missed": 1,
        "abandoned": 1,
        "bot_answered": 1,
        "leads": 1,
        "offline_messages": 1,
    }
    assert day["answered_within_target_share"] == round(2 / 3, 4)
    assert day["bot_share"] == round(1 / 7, 4)
    assert day["target"] == {"first_reply_seconds": 30.0, "first_reply_share": 0.8}
    assert day["since"].startswith(since.strftime("%Y-%m-%dT%H:%M"))
    # Open now, yesterday's still-active chat included, longest waiting first.
    assert [c["conversation_id"] for c in day["open"]] == [ids[7], ids[5], ids[6]]
    assert day["open_counts"] == {"queued": 1, "offered": 0, "active": 2}
    queued, active = day["open"][1], day["open"][2]
    assert queued["answered"] is False and queued["waiting_seconds"] >= 59
    assert active["answered"] is True and active["waiting_seconds"] == 5.0
    assert queued["visitor"]["name"] == "Sanne de Vries"
    assert day["experts_may_join"] is False


async def test_counts_show_what_waits_for_the_business(
    login_as: LoginAs, settings: Settings, server: LiveServer, world: World
) -> None:
    await seed_chats(
        settings, world.a, Chat(lead=True), Chat(lead=True), Chat(offline_message=True)
    )
    await seed_chats(settings, world.b, Chat(lead=True))
    async with await login_as(world.a.business_user) as http:
        counts = (await http.get("/api/v1/portal/counts")).json()
        assert counts == {"new_leads": 3, "faq_proposals": 0, "change_requests": 0}
        lead = (await http.get("/api/v1/leads")).json()["items"][0]["id"]
        r = await http.post(f"/api/v1/leads/{lead}/review", json={"decision": "accepted"})
        assert r.status_code == 200, r.text
        assert (await http.get("/api/v1/portal/counts")).json()["new_leads"] == 2
