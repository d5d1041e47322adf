"""Downloads that never let a slow client hold the database.

An export runs at the database's speed into a read-ahead buffer, and the client is served
from the buffer at its own speed: the first ``memory_bytes`` stay in memory, the rest goes to
an unnamed temporary file (gone when closed, even after a crash). So the database connection
and its transaction are held only while PostgreSQL writes the rows (seconds for a million),
never for as long as a slow client takes to read them.

A client that takes nothing for ``idle_s`` is cut off, as is a download that has run for
``max_s``; either way the response ends without its last chunk, so clients see an incomplete
transfer, never a short file that looks whole.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import IO

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

log = logging.getLogger("app.export")

CHUNK_BYTES = 256 * 1024


@dataclass(frozen=True)
class StreamLimits:
    memory_bytes: int
    idle_s: float
    max_s: float


class ReadAhead:
    """Chunks from one producer to one consumer, in order, memory bounded."""

    def __init__(self, memory_bytes: int) -> None:
        self.memory_bytes = memory_bytes
        self._memory: deque[bytes] = deque()
        self._in_memory = 0
        self._file: IO[bytes] | None = None
        self._written = 0
        self._read = 0
        self._done = False
        self._error: BaseException | None = None
        self._ready = asyncio.Event()
        self.spilled = 0

    async def put(self, chunk: bytes) -> None:
        """Take a chunk (an asyncpg COPY sink: awaited for each block it receives)."""
        if self._file is None and self._in_memory + len(chunk) <= self.memory_bytes:
            self._memory.append(chunk)
            self._in_memory += len(chunk)
        else:
            if self._file is None:
                # Lives across calls; closed by get() once drained, or by close().
                self._file = tempfile.TemporaryFile(prefix="syria-events-export-")  # noqa: SIM115
            # Page-cache writes of a few hundred kB: cheaper than a thread hop each.
            os.pwrite(self._file.fileno(), chunk, self._written)
            self._written += len(chunk)
            self.spilled += len(chunk)
        self._ready.set()

    def finish(self, error: BaseException | None = None) -> None:
        self._done, self._error = True, error
        self._ready.set()

    async def get(self) -> bytes | None:
        """The next chunk; None at the end; the producer's error if it failed."""
        while True:
            if self._memory:
                chunk = self._memory.popleft()
                self._in_memory -= len(chunk)
                return chunk
            if self._file is not None and self._read < self._written:
                size = min(CHUNK_BYTES, self._written - self._read)
                chunk = os.pread(self._file.fileno(), size, self._read)
                self._read += len(chunk)
                if self._read == self._written:
                    # Caught up: back to memory, the file's space reused from the start.
                    self._read = self._written = 0
                    self._file.truncate(0)
                    self._file.close()
                    self._file = None
                return chunk
            if self._done:
                if self._error is not None:
                    raise self._error
                return None
            self._ready.clear()
            await self._ready.wait()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


Producer = Callable[[Callable[[bytes], Awaitable[None]]], Awaitable[None]]


class ExportResponse(Response):
    """A download fed by ``produce(sink)`` under a budget slot held until the last byte.

    ``admit`` is entered before anything is sent: a full budget is a problem+json answer, and
    so is a producer that fails before its first chunk (a bad filter, a timeout).
    """

    def __init__(
        self,
        produce: Producer,
        *,
        admit: Callable[[], AbstractAsyncContextManager[None]],
        limits: StreamLimits,
        media_type: str,
        headers: dict[str, str] | None = None,
        head: bytes = b"",
    ) -> None:
        # Not Response.__init__: it would declare a Content-Length of the (empty) body.
        self.status_code = 200
        self.media_type = media_type
        self.background = None
        self.init_headers(headers)
        self.produce = produce
        self.admit = admit
        self.limits = limits
        self.head = head

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with self.admit():
            buffer = ReadAhead(self.limits.memory_bytes)
            producer = asyncio.create_task(self._run(buffer))
            try:
                await self._stream(buffer, scope, receive, send)
            finally:
                producer.cancel()
                await asyncio.gather(producer, return_exceptions=True)
                buffer.close()

    async def _run(self, buffer: ReadAhead) -> None:
        try:
            await self.produce(buffer.put)
        except BaseException as exc:
            buffer.finish(exc)
            raise
        buffer.finish()

    async def _stream(self, buffer: ReadAhead, scope: Scope, receive: Receive, send: Send) -> None:
        first = await buffer.get()  # raises before the 200 when the query fails at once
        gone = asyncio.Event()
        watcher = asyncio.create_task(_watch_disconnect(receive, gone))
        started = time.monotonic()
        path = scope.get("path", "")
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            chunk: bytes | None = self.head + (first or b"")
            while chunk is not None:
                if chunk and not await self._send_chunk(send, chunk, started, path):
                    return  # cut off: the response stays incomplete, uvicorn closes it
                if gone.is_set():
                    return
                try:
                    chunk = await buffer.get()
                except Exception:
                    log.exception("export %s failed after its first bytes; cut off", path)
                    return
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()

    async def _send_chunk(self, send: Send, chunk: bytes, started: float, path: str) -> bool:
        limits = self.limits
        if limits.max_s and time.monotonic() - started > limits.max_s:
            log.warning("export %s cut off: longer than %.0f s", path, limits.max_s)
            return False
        message: Message = {"type": "http.response.body", "body": chunk, "more_body": True}
        try:
            await asyncio.wait_for(send(message), timeout=limits.idle_s)
        except TimeoutError:
            log.warning(
                "export %s cut off: the client read nothing for %.0f s", path, limits.idle_s
            )
            return False
        return True


async def _watch_disconnect(receive: Receive, gone: asyncio.Event) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            gone.set()
            return
