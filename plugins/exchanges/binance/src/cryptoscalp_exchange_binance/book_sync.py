"""Binance USD-M local order-book synchronisation for one instrument, exactly as Binance documents it.

1. Buffer depth diffs; ask for a REST snapshot (``lastUpdateId`` = L) once the stream delivers.
2. Drop buffered diffs with ``u < L``.
3. The first diff applied must satisfy ``U <= L <= u`` (futures: no ``+1``, unlike spot). A snapshot
   older than the first buffered diff (``U > L``) can never be used: fetch another.
4. Every later diff must have ``pu`` == the previous diff's ``u``. Otherwise it is a gap: the book is
   invalid, diffs are buffered again and a new snapshot is fetched while the connection stays open.

A diff whose ``u`` is not beyond the last applied one is a repeat (a duplicated frame, or the same
stream arriving on two overlapping connections) and is dropped, not treated as a gap. A malformed diff
is dropped by the parser; the next diff's ``pu`` then shows the hole and the book resyncs.

Rows are emitted only while the book is consistent. A resync starts with ``BookFlag.SNAPSHOT`` rows
(last one ``SNAPSHOT|LAST``): the receiver clears its book first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Final

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import BookFlag, Side
from cryptoscalp_core.ports.market_feed import FeedStats
from cryptoscalp_exchange_binance.book import Book
from cryptoscalp_exchange_binance.depth import Depth, depth_rows
from cryptoscalp_exchange_binance.drops import DropLog

_BID: Final = int(Side.BUY)
_ASK: Final = int(Side.SELL)
_NONE: Final = int(BookFlag.NONE)
_SNAP: Final = int(BookFlag.SNAPSHOT)


class DepthSync:
    """Sync state machine of one book. ``on_diff`` / ``on_snapshot`` return the rows to emit now (or
    ``None``); ``request_snapshot(instrument)`` is called when a REST snapshot is needed."""

    def __init__(self, instrument: int, label: str, book: Book, stats: FeedStats, drops: DropLog,
                 request_snapshot: Callable[[int], None], *, max_buffer: int = 10_000) -> None:
        self.instrument = instrument
        self.label = label
        self.book = book
        self.live = False
        self.last_u = -1
        self.snapshot_requested = False
        #: snapshots in a row that were already behind the stream (the fetcher backs off on them)
        self.stale_in_row = 0
        self._stats = stats
        self._drops = drops
        self._request = request_snapshot
        self._max_buffer = max_buffer
        self._buffer: deque[Depth] = deque()
        self._was_live = False
        self._pending: Depth | None = None

    # -- input ------------------------------------------------------------------------------------------
    def on_diff(self, diff: Depth, ts_recv: int) -> npt.NDArray[np.void] | None:
        if self.live:
            if diff.prev == self.last_u:
                self.last_u = diff.last
                self._apply(diff)
                return depth_rows(diff, ts_recv, self.instrument, _NONE)
            if diff.last <= self.last_u:
                self._drops.drop("duplicate", self.label)
                return None
            self._gap(diff)
            return None
        self._buffer.append(diff)
        if len(self._buffer) > self._max_buffer:
            self._buffer.popleft()
            self._drops.drop("unsynced", self.label)
        if self._pending is not None:
            return self.take_pending(ts_recv)
        if not self.snapshot_requested:
            self.snapshot_requested = True
            self._request(self.instrument)
        return None

    def on_snapshot(self, snapshot: Depth, ts_recv: int) -> npt.NDArray[np.void] | None:
        """A REST snapshot arrived. Returns the rows of the resync, or ``None`` (then either the
        snapshot waits for the diff that straddles it, or a newer snapshot was requested)."""
        self.snapshot_requested = False
        if self.live:
            self._drops.drop("stale_snapshot", self.label)
            return None
        lid = snapshot.last
        buffer = self._buffer
        while buffer and buffer[0].last < lid:  # step 2: already contained in the snapshot
            buffer.popleft()
            self._drops.drop("pre_snapshot", self.label)
        if buffer and buffer[0].first > lid:  # the stream is already past the snapshot
            self._drops.drop("stale_snapshot", self.label)
            self.stale_in_row += 1
            self.snapshot_requested = True
            self._request(self.instrument)
            return None
        self._pending = snapshot
        if not buffer:
            return None  # wait for the diff that straddles lastUpdateId (take_pending)
        return self._go_live(snapshot, ts_recv)

    def force_resync(self) -> None:
        """Declare the book invalid (a consumer missed its deltas): buffer and fetch a new snapshot."""
        if self.live:
            self._stats.gaps += 1
            self.live = False
            self._was_live = True
            self._buffer.clear()
            self._pending = None
        if not self.snapshot_requested:
            self.snapshot_requested = True
            self._request(self.instrument)

    # -- procedure --------------------------------------------------------------------------------------
    def take_pending(self, ts_recv: int) -> npt.NDArray[np.void] | None:
        """After a buffered diff arrived: use a snapshot that was waiting for its straddling diff."""
        snapshot = self._pending
        if snapshot is None or self.live:
            return None
        buffer = self._buffer
        while buffer and buffer[0].last < snapshot.last:
            buffer.popleft()
            self._drops.drop("pre_snapshot", self.label)
        if not buffer:
            return None
        if buffer[0].first > snapshot.last:
            self._pending = None
            self._drops.drop("stale_snapshot", self.label)
            self.stale_in_row += 1
            if not self.snapshot_requested:
                self.snapshot_requested = True
                self._request(self.instrument)
            return None
        return self._go_live(snapshot, ts_recv)

    def _go_live(self, snapshot: Depth, ts_recv: int) -> npt.NDArray[np.void]:
        self._pending = None
        self.stale_in_row = 0
        self.book.clear()
        self._apply(snapshot)
        parts = [depth_rows(snapshot, ts_recv, self.instrument, _SNAP)]
        first = self._buffer.popleft()
        self._apply(first)
        parts.append(depth_rows(first, ts_recv, self.instrument, _NONE))
        self.live, self.last_u = True, first.last
        if self._was_live:
            self._stats.resyncs += 1
        held, self._buffer = self._buffer, deque()
        for diff in held:  # the rest follow the chain rule (and may hit a gap of their own)
            rows = self.on_diff(diff, ts_recv)
            if rows is not None:
                parts.append(rows)
        return np.concatenate(parts)

    def _gap(self, diff: Depth) -> None:
        self._stats.gaps += 1
        self.live, self._was_live = False, True
        self._buffer.clear()
        self._buffer.append(diff)
        if not self.snapshot_requested:
            self.snapshot_requested = True
            self._request(self.instrument)

    def _apply(self, depth: Depth) -> None:
        book = self.book
        if depth.rows is not None:
            book.apply_rows(depth.rows)
            return
        book.apply_levels(_BID, depth.bid_ticks, depth.bid_qty)
        book.apply_levels(_ASK, depth.ask_ticks, depth.ask_qty)
