"""Binance USD-M local order-book synchronisation for one instrument, exactly as Binance documents it.

1. Buffer depth diffs until a REST snapshot (``lastUpdateId`` = L) is known; diffs may arrive before it.
2. Drop buffered diffs with ``u < L``.
3. The first diff applied must satisfy ``U <= L <= u`` (futures: no ``+1``, unlike spot).
4. Every later diff must have ``pu`` == the previous diff's ``u``. Otherwise it is a gap: the book is
   discarded, nothing more is emitted, and diffs are buffered again until the next snapshot line.

Rows are emitted only while the book is consistent, so a consumer can never build a wrong book from
this feed: after a gap it simply stops receiving deltas until the re-sync, which starts with
``BookFlag.SNAPSHOT`` rows (the receiver clears the book). Rows that were held back are emitted with
the ``ts_recv`` of the line that made them usable (the snapshot, or the straddling diff): that is when
a live consumer could first have used them. Their ``ts_event`` is their own.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Final

from cryptoscalp_core.domain.events import BookFlag, Side
from cryptoscalp_core.ports.market_feed import FeedStats
from cryptoscalp_feed_replay.binance.decode import Depth, Row
from cryptoscalp_feed_replay.drops import DropLog

log = logging.getLogger("cryptoscalp_feed_replay")

_BID: Final = int(Side.BUY)
_ASK: Final = int(Side.SELL)
_NONE: Final = int(BookFlag.NONE)
_LAST: Final = int(BookFlag.LAST)
_SNAP: Final = int(BookFlag.SNAPSHOT)
_GAP_LOGS: Final = 10  # gaps are logged one by one up to this many per book, then only counted


class BookSync:
    """Sync state machine of one book. ``on_diff`` / ``on_snapshot`` return the rows to emit now."""

    def __init__(self, instrument: int, label: str, stats: FeedStats, drops: DropLog, *,
                 max_buffer: int = 100_000) -> None:
        self.instrument = instrument
        self.label = label
        self.synced = False
        self.last_u = -1
        self._stats = stats
        self._drops = drops
        self._max_buffer = max_buffer
        self._buffer: deque[Depth] = deque()
        self._snapshot: Depth | None = None
        self._had_gap = False

    # -- input ------------------------------------------------------------------------------------------
    def on_diff(self, diff: Depth, ts_recv: int) -> list[Row]:
        if self.synced:
            if diff.prev == self.last_u:
                self.last_u = diff.last
                return self._rows(diff, ts_recv, _NONE)
            if diff.last <= self.last_u:  # a repeat of what is already applied: harmless, not a gap
                self._drops.drop("stale_diff", self.label)
                return []
            self._gap(diff)
            return []
        self._buffer.append(diff)
        if len(self._buffer) > self._max_buffer:
            self._buffer.popleft()
            self._drops.drop("unsynced", self.label)
        return self._try_sync(ts_recv) if self._snapshot is not None else []

    def on_snapshot(self, snapshot: Depth, ts_recv: int) -> list[Row]:
        if self.synced:  # the book is already consistent; a later snapshot adds nothing
            self._drops.drop("redundant_snapshot", self.label)
            return []
        if self._snapshot is not None:
            self._drops.drop("stale_snapshot", self.label)
        self._snapshot = snapshot
        return self._try_sync(ts_recv)

    def finish(self) -> None:
        """End of data: diffs still held back were never applied; say so if the book is unsynchronised."""
        if self._buffer:
            self._drops.drop("unsynced", self.label, len(self._buffer))
            self._buffer.clear()
        if self._snapshot is not None:
            self._drops.drop("stale_snapshot", self.label)
            self._snapshot = None
        if not self.synced:
            log.warning("replay: the %s book is unsynchronised at the end of the data (%s)", self.label,
                        "after a sequence gap" if self._had_gap else "no usable snapshot")

    # -- procedure --------------------------------------------------------------------------------------
    def _try_sync(self, ts_recv: int) -> list[Row]:
        snapshot = self._snapshot
        assert snapshot is not None
        lid = snapshot.last
        while self._buffer and self._buffer[0].last < lid:  # step 3: already contained in the snapshot
            self._buffer.popleft()
            self._drops.drop("pre_snapshot", self.label)
        if not self._buffer:
            return []  # wait for the diff that straddles lastUpdateId
        first = self._buffer[0]
        if first.first > lid:  # the stream is already past the snapshot: it can never be used
            self._snapshot = None
            self._drops.drop("stale_snapshot", self.label)
            return []
        self._snapshot = None
        self._buffer.popleft()
        rows = self._rows(snapshot, ts_recv, _SNAP)
        rows += self._rows(first, ts_recv, _NONE)
        self.synced, self.last_u = True, first.last
        if self._had_gap:
            self._stats.resyncs += 1
        held, self._buffer = self._buffer, deque()
        for diff in held:  # the rest follow the normal chain rule (and may hit a gap of their own)
            rows += self.on_diff(diff, ts_recv)
        return rows

    def _gap(self, diff: Depth) -> None:
        self._stats.gaps += 1
        if self._stats.gaps <= _GAP_LOGS:
            log.warning("replay: sequence gap in the %s book: pu=%d but the previous u=%d; no deltas until "
                        "the next snapshot", self.label, diff.prev, self.last_u)
        self.synced, self._had_gap = False, True
        self._buffer.clear()
        self._buffer.append(diff)

    def _rows(self, depth: Depth, ts_recv: int, flags: int) -> list[Row]:
        head = (depth.ts_event, ts_recv, self.instrument)
        seq = (depth.first, depth.last, depth.prev)
        rows: list[Row] = [(*head, _BID, flags, *seq, ticks, qty) for ticks, qty in depth.bids]
        rows += [(*head, _ASK, flags, *seq, ticks, qty) for ticks, qty in depth.asks]
        if rows:
            last = rows[-1]
            rows[-1] = (*last[:4], flags | _LAST, *last[5:])
        return rows
