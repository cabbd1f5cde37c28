"""Wire format of the realtime protocol (v1): JSON frames with a `type`. See docs/protocol.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from livedesk import jsonutil
from livedesk.realtime.writer import StoredMessage

PROTOCOL_VERSION = 1
MAX_FRAME_BYTES = 64 * 1024  # UTF-8 bytes of one frame
# What the WebSocket server itself reads before it cuts a frame with 1009 (uvicorn's
# ws_max_size). Above our limit, so a frame of up to 64 Ki characters of any script (four
# bytes each at most) reaches `parse` and is answered with `frame_too_large`; far larger ones
# are cut at their header, before their payload is buffered.
WS_MAX_BYTES = 4 * MAX_FRAME_BYTES + 4096
MAX_CLIENT_MSG_ID = 64
SEQ_AHEAD = "you hold a later seq than this conversation has: reset it from last_seq"


class FrameError(Exception):
    """Bad input from a client: answered with an `error` frame carrying `code`."""

    def __init__(self, code: str, message: str, **data: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


def error_frame(code: str, message: str, **data: Any) -> str:
    return jsonutil.dumps_str({"type": "error", "code": code, "message": message, "data": data})


def frame(kind: str, **fields: Any) -> str:
    return jsonutil.dumps_str({"type": kind, **fields})


def encode(payload: dict[str, Any]) -> str:
    """A payload that already carries its `type`."""
    return jsonutil.dumps_str(payload)


def message_payload(m: StoredMessage) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "message",
        "conversation_id": m.conversation_id,
        "seq": m.seq,
        "author": {"kind": m.author_kind, "name": m.author_name},
        "body": m.body,
        "client_msg_id": m.client_msg_id,
        "created_at": m.created_at,
    }
    if m.internal:
        payload["internal"] = True
    if m.attachment is not None:
        payload["attachment"] = m.attachment
    return payload


def ack_frame(m: StoredMessage) -> str:
    return frame(
        "ack",
        conversation_id=m.conversation_id,
        client_msg_id=m.client_msg_id,
        seq=m.seq,
        created_at=m.created_at,
        duplicate=m.duplicate,
    )


def message_frame(m: StoredMessage) -> str:
    return jsonutil.dumps_str(message_payload(m))


def oversize(raw: str | bytes) -> int | None:
    """The frame's size in UTF-8 bytes if over the limit, else None. Encodes only a text that
    might be over (one of more than a quarter of the limit in characters)."""
    if isinstance(raw, str) and len(raw) * 4 > MAX_FRAME_BYTES:
        raw = raw.encode("utf-8", "surrogatepass")
    return len(raw) if len(raw) > MAX_FRAME_BYTES else None


def parse(raw: str | bytes) -> dict[str, Any]:
    size = oversize(raw)
    if size is not None:
        raise FrameError(
            "frame_too_large",
            f"frames are limited to {MAX_FRAME_BYTES} bytes",
            limit=MAX_FRAME_BYTES,
            size=size,
        )
    try:
        data = jsonutil.loads(raw)
    except jsonutil.JSONDecodeError:
        raise FrameError("malformed_json", "the frame is not valid JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise FrameError("malformed_frame", "a frame is a JSON object with a string `type`")
    return data


def require_str(data: dict[str, Any], key: str, *, max_len: int = 200) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise FrameError("invalid_field", f"`{key}` must be a non-empty string", field=key)
    return value


def optional_str(data: dict[str, Any], key: str, *, max_len: int = 2000) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise FrameError("invalid_field", f"`{key}` must be a string", field=key)
    return value


@dataclass(frozen=True, slots=True)
class SendFrame:
    conversation_id: str
    client_msg_id: str
    body: str
    internal: bool
    after_seq: int | None  # the last seq the client held when it first sent this
    attachment_id: str | None = None  # a file uploaded before (POST …/attachments)


def parse_send(data: dict[str, Any], max_body_chars: int) -> SendFrame:
    conversation_id = require_str(data, "conversation_id", max_len=64)
    client_msg_id = require_str(data, "client_msg_id", max_len=MAX_CLIENT_MSG_ID)
    body = data.get("body")
    if not isinstance(body, str):
        raise FrameError("invalid_field", "`body` must be a string", field="body")
    # Stored exactly as typed; only the length check looks at the trimmed text.
    trimmed = body.strip()
    if not trimmed:
        raise FrameError("message_empty", "the message is empty")
    if len(trimmed) > max_body_chars:
        raise FrameError(
            "message_too_long",
            f"messages are limited to {max_body_chars} characters",
            limit=max_body_chars,
            length=len(trimmed),
        )
    after_seq = data.get("after_seq")
    if after_seq is not None and (
        not isinstance(after_seq, int) or isinstance(after_seq, bool) or after_seq < 0
    ):
        raise FrameError(
            "invalid_field", "`after_seq` is a non-negative integer", field="after_seq"
        )
    internal = bool(data.get("internal", False))
    attachment_id = optional_str(data, "attachment_id", max_len=64)
    return SendFrame(conversation_id, client_msg_id, body, internal, after_seq, attachment_id)


def parse_resume(data: dict[str, Any]) -> dict[str, int]:
    resume = data.get("resume") or {}
    if not isinstance(resume, dict) or len(resume) > 500:
        raise FrameError("invalid_field", "`resume` maps conversation ids to seqs", field="resume")
    out: dict[str, int] = {}
    for key, value in resume.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise FrameError(
                "invalid_field", "resume seqs are non-negative integers", field="resume"
            )
        out[str(key)] = value
    return out
