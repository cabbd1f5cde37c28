"""A period's transcripts as a file, streamed: CSV (one row per message, for a spreadsheet) or
JSON (one object per conversation with its messages).

The rows are read in batches of conversations, each batch in its own short read session, so a
year's export neither holds a long read transaction (on SQLite that would stall WAL
checkpoints) nor sits in memory. Visitor text is exported as text: a CSV cell that a spreadsheet
would run as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from livedesk import jsonutil
from livedesk.conversations.models import Conversation, Message, Rating, Visitor
from livedesk.portal.transcripts import (
    TranscriptFilter,
    conversation_summary,
    filtered_conversations,
    message_payload,
    rating_payload,
    visible_messages,
    visitor_payload,
)
from livedesk.runtime import Runtime

BATCH = 200
CSV_COLUMNS = (
    "conversation_id",
    "conversation_started_at",
    "state",
    "disposition",
    "visitor_name",
    "visitor_email",
    "rating",
    "rating_comment",
    "seq",
    "at",
    "author_kind",
    "author_name",
    "body",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """As text; a cell a spreadsheet would run as a formula starts with an apostrophe."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value
    else:  # datetimes as ISO 8601, like the JSON export
        text = str(jsonutil.loads(jsonutil.dumps(value)))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(slots=True)
class Batch:
    conversations: list[Conversation]
    visitors: dict[str, Visitor]
    ratings: dict[str, Rating]
    messages: dict[str, list[Message]]


async def batches(
    runtime: Runtime, business_id: str, f: TranscriptFilter, dialect: str
) -> AsyncIterator[Batch]:
    """The filtered conversations oldest first, BATCH at a time (keyset: created_at, id)."""
    after: tuple[Any, str] | None = None
    while True:
        async with runtime.reading() as session:
            query = filtered_conversations(business_id, f, dialect)
            if after is not None:
                at, last_id = after
                query = query.where(
                    or_(
                        Conversation.created_at > at,
                        (Conversation.created_at == at) & (Conversation.id > last_id),
                    )
                )
            rows = list(
                await session.scalars(
                    query.order_by(Conversation.created_at, Conversation.id).limit(BATCH)
                )
            )
            if not rows:
                return
            ids = [c.id for c in rows]
            visitor_ids = {c.visitor_id for c in rows}
            visitors = {
                v.id: v
                for v in await session.scalars(select(Visitor).where(Visitor.id.in_(visitor_ids)))
            }
            ratings = {
                r.conversation_id: r
                for r in await session.scalars(
                    select(Rating).where(Rating.conversation_id.in_(ids))
                )
            }
            messages: dict[str, list[Message]] = {cid: [] for cid in ids}
            for m in await visible_messages(session, ids):
                messages[m.conversation_id].append(m)
        yield Batch(rows, visitors, ratings, messages)
        after = (rows[-1].created_at, rows[-1].id)


async def csv_stream(
    runtime: Runtime, business_id: str, f: TranscriptFilter, dialect: str
) -> AsyncIterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    yield out.getvalue().encode("utf-8-sig")  # the BOM: spreadsheets then read UTF-8
    async for batch in batches(runtime, business_id, f, dialect):
        out.seek(0)
        out.truncate()
        for c in batch.conversations:
            visitor = visitor_payload(batch.visitors.get(c.visitor_id), c)
            rating = batch.ratings.get(c.id)
            head = [
                c.id,
                c.created_at,
                c.state,
                c.disposition,
                visitor["name"],
                visitor["email"],
                rating.score if rating else None,
                rating.comment if rating else None,
            ]
            for m in batch.messages[c.id]:
                tail = [m.seq, m.created_at, m.author_kind, m.author_name, m.body]
                writer.writerow([csv_cell(v) for v in head + tail])
        yield out.getvalue().encode("utf-8")


async def json_stream(
    runtime: Runtime, business_id: str, f: TranscriptFilter, dialect: str
) -> AsyncIterator[bytes]:
    yield b"["
    first = True
    async for batch in batches(runtime, business_id, f, dialect):
        parts = []
        for c in batch.conversations:
            item = {
                **conversation_summary(c, None),
                "visitor": visitor_payload(batch.visitors.get(c.visitor_id), c),
                "rating": rating_payload(batch.ratings.get(c.id)),
                "messages": [message_payload(m) for m in batch.messages[c.id]],
            }
            del item["operator"]  # the writer of each message is named on the message
            parts.append(jsonutil.dumps(item))
        chunk = b",".join(parts)
        yield chunk if first else b"," + chunk
        first = False
    yield b"]"
