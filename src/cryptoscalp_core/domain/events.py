"""Columnar event dtypes: the only form market data takes on the hot path.

Every feed, book, feature engine and simulated venue exchanges *batches*: numpy structured arrays of one
of the dtypes below. A live WebSocket frame becomes a batch of 1..k rows, a backtest chunk 10^4..10^6 rows;
the code path is the same.

Common columns
    ``ts_event``  exchange time of the event, int64 nanoseconds since the Unix epoch (UTC).
    ``ts_recv``   local receive time, int64 nanoseconds. Batches are ordered by ``ts_recv``; a feed that
                  replays history sets it from the recording (or the simulated latency model).
    ``instrument`` uint16 index into the run's instrument table (the profile's ``instruments`` list).

Book prices are int64 ticks of the instrument's tick size; trade and quote prices are float64 in quote
currency (features are floats anyway); quantities are float64 in the instrument's quantity unit.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag
from typing import Final

import numpy as np
import numpy.typing as npt


class Side(IntEnum):
    """Book side / trade aggressor. ``BUY`` = bid side / buyer was the taker."""

    BUY = 1
    SELL = -1


class BookFlag(IntFlag):
    """Bits of :data:`BOOK_DELTA_DTYPE` ``flags``."""

    NONE = 0
    SNAPSHOT = 1  #: row belongs to a full snapshot: the receiver clears the side(s) before the first such row
    LAST = 2  #: last row of one venue message: the book is consistent after applying it


TRADE_DTYPE: Final = np.dtype(
    [
        ("ts_event", "<i8"),
        ("ts_recv", "<i8"),
        ("instrument", "<u2"),
        ("side", "i1"),  # aggressor side, Side.BUY / Side.SELL
        ("trade_id", "<i8"),
        ("price", "<f8"),
        ("qty", "<f8"),
    ]
)

BOOK_DELTA_DTYPE: Final = np.dtype(
    [
        ("ts_event", "<i8"),
        ("ts_recv", "<i8"),
        ("instrument", "<u2"),
        ("side", "i1"),  # Side.BUY = bid level, Side.SELL = ask level
        ("flags", "u1"),  # BookFlag bits
        ("first_seq", "<i8"),  # venue sequence id of the first update in the message (Binance U)
        ("last_seq", "<i8"),  # venue sequence id of the last update in the message (Binance u)
        ("prev_seq", "<i8"),  # last_seq of the message this one follows (Binance pu), -1 if none
        ("price_ticks", "<i8"),
        ("qty", "<f8"),  # new total quantity at the level; 0 deletes the level
    ]
)

QUOTE_DTYPE: Final = np.dtype(
    [
        ("ts_event", "<i8"),
        ("ts_recv", "<i8"),
        ("instrument", "<u2"),
        ("seq", "<i8"),
        ("bid_price", "<f8"),
        ("bid_qty", "<f8"),
        ("ask_price", "<f8"),
        ("ask_qty", "<f8"),
    ]
)

MARK_DTYPE: Final = np.dtype(
    [
        ("ts_event", "<i8"),
        ("ts_recv", "<i8"),
        ("instrument", "<u2"),
        ("mark_price", "<f8"),
        ("index_price", "<f8"),
        ("funding_rate", "<f8"),  # fraction per funding interval; positive = longs pay shorts
        ("next_funding_ts", "<i8"),  # ns
    ]
)


class EventKind(IntEnum):
    TRADE = 1
    BOOK_DELTA = 2
    QUOTE = 3
    MARK = 4


DTYPES: Final[dict[EventKind, np.dtype[np.void]]] = {
    EventKind.TRADE: TRADE_DTYPE,
    EventKind.BOOK_DELTA: BOOK_DELTA_DTYPE,
    EventKind.QUOTE: QUOTE_DTYPE,
    EventKind.MARK: MARK_DTYPE,
}

_PRICE_COLUMNS: Final[dict[EventKind, tuple[str, ...]]] = {
    EventKind.TRADE: ("price",),
    EventKind.BOOK_DELTA: (),
    EventKind.QUOTE: ("bid_price", "ask_price"),
    EventKind.MARK: ("mark_price",),
}
_QTY_COLUMNS: Final[dict[EventKind, tuple[str, ...]]] = {
    EventKind.TRADE: ("qty",),
    EventKind.BOOK_DELTA: ("qty",),
    EventKind.QUOTE: ("bid_qty", "ask_qty"),
    EventKind.MARK: (),
}


def empty(kind: EventKind, n: int = 0) -> npt.NDArray[np.void]:
    """A zero-filled batch of ``n`` rows of ``kind``."""
    return np.zeros(n, dtype=DTYPES[kind])


def kind_of(batch: npt.NDArray[np.void]) -> EventKind:
    """The :class:`EventKind` of a batch, from its dtype; ``TypeError`` for a foreign dtype."""
    for kind, dtype in DTYPES.items():
        if batch.dtype == dtype:
            return kind
    raise TypeError(f"not a cryptoscalp event batch: dtype {batch.dtype}")


class BatchCheck:
    """Result of :func:`valid_rows`: the keep-mask and how many rows each rule dropped."""

    __slots__ = ("dropped", "mask")

    def __init__(self, mask: npt.NDArray[np.bool_], dropped: dict[str, int]) -> None:
        self.mask = mask
        self.dropped = dropped

    @property
    def total_dropped(self) -> int:
        return sum(self.dropped.values())


def valid_rows(batch: npt.NDArray[np.void]) -> BatchCheck:
    """Vectorised sanity check of a batch: non-finite or non-positive prices, negative or non-finite
    quantities, and receive times that go backwards are flagged. Nothing is corrected: the caller
    drops the rows and counts them (``dropped`` maps rule name to row count).
    """
    kind = kind_of(batch)
    mask = np.ones(len(batch), dtype=bool)
    dropped: dict[str, int] = {}

    def _apply(rule: str, bad: npt.NDArray[np.bool_]) -> None:
        bad &= mask
        n = int(bad.sum())
        if n:
            dropped[rule] = dropped.get(rule, 0) + n
            mask[bad] = False

    for col in _PRICE_COLUMNS[kind]:
        values = batch[col]
        _apply("non_finite_price", ~np.isfinite(values))
        _apply("non_positive_price", values <= 0)
    for col in _QTY_COLUMNS[kind]:
        values = batch[col]
        _apply("non_finite_qty", ~np.isfinite(values))
        _apply("negative_qty", values < 0)
    if kind is EventKind.BOOK_DELTA:
        _apply("non_positive_price", batch["price_ticks"] <= 0)
    if len(batch) > 1:
        ts = batch["ts_recv"]
        running_max = np.maximum.accumulate(ts)
        _apply("ts_recv_backwards", ts < running_max)
    return BatchCheck(mask, dropped)
