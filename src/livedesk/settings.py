"""Process settings: CLI flags beat LIVEDESK_* environment variables, which beat defaults."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import ip_network
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


def normalise_database_url(url: str) -> str:
    """Accept the plain URLs people type and pick the async driver we ship.

    `sqlite:///path` → `sqlite+aiosqlite:///path`; `postgresql://…` / `postgres://…` →
    `postgresql+asyncpg://…`. URLs that already name a driver are left alone.
    """
    if url.startswith("sqlite:"):
        return "sqlite+aiosqlite:" + url[len("sqlite:") :]
    if url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    return url


def value_list(text: str) -> list[str]:
    """`"a, b c"` → ["a", "b", "c"]: list settings read as plain text from the environment."""
    return text.replace(",", " ").split()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVEDESK_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    database_url: str = f"sqlite:///{DEFAULT_DATA_DIR}/livedesk.db"
    redis_url: str | None = None
    # Signs visitor tokens; required by `livedesk serve`. Several keys separated by commas
    # rotate: tokens are signed with the first and accepted with any, so the old key can stay
    # second until the tokens it signed have expired. Only `livedesk demo` (and tests) may leave
    # it unset: a random key is then generated once and kept in the database.
    secret_key: str | None = None
    public_url: str | None = None  # what the demo prints; defaults to http://host:port
    visitor_token_ttl_seconds: int = 30 * 24 * 3600
    session_ttl_seconds: int = 12 * 3600
    max_body_chars: int = 4000
    # Visitor sessions a client address (bursts of 1.5x) and a widget (bursts of half) may
    # open per minute: anyone on the internet can ask for one.
    visitor_sessions_per_address_per_minute: float = Field(default=20.0, gt=0)
    visitor_sessions_per_widget_per_minute: float = Field(default=600.0, gt=0)
    frames_per_second: float = 10.0  # sustained rate per connection; bursts up to 2x
    outbound_queue_size: int = 1000  # frames buffered per connection before it is dropped
    resume_limit: int = 1000  # a client further behind than this is told to resync
    ping_interval_seconds: float = 20.0
    # Draining on SIGTERM (a deploy): /readyz answers 503 for `notice` seconds before the
    # listener closes, so a proxy that polls it stops sending first; sockets are then told to
    # reconnect elsewhere after a random delay of up to `spread` (under routing's 5 s grace for
    # a console), and the process exits within `grace` seconds of the signal whatever happens.
    drain_notice_seconds: float = Field(default=2.0, ge=0)
    drain_spread_seconds: float = Field(default=2.0, ge=0)
    drain_grace_seconds: float = Field(default=15.0, gt=0)
    # The session cookie is Secure whenever the request came over HTTPS; True: always.
    cookie_secure: bool = False
    # Proxies whose X-Forwarded-Proto / X-Forwarded-For are believed ("10.0.0.2, 10.1.0.0/16"):
    # the TLS-terminating proxy in front of Livedesk. Empty: none, and those headers are ignored.
    trusted_proxies: str = ""

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not (value.startswith("sqlite") or value.startswith("postgres")):
            raise ValueError("database_url must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        for item in value_list(value):
            try:
                ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"trusted_proxies: {item!r} is not an IP address or network"
                ) from None
        return value

    @property
    def secret_keys(self) -> list[str]:
        """LIVEDESK_SECRET_KEY as its keys, the signing one first; empty when unset."""
        return [key.strip() for key in (self.secret_key or "").split(",") if key.strip()]

    @property
    def trusted_proxy_list(self) -> list[str]:
        return value_list(self.trusted_proxies)

    @property
    def async_database_url(self) -> str:
        return normalise_database_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
