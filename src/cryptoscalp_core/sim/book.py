"""Per-instrument market state of the simulated venue: L2 book, top of book, last trade, mark, funding.

The L2 book is rebuilt from ``BOOK_DELTA`` rows (``qty == 0`` deletes a level). It is the compiled
``cryptoscalp_speedups.book.L2Book`` when that distribution is installed, else :class:`DictBook`, a
``dict`` of ``price_ticks -> qty`` per side (O(1) per update; the best level and the sorted walk are
computed on demand, which only order arrivals need). Both give the same results; the tests of the
speedups distribution hold them against each other.

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
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import BookFlag

_L2Book: Any
try:
    from cryptoscalp_speedups.book import L2Book as _L2Book
except ImportError:  # the core works without the compiled kernels
    _L2Book = None

_SNAPSHOT = int(BookFlag.SNAPSHOT)
_LAST = int(BookFlag.LAST)
NO_BID = -(2**63)  #: best bid of an empty side (the kernel's sentinel)
NO_ASK = 2**63 - 1
NAN = math.nan

Mode = Literal["depth", "quote", "trades"]
Levels = tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]


class Book(Protocol):
    """What the venue needs of an L2 book (the subset of ``L2Book``'s API that :class:`DictBook` has).
    Malformed rows (side not ±1, price <= 0, quantity negative or not finite) are skipped and counted
    in ``rejected``; the venue's feed validator normally drops them before."""

    @property
    def rejected(self) -> int: ...

    def apply_row(self, side: int, price_ticks: int, qty: float, flags: int = 0) -> float: ...
    def apply_columns(self, side: Any, price_ticks: Any, qty: Any, flags: Any) -> None: ...
    def best_bid(self) -> int: ...
    def best_ask(self) -> int: ...
    def qty_at(self, side: int, price_ticks: int) -> float: ...
    def depth(self, side: int, n: int = -1) -> Levels: ...
    def depth_through(self, side: int, price_ticks: int) -> Levels: ...


class DictBook:
    """The pure-Python L2 book: one ``dict`` per side."""

    __slots__ = ("_before", "_cleared", "_snap", "asks", "bids", "rejected")

    def __init__(self) -> None:
        self.rejected = 0
        self.bids: dict[int, float] = {}
        self.asks: dict[int, float] = {}
        self._snap = False
        self._cleared = 0  # bit 1: bids cleared in the current snapshot, bit 2: asks
        self._before: dict[int, dict[int, float]] = {}  # side -> the levels a snapshot replaced

    def apply_row(self, side: int, price_ticks: int, qty: float, flags: int = 0) -> float:
        if not ((side == 1 or side == -1) and price_ticks > 0 and 0.0 <= qty < math.inf):
            self.rejected += 1
            if flags & _LAST or not flags & _SNAPSHOT:
                self._snap = False
            return 0.0
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
            prev = self._before[side].get(price_ticks, 0.0)
            if flags & _LAST:
                self._snap = False
        else:
            self._snap = False
            prev = book.get(price_ticks, 0.0)
        if qty > 0:
            book[price_ticks] = qty
        else:
            book.pop(price_ticks, None)
        return prev

    def apply_columns(self, side: Any, price_ticks: Any, qty: Any, flags: Any) -> None:
        """Without snapshot rows only the last row of each level matters, so duplicates are dropped
        with numpy before the Python loop."""
        good = ((side == 1) | (side == -1)) & (price_ticks > 0) & (qty >= 0.0) & (qty < math.inf)
        if not good.all():  # rare: let the row path skip and count the bad rows in order
            for s, p, q, f in zip(side.tolist(), price_ticks.tolist(), qty.tolist(), flags.tolist(), strict=True):
                self.apply_row(s, p, q, f)
            return
        if (flags & _SNAPSHOT).any():
            for s, p, q, f in zip(side.tolist(), price_ticks.tolist(), qty.tolist(), flags.tolist(), strict=True):
                self.apply_row(s, p, q, f)
            return
        self._snap = False
        keys = price_ticks.astype(np.int64) * 2 + (side > 0)
        if len(keys) > 8:
            _, first = np.unique(keys[::-1], return_index=True)
            idx = len(keys) - 1 - first
            side, price_ticks, qty = side[idx], price_ticks[idx], qty[idx]
        bids, asks = self.bids, self.asks
        for s, p, q in zip(side.tolist(), price_ticks.tolist(), qty.tolist(), strict=True):
            book = bids if s > 0 else asks
            if q > 0:
                book[p] = q
            else:
                book.pop(p, None)

    def best_bid(self) -> int:
        return max(self.bids) if self.bids else NO_BID

    def best_ask(self) -> int:
        return min(self.asks) if self.asks else NO_ASK

    def qty_at(self, side: int, price_ticks: int) -> float:
        return (self.bids if side > 0 else self.asks).get(price_ticks, 0.0)

    def depth(self, side: int, n: int = -1) -> Levels:
        book = self.bids if side > 0 else self.asks
        keys = sorted(book, reverse=side > 0)
        if n >= 0:
            keys = keys[:n]
        return np.array(keys, dtype=np.int64), np.array([book[k] for k in keys], dtype=np.float64)

    def depth_through(self, side: int, price_ticks: int) -> Levels:
        book = self.bids if side > 0 else self.asks
        keys = sorted((k for k in book if (k >= price_ticks if side > 0 else k <= price_ticks)), reverse=side > 0)
        return np.array(keys, dtype=np.int64), np.array([book[k] for k in keys], dtype=np.float64)


def new_book(kernel: bool | None = None) -> Book:
    """The compiled book when available (``kernel=None``) or demanded (``True``: ``ImportError`` without
    it); the dict book for ``kernel=False``."""
    if kernel is False or (kernel is None and _L2Book is None):
        return DictBook()
    if _L2Book is None:
        raise ImportError("cryptoscalp-speedups is not installed: no compiled L2 book")
    book: Book = _L2Book()
    return book


class MarketState:
    """What the venue knows about one instrument's market. Prices in float quote units except the book's
    integer ticks; ``tick`` converts between them."""

    __slots__ = ("book", "funding_applied", "funding_rate", "funding_ts", "has_depth", "last_trade", "mark",
                 "quote", "tick")

    def __init__(self, tick: float, *, kernel: bool | None = None) -> None:
        self.tick = tick
        self.book = new_book(kernel)
        self.has_depth = False
        self.quote: tuple[float, float, float, float] | None = None  # bid_px, bid_qty, ask_px, ask_qty
        self.last_trade = NAN
        self.mark = NAN
        self.funding_rate = 0.0
        self.funding_ts = -1  # next funding time announced by the last MARK row, -1: none
        self.funding_applied = -1  # last funding time settled

    # -- book deltas -------------------------------------------------------------------------------------
    def apply_delta(self, side: int, price: int, qty: float, flags: int) -> float:
        """Apply one row; return the level's quantity before it (before the snapshot, for a snapshot row,
        so a queue model sees the real change and not "cleared, then refilled")."""
        self.has_depth = True
        return self.book.apply_row(side, price, qty, flags)

    def apply_deltas(self, side: npt.NDArray[Any], price: npt.NDArray[Any], qty: npt.NDArray[Any],
                     flags: npt.NDArray[Any]) -> None:
        """Apply many rows of this instrument."""
        if not len(side):
            return
        self.has_depth = True
        self.book.apply_columns(side, price, qty, flags)

    @property
    def bids(self) -> dict[int, float]:
        """The bid levels as ``{price_ticks: qty}`` (a copy)."""
        return self._levels_dict(1)

    @property
    def asks(self) -> dict[int, float]:
        """The ask levels as ``{price_ticks: qty}`` (a copy)."""
        return self._levels_dict(-1)

    @property
    def rejected(self) -> int:
        """Malformed delta rows skipped (see :class:`Book`)."""
        return self.book.rejected

    def _levels_dict(self, side: int) -> dict[int, float]:
        prices, qtys = self.book.depth(side)
        return dict(zip(prices.tolist(), qtys.tolist(), strict=True))

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
            if side > 0:
                bid = self.book.best_bid()
                return None if bid == NO_BID else bid
            ask = self.book.best_ask()
            return None if ask == NO_ASK else ask
        if self.quote is None:
            return None
        return self.ticks(self.quote[0] if side > 0 else self.quote[2])

    def levels(self, side: int, limit: int | None) -> list[tuple[int, float]]:
        """Levels of a book side, best first, down to ``limit`` ticks inclusive (``None``: all)."""
        if self.has_depth:
            prices, qtys = self.book.depth(side) if limit is None else self.book.depth_through(side, limit)
            return list(zip(prices.tolist(), qtys.tolist(), strict=True))
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
            return self.book.qty_at(side, price)
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
