"""No raw client address is kept: the offline form's rate limit holds keyed hashes under a
rotating key, and uvicorn's log lines name a truncated address without the visitor's token."""

from __future__ import annotations

import logging
from typing import Any

from livedesk.app import create_app
from livedesk.leads.service import LeadsService
from livedesk.leads.settings import LeadsSettings, SmtpSettings
from livedesk.security.address_hash import (
    RotatingHash,
    TruncateClientAddress,
    truncate_address,
)
from livedesk.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_rotating_hash_recognises_a_client_until_the_key_changes() -> None:
    clock = Clock()
    hashed = RotatingHash(rotate_seconds=3600, clock=clock)
    first = hashed("offline:203.0.113.77")
    assert hashed("offline:203.0.113.77") == first != hashed("offline:203.0.113.78")
    assert b"203.0.113" not in first and len(first) == 16
    clock.now += 3599
    assert hashed("offline:203.0.113.77") == first and hashed.generation == 0
    clock.now += 1
    assert hashed("offline:203.0.113.77") != first and hashed.generation == 1
    # Another process (another key) makes other hashes of the same address.
    assert RotatingHash(clock=clock)("offline:203.0.113.77") != hashed("offline:203.0.113.77")


def test_the_offline_form_limit_keeps_no_address() -> None:
    clock = Clock()
    settings = LeadsSettings(offline_per_ip_per_minute=1, offline_burst=1)
    service = LeadsService(None, settings, SmtpSettings(), None)  # type: ignore[arg-type]
    service._hash = RotatingHash(rotate_seconds=86400, clock=clock)
    assert service.rate_limited("offline:198.51.100.7") == 0
    assert service.rate_limited("offline:198.51.100.7") > 0  # the same client, recognised
    assert service.rate_limited("offline:198.51.100.8") == 0
    kept: list[Any] = list(service._buckets)
    assert len(kept) == 2 and all(isinstance(k, bytes) and b"198.51" not in k for k in kept)
    assert "198.51" not in repr(service.__dict__)
    clock.now += 86400  # a new key: what the old one made is dropped, not kept unreachable
    assert service.rate_limited("offline:198.51.100.7") == 0
    assert len(service._buckets) == 1


def test_truncated_addresses() -> None:
    assert truncate_address("203.0.113.77") == "203.0.113.0"
    assert truncate_address("2001:db8:85a3:8d3:1319:8a2e:370:7348") == "2001:db8:85a3::"
    assert truncate_address("::ffff:198.51.100.7") == "198.51.100.0"
    assert truncate_address("fe80::1%eth0") == "fe80::"
    assert truncate_address("unix:/run/livedesk.sock") == "unix:/run/livedesk.sock"
    assert truncate_address(None) == ""


def _line(msg: str, *args: Any) -> str:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, msg, args, None)
    assert TruncateClientAddress().filter(record)
    return record.getMessage()


def test_log_lines_name_a_truncated_address_and_no_token() -> None:
    access = _line(
        '%s - "%s %s HTTP/%s" %d', "203.0.113.77:51234", "GET", "/api/v1/healthz", "1.1", 200
    )
    assert access == '203.0.113.0 - "GET /api/v1/healthz HTTP/1.1" 200'
    socket = _line(
        '%s - "WebSocket %s" [accepted]',
        "2001:db8:85a3:8d3:1319:8a2e:370:7348:60001",
        "/ws/visitor?token=eyJ2IjoxfQ.c2lnbmF0dXJl&lang=nl",
    )
    assert socket == '2001:db8:85a3:: - "WebSocket /ws/visitor?token=…&lang=nl" [accepted]'
    # Other lines pass untouched.
    assert _line("Started server process [%d]", 42) == "Started server process [42]"


def test_the_app_installs_the_filter_on_uvicorns_loggers(settings: Settings) -> None:
    create_app(settings)
    create_app(settings)  # once, however many apps a process makes
    for name in ("uvicorn.access", "uvicorn.error"):
        filters = logging.getLogger(name).filters
        assert sum(isinstance(f, TruncateClientAddress) for f in filters) == 1
