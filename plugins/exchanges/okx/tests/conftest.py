"""Fixtures of the OKX plugin tests: a fake server, the feed pointed at it, and independent oracles.

The oracles are deliberately separate from the plugin's code: the reference book is rebuilt from the
tape with ``Decimal`` keys and checked with ``zlib`` directly, and the consumer book is rebuilt from
nothing but the BOOK_DELTA rows the feed emitted (clearing on ``BookFlag.SNAPSHOT``), which is what any
downstream stage sees.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from cryptoscalp_exchange_okx.config import OkxFeedConfig
from cryptoscalp_exchange_okx.feed import OkxFeed
from cryptoscalp_exchange_okx.instruments import instrument_from_okx
from cryptoscalp_exchange_okx.testing import FakeOkxServer, swap_instrument_row, synthetic_tape

from cryptoscalp_core.domain.events import BookFlag, EventKind, Side
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import EventBatch

BTC_ROW = swap_instrument_row()
BTC = instrument_from_okx(BTC_ROW)

# Short timers so heartbeat and stall tests take a fraction of a second.
FAST = {"ping_after_s": 0.3, "pong_timeout_s": 0.3, "backoff_initial_s": 0.05, "backoff_max_s": 0.2,
        "connect_timeout_s": 3.0, "subscribe_timeout_s": 2.0}


def reference_book(pushes: Sequence[dict[str, Any]], inst_id: str) -> dict[str, dict[Decimal, Decimal]]:
    """The book after every book push of ``inst_id`` in ``pushes``, rebuilt independently."""
    book: dict[str, dict[Decimal, Decimal]] = {"bids": {}, "asks": {}}
    for push in pushes:
        arg = push["arg"]
        if not arg["channel"].startswith("books") or arg["instId"] != inst_id:
            continue
        item = push["data"][0]
        if push.get("action") == "snapshot":
            book = {"bids": {}, "asks": {}}
        for side in ("bids", "asks"):
            for level in item[side]:
                price, size = Decimal(level[0]), Decimal(level[1])
                if size == 0:
                    book[side].pop(price, None)
                else:
                    book[side][price] = size
    return book


def reference_checksum(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> int:
    parts = []
    for i in range(25):
        if i < len(bids):
            parts += bids[i]
        if i < len(asks):
            parts += asks[i]
    crc = zlib.crc32(":".join(parts).encode())
    return crc - 2**32 if crc >= 2**31 else crc


class RowBook:
    """A book rebuilt from emitted BOOK_DELTA rows only: ``{side: {price_ticks: qty}}`` per instrument."""

    def __init__(self) -> None:
        self.books: dict[int, dict[int, dict[int, float]]] = {}
        self.snapshots = 0
        self.rows: dict[EventKind, list[np.ndarray]] = {k: [] for k in EventKind}
        self.last_ts_recv = 0
        self.backwards = 0

    def feed(self, batch: EventBatch) -> None:
        rows = batch.rows
        self.rows[batch.kind].append(rows.copy())
        if len(rows):
            if rows["ts_recv"][0] < self.last_ts_recv:
                self.backwards += 1
            self.last_ts_recv = int(rows["ts_recv"][-1])
        if batch.kind is not EventKind.BOOK_DELTA:
            return
        cleared = False
        for row in rows:
            book = self.books.setdefault(int(row["instrument"]), {1: {}, -1: {}})
            if row["flags"] & BookFlag.SNAPSHOT and not cleared:
                book[1].clear()
                book[-1].clear()
                cleared = True
                self.snapshots += 1
            side = book[int(row["side"])]
            if row["qty"] == 0:
                side.pop(int(row["price_ticks"]), None)
            else:
                side[int(row["price_ticks"])] = float(row["qty"])

    def as_ticks(self, index: int) -> dict[int, dict[int, float]]:
        return self.books.get(index, {1: {}, -1: {}})


def in_ticks(book: dict[str, dict[Decimal, Decimal]], inst: Instrument) -> dict[int, dict[int, float]]:
    def conv(side: dict[Decimal, Decimal]) -> dict[int, float]:
        out = {}
        for price, size in side.items():
            ticks = price / inst.tick_size
            assert ticks == ticks.to_integral_value()
            out[int(ticks)] = float(size)
        return out
    return {int(Side.BUY): conv(book["bids"]), int(Side.SELL): conv(book["asks"])}


async def wait_until(cond: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


class Harness:
    """A started fake server, a started feed pointed at it, and a consumer feeding a :class:`RowBook`."""

    def __init__(self, server: FakeOkxServer, feed: OkxFeed) -> None:
        self.server, self.feed = server, feed
        self.rows = RowBook()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.feed.start()

        async def consume() -> None:
            async for batch in self.feed.batches():
                self.rows.feed(batch)

        self._task = asyncio.create_task(consume())

    async def stop(self) -> None:
        await self.feed.stop()
        if self._task is not None:
            await asyncio.wait_for(self._task, 5)

    wait_until = staticmethod(wait_until)

    async def settle(self, symbol: str = "BTC-USDT-SWAP", timeout: float = 5.0) -> None:
        """Wait until the client's book of ``symbol`` has caught up with the server's last sequence id."""
        sync = self.feed.books[symbol]
        await self.server.flush()
        await wait_until(lambda: sync.state == 1 and sync.last_seq == self.server.seq.get(symbol),
                         timeout, f"{symbol} to catch up (seq {self.server.seq.get(symbol)})")
        await asyncio.sleep(0.02)  # the consumer task runs after the socket's emit

    def assert_book_matches(self, inst: Instrument = BTC, index: int = 0) -> None:
        tape = self.server.tape[: self.server.position]
        expected = in_ticks(reference_book(tape, inst.symbol), inst)
        assert self.rows.as_ticks(index) == expected, "the emitted book differs from the tape's book"
        client = self.feed.books[inst.symbol].book
        assert {1: {t: float(s) for t, _, s in client.depth(True)},
                -1: {t: float(s) for t, _, s in client.depth(False)}} == expected


@pytest.fixture
def tape() -> list[dict[str, Any]]:
    return synthetic_tape(240, seed=11)


@pytest.fixture
async def harness(tape: list[dict[str, Any]]) -> AsyncIterator[Callable[..., Awaitable[Harness]]]:
    made: list[Harness] = []
    servers: list[FakeOkxServer] = []

    async def make(pushes: Sequence[dict[str, Any]] | None = None, instruments: Sequence[Instrument] = (BTC,),
                   rows: Sequence[dict[str, Any]] = (BTC_ROW,), server_kw: dict[str, Any] | None = None,
                   **config: Any) -> Harness:
        server = FakeOkxServer(tape if pushes is None else pushes, instruments=list(rows), **(server_kw or {}))
        await server.start()
        servers.append(server)
        cfg = OkxFeedConfig(ws_url=server.ws_url, rest_url=server.rest_url, **{**FAST, **config})
        h = Harness(server, OkxFeed(cfg, list(instruments)))
        await h.start()
        made.append(h)
        return h

    yield make
    for h in made:
        await h.stop()
    for server in servers:
        await server.close()
