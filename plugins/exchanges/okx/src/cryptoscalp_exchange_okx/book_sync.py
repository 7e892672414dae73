"""OKX order-book synchronisation of one instrument, exactly as the v5 docs describe it.

* The first push after subscribing is ``action: "snapshot"`` (``prevSeqId = -1``): the book is replaced
  and emitted as ``BookFlag.SNAPSHOT`` rows (last row ``SNAPSHOT | LAST``).
* Each ``update`` must have ``prevSeqId`` equal to the previous message's ``seqId``. That single rule
  also covers the documented exceptions: an idle heartbeat (``seqId == prevSeqId``, no levels) and a
  sequence reset after maintenance (``seqId < prevSeqId`` once, then continuing from the new value).
* A message already seen (``seqId <= last`` and ``prevSeqId < last``: a duplicate or replay) is dropped
  and counted as ``duplicate``; anything else that breaks the chain is a gap.
* After applying, a non-zero ``checksum`` is compared with the signed CRC32 of the top 25 levels built
  from the received strings. ``0`` (what OKX sends now) means "not provided" and is never a mismatch;
  old recordings without ``seqId`` rely on the checksum alone.
* A gap, a checksum mismatch or a malformed level marks the book ``RESYNCING``: its rows are withheld,
  later updates are dropped (``unsynced``) and the connection resubscribes the channel, whose fresh
  snapshot re-establishes the book (counted in ``FeedStats.resyncs``).

A push arrives either decoded (:meth:`BookSync.on_message`, a dict) or read straight from its frame by
the compiled scanner (:meth:`BookSync.on_frame`); both go through the same rules.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import BOOK_DELTA_DTYPE, BookFlag, Side
from cryptoscalp_core.ports.market_feed import FeedStats
from cryptoscalp_exchange_okx.book import OkxBook
from cryptoscalp_exchange_okx.kernels import LEVELS, TEXTBOOK
from cryptoscalp_exchange_okx.prices import OffGridPriceError, TickParser

_BID, _ASK = int(Side.BUY), int(Side.SELL)
_SNAP, _SNAP_LAST = int(BookFlag.SNAPSHOT), int(BookFlag.SNAPSHOT | BookFlag.LAST)
_NONE, _LAST = int(BookFlag.NONE), int(BookFlag.LAST)


class BookState(IntEnum):
    WAITING = 0  #: never synchronised on this subscription: waiting for the first snapshot
    LIVE = 1
    RESYNCING = 2  #: a gap was found (or the socket reconnected); waiting for a fresh snapshot


_LIVE = BookState.LIVE


class BadLevelError(ValueError):
    pass


class BookSync:
    """Sequencing, checksum and the local book of one instrument's L2 channel.

    ``compiled`` (default: whenever the kernels of ``cryptoscalp-speedups`` pass their self-check) keeps
    the book in ``TextBook`` and converts, applies and writes the rows of a message in one C call (and
    lets the decoder scan this book's frames without JSON decoding, see :attr:`scale`); ``False`` keeps
    the pure-Python :class:`OkxBook` path. Both give the same rows, book and checksum."""

    __slots__ = ("_scale", "book", "checksums", "index", "last_seq", "parse_ticks", "state", "stats", "symbol",
                 "verify", "wants_resubscribe")

    def __init__(self, symbol: str, index: int, parse_ticks: TickParser, stats: FeedStats, *,
                 verify_checksum: bool = True, compiled: bool | None = None) -> None:
        self.symbol, self.index, self.parse_ticks, self.stats = symbol, index, parse_ticks, stats
        self.verify = verify_checksum
        if compiled and TEXTBOOK is None:
            raise ValueError("the compiled book kernels (cryptoscalp-speedups) are not installed")
        use_kernel = compiled is not False and TEXTBOOK is not None
        self._scale: Any = LEVELS.TickScale(parse_ticks.tick_size) if use_kernel else None
        self.book: Any = TEXTBOOK.TextBook() if use_kernel else OkxBook()
        self.state = BookState.WAITING
        self.last_seq: int | None = None
        self.wants_resubscribe = False
        self.checksums = 0  #: non-zero checksums verified (a test sees verification really ran)

    def reset(self) -> None:
        """The subscription is gone (socket closed): the next snapshot is a resync."""
        if self.state is BookState.LIVE:
            self.state = BookState.RESYNCING
        self.wants_resubscribe = False

    @property
    def scale(self) -> Any:
        """The compiled ``TickScale`` of the instrument, ``None`` on the pure-Python path."""
        return self._scale

    def on_message(self, action: Any, data: dict[str, Any], ts_recv: int) -> npt.NDArray[np.void] | None:
        """Apply one ``books`` data item; the rows to emit, or ``None`` (nothing to emit, or withheld)."""
        return self._on(action, data, data.get("seqId"), data.get("prevSeqId"), data.get("checksum"), ts_recv)

    def on_frame(self, frame: Any, ts_recv: int) -> npt.NDArray[np.void] | None:
        """:meth:`on_message` for a push the compiled scanner (``okxframes.OkxBookFrames``) has just read.
        The usual case, the next update of a live book, is handled here in a few C calls; anything else
        (snapshot, unsynced book, a sequence break) goes through the general rules."""
        seq, prev, last = frame.seq, frame.prev, self.last_seq
        if frame.snapshot or self.state is not _LIVE or (seq is not None and last is not None and prev != last):
            return self._on("snapshot" if frame.snapshot else "update", frame, seq, prev, frame.checksum, ts_recv)
        seq_id = -1 if seq is None else seq
        try:
            rows = self.book.apply_levels(frame.bids, frame.asks, frame.ts * 1_000_000, ts_recv, self.index, _NONE,
                                          _LAST, seq_id, seq_id, -1 if prev is None else prev)
        except ValueError:  # a refused level (nothing applied), as in _apply
            self.mark_gap("malformed")
            return None
        expected = frame.checksum
        if expected and self.verify:  # _checksum_ok, inline
            self.checksums += 1
            if self.book.checksum() != expected:
                self.mark_gap("checksum_mismatch")
                return None
        self.last_seq = seq
        return rows if len(rows) else None

    def _on(self, action: Any, data: Any, seq: Any, prev: Any, checksum: Any,
            ts_recv: int) -> npt.NDArray[np.void] | None:
        if action == "snapshot":
            return self._snapshot(data, seq, prev, checksum, ts_recv)
        if action != "update":
            self.stats.drop("malformed")
            return None
        if self.state is not BookState.LIVE:
            self.stats.drop("unsynced")
            return None
        if seq is not None:
            last = self.last_seq
            if prev != last and last is not None:
                if type(seq) is int and type(prev) is int and seq <= last and prev < last:
                    self.stats.drop("duplicate")
                    return None
                self.mark_gap("sequence_gap")
                return None
        try:
            rows = self._apply(data, ts_recv, _NONE, _LAST, seq, prev)
        except (BadLevelError, OffGridPriceError, KeyError, TypeError, ValueError, IndexError):
            self.mark_gap("malformed")
            return None
        if not self._checksum_ok(checksum):
            self.mark_gap("checksum_mismatch")
            return None
        self.last_seq = seq
        return rows

    def _snapshot(self, data: Any, seq: Any, prev: Any, checksum: Any,
                  ts_recv: int) -> npt.NDArray[np.void] | None:
        resync = self.state is BookState.RESYNCING
        self.book.clear()
        try:
            rows = self._apply(data, ts_recv, _SNAP, _SNAP_LAST, seq, prev)
        except (BadLevelError, OffGridPriceError, KeyError, TypeError, ValueError, IndexError):
            self.mark_gap("malformed")
            return None
        if not self._checksum_ok(checksum):
            self.mark_gap("checksum_mismatch")
            return None
        self.state = BookState.LIVE
        self.wants_resubscribe = False
        self.last_seq = seq
        if resync:
            self.stats.resyncs += 1
        return rows

    def mark_gap(self, reason: str) -> None:
        """Count a gap (``reason`` names the drop) and ask for a fresh snapshot."""
        self.stats.gaps += 1
        self.stats.drop(reason)
        self.state = BookState.RESYNCING
        self.wants_resubscribe = True

    def _checksum_ok(self, expected: Any) -> bool:
        if not expected or not self.verify:
            return True
        self.checksums += 1
        return bool(self.book.checksum() == expected)

    def _apply(self, data: Any, ts_recv: int, flag: int, last_flag: int, seq: Any,
               prev: Any) -> npt.NDArray[np.void] | None:
        seq_id = seq if type(seq) is int else -1
        prev_id = prev if type(prev) is int else -1
        if type(data) is not dict:
            # Scanned from the frame: levels already converted, ``ts`` already an int; a refused level
            # raises (a ValueError) before anything is applied.
            rows = self.book.apply_levels(data.bids, data.asks, data.ts * 1_000_000, ts_recv, self.index, flag,
                                          last_flag, seq_id, seq_id, prev_id)
            return rows if len(rows) else None
        ts_event = int(data["ts"]) * 1_000_000
        if self._scale is not None:
            # Exact ticks, book update and rows in one C call; a bad level raises (a ValueError) before
            # anything is applied.
            rows = self.book.apply(data["bids"], data["asks"], self._scale, ts_event, ts_recv, self.index, flag,
                                   last_flag, seq_id, seq_id, prev_id)
            return rows if len(rows) else None
        index, parse, book_set = self.index, self.parse_ticks, self.book.set_level
        out: list[tuple[int, int, int, int, int, int, int, int, int, float]] = []
        append = out.append
        for levels, side, is_bid in ((data["bids"], _BID, True), (data["asks"], _ASK, False)):
            for level in levels:
                price, size = level[0], level[1]
                ticks = parse(price)
                qty = float(size)
                if not qty >= 0.0 or qty == math.inf:
                    raise BadLevelError(f"size {size!r}")
                book_set(is_bid, ticks, price, size, qty == 0.0)
                append((ts_event, ts_recv, index, side, flag, seq_id, seq_id, prev_id, ticks, qty))
        if not out:
            return None
        rows = np.array(out, dtype=BOOK_DELTA_DTYPE)
        rows["flags"][-1] = last_flag
        return rows
