"""Bybit v5 order-book synchronisation of one ``orderbook.{depth}.{symbol}`` topic.

Bybit sends the book in-band: a ``snapshot`` right after subscribing, then ``delta`` messages whose update
id ``u`` grows by one per message. The rules, as Bybit documents them (and where noted, as inferred):

1. Any ``snapshot`` replaces the local book (Bybit re-sends one when something went wrong on its side).
2. ``u == 1`` means the service restarted: the message is a fresh snapshot whatever its ``type``.
3. A delta applies when ``u == previous u + 1``; size ``0`` deletes a level, an unknown price inserts one.
4. A delta with ``u <= previous u`` is a repeat (a duplicate frame): dropped, counted, harmless.
5. A delta with ``u > previous u + 1`` is a gap (the docs call ``u`` "normally continuous"; treating a
   jump as loss is our inference). The book is unusable until a new snapshot: the topic is resubscribed
   on the same connection, and deltas are dropped until the snapshot arrives.
6. ``seq`` (cross sequence) orders data across topics; it is not used for gap detection.

A delta whose levels are malformed (NaN, non-positive or off-grid price, negative size) cannot be applied
partially without corrupting the book, so it is treated like a gap. Rows are emitted only while the book
is consistent: a consumer can never build a wrong book from this feed.
"""

from __future__ import annotations

import time
from enum import IntEnum
from itertools import chain
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import BOOK_DELTA_DTYPE, BookFlag, Side
from cryptoscalp_core.ports.market_feed import FeedStats
from cryptoscalp_exchange_bybit.book import KernelBook, L2BookLike
from cryptoscalp_exchange_bybit.drops import DropLog
from cryptoscalp_exchange_bybit.kernels import LEVELS, RAWLEVELS
from cryptoscalp_exchange_bybit.ticks import TickGrid
from cryptoscalp_exchange_bybit.wire import BookData

_SNAP: Final = int(BookFlag.SNAPSHOT)
_LAST: Final = int(BookFlag.LAST)
_BID: Final = int(Side.BUY)
_ASK: Final = int(Side.SELL)
_flatten = chain.from_iterable


class SyncState(IntEnum):
    AWAITING = 0  #: subscribed (or reconnected), no snapshot yet
    LIVE = 1  #: book consistent, deltas applied as they come
    RESYNCING = 2  #: a gap was seen; resubscribed, waiting for the snapshot


_LIVE: Final = SyncState.LIVE
_levels_rows: Any = RAWLEVELS.levels_rows if RAWLEVELS is not None else None


def book_rows(data: BookData, grid: TickGrid, instrument: int, ts_event: int, ts_recv: int,
              snapshot: bool, prev_u: int) -> tuple[npt.NDArray[np.void] | None, str | None]:
    """BOOK_DELTA rows of one message (bids first, then asks), or ``(None, reason)`` for bad levels."""
    nb, n = len(data.b), len(data.b) + len(data.a)
    if n == 0:
        return None, None
    levels = np.fromiter(_flatten(chain(data.b, data.a)), np.float64, 2 * n)
    ticks, reason = grid.to_ticks(levels[0::2])
    if reason is not None:
        return None, reason
    qty = levels[1::2]
    if not np.isfinite(qty).all():
        return None, "non_finite_qty"
    if (qty < 0).any():
        return None, "negative_qty"
    rows = np.empty(n, BOOK_DELTA_DTYPE)
    rows["ts_event"] = ts_event
    rows["ts_recv"] = ts_recv
    rows["instrument"] = instrument
    side = rows["side"]
    side[:nb] = _BID
    side[nb:] = _ASK
    flags = rows["flags"]
    flags[:] = _SNAP if snapshot else 0
    flags[-1] |= _LAST
    rows["first_seq"] = data.u
    rows["last_seq"] = data.u
    rows["prev_seq"] = -1 if snapshot else prev_u
    rows["price_ticks"] = ticks
    rows["qty"] = qty
    return rows, None


