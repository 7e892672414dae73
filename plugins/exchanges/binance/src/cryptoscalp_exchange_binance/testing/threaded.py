"""The fake venue on its own thread and event loop, for code that runs its own loops (``asyncio.run``
per test, as the core's conformance suites do). With ``autoplay``, the tape plays from the start each
time clients subscribe ``autoplay`` streams, at ``rate`` messages per second."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from cryptoscalp_exchange_binance.testing.server import FakeBinanceServer
from cryptoscalp_exchange_binance.testing.tape import Tape
from cryptoscalp_exchange_binance.testing.venue_book import VenueBook


class VenueThread:
    def __init__(self, tape: Tape, *, autoplay: int | None = None, rate: float = 5000.0, **server_kwargs: Any) -> None:
        self.tape = tape
        self.autoplay = autoplay
        self.rate = rate
        self.server_kwargs = server_kwargs
        self.server: FakeBinanceServer | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-binance", daemon=True)
        self._player: asyncio.Future[None] | None = None

    def __enter__(self) -> VenueThread:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    @property
    def ws_url(self) -> str:
        assert self.server is not None
        return self.server.ws_url

    @property
    def rest_url(self) -> str:
        assert self.server is not None
        return self.server.rest_url

    async def _start(self) -> None:
        self.server = FakeBinanceServer(self.tape, **self.server_kwargs)
        await self.server.start()
        if self.autoplay:
            self._player = asyncio.ensure_future(self._play_forever(self.server, self.autoplay))

    async def _stop(self) -> None:
        if self._player is not None:
            self._player.cancel()
        if self.server is not None:
            await self.server.close()

    async def _play_forever(self, server: FakeBinanceServer, streams: int) -> None:
        step = max(1, int(self.rate / 100))
        while True:
            await server.wait_subscribed(streams, timeout=1e9)
            server.position = 0
            server.books = {symbol: VenueBook(snap) for symbol, snap in self.tape.snapshots.items()}
            while server.position < len(self.tape.messages) and server.sessions:
                await server.play(server.position + step)
                await asyncio.sleep(0.01)
            while server.sessions:  # wait for these clients to leave before replaying for the next ones
                await asyncio.sleep(0.01)
