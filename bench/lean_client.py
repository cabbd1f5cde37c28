"""A lean WebSocket client for the load generator: websockets' sans-I/O protocol on a raw transport.

The `websockets` asyncio client spends, per frame, about as much CPU as the relay it drives (a
reader task, an assembler, futures per `recv`), so on one core the generator, not the relay,
would set the relay's saturation figure. Here a received text frame is one callback and a send
is one `transport.write`; the framing, masking and handshake are still the library's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.http11 import Response
from websockets.typing import Origin
from websockets.uri import parse_uri


class LeanClient(asyncio.Protocol):
    """Text frames go to `on_text` once set; until then `recv()` returns them in order."""

    def __init__(self, uri: str, origin: str | None, headers: dict[str, str]) -> None:
        self._protocol = ClientProtocol(
            parse_uri(uri), origin=Origin(origin) if origin else None, max_size=None
        )
        self._request = self._protocol.connect()
        for name, value in headers.items():
            self._request.headers[name] = value
        self._transport: asyncio.Transport | None = None
        self._opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._inbox: asyncio.Queue[str] = asyncio.Queue()
        self._partial: list[bytes] = []
        self.on_text: Callable[[str], None] | None = None

    # -- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # uvloop's TCPTransport
        self._protocol.send_request(self._request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        self._protocol.receive_data(data)
        for event in self._protocol.events_received():
            if isinstance(event, Response):
                if self._protocol.handshake_exc is not None:
                    self._opened.set_exception(self._protocol.handshake_exc)
                else:
                    self._opened.set_result(None)
            elif event.opcode in (Opcode.TEXT, Opcode.CONT):
                self._partial.append(event.data)
                if event.fin:
                    text = b"".join(self._partial).decode()
                    self._partial.clear()
                    if self.on_text is not None:
                        self.on_text(text)
                    else:
                        self._inbox.put_nowait(text)
        self._flush()  # pongs and the closing handshake

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._opened.done():
            self._opened.set_exception(exc or ConnectionError("closed during the handshake"))
        if not self._closed.done():
            self._closed.set_result(None)

    # -- the client's side --------------------------------------------------------------------

    def send(self, text: str) -> None:
        self._protocol.send_text(text.encode())
        self._flush()

    async def recv(self) -> str:
        return await self._inbox.get()

    @property
    def close_code(self) -> int | None:
        """The code of the close frame the server sent, if it closed this socket."""
        received = self._protocol.close_rcvd
        return received.code if received is not None else None

    async def wait_closed(self) -> None:
        """Returns once the connection is gone, whoever closed it."""
        await asyncio.shield(self._closed)

    async def close(self) -> None:
        if self._transport is None or self._transport.is_closing():
            return
        self._protocol.send_close()
        self._flush()
        try:
            await asyncio.wait_for(asyncio.shield(self._closed), 2)
        except TimeoutError:
            self._transport.abort()

    def _flush(self) -> None:
        assert self._transport is not None
        for data in self._protocol.data_to_send():
            if data:
                self._transport.write(data)
            elif self._transport.can_write_eof():
                self._transport.write_eof()  # sans-I/O's end-of-stream marker
        if self._protocol.close_expected():
            self._transport.close()


async def connect(
    uri: str, *, origin: str | None = None, headers: dict[str, str] | None = None
) -> LeanClient:
    parsed = parse_uri(uri)
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(
        lambda: LeanClient(uri, origin, headers or {}), parsed.host, parsed.port
    )
    await client._opened
    return client
