"""A vectorised L2 book per instrument, kept for every source of a multi-source feed so that a source
taking over can hand the downstream book a full snapshot of its own state.

Deltas are applied a batch at a time with numpy (last update of a price wins; quantity 0 deletes the
level), never row by row: the cost is O(levels + rows) per batch.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import BOOK_DELTA_DTYPE, BookFlag, Side

_SNAP = int(BookFlag.SNAPSHOT)
_LAST = int(BookFlag.LAST)


class _Side:
    __slots__ = ("prices", "qty")

    def __init__(self) -> None:
        self.prices = np.empty(0, dtype=np.int64)
        self.qty = np.empty(0, dtype=np.float64)

    def merge(self, prices: npt.NDArray[np.int64], qty: npt.NDArray[np.float64]) -> None:
        if not len(prices):
            return
        allp = np.concatenate([self.prices, prices])
        allq = np.concatenate([self.qty, qty])
        # np.unique on the reversed arrays gives each price's *last* occurrence: the newest quantity. Fewer
        # numpy calls than a searchsorted/insert update, which is what counts for live batches of a few rows.
        uniq, first = np.unique(allp[::-1], return_index=True)
        q = allq[::-1][first]
        keep = q > 0
        self.prices, self.qty = uniq[keep], q[keep]


class ShadowBook:
    """One instrument's book as one source sees it. ``synced`` once a snapshot has been applied."""

    __slots__ = ("_open_snapshot", "asks", "bids", "last_seq", "synced", "ts_event", "ts_recv")

    def __init__(self) -> None:
        self.bids, self.asks = _Side(), _Side()
        self.last_seq = -1
        self.ts_event = self.ts_recv = 0
        self.synced = False
        # a snapshot message may be split across batches: its rows after the split continue it
        self._open_snapshot = False

    def clear(self) -> None:
        self.bids, self.asks = _Side(), _Side()

    def apply(self, rows: npt.NDArray[np.void]) -> None:
        """Apply book-delta rows of this instrument, in order (snapshot rows clear the book first)."""
        if not len(rows):
            return
        flags = rows["flags"].astype(np.int64)
        snap = (flags & _SNAP) != 0
        if snap.any():
            prev_snap = np.concatenate([[self._open_snapshot], snap[:-1]])
            prev_last = np.concatenate([[not self._open_snapshot], (flags[:-1] & _LAST) != 0])
            starts = np.flatnonzero(snap & (~prev_snap | prev_last))
        else:
            starts = np.empty(0, dtype=np.int64)
        begins = set(starts.tolist())
        bounds = [0, *starts.tolist(), len(rows)]
        for lo, hi in itertools.pairwise(bounds):
            if hi <= lo:
                continue
            seg = rows[lo:hi]
            if lo in begins:
                self.clear()
                self.synced = True
            side = seg["side"]
            for book_side, value in ((self.bids, Side.BUY), (self.asks, Side.SELL)):
                m = side == value
                book_side.merge(seg["price_ticks"][m], seg["qty"][m])
        last = rows[-1]
        self._open_snapshot = bool(snap[-1]) and not int(last["flags"]) & _LAST
        self.last_seq = int(last["last_seq"])
        self.ts_event, self.ts_recv = int(last["ts_event"]), int(last["ts_recv"])

    def best(self) -> tuple[int | None, int | None]:
        bid = int(self.bids.prices[-1]) if len(self.bids.prices) else None
        ask = int(self.asks.prices[0]) if len(self.asks.prices) else None
        return bid, ask

    def snapshot(self, instrument: int, ts_recv: int) -> npt.NDArray[np.void]:
        """The whole book as ``SNAPSHOT`` rows (the last one ``SNAPSHOT|LAST``), best levels first."""
        nb, na = len(self.bids.prices), len(self.asks.prices)
        rows = np.zeros(nb + na, dtype=BOOK_DELTA_DTYPE)
        if not len(rows):
            return rows
        rows["ts_event"] = self.ts_event
        rows["ts_recv"] = ts_recv
        rows["instrument"] = instrument
        rows["side"][:nb] = int(Side.BUY)
        rows["side"][nb:] = int(Side.SELL)
        rows["price_ticks"][:nb] = self.bids.prices[::-1]
        rows["qty"][:nb] = self.bids.qty[::-1]
        rows["price_ticks"][nb:] = self.asks.prices
        rows["qty"][nb:] = self.asks.qty
        rows["flags"] = _SNAP
        rows["flags"][-1] = _SNAP | _LAST
        rows["first_seq"] = rows["last_seq"] = self.last_seq
        rows["prev_seq"] = -1
        return rows


class ShadowBooks:
    """A :class:`ShadowBook` per instrument index."""

    def __init__(self, n_instruments: int) -> None:
        self.books = [ShadowBook() for _ in range(n_instruments)]

    def apply(self, rows: npt.NDArray[np.void]) -> None:
        inst = rows["instrument"]
        if len(inst) and (inst == inst[0]).all():
            self.books[int(inst[0])].apply(rows)
            return
        for i in np.unique(inst).tolist():
            self.books[int(i)].apply(rows[inst == i])

    def snapshot(self, ts_recv: int) -> npt.NDArray[np.void]:
        parts = [b.snapshot(i, ts_recv) for i, b in enumerate(self.books) if b.synced]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=BOOK_DELTA_DTYPE)
