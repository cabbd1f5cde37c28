"""How much a visitor may put on the provider's disk. A visitor needs no account, so without a
bound a script could fill the storage directory. Two bounds:

- per conversation, in the database (so every process sees it): at most
  `visitor_files_per_conversation` uploads and `visitor_bytes_per_conversation` bytes, counting
  every upload, sent or not;
- per client address (IPv6 per /64) across conversations: a byte budget that refills at
  `visitor_bytes_per_address_per_hour`, kept in this process like the session limiter's (the
  address only as a keyed hash), so new conversations or new visitor sessions do not reset it.

Staff uploads are not limited here: staff are logged in and accountable.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.attachments.models import Attachment
from livedesk.attachments.storage import MIB, AttachmentSettings
from livedesk.errors import ApiError, Conflict
from livedesk.security.session_limit import KeyedBuckets
from livedesk.security.throttle import Clock, client_network, retry_after_seconds

i18n.register(
    {
        "nl": {
            "attachment_quota": "In dit gesprek kunnen geen bestanden meer worden verstuurd"
            " (hoogstens {max_files} bestanden of {max_mb} MB samen).",
            "attachment_rate": "U heeft veel bestanden verstuurd. Probeer het over"
            " {retry_after} seconden opnieuw.",
        },
        "en": {
            "attachment_quota": "No more files can be sent in this conversation (at most"
            " {max_files} files or {max_mb} MB in all).",
            "attachment_rate": "You have sent a lot of files. Please try again in"
            " {retry_after} seconds.",
        },
    }
)


async def check_conversation_quota(
    session: AsyncSession, conversation_id: str, size: int, settings: AttachmentSettings
) -> None:
    """Raises 409 `attachment_quota` when this visitor upload would pass the conversation's
    bounds."""
    files, stored = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Attachment.size), 0)).where(
                Attachment.conversation_id == conversation_id,
                Attachment.uploader_kind == "visitor",
            )
        )
    ).one()
    max_files = settings.visitor_files_per_conversation
    max_bytes = settings.visitor_bytes_per_conversation
    if files + 1 > max_files or stored + size > max_bytes:
        raise Conflict(
            "this conversation has reached its upload limit",
            code="attachment_quota",
            data={"max_files": max_files, "max_mb": f"{max_bytes / MIB:g}"},
        )


class AddressBudget:
    """Bytes per client address, refilled at a steady rate; a refused upload spends nothing."""

    def __init__(
        self,
        bytes_per_hour: float,
        burst: float,
        clock: Clock = time.monotonic,
        key: bytes | None = None,
    ) -> None:
        self.clock = clock
        self._key = key or secrets.token_bytes(32)
        self._buckets = KeyedBuckets(bytes_per_hour / 60, burst, max_entries=100_000)

    def take(self, host: str | None, size: int) -> float:
        """0.0 when `size` bytes may be stored now (and spends them), else the seconds to wait."""
        network = client_network(host).encode()
        key = hmac.new(self._key, network, hashlib.sha256).digest()[:16]
        bucket = self._buckets.bucket(key, self.clock())
        if bucket.tokens >= size:
            bucket.tokens -= size
            return 0.0
        return (size - bucket.tokens) / self._buckets.per_second


def address_budget(app: Any) -> AddressBudget:
    """The app's budget (`app.state.upload_budget`), made on first use; tests put their own."""
    budget: AddressBudget | None = getattr(app.state, "upload_budget", None)
    if budget is None:
        settings: AttachmentSettings = app.state.attachment_settings
        per_hour = settings.visitor_bytes_per_address_per_hour
        # Never smaller than one file of the largest size, or such a file could never pass.
        budget = app.state.upload_budget = AddressBudget(
            per_hour, max(per_hour, settings.max_bytes)
        )
    return budget


def rate_limited(wait: float) -> ApiError:
    seconds = retry_after_seconds(wait)
    return ApiError(
        "too many bytes uploaded from this address",
        code="attachment_rate",
        status_code=429,
        data={"retry_after": seconds},
    )
