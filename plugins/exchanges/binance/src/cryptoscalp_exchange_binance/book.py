"""The feed's own L2 book per instrument: proof that the emitted deltas build a consistent book.

:class:`LocalBook` is a plain dict per side (price ticks → quantity): applying a level is one dict
store, which is what a Binance diff of absolute quantities needs. The Cython ``L2Book`` of
``cryptoscalp-speedups`` takes its place when installed and it passes a self-check of the API this
module relies on; otherwise the dict book is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import Side

_BID = int(Side.BUY)

TickArray = Sequence[int] | npt.NDArray[np.int64]
QtyArray = Sequence[float] | npt.NDArray[np.float64]


class Book(Protocol):
    def clear(self) -> None: ...

    def apply_levels(self, side: int, ticks: TickArray, qtys: QtyArray) -> None: ...

    def apply_rows(self, rows: npt.NDArray[np.void]) -> None:
        """BOOK_DELTA rows of one message (a snapshot's rows after :meth:`clear`)."""

    def best_bid(self) -> int | None: ...

    def best_ask(self) -> int | None: ...

    def depth(self, side: int, n: int) -> list[tuple[int, float]]: ...


class LocalBook:
    """Dict-per-side L2 book; quantity 0 deletes a level (deleting an absent level is normal)."""

    __slots__ = ("asks", "bids")

    def __init__(self) -> None:
        self.bids: dict[int, float] = {}
        self.asks: dict[int, float] = {}

    def clear(self) -> None:
        self.bids.clear()
        self.asks.clear()

    def apply_levels(self, side: int, ticks: TickArray, qtys: QtyArray) -> None:
        levels = self.bids if side == _BID else self.asks
        pop = levels.pop
        prices: Sequence[int] = ticks.tolist() if isinstance(ticks, np.ndarray) else ticks
        sizes: Sequence[float] = qtys.tolist() if isinstance(qtys, np.ndarray) else qtys
        for price, qty in zip(prices, sizes, strict=True):
            if qty > 0.0:
                levels[price] = qty
            else:
                pop(price, None)

    def apply_rows(self, rows: npt.NDArray[np.void]) -> None:
        bid = rows["side"] == _BID
        self.apply_levels(_BID, rows["price_ticks"][bid], rows["qty"][bid])
        self.apply_levels(-_BID, rows["price_ticks"][~bid], rows["qty"][~bid])

    def best_bid(self) -> int | None:
        return max(self.bids) if self.bids else None

    def best_ask(self) -> int | None:
        return min(self.asks) if self.asks else None

    def depth(self, side: int, n: int) -> list[tuple[int, float]]:
        """The best ``n`` levels of a side, best first."""
        levels = self.bids if side == _BID else self.asks
        keys = sorted(levels, reverse=side == _BID)[:n]
        return [(k, levels[k]) for k in keys]


class KernelBook:
    """Adapter over ``cryptoscalp_speedups.book.L2Book`` (empty sides are its sentinels there, ``None`` here)."""

    __slots__ = ("_apply_rows", "_book", "_no_ask", "_no_bid")

    def __init__(self, kernel: Any, no_bid: int, no_ask: int) -> None:
        self._book = kernel
        self._no_bid = no_bid
        self._no_ask = no_ask
        self._apply_rows = _rows_applier(kernel)

    def clear(self) -> None:
        self._book.clear()

    def apply_levels(self, side: int, ticks: TickArray, qtys: QtyArray) -> None:
        n = len(ticks)
        if n:
            self._book.apply_columns(np.full(n, side, np.int8), np.asarray(ticks, np.int64),
                                     np.asarray(qtys, np.float64), np.zeros(n, np.uint8))

    def apply_rows(self, rows: npt.NDArray[np.void]) -> None:
        self._apply_rows(rows)

    def best_bid(self) -> int | None:
        value = int(self._book.best_bid())
        return None if value == self._no_bid else value

    def best_ask(self) -> int | None:
        value = int(self._book.best_ask())
        return None if value == self._no_ask else value

    def depth(self, side: int, n: int) -> list[tuple[int, float]]:
        prices, qtys = self._book.depth(side, n)
        return list(zip(prices.tolist(), qtys.tolist(), strict=True))


def _rows_applier(kernel: Any) -> Any:
    """The cheapest way to hand rows to the kernel book: the compiled ``levels.apply_rows`` (no
    Python-level dtype checks) when the level kernel is installed, else ``L2Book.apply_deltas``."""
    from cryptoscalp_exchange_binance.kernels import KERNEL

    if KERNEL is None:
        return kernel.apply_deltas
    return partial(KERNEL.apply_rows, kernel)


def _kernel_book() -> Book | None:
    """An ``L2Book`` adapter if the kernel is installed and behaves as this module expects."""
    try:
        from cryptoscalp_speedups import book as kernel

        book = KernelBook(kernel.L2Book(), int(kernel.NO_BID), int(kernel.NO_ASK))
        book.apply_levels(_BID, [10, 11], [1.0, 2.0])
        book.apply_levels(-_BID, [12], [3.0])
        book.apply_levels(_BID, [11], [0.0])
        ok = book.best_bid() == 10 and book.best_ask() == 12 and book.depth(_BID, 5) == [(10, 1.0)]
        book.clear()
        return book if ok and book.best_bid() is None and book.best_ask() is None else None
    except Exception:  # absent or different kernel: the dict book is always correct
        return None


def make_book() -> Book:
    """The fastest correct book available."""
    return _kernel_book() or LocalBook()
