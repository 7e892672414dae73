"""A depth message with its levels converted to integer ticks, and its BOOK_DELTA rows.

Levels arrive as float pairs (decoded in C by msgspec). ``price / tick`` is computed for all levels at
once and must lie within a millionth of a tick of an integer: a double carries about 16 significant
digits, so for any real price and tick that error bound is orders of magnitude above float noise and
orders below a real off-grid price (half a tick), and the conversion is exact in effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from typing import Final

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import BOOK_DELTA_DTYPE, BookFlag, Side
from cryptoscalp_exchange_binance.messages import Level

_LAST: Final = int(BookFlag.LAST)
_BID: Final = int(Side.BUY)
_ASK: Final = int(Side.SELL)
_GRID_TOLERANCE: Final = 1e-6  # ticks
_MAX_TICKS: Final = float(2**52)  # beyond this a double no longer holds every integer
_NO_TICKS: Final = np.empty(0, np.int64)
_NO_QTY: Final = np.empty(0, np.float64)
_flatten: Final = chain.from_iterable

Ticks = npt.NDArray[np.int64]
Qty = npt.NDArray[np.float64]


class LevelError(Exception):
    """A level is unusable; ``args[0]`` is the drop reason."""


class PriceGrid:
    """An instrument's tick as the multiplier ``1 / tick`` used on whole level arrays."""

    __slots__ = ("inverse",)

    def __init__(self, tick_size: Decimal) -> None:
        if not tick_size.is_finite() or tick_size <= 0:
            raise ValueError(f"tick size must be positive, got {tick_size}")
        self.inverse = float(1 / tick_size)


@dataclass(slots=True)
class Depth:
    """A diff (``first``/``last``/``prev`` = Binance ``U``/``u``/``pu``) or, with ``prev == -1``, a REST
    snapshot at ``lastUpdateId`` (``first == last``). With the compiled parser the levels arrive as
    ready BOOK_DELTA ``rows`` (flags of their kind: ``SNAPSHOT`` for a snapshot) and the four level
    arrays stay empty."""

    first: int
    last: int
    prev: int
    ts_event: int
    bid_ticks: Ticks | list[int]
    bid_qty: Qty | list[float]
    ask_ticks: Ticks | list[int]
    ask_qty: Qty | list[float]
    rows: npt.NDArray[np.void] | None = None


def convert_levels(levels: list[Level], grid: PriceGrid) -> tuple[Ticks, Qty]:
    """``[[price, qty], ...]`` → (ticks, quantities); raises :class:`LevelError` naming the first rule
    a level breaks."""
    if not levels:
        return _NO_TICKS, _NO_QTY
    n = len(levels)
    pairs = np.fromiter(_flatten(levels), np.float64, 2 * n).reshape(n, 2)
    prices, qtys = pairs[:, 0], pairs[:, 1]
    ratio = prices * grid.inverse
    ticks = np.rint(ratio)
    # One combined test on the hot path (NaN fails every comparison); the reason only on failure.
    ok = (ratio >= 0.5) & (ratio < _MAX_TICKS) & (np.abs(ratio - ticks) <= _GRID_TOLERANCE) & (qtys >= 0) \
        & (qtys < np.inf)
    if not ok.all():
        raise LevelError(_reason(prices, ratio, ticks, qtys))
    return ticks.astype(np.int64), qtys


def _reason(prices: Qty, ratio: Qty, ticks: Qty, qtys: Qty) -> str:
    if not np.isfinite(prices).all():
        return "non_finite_price"
    if (prices <= 0).any() or (ratio < 0.5).any():
        return "non_positive_price"
    if (ratio >= _MAX_TICKS).any():
        return "bad_price"
    if (np.abs(ratio - ticks) > _GRID_TOLERANCE).any():
        return "off_grid_price"
    return "non_finite_qty" if not np.isfinite(qtys).all() else "negative_qty"


def depth_rows(depth: Depth, ts_recv: int, instrument: int, flags: int) -> npt.NDArray[np.void]:
    """BOOK_DELTA rows of one message: bids then asks, ``LAST`` on the final row."""
    rows = depth.rows
    if rows is not None:
        # Built when the frame arrived; a diff held through a resync is emitted with the resync's time.
        if len(rows) and rows["ts_recv"][0] != ts_recv:
            rows["ts_recv"] = ts_recv
        return rows
    nb = len(depth.bid_ticks)
    n = nb + len(depth.ask_ticks)
    rows = np.empty(n, BOOK_DELTA_DTYPE)
    if not n:
        return rows
    rows["ts_event"] = depth.ts_event
    rows["ts_recv"] = ts_recv
    rows["instrument"] = instrument
    side = rows["side"]
    side[:nb] = _BID
    side[nb:] = _ASK
    rows["flags"] = flags
    rows["first_seq"] = depth.first
    rows["last_seq"] = depth.last
    rows["prev_seq"] = depth.prev
    rows["price_ticks"][:nb] = depth.bid_ticks
    rows["price_ticks"][nb:] = depth.ask_ticks
    rows["qty"][:nb] = depth.bid_qty
    rows["qty"][nb:] = depth.ask_qty
    rows["flags"][-1] = flags | _LAST
    return rows
