"""What the attachment endpoints answer."""

from __future__ import annotations

from pydantic import BaseModel

from livedesk.attachments.models import Attachment


class AttachmentOut(BaseModel):
    id: str
    name: str
    type: str
    size: int
    thumbnail: bool  # images: GET /api/v1/attachments/{id}/thumbnail

    @classmethod
    def of(cls, a: Attachment) -> AttachmentOut:
        return cls(
            id=a.id,
            name=a.name,
            type=a.content_type,
            size=a.size,
            thumbnail=a.thumbnail_type is not None,
        )


# The request body of an upload: the file's bytes as they are (any Content-Type is ignored).
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}
