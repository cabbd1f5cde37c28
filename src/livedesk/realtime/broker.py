"""The event bus between processes: in-process by default, Redis pub/sub to scale out.

Only actions publish, and only after their transaction committed. Frames travel pre-serialised so
each event is encoded once, however many sockets receive it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import time
from typing import Any, Protocol

from livedesk import jsonutil
from livedesk.realtime.hub import Hub
from livedesk.realtime.ordering import Sequencer

log = logging.getLogger(__name__)

BACKOFF_FIRST = 0.1  # seconds before the first reconnect attempt (jittered)
BACKOFF_CAP = 3.0  # longest wait between attempts: a restarted Redis is found within this
HEARTBEAT = 1.0  # a quiet subscription is pinged after this long...
HEARTBEAT_DEAD = 5.0  # ...and counts as lost when nothing at all arrived for this long
START_WAIT = 5.0  # a process starting waits this long for the bus, then starts without it
# After an outage a process names, on this topic, the topics of the frames it could not publish:
# the other processes' sockets on them missed those frames too, and resync.
GAP_TOPIC = "bus:gap"
MAX_GAP_TOPICS = 5_000  # more lost topics than this: every process resyncs every socket


class Broker(Protocol):
    hub: Hub

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def publish(self, topic: str, frame: str) -> None: ...
    def status(self) -> dict[str, Any]: ...


class InProcessBroker:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def publish(self, topic: str, frame: str) -> None:
        self.hub.deliver(topic, frame)

    def status(self) -> dict[str, Any]:
        return {}  # no bus to be down


class RedisBroker:
    """Every process subscribes to the channel pattern and delivers to its own sockets.

    Redis pub/sub loses what is published while a process is not subscribed, and a client that
    receives nothing sees no gap in `seq`. So the broker owns its connection: any loss is
    noticed (an error, or a subscription that stays silent past a ping), it reconnects with
    jittered back-off and subscribes again, and once subscribed after a gap it has the hub close
    every socket of this process with the resync code: clients reconnect and resume from their
    last seq out of the database, which is the truth. Publishes made while the bus is down are
    counted and also mark a gap.
    """

    PREFIX = "livedesk:"

    def __init__(self, hub: Hub, url: str) -> None:
        import redis.asyncio as redis  # only needed when scaling out
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        self.hub = hub
        self.sequencer = Sequencer(hub)  # puts each conversation's messages back in seq order
        # No retries inside redis-py: it would reconnect and resubscribe behind our back, and a
        # gap nobody noticed is exactly what must not happen.
        self._redis = redis.from_url(
            url, retry=Retry(NoBackoff(), 0), socket_connect_timeout=2, socket_timeout=5
        )
        self._pending: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._ready = asyncio.Event()
        self.up = False
        self.outages = 0  # times the bus was lost since start
        self.publishes_while_down = 0  # frames that never reached the bus
        self._gap = False  # frames may have been missed: sockets must resync once up again
        self._lost_topics: set[str] = set()  # topics of frames that never reached the bus
        self._id = f"{os.getpid()}-{random.getrandbits(32):08x}"  # to skip its own gap notices

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._send())]
        try:
            await asyncio.wait_for(self._ready.wait(), timeout=START_WAIT)
        except TimeoutError:  # start anyway: /readyz says 503 until the bus is there
            self._gap = True
            log.warning("event bus not reachable at start; retrying in the background")

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._redis.aclose()

    def status(self) -> dict[str, Any]:
        return {
            "bus": "up" if self.up else "down",
            "bus_outages": self.outages,
            "bus_publishes_while_down": self.publishes_while_down,
            **self.sequencer.status(),
        }

    def publish(self, topic: str, frame: str) -> None:
        if not self.up:
            self._lost([topic])
            return
        self._pending.put_nowait((topic, frame))

    def _lost(self, topics: list[str]) -> None:
        self.publishes_while_down += len(topics)
        self._gap = True
        if len(self._lost_topics) <= MAX_GAP_TOPICS:
            self._lost_topics.update(topics)

    async def _send(self) -> None:
        while True:
            batch = [await self._pending.get()]
            while not self._pending.empty():  # batch whatever else is waiting
                batch.append(self._pending.get_nowait())
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for topic, frame in batch:
                        pipe.publish(self.PREFIX + topic, frame)
                    await pipe.execute()
            except Exception as exc:  # the listener notices the outage and reconnects
                log.debug("publish failed: %s", exc)
                self._lost([topic for topic, _ in batch])

    async def _listen(self) -> None:
        delay = BACKOFF_FIRST
        while True:
            pubsub = self._redis.pubsub()
            try:
                await self._subscribe(pubsub)
                delay = BACKOFF_FIRST
                await self._receive(pubsub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._went_down(exc)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, BACKOFF_CAP)

    async def _subscribe(self, pubsub: Any) -> None:
        """Subscribes and waits for Redis to confirm: only then is every later publish seen."""
        await pubsub.psubscribe(self.PREFIX + "*")
        deadline = time.monotonic() + HEARTBEAT_DEAD
        while time.monotonic() < deadline:
            item = await pubsub.get_message(timeout=HEARTBEAT)
            if item is not None and item.get("type") == "psubscribe":
                break
        else:
            raise ConnectionError("Redis did not confirm the subscription")
        if self._ready.is_set():
            log.info(
                "event bus is back after outage %d (%d publishes missed); sockets resync",
                self.outages,
                self.publishes_while_down,
            )
        self.up = True
        self._ready.set()

    async def _receive(self, pubsub: Any) -> None:
        heard = time.monotonic()
        pinged = False
        while True:
            # Checked only while the subscription answers: from here on nothing is missed, so a
            # resync now cannot be undone by the outage that caused it.
            if self._gap:
                self._gap = False
                self.sequencer.reset()
                self.hub.resync_all()
                self._announce_lost()
            item = await pubsub.get_message(timeout=HEARTBEAT)
            now = time.monotonic()
            if item is None:
                if now - heard > HEARTBEAT_DEAD:
                    raise ConnectionError("the subscription went silent")
                if not pinged:  # the answer arrives as a message and counts as heard
                    await pubsub.ping()
                    pinged = True
                continue
            heard, pinged = now, False
            if item.get("type") != "pmessage":
                continue
            topic = item["channel"].decode()[len(self.PREFIX) :]
            if topic == GAP_TOPIC:
                self._others_lost(item["data"].decode())
            else:
                self.sequencer.deliver(topic, item["data"].decode())

    def _announce_lost(self) -> None:
        """Tell the other processes which topics missed frames from this one."""
        if not self._lost_topics:
            return
        lost, self._lost_topics = self._lost_topics, set()
        every = len(lost) > MAX_GAP_TOPICS
        frame = jsonutil.dumps_str(
            {"from": self._id, "topics": [] if every else sorted(lost), "all": every}
        )
        self._pending.put_nowait((GAP_TOPIC, frame))

    def _others_lost(self, frame: str) -> None:
        """Another process could not publish on these topics while its bus was down."""
        notice = jsonutil.loads(frame)
        if notice.get("from") == self._id:  # its own sockets resynced when the bus came back
            return
        if notice.get("all"):
            self.hub.resync_all()
            return
        for topic in notice.get("topics", []):
            self.hub.resync_topic(topic)

    def _went_down(self, exc: Exception) -> None:
        self._gap = True
        if self.up:
            self.up = False
            self.outages += 1
            log.warning("event bus lost (outage %d): %s; reconnecting", self.outages, exc)
