"""Settings of the leads domain, separate from the process settings so each can be set alone.

LIVEDESK_SMTP_* configure the mail relay; LIVEDESK_LEADS_* tune the delivery dispatcher;
LIVEDESK_WEBHOOK_ALLOW_NETWORKS lets webhooks reach internal networks (see security/addresses.py).
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from livedesk.security.addresses import IPNetwork, parse_networks


class SmtpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVEDESK_SMTP_", extra="ignore")

    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    username: str | None = None
    password: str | None = None
    use_tls: bool = False  # implicit TLS (port 465)
    start_tls: bool | None = None  # None: upgrade when the server offers it
    sender: str = "Livedesk <livedesk@localhost>"
    timeout_seconds: float = 20.0


class LeadsSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LIVEDESK_LEADS_", extra="ignore", populate_by_name=True
    )

    dispatcher_enabled: bool = True
    concurrency: int = Field(default=16, ge=1, le=1000)  # deliveries in flight per process
    poll_seconds: float = Field(default=1.0, gt=0)  # fallback when nobody wakes the dispatcher
    # Retry delay for attempt n is uniform in [d/2, d] with d = min(max, base * 2**(n-1)).
    backoff_base_seconds: float = Field(default=30.0, gt=0)
    backoff_max_seconds: float = Field(default=3600.0, gt=0)
    give_up_after_seconds: float = Field(default=3 * 24 * 3600.0, gt=0)  # then a human looks
    http_timeout_seconds: float = Field(default=10.0, gt=0)
    # An attempt still marked in flight after this long is presumed dead (crash) and retried.
    # Must exceed the HTTP/SMTP timeouts, or a slow live attempt would be sent twice.
    lease_seconds: float = Field(default=120.0, gt=0)
    stop_grace_seconds: float = Field(default=5.0, ge=0)
    offline_per_ip_per_minute: float = Field(default=10.0, gt=0)
    offline_burst: float = Field(default=5.0, ge=1)
    default_review_window_days: int = Field(default=14, ge=0)
    # Webhooks never reach loopback, private, link-local and other internal addresses, except
    # in these networks ("10.1.0.0/16, 192.168.5.7"): for a provider whose own systems take
    # deliveries. Empty: public addresses only.
    webhook_allow_networks: str = Field(
        default="", validation_alias="LIVEDESK_WEBHOOK_ALLOW_NETWORKS"
    )

    @field_validator("webhook_allow_networks")
    @classmethod
    def _check_networks(cls, value: str) -> str:
        parse_networks(value)  # a typo stops the start, rather than silently allowing nothing
        return value

    @property
    def webhook_allowed_networks(self) -> tuple[IPNetwork, ...]:
        return parse_networks(self.webhook_allow_networks)
