"""A Redis of a test's own, on a free port, to kill and start again at will (never the shared
one the other tests use). The `own_redis` fixture is in tests/conftest.py."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import redis

from livedesk_testing import free_port, missing_component

REDIS_SERVER = "/usr/bin/redis-server"


class OwnRedis:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start (or start again, on the same port) and wait until it answers."""
        self.process = subprocess.Popen(
            [
                *(REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 5
        while True:
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        client.close()

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()  # SIGKILL: no goodbye to the subscribers
            self.process.wait()
            self.process = None


def require_redis_server() -> None:
    if not os.access(REDIS_SERVER, os.X_OK):
        reason = f"no {REDIS_SERVER} to start a Redis of our own"
        missing_component("LIVEDESK_REQUIRE_REDIS", reason)
