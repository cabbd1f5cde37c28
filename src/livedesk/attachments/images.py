"""Checking an uploaded image and making its thumbnail, with Pillow (already a dependency of the
charts; a decoder for four formats is not worth writing). The image is opened with the one
format its magic number named, its size is read from the header and refused above
`max_pixels` before any pixel is decoded, and the thumbnail is decoded at reduced size where
the format allows (JPEG draft mode)."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from livedesk.attachments.sniff import GIF, JPEG, PNG, WEBP

FORMATS = {PNG: "PNG", JPEG: "JPEG", GIF: "GIF", WEBP: "WEBP"}


class BadImage(Exception):
    """Not a readable image of the type its first bytes claim, or far too large."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def thumbnail(data: bytes, content_type: str, box: int, max_pixels: int) -> tuple[bytes, str]:
    """The thumbnail (at most `box` pixels on its longer side) and its content type: PNG for an
    image with transparency, JPEG otherwise. Raises BadImage."""
    Image.MAX_IMAGE_PIXELS = max_pixels  # Pillow's own guard, for any path that decodes
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[FORMATS[content_type]])
            width, height = image.size
            if width * height > max_pixels:
                raise BadImage("attachment_image_too_large")
            image.thumbnail((box, box))  # decodes (JPEG at a reduced scale), then resamples
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadImage("attachment_image_too_large") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise BadImage("attachment_unreadable") from None
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    out = io.BytesIO()
    if transparent:
        image.convert("RGBA").save(out, "PNG", optimize=True)
        return out.getvalue(), PNG
    image.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue(), JPEG
