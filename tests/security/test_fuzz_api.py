"""A bounded fuzz run of the HTTP API from its own OpenAPI document (schemathesis): valid and
invalid inputs for every operation, logged in as a provider admin and as a business user. No
answer may be a 500, and every refusal keeps the error shape {"code", "message", "data"}.

Path parameters are the generated strings for half the examples and business A's real ids for
the other half, so the fuzzer also reaches past the 404s. The run stays near a minute: a few
examples per operation and mode, no shrinking (a failure is reported with its curl command).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from livedesk.leads.views import service_of
from livedesk.security.session_limit import SessionLimiter, SessionLimits
from livedesk.security.throttle import LoginThrottle, ThrottlePolicy
from livedesk.settings import Settings
from roles_testing import create_admin

from livedesk_testing import LiveServer, World, login

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")
from schemathesis import GenerationMode  # noqa: E402

EXAMPLES = int(os.environ.get("LIVEDESK_FUZZ_EXAMPLES", "3"))  # per operation, mode and user
SERVER_ERROR = 500
ERROR_KEYS = {"code", "message", "data"}


@dataclass
class Findings:
    failures: list[str] = field(default_factory=list)
    calls: int = 0

    def check(self, case: Any, response: Any, who: str) -> None:
        self.calls += 1
        problem = None
        if response.status_code >= SERVER_ERROR:
            problem = f"answered {response.status_code}"
        elif response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict) or set(body) != ERROR_KEYS:
                problem = f"a {response.status_code} without the error shape: {response.text[:200]}"
        if problem and len(self.failures) < 50:
            self.failures.append(
                f"{case.operation.label} as {who}: {problem}\n  {case.as_curl_command()}"
            )


def _real_ids(world: World) -> dict[str, str]:
    a = world.a
    return {"business_id": a.business_id, "widget_id": a.widget_id, "key": a.widget_key}


def fuzz(
    spec: dict[str, Any], base_url: str, token: str, who: str, ids: dict[str, str]
) -> Findings:
    """Runs in a thread: schemathesis calls the live server with `requests`."""
    findings = Findings()
    schema = schemathesis.openapi.from_dict(spec)
    headers = {"Authorization": f"Bearer {token}"}
    for result in schema.get_all_operations():
        operation = result.ok()
        known = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        if known and len(known) == len(list(operation.path_parameters)):
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known))

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=st.one_of(strategies))
        def run(case: Any) -> None:
            findings.check(case, case.call(base_url=base_url, headers=headers, timeout=10), who)

        run()
    return findings


async def _api_token(server: LiveServer, username: str) -> str:
    async with server.http(cookies={"livedesk_session": await login(server, username)}) as http:
        made = await http.post("/api/v1/auth/tokens", json={"name": "fuzz"})
    assert made.status_code == 201, made.text
    return str(made.json()["token"])


async def test_no_input_makes_the_api_answer_500_or_break_its_error_shape(
    settings: Settings, world: World, server: LiveServer
) -> None:
    await create_admin(settings)
    # Every call comes from 127.0.0.1: the per-address limits would only answer 429s.
    lenient = ThrottlePolicy(account_free_failures=10**6, address_free_failures=10**6)
    server.app.state.login_throttle = LoginThrottle(lenient)
    server.app.state.session_limiter = SessionLimiter(SessionLimits(1e6, 1e6, 1e6, 1e6))
    leads = service_of(server.runtime)
    leads.settings.offline_burst = leads.settings.offline_per_ip_per_minute = 100_000
    spec = server.app.openapi()
    failures: list[str] = []
    calls = 0
    for username in ("admin", world.a.business_user):
        token = await _api_token(server, username)
        found = await asyncio.to_thread(fuzz, spec, server.url, token, username, _real_ids(world))
        failures += found.failures
        calls += found.calls
    assert calls > len(spec["paths"]) * EXAMPLES  # it really ran
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures)
