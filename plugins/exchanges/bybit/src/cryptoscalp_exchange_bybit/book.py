"""The feed's own L2 book per instrument: what the client believes the venue's book is.

The feed keeps it so that users (and the tests) can compare the synchronised book with the venue's; the
pipeline's order book is built downstream from the same BOOK_DELTA rows. The Cython kernel
``cryptoscalp_speedups.book.L2Book`` is used when it is installed and has the expected API; otherwise
:class:`PyL2Book`, a plain dictionary book with incrementally tracked best prices, does the same job.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import BookFlag, Side

_SNAPSHOT = int(BookFlag.SNAPSHOT)


class L2BookLike(Protocol):
    """The part of the book API the feed and its users rely on (the kernel's API)."""

    def apply_deltas(self, rows: npt.NDArray[np.void]) -> None: ...

    def best_bid(self) -> int | None: ...

    def best_ask(self) -> int | None: ...

    def depth(self, side: int, n: int) -> list[tuple[int, float]]: ...

    def levels(self) -> tuple[dict[int, float], dict[int, float]]: ...

    def clear(self) -> None: ...


class PyL2Book:
    """Levels by price tick, best bid/ask tracked on every change (a deleted best is searched again)."""

    __slots__ = ("_ask", "_best_ask", "_best_bid", "_bid")

    def __init__(self) -> None:
        self._bid: dict[int, float] = {}
        self._ask: dict[int, float] = {}
        self._best_bid: int | None = None
        self._best_ask: int | None = None

    def clear(self) -> None:
        self._bid.clear()
        self._ask.clear()
        self._best_bid = self._best_ask = None

    def apply(self, side: int, price_ticks: int, qty: float) -> None:
        """Set one level; ``qty == 0`` deletes it (deleting an absent level is a no-op)."""
        if side == Side.BUY:
            self._update_bids([price_ticks], [qty])
        else:
            self._update_asks([price_ticks], [qty])

    def apply_deltas(self, rows: npt.NDArray[np.void]) -> None:
        """Apply BOOK_DELTA rows of one instrument; a SNAPSHOT row clears the book before the first one."""
        if not len(rows):
            return
        flags = rows["flags"]
        if flags[0] & _SNAPSHOT:
            self.clear()
        side = rows["side"]
        bid = side == Side.BUY
        ticks, qty = rows["price_ticks"], rows["qty"]
        if bid.any():
            self._update_bids(ticks[bid].tolist(), qty[bid].tolist())
        ask = ~bid
        if ask.any():
            self._update_asks(ticks[ask].tolist(), qty[ask].tolist())

    def _update_bids(self, prices: list[int], sizes: list[float]) -> None:
        book, best, lost = self._bid, self._best_bid, False
        for p, q in zip(prices, sizes, strict=True):
            if q > 0:
                book[p] = q
                if best is None or p > best:
                    best = p
            elif book.pop(p, None) is not None and p == best:
                lost = True
        if lost and best is not None and best not in book:
            best = max(book) if book else None
        self._best_bid = best

    def _update_asks(self, prices: list[int], sizes: list[float]) -> None:
        book, best, lost = self._ask, self._best_ask, False
        for p, q in zip(prices, sizes, strict=True):
            if q > 0:
                book[p] = q
                if best is None or p < best:
                    best = p
            elif book.pop(p, None) is not None and p == best:
                lost = True
        if lost and best is not None and best not in book:
            best = min(book) if book else None
        self._best_ask = best

    def best_bid(self) -> int | None:
        return self._best_bid

    def best_ask(self) -> int | None:
        return self._best_ask

    def depth(self, side: int, n: int) -> list[tuple[int, float]]:
        """The best ``n`` levels of a side as ``(price_ticks, qty)``, best first (all when ``n < 0``)."""
        levels = sorted(self._bid.items(), reverse=True) if side == Side.BUY else sorted(self._ask.items())
        return levels if n < 0 else levels[:n]

    def levels(self) -> tuple[dict[int, float], dict[int, float]]:
        """Copies of every level: ``(bids, asks)`` by price tick."""
        return dict(self._bid), dict(self._ask)


class KernelBook:
    """:class:`L2BookLike` over the Cython kernel: the hot call (:meth:`apply_deltas`) is the kernel's own
    bound method; queries translate its sentinels (``NO_BID``/``NO_ASK``) and arrays to this module's API."""

    __slots__ = ("_no_ask", "_no_bid", "apply_deltas", "kernel")

    def __init__(self, kernel: Any, no_bid: int, no_ask: int) -> None:
        self.kernel = kernel
        self.apply_deltas = kernel.apply_deltas
        self._no_bid, self._no_ask = no_bid, no_ask

    def best_bid(self) -> int | None:
        best = int(self.kernel.best_bid())
        return None if best == self._no_bid else best

    def best_ask(self) -> int | None:
        best = int(self.kernel.best_ask())
        return None if best == self._no_ask else best

    def depth(self, side: int, n: int) -> list[tuple[int, float]]:
        prices, qty = self.kernel.depth(side, n)
        return list(zip(np.asarray(prices).tolist(), np.asarray(qty).tolist(), strict=True))

    def levels(self) -> tuple[dict[int, float], dict[int, float]]:
        return dict(self.depth(int(Side.BUY), -1)), dict(self.depth(int(Side.SELL), -1))

    def clear(self) -> None:
        self.kernel.clear()


def _kernel_module() -> Any:
    try:
        from cryptoscalp_speedups import book  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return None
    needed = ("apply_deltas", "best_bid", "best_ask", "depth")
    if not all(hasattr(getattr(book, "L2Book", None), name) for name in needed):
        return None
    return book


_KERNEL = _kernel_module()


def make_book(prefer_kernel: bool = True) -> L2BookLike:
    """A new empty book: the Cython kernel when installed (and wanted), else :class:`PyL2Book`."""
    if prefer_kernel and _KERNEL is not None:
        return KernelBook(_KERNEL.L2Book(), int(_KERNEL.NO_BID), int(_KERNEL.NO_ASK))
    return PyL2Book()


def kernel_available() -> bool:
    return _KERNEL is not None
