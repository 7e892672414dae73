"""The fake server on its own event loop in a background thread, for code that runs ``asyncio.run``
itself (the core's conformance suites, scripts)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

from cryptoscalp_exchange_okx.testing.server import FakeOkxServer
from cryptoscalp_exchange_okx.testing.tape import Push


class ThreadedFakeOkxServer:
    """``with ThreadedFakeOkxServer(tape, instruments=[...]) as server:`` plays ``tape`` in a loop."""

    def __init__(self, tape: Sequence[Push], *, interval_s: float = 0.002, batch: int = 5,
                 **server_kw: Any) -> None:
        self.server = FakeOkxServer(tape, **server_kw)
        self._interval, self._batch = interval_s, batch
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-okx", daemon=True)

    def __enter__(self) -> FakeOkxServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self.server

    async def _start(self) -> None:
        await self.server.start()
        self.server.play(self._interval, self._batch, repeat=True)

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
