"""The event bus between processes: in-process by default, Redis pub/sub to scale out.

Only actions publish, and only after their transaction committed. Frames travel pre-serialised so
each event is encoded once, however many sockets receive it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from livedesk.realtime.hub import Hub

log = logging.getLogger(__name__)


class Broker(Protocol):
    hub: Hub

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def publish(self, topic: str, frame: str) -> None: ...


class InProcessBroker:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def publish(self, topic: str, frame: str) -> None:
        self.hub.deliver(topic, frame)


class RedisBroker:
    """Every process subscribes to the channel pattern and delivers to its own sockets.

    Redis pub/sub may lose frames when a process is disconnected; that is safe because clients
    detect a gap in `seq` and resume from the database, which is the truth.
    """

    PREFIX = "livedesk:"

    def __init__(self, hub: Hub, url: str) -> None:
        import redis.asyncio as redis  # only needed when scaling out

        self.hub = hub
        self._redis = redis.from_url(url)
        self._pending: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._send())]
        await asyncio.wait_for(self._ready.wait(), timeout=5)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._redis.aclose()

    def publish(self, topic: str, frame: str) -> None:
        self._pending.put_nowait((topic, frame))

    async def _send(self) -> None:
        while True:
            topic, frame = await self._pending.get()
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.publish(self.PREFIX + topic, frame)
                while not self._pending.empty():  # batch whatever else is waiting
                    topic, frame = self._pending.get_nowait()
                    pipe.publish(self.PREFIX + topic, frame)
                await pipe.execute()

    async def _listen(self) -> None:
        pubsub = self._redis.pubsub()
        await pubsub.psubscribe(self.PREFIX + "*")
        self._ready.set()
        async for item in pubsub.listen():
            if item.get("type") != "pmessage":
                continue
            channel = item["channel"].decode()
            self.hub.deliver(channel[len(self.PREFIX) :], item["data"].decode())