class BookSync:
    """Sync state machine of one book topic. :meth:`on_message` returns the rows to emit (or ``None``);
    :attr:`needs_resync` tells the connection to resubscribe the topic.

    ``compiled`` (default: whenever ``cryptoscalp_speedups.levels`` passes its self-check) converts the
    levels exactly in C and, with the kernel book, applies them in the same call; :attr:`text_levels`
    then tells the router to decode levels as text. ``False`` keeps the numpy path."""

    __slots__ = ("_drops", "_kernel", "_scale", "_stats", "awaiting_since", "book", "grid", "instrument", "last_u",
                 "needs_resync", "state", "text_levels", "topic")

    def __init__(self, instrument: int, topic: str, grid: TickGrid, stats: FeedStats, drops: DropLog,
                 book: L2BookLike | None = None, *, compiled: bool | None = None) -> None:
        self.instrument = instrument
        self.topic = topic
        self.grid = grid
        self.book = book
        if compiled and LEVELS is None:
            raise ValueError("the compiled level parser (cryptoscalp-speedups) is not installed")
        use_kernel = compiled is not False and LEVELS is not None
        self._scale: Any = LEVELS.TickScale(grid.tick_size) if use_kernel else None
        #: the kernel ``L2Book`` the levels are applied to inside the compiled call (else ``None``)
        self._kernel: Any = book.kernel if use_kernel and isinstance(book, KernelBook) else None
        self.text_levels = use_kernel
        self.state = SyncState.AWAITING
        self.last_u = -1
        self.needs_resync = False
        self.awaiting_since = time.monotonic()
        self._stats = stats
        self._drops = drops

    def reset(self) -> None:
        """A new subscription (connect or reconnect): the venue will start with a snapshot."""
        self.state = SyncState.AWAITING
        self.last_u = -1
        self.needs_resync = False
        self.awaiting_since = time.monotonic()

    @property
    def scale(self) -> Any:
        """The compiled ``TickScale`` of the topic's grid, ``None`` on the numpy path."""
        return self._scale

    def _rows(self, data: Any, ts_event: int, ts_recv: int, snapshot: bool,
              prev_u: int) -> tuple[npt.NDArray[np.void] | None, str | None, bool]:
        """``(rows, reason, applied)``: the message's rows (``None`` when it has no level), the reason it
        is refused, and whether the rows were already applied to the book (the compiled path)."""
        if self._scale is None:
            rows, reason = book_rows(data, self.grid, self.instrument, ts_event, ts_recv, snapshot, prev_u)
            return rows, reason, False
        flags = _SNAP if snapshot else 0
        kernel = self._kernel
        if snapshot and kernel is not None and not (data.b or data.a):
            return None, None, False
        try:
            if type(data.b) is list:
                rows = LEVELS.levels_to_rows(data.b, data.a, self._scale, ts_event, ts_recv, self.instrument,
                                             flags, flags | _LAST, data.u, data.u, -1 if snapshot else prev_u,
                                             kernel)
            else:  # read from the frame bytes: levels already converted, only checked and written here
                rows = RAWLEVELS.levels_rows(data.b, data.a, ts_event, ts_recv, self.instrument, flags,
                                             flags | _LAST, data.u, data.u, -1 if snapshot else prev_u, kernel)
        except LEVELS.LevelError as bad:
            return None, bad.reason, False
        return (rows if len(rows) else None), None, kernel is not None

    def on_message(self, is_snapshot: bool, data: Any, ts_event: int,
                   ts_recv: int) -> npt.NDArray[np.void] | None:
        """Apply one message: ``data`` is a decoded :class:`BookData`/:class:`BookText`, or the compiled
        frame scanner (``bybitframes.BybitBookFrames``) right after it read the frame (``b``/``a`` its level
        buffers, with ``len``)."""
        u = data.u
        if is_snapshot or u == 1:
            rows, reason, applied = self._rows(data, ts_event, ts_recv, True, -1)
            if reason is not None:
                self._drops.drop(reason, self.topic, len(data.b) + len(data.a))
                self._resync()
                return None
            if self.state is SyncState.LIVE:
                # The venue replaced the book by itself (rule 1 or a service restart, rule 2).
                self._stats.resyncs += 1
            self.state, self.last_u = SyncState.LIVE, u
            if self.book is not None and not applied:
                if rows is not None:
                    self.book.apply_deltas(rows)
                else:
                    self.book.clear()
            if rows is None:
                # An empty snapshot has no row to carry the SNAPSHOT flag: downstream keeps its old levels.
                self._drops.drop("empty_snapshot", self.topic)
            return rows
        if self.state is SyncState.RESYNCING:
            self._drops.drop("resyncing", self.topic)  # still in flight from before the resubscribe
            return None
        if self.state is SyncState.AWAITING:
            # Bybit sends the snapshot first: a delta before it means the snapshot was lost.
            self._drops.drop("awaiting_snapshot", self.topic)
            self._stats.gaps += 1
            self._resync()
            return None
        last = self.last_u
        if u == last + 1:
            rows, reason, applied = self._rows(data, ts_event, ts_recv, False, last)
            if reason is not None:
                self._drops.drop(reason, self.topic, len(data.b) + len(data.a))
                self._resync()
                return None
            self.last_u = u
            if rows is not None and self.book is not None and not applied:
                self.book.apply_deltas(rows)
            return rows
        if u <= last:
            self._drops.drop("duplicate_book_update", self.topic)
            return None
        self._stats.gaps += 1
        self._drops.drop("sequence_gap", f"{self.topic}: u {last} -> {u}")
        self._resync()
        return None

    def on_scanned(self, scan: Any, ts_event: int, ts_recv: int) -> npt.NDArray[np.void] | None:
        """:meth:`on_message` for a frame the compiled scanner (``bybitframes.BybitBookFrames``) has just
        read: the usual case (the next delta of a live book kept in the kernel) in one C call, anything
        else through :meth:`on_message` itself."""
        u = scan.u
        kernel = self._kernel
        last = self.last_u
        if scan.snapshot or u == 1 or u != last + 1 or self.state is not _LIVE or kernel is None:
            return self.on_message(scan.snapshot, scan, ts_event, ts_recv)
        try:
            rows = _levels_rows(scan.b, scan.a, ts_event, ts_recv, self.instrument, 0, _LAST, u, u, last, kernel)
        except LEVELS.LevelError:
            # Nothing was applied: the general path refuses it again, with its drop and resync.
            return self.on_message(False, scan, ts_event, ts_recv)
        self.last_u = u
        return rows if len(rows) else None

    def invalidate(self, reason: str) -> None:
        """A frame of this topic could not be decoded: its update (perhaps the snapshot) is lost, so the book
        must resync, unless a resubscribe is already queued."""
        self._drops.drop(reason, self.topic)
        if not self.needs_resync:
            self._resync()

    def resubscribed(self) -> None:
        """The connection sent the resubscribe: wait for the snapshot."""
        self.needs_resync = False
        self.awaiting_since = time.monotonic()

    def _resync(self) -> None:
        self.state = SyncState.RESYNCING
        self.needs_resync = True
        self.awaiting_since = time.monotonic()
        self._stats.resyncs += 1
