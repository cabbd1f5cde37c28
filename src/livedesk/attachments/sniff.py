"""What a file is, from its first bytes (magic numbers) only: the name and the Content-Type a
client sends are never believed. Only the types below are accepted; SVG, HTML and everything
else a browser might run as a document are refused, whatever they are called."""

from __future__ import annotations

import re
import unicodedata

PNG, JPEG, GIF, WEBP, PDF = "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"
IMAGES = frozenset({PNG, JPEG, GIF, WEBP})
EXTENSIONS = {PNG: "png", JPEG: "jpg", GIF: "gif", WEBP: "webp", PDF: "pdf"}


def sniff(head: bytes) -> str | None:
    """The content type of a file starting with `head` (16 bytes are enough), or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


_UNSAFE = re.compile(r"[^\w.\- ()]+")


def clean_name(name: str | None, content_type: str) -> str:
    """A file name fit to show and to offer as a download: no path, no control or quote
    characters, at most 120 characters, ending in the extension of what the file really is."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = _UNSAFE.sub("_", base).strip(" ._")
    stem = (base.rsplit(".", 1)[0] if "." in base else base).strip(" ._")
    return f"{stem[:100] or 'bestand'}.{EXTENSIONS[content_type]}"
