"""Per-instrument market state of the simulated venue: L2 book, top of book, last trade, mark, funding.

The L2 book is a ``dict`` of ``price_ticks -> qty`` per side, rebuilt from ``BOOK_DELTA`` rows
(``qty == 0`` deletes a level). A dict makes the per-row update O(1); the best level and the sorted walk
are computed on demand, which only order arrivals need (a Cython book replaces this later).

Snapshots: a run of consecutive ``BookFlag.SNAPSHOT`` rows of one instrument is one snapshot (a row
flagged ``SNAPSHOT | LAST`` ends the run, so two snapshots back to back stay apart). The first row of each
side inside the run clears that side, so a one-sided snapshot leaves the other side alone.

Which data the venue matches against, per instrument (:attr:`MarketState.mode`):

* ``depth``: some ``BOOK_DELTA`` row was seen; the L2 book is the book.
* ``quote``: no depth but ``QUOTE`` rows: the best bid/ask is a one-level book on each side.
* ``trades``: neither; the "trade-only" mode (see :mod:`cryptoscalp_core.sim.matching`).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import BookFlag

_SNAPSHOT = int(BookFlag.SNAPSHOT)
_LAST = int(BookFlag.LAST)
NAN = math.nan

Mode = Literal["depth", "quote", "trades"]


class MarketState:
    """What the venue knows about one instrument's market. Prices in float quote units except the book's
    integer ticks; ``tick`` converts between them."""

    __slots__ = ("_before", "_cleared", "_snap", "asks", "bids", "funding_applied", "funding_rate",
                 "funding_ts", "has_depth", "last_trade", "mark", "quote", "tick")

    def __init__(self, tick: float) -> None:
        self.tick = tick
        self.bids: dict[int, float] = {}
        self.asks: dict[int, float] = {}
        self.has_depth = False
        self.quote: tuple[float, float, float, float] | None = None  # bid_px, bid_qty, ask_px, ask_qty
        self.last_trade = NAN
        self.mark = NAN
        self.funding_rate = 0.0
        self.funding_ts = -1  # next funding time announced by the last MARK row, -1: none
        self.funding_applied = -1  # last funding time settled
        self._snap = False
        self._cleared = 0  # bit 1: bids cleared in the current snapshot, bit 2: asks
        self._before: dict[int, dict[int, float]] = {}  # side -> the levels a snapshot replaced

    # -- book deltas -------------------------------------------------------------------------------------
    def apply_delta(self, side: int, price: int, qty: float, flags: int) -> float:
        """Apply one row; return the level's quantity before it (before the snapshot, for a snapshot row,
        so a queue model sees the real change and not "cleared, then refilled")."""
        self.has_depth = True
        book = self.bids if side > 0 else self.asks
        if flags & _SNAPSHOT:
            if not self._snap:
                self._snap, self._cleared, self._before = True, 0, {}
            bit = 1 if side > 0 else 2
            if not self._cleared & bit:
                self._cleared |= bit
                self._before[side] = book
                book = {}
                if side > 0:
                    self.bids = book
                else:
                    self.asks = book
            prev = self._before[side].get(price, 0.0)
            if flags & _LAST:
                self._snap = False
        else:
            self._snap = False
            prev = book.get(price, 0.0)
        if qty > 0:
            book[price] = qty
        else:
            book.pop(price, None)
        return prev

    def apply_deltas(self, side: npt.NDArray[Any], price: npt.NDArray[Any], qty: npt.NDArray[Any],
                     flags: npt.NDArray[Any]) -> None:
        """Apply many rows of this instrument. Without snapshot rows only the last row of each level
        matters, so duplicates are dropped with numpy before the Python loop."""
        if not len(side):
            return
        self.has_depth = True
        if (flags & _SNAPSHOT).any():
            for s, p, q, f in zip(side.tolist(), price.tolist(), qty.tolist(), flags.tolist(), strict=True):
                self.apply_delta(s, p, q, f)
            return
        self._snap = False
        keys = price.astype(np.int64) * 2 + (side > 0)
        if len(keys) > 8:
            _, first = np.unique(keys[::-1], return_index=True)
            idx = len(keys) - 1 - first
            side, price, qty = side[idx], price[idx], qty[idx]
        bids, asks = self.bids, self.asks
        for s, p, q in zip(side.tolist(), price.tolist(), qty.tolist(), strict=True):
            book = bids if s > 0 else asks
            if q > 0:
                book[p] = q
            else:
                book.pop(p, None)

    # -- views -------------------------------------------------------------------------------------------
    @property
    def mode(self) -> Mode:
        if self.has_depth:
            return "depth"
        return "quote" if self.quote is not None else "trades"

    def ticks(self, price: float) -> int:
        return round(price / self.tick)

    def best(self, side: int) -> int | None:
        """Best level of a book side in ticks (``side`` > 0: bid), ``None`` when empty or unknown."""
        if self.has_depth:
            book = self.bids if side > 0 else self.asks
            if not book:
                return None
            return max(book) if side > 0 else min(book)
        if self.quote is None:
            return None
        return self.ticks(self.quote[0] if side > 0 else self.quote[2])

    def levels(self, side: int, limit: int | None) -> list[tuple[int, float]]:
        """Levels of a book side, best first, down to ``limit`` ticks inclusive (``None``: all)."""
        if self.has_depth:
            book = self.bids if side > 0 else self.asks
            keys = [k for k in book if limit is None or (k >= limit if side > 0 else k <= limit)]
            keys.sort(reverse=side > 0)
            return [(k, book[k]) for k in keys]
        if self.quote is None:
            return []
        px, q = (self.quote[0], self.quote[1]) if side > 0 else (self.quote[2], self.quote[3])
        k = self.ticks(px)
        if q <= 0 or (limit is not None and (k < limit if side > 0 else k > limit)):
            return []
        return [(k, q)]

    def level_qty(self, side: int, price: int) -> float:
        """Visible quantity at ``price`` on a book side: 0 inside the spread or in a gap, ``inf`` when the
        data cannot tell (a quote whose best is better than ``price``, or no book at all)."""
        if self.has_depth:
            return (self.bids if side > 0 else self.asks).get(price, 0.0)
        if self.quote is None:
            return math.inf
        best = self.ticks(self.quote[0] if side > 0 else self.quote[2])
        if best == price:
            return self.quote[1] if side > 0 else self.quote[3]
        return 0.0 if (price > best if side > 0 else price < best) else math.inf

    def mid(self) -> float:
        bid, ask = self.best(1), self.best(-1)
        if bid is None or ask is None:
            return NAN
        return (bid + ask) * self.tick / 2

    def valuation(self) -> float:
        """The price positions are marked at: the mark, else the last trade, else the mid (NaN: none)."""
        if not math.isnan(self.mark):
            return self.mark
        if not math.isnan(self.last_trade):
            return self.last_trade
        return self.mid()
