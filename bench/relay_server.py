"""The baseline: a bare WebSocket relay on the `websockets` library (no auth, no database).

It does the same fan-out per message as Livedesk — an ack to the sender, the message to both
sides of the conversation — so the ratio isolates what authentication, persistence and the
framework cost. Run by bench/chat_roundtrip.py; not part of Livedesk.
"""

from __future__ import annotations

import asyncio
import sys
from collections import defaultdict

import orjson
import uvloop
from websockets.asyncio.server import serve

rooms: dict[str, set] = defaultdict(set)


async def handler(ws) -> None:  # type: ignore[no-untyped-def]
    room = ws.request.path.rsplit("/", 1)[-1]
    rooms[room].add(ws)
    seqs = 0
    try:
        async for raw in ws:
            data = orjson.loads(raw)
            if data.get("type") != "send":
                continue
            seqs += 1
            await ws.send(
                orjson.dumps(
                    {"type": "ack", "client_msg_id": data["client_msg_id"], "seq": seqs}
                ).decode()
            )
            frame = orjson.dumps(
                {
                    "type": "message",
                    "seq": seqs,
                    "body": data["body"],
                    "client_msg_id": data["client_msg_id"],
                }
            ).decode()
            for member in tuple(rooms[room]):
                try:
                    await member.send(frame)
                except Exception:
                    pass
    finally:
        rooms[room].discard(ws)


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=64):
        print("ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1])))
