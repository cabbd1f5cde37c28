"""Login throttling: back-off per account and per client address, refused before argon2 runs.
Every test moves an injected clock instead of sleeping."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from security_helpers import FakeClock, running_live

from livedesk import i18n
from livedesk.accounts import actions
from livedesk.security import passwords
from livedesk.security.throttle import LoginThrottle, ThrottlePolicy
from livedesk.settings import Settings

from livedesk_testing import PASSWORD, World

# -- the rules, on their own -------------------------------------------------------------------


def test_account_backoff_doubles_is_capped_and_ends() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)
    # Each guess from a new address: only the account's counter can stop them.
    for i in range(6):  # five free failures, and the sixth is let through but starts a wait
        attempt, wait = throttle.begin("sanne", f"203.0.113.{i}")
        assert attempt is not None and wait == 0
    waits = []
    for i in range(12):
        attempt, wait = throttle.begin("Sanne ", f"198.51.100.{i}")  # the same account
        assert attempt is None
        waits.append(wait)
        clock.advance(wait)
        attempt, _ = throttle.begin("sanne", f"198.51.100.{i}")
        assert attempt is not None  # exactly when the wait is over
    assert waits[:5] == [1, 2, 4, 8, 16]
    assert waits == sorted(waits) and max(waits) == 60  # an operator waits a minute at worst
    assert throttle.begin("sanne", "192.0.2.1")[0] is None
    clock.advance(60 * 60)  # an hour of quiet: the account is free again
    for i in range(5):
        attempt, wait = throttle.begin("sanne", f"192.0.2.{i}")
        assert attempt is not None and wait == 0


def test_parallel_guesses_are_counted_before_they_are_verified() -> None:
    throttle = LoginThrottle(clock=FakeClock())
    results = [throttle.begin("daan", "203.0.113.5") for _ in range(20)]
    assert sum(attempt is not None for attempt, _ in results) == 6


def test_success_resets_the_account_but_not_the_address() -> None:
    clock = FakeClock()
    policy = ThrottlePolicy(address_free_failures=8)
    throttle = LoginThrottle(policy, clock=clock)
    for _ in range(5):
        throttle.begin("daan", "203.0.113.5")
    attempt, _ = throttle.begin("daan", "203.0.113.5")  # the right password, at last
    assert attempt is not None
    throttle.succeeded(attempt)
    assert throttle.begin("daan", "198.51.100.1")[0] is not None  # the account starts over
    # The address keeps its five failures: an attacker cannot clear it with an own account.
    for name in ("other1", "other2", "other3"):  # failures 6 to 8: the free ones
        assert throttle.begin(name, "203.0.113.5")[0] is not None
    assert throttle.begin("other4", "203.0.113.5")[0] is not None  # the 9th starts a wait
    assert throttle.begin("other5", "203.0.113.5") == (None, 1.0)


def test_one_address_trying_many_accounts_is_slowed() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)
    allowed = [throttle.begin(f"user{i}", "203.0.113.9")[0] is not None for i in range(40)]
    assert allowed == [True] * 21 + [False] * 19
    assert throttle.begin("user99", "203.0.113.10")[0] is not None  # another address is not
    waits = []
    for i in range(10):  # the address's back-off grows, and stays under a minute
        attempt, wait = throttle.begin(f"more{i}", "203.0.113.9")
        assert attempt is None
        waits.append(wait)
        clock.advance(wait)
        assert throttle.begin(f"more{i}", "203.0.113.9")[0] is not None
    assert waits[:5] == [1, 2, 4, 8, 16]
    assert min(waits[5:]) >= 16 and max(waits) <= 60  # a guess per 16-60 s, sustained
    # IPv6: one subscriber's /64 is one address.
    for i in range(21):
        throttle.begin(f"v6user{i}", f"2001:db8:1:2::{i + 1:x}")
    assert throttle.begin("v6other", "2001:db8:1:2:ffff::1")[0] is None
    assert throttle.begin("v6other", "2001:db8:1:3::1")[0] is not None


def test_an_address_that_logged_in_before_is_not_locked_out_by_others() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)
    attempt, _ = throttle.begin("sanne", "198.51.100.7")  # her desk
    assert attempt is not None
    throttle.succeeded(attempt)
    for i in range(30):  # an attacker elsewhere
        throttle.begin("sanne", f"203.0.113.{i}")
    assert throttle.begin("sanne", "192.0.2.50")[0] is None  # a new device waits
    attempt, wait = throttle.begin("sanne", "198.51.100.7")  # her desk does not
    assert attempt is not None and wait == 0
    clock.advance(31 * 86400)  # a month later the desk is no longer remembered
    for i in range(30):
        throttle.begin("sanne", f"203.0.114.{i % 250}")
    assert throttle.begin("sanne", "198.51.100.7")[0] is None


def test_stores_no_usernames_or_addresses_and_stays_bounded() -> None:
    throttle = LoginThrottle(ThrottlePolicy(max_entries=50), clock=FakeClock())
    for i in range(500):
        attempt, _ = throttle.begin(f"user{i}", f"203.0.{i // 250}.{i % 250}")
        if attempt is not None and i % 2:
            throttle.succeeded(attempt)
    state = (throttle._accounts, throttle._addresses, throttle._known)
    assert all(len(table) <= 50 for table in state)
    keys = [
        *throttle._accounts,
        *throttle._addresses,
        *(k for pair in throttle._known for k in pair),
    ]
    assert keys and all(isinstance(k, bytes) and len(k) == 16 for k in keys)
    assert not any(b"203.0" in k or b"user" in k for k in keys)
    # The same address however it is written; keys differ between processes (random key).
    assert throttle.address_key("::ffff:203.0.113.5") == throttle.address_key("203.0.113.5")
    assert LoginThrottle().address_key("203.0.113.5") != throttle.address_key("203.0.113.5")


# -- through the real login endpoint -----------------------------------------------------------


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password verification the login runs (the expensive part)."""
    calls: list[str] = []
    real = passwords.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        calls.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(actions, "verify_password", counting)
    return calls


