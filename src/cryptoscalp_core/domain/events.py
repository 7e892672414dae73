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


_SIDE_KINDS: Final = frozenset({EventKind.TRADE, EventKind.BOOK_DELTA})

#: Rule names of :func:`valid_rows`, in the order they are checked.
RULES: Final = ("non_finite_price", "non_positive_price", "non_finite_qty", "negative_qty",
                "non_positive_qty", "bad_side", "ts_recv_backwards")


def valid_rows(batch: npt.NDArray[np.void], *, prev_ts_recv: int | None = None) -> BatchCheck:
    """Vectorised sanity check of a batch. Nothing is corrected: the caller drops the rows and counts
    them (``dropped`` maps rule name to row count). Rules, checked in this order:

    * ``non_finite_price`` / ``non_positive_price``: each price column in turn (trade ``price``; quote
      ``bid_price`` then ``ask_price``; mark ``mark_price``; book ``price_ticks`` only non-positive). The
      mark's ``index_price`` and ``funding_rate`` are not checked: some venues do not send them.
    * ``non_finite_qty`` / ``negative_qty``: each quantity column in turn; ``non_positive_qty``: a trade
      of zero size (a book delta or quote of zero size is legitimate: an empty level).
    * ``bad_side``: a trade or book delta whose ``side`` is not ``Side.BUY`` / ``Side.SELL``.
    * ``ts_recv_backwards``: among the rows that passed the rules above, one whose ``ts_recv`` is below
      that of an earlier such row (or below ``prev_ts_recv``, the last ``ts_recv`` of the previous batch,
      which is how a stream of one-row batches is checked). Equal times are in order. The rows dropped
      by other rules take no part, so a corrupt row cannot make its valid neighbours look out of order.

    Each dropped row is counted once, under the first rule it breaks.
    """
    kind = kind_of(batch)
    if _all_valid(kind, batch, prev_ts_recv):
        return BatchCheck(np.ones(len(batch), dtype=bool), {})
    return _rule_by_rule(kind, batch, prev_ts_recv)


def _all_valid(kind: EventKind, batch: npt.NDArray[np.void], prev_ts_recv: int | None) -> bool:
    """Whether no row breaks a rule: one comparison pass per column instead of one per rule, because a
    replay checks millions of rows that are almost always all valid. ``0 < v < inf`` is false for NaN
    and for both infinities, so a price passes exactly when it passes both price rules (likewise
    ``0 <= v < inf`` for a quantity). With every row kept, "backwards" means below the row before or
    below ``prev_ts_recv``."""
    with np.errstate(invalid="ignore"):
        for col in _PRICE_COLUMNS[kind]:
            values = batch[col]
            if not ((values > 0) & (values < np.inf)).all():
                return False
        if kind is EventKind.BOOK_DELTA and not (batch["price_ticks"] > 0).all():
            return False
        for col in _QTY_COLUMNS[kind]:
            values = batch[col]
            low = values > 0 if kind is EventKind.TRADE else values >= 0
            if not (low & (values < np.inf)).all():
                return False
    if kind in _SIDE_KINDS:
        side = batch["side"]
        if not ((side == Side.BUY) | (side == Side.SELL)).all():
            return False
    if not len(batch):
        return True
    ts = batch["ts_recv"]
    return (prev_ts_recv is None or int(ts[0]) >= prev_ts_recv) and bool((ts[1:] >= ts[:-1]).all())


def _rule_by_rule(kind: EventKind, batch: npt.NDArray[np.void], prev_ts_recv: int | None) -> BatchCheck:
    """:func:`valid_rows` with each rule applied in turn, which attributes every dropped row to its rule."""
    mask = np.ones(len(batch), dtype=bool)
    dropped: dict[str, int] = {}

    def _apply(rule: str, bad: npt.NDArray[np.bool_]) -> None:
        bad = bad & mask
        n = int(bad.sum())
        if n:
            dropped[rule] = dropped.get(rule, 0) + n
            mask[bad] = False

    for col in _PRICE_COLUMNS[kind]:
        values = batch[col]
        _apply("non_finite_price", ~np.isfinite(values))
        _apply("non_positive_price", values <= 0)
    if kind is EventKind.BOOK_DELTA:
        _apply("non_positive_price", batch["price_ticks"] <= 0)
    for col in _QTY_COLUMNS[kind]:
        values = batch[col]
        _apply("non_finite_qty", ~np.isfinite(values))
        _apply("negative_qty", values < 0)
    if kind is EventKind.TRADE:
        _apply("non_positive_qty", batch["qty"] == 0)
    if kind in _SIDE_KINDS:
        side = batch["side"]
        _apply("bad_side", (side != Side.BUY) & (side != Side.SELL))
    if mask.any():
        keep = np.flatnonzero(mask)
        ts = batch["ts_recv"][keep]
        # Running maximum of the earlier kept rows: a row below it went backwards. A backwards row never
        # raises the maximum, so including it changes nothing, which is what a row-by-row loop would do.
        running = np.maximum.accumulate(ts)
        earlier = np.empty_like(running)
        earlier[1:] = running[:-1]
        earlier[0] = np.iinfo(np.int64).min if prev_ts_recv is None else prev_ts_recv
        if prev_ts_recv is not None:
            earlier = np.maximum(earlier, np.int64(prev_ts_recv))
        backwards = np.zeros(len(batch), dtype=bool)
        backwards[keep] = ts < earlier
        _apply("ts_recv_backwards", backwards)
    return BatchCheck(mask, dropped)
