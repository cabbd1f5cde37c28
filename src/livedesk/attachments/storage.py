"""Where attachment bytes live: a directory of its own outside any web root, each file under
its attachment's random id (so a name reveals nothing and cannot be guessed), its thumbnail
beside it. Files are written to a temporary name and renamed, so a reader never sees half a
file; they are readable by this process's user only."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.settings import DEFAULT_DATA_DIR

MIB = 1024 * 1024
# What security/bodylimit.py lets an upload carry at most; the setting stays below it.
UPLOAD_CAP = 64 * MIB


class AttachmentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVEDESK_ATTACHMENTS_", extra="ignore")

    max_bytes: int = Field(default=10 * MIB, ge=1024, le=UPLOAD_CAP - MIB)
    # Empty: `attachments/` beside a SQLite database file, else var/attachments.
    dir: str = ""
    thumbnail_pixels: int = Field(default=320, ge=32, le=1024)  # the longer side
    # Larger images are refused before they are decoded (decompression bombs).
    max_image_pixels: int = Field(default=40_000_000, ge=1_000_000)
    # What a visitor, who needs no account, may put on the provider's disk: per conversation
    # (every upload counts, sent or not) and per client address across conversations.
    visitor_files_per_conversation: int = Field(default=20, ge=1)
    visitor_bytes_per_conversation: int = Field(default=50 * MIB, ge=1024)
    visitor_bytes_per_address_per_hour: int = Field(default=100 * MIB, ge=1024)


def storage_dir(database_url: str, attachments: AttachmentSettings) -> Path:
    if attachments.dir:
        return Path(attachments.dir)
    url = database_url
    for prefix in ("sqlite:///", "sqlite+aiosqlite:///"):
        if url.startswith(prefix) and ":memory:" not in url:
            return Path(url[len(prefix) :].split("?", 1)[0]).parent / "attachments"
    return DEFAULT_DATA_DIR / "attachments"


class Storage:
    """Blocking file operations: callers run them in a worker thread."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, attachment_id: str, *, thumbnail: bool = False) -> Path:
        if not attachment_id.isalnum():  # ids are hex: never a path of the client's making
            raise ValueError("bad attachment id")
        name = f"{attachment_id}.thumb" if thumbnail else attachment_id
        return self.root / attachment_id[:2] / name

    def write(self, attachment_id: str, data: bytes, thumbnail: bytes | None) -> None:
        self._write(self.path(attachment_id), data)
        if thumbnail is not None:
            self._write(self.path(attachment_id, thumbnail=True), thumbnail)

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_name(path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)

    def read(self, attachment_id: str, *, thumbnail: bool = False) -> bytes | None:
        try:
            return self.path(attachment_id, thumbnail=thumbnail).read_bytes()
        except FileNotFoundError:
            return None

    def remove(self, attachment_ids: Iterable[str]) -> int:
        """Deletes the files and their thumbnails; how many files were there."""
        removed = 0
        for attachment_id in attachment_ids:
            for thumbnail in (False, True):
                with contextlib.suppress(FileNotFoundError):
                    self.path(attachment_id, thumbnail=thumbnail).unlink()
                    removed += not thumbnail
        return removed


def storage_of(session: AsyncSession) -> Storage:
    """The file storage that belongs with `session`'s database (its URL and the environment's
    settings name the directory), for the privacy passes that delete files."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    url = engine.url.render_as_string(hide_password=True)
    return Storage(storage_dir(url, AttachmentSettings()))