async def login(
    http: httpx.AsyncClient, username: str, password: str, **headers: str
) -> httpx.Response:
    return await http.post(
        "/api/v1/auth/login", json={"username": username, "password": password}, headers=headers
    )


async def test_throttled_logins_get_429_before_argon2_then_work_after_the_wait(
    settings: Settings, world: World, argon2_calls: list[str]
) -> None:
    clock = FakeClock()
    state: dict[str, Any] = {"login_throttle": LoginThrottle(clock=clock)}
    async with running_live(settings, app_state=state) as server, server.http() as http:
        for _ in range(6):
            r = await login(http, world.a.operator, "wrong-password")
            assert r.status_code == 401 and r.json()["code"] == "bad_credentials"
        assert len(argon2_calls) == 6

        r = await login(http, world.a.operator, PASSWORD)  # right, but too soon
        assert r.status_code == 429
        assert r.headers["retry-after"] == "1"
        assert r.json() == {
            "code": "rate_limited",
            "message": i18n.text("rate_limited", "nl", retry_after=1),
            "data": {"retry_after": 1},
        }
        assert "livedesk_session" not in r.cookies
        assert "1" in r.json()["message"]  # the wait, filled in
        r = await login(http, world.a.operator, "x", **{"accept-language": "en-GB,en;q=0.9"})
        assert r.json()["message"] == i18n.text("rate_limited", "en", retry_after=1)
        assert r.json()["message"] != i18n.text("rate_limited", "nl", retry_after=1)
        assert len(argon2_calls) == 6  # neither refusal hashed anything

        clock.advance(1.0)
        r = await login(http, world.a.operator, PASSWORD)
        assert r.status_code == 200, r.text
        assert r.cookies.get("livedesk_session")
        assert len(argon2_calls) == 7


async def test_an_attacker_cannot_lock_the_operator_out_at_her_desk(
    settings: Settings, world: World, argon2_calls: list[str]
) -> None:
    """Behind a trusted proxy, each client is its own address (X-Forwarded-For)."""
    settings.trusted_proxies = "127.0.0.1"
    clock = FakeClock()
    state: dict[str, Any] = {"login_throttle": LoginThrottle(clock=clock)}
    desk = {"x-forwarded-for": "198.51.100.7"}
    async with running_live(settings, app_state=state) as server, server.http() as http:
        assert (await login(http, world.a.operator, PASSWORD, **desk)).status_code == 200
        statuses = [
            (
                await login(
                    http, world.a.operator, f"guess{i}", **{"x-forwarded-for": f"203.0.113.{i}"}
                )
            ).status_code
            for i in range(30)
        ]
        assert statuses[:6] == [401] * 6 and set(statuses[6:]) == {429}
        assert len(argon2_calls) == 1 + 6

        laptop = {"x-forwarded-for": "192.0.2.50"}
        r = await login(http, world.a.operator, PASSWORD, **laptop)  # a new device waits
        assert r.status_code == 429 and 0 < r.json()["data"]["retry_after"] <= 60
        # Her desk does not, and her login there ends the back-off for the account.
        assert (await login(http, world.a.operator, PASSWORD, **desk)).status_code == 200
        assert (await login(http, world.a.operator, PASSWORD, **laptop)).status_code == 200
        assert len(argon2_calls) == 1 + 6 + 2


async def test_one_client_address_trying_many_accounts_is_refused(
    settings: Settings, world: World, argon2_calls: list[str]
) -> None:
    settings.trusted_proxies = "127.0.0.1"
    state: dict[str, Any] = {"login_throttle": LoginThrottle(clock=FakeClock())}
    sprayer = {"x-forwarded-for": "203.0.113.99"}
    async with running_live(settings, app_state=state) as server, server.http() as http:
        statuses = [
            (await login(http, f"someone{i}", "Welkom2024!", **sprayer)).status_code
            for i in range(25)
        ]
        assert statuses == [401] * 21 + [429] * 4
        assert len(argon2_calls) == 21
        # Someone else, elsewhere, is not affected.
        other = {"x-forwarded-for": "198.51.100.8"}
        assert (await login(http, world.b.operator, PASSWORD, **other)).status_code == 200
