"""Trades, best bid/ask and tickers of one symbol → TRADE, QUOTE and MARK rows.

Each function takes the decoded ``data`` of one frame and returns the rows to emit (or ``None``), counting
every dropped event in the feed's :class:`~cryptoscalp_exchange_bybit.drops.DropLog`.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import MARK_DTYPE, QUOTE_DTYPE, TRADE_DTYPE, Side
from cryptoscalp_exchange_bybit.drops import DropLog
from cryptoscalp_exchange_bybit.wire import BookData, TradeData

_MS: Final = 1_000_000
_SIDES: Final = {"Buy": int(Side.BUY), "Sell": int(Side.SELL)}
_ID_MASK: Final = (1 << 63) - 1


def trade_id(text: str) -> int:
    """An int64 id from Bybit's trade id: a decimal id as is, a UUID (linear contracts) as its first 63
    bits, which is stable across reconnects and unique in practice."""
    if text.isdigit() and len(text) < 19:
        return int(text)
    hexed = text.replace("-", "")
    try:
        return int(hexed[:16], 16) & _ID_MASK
    except ValueError:
        return -1


def trade_rows(trades: list[TradeData], instrument: int, ts_recv: int, drops: DropLog,
               block_trades: bool) -> npt.NDArray[np.void] | None:
    rows = np.empty(len(trades), TRADE_DTYPE)
    n = 0
    for t in trades:
        side = _SIDES.get(t.S)
        if side is None:
            drops.drop("bad_side", t.s)
            continue
        if not (math.isfinite(t.p) and t.p > 0):
            drops.drop("non_finite_price" if not math.isfinite(t.p) else "non_positive_price", t.s)
            continue
        if not (math.isfinite(t.v) and t.v > 0):
            drops.drop("non_positive_qty" if math.isfinite(t.v) else "non_finite_qty", t.s)
            continue
        if t.BT and not block_trades:
            drops.drop("block_trade", t.s)
            continue
        rows[n] = (t.T * _MS, ts_recv, instrument, side, trade_id(t.i), t.p, t.v)
        n += 1
    return rows[:n] if n else None


class QuoteState:
    """Best bid/ask of ``orderbook.1``: snapshots (and, should they come, deltas) merged into one level a
    side. Bybit re-sends an unchanged level-1 snapshot every 3 s with the same ``u``; those repeats carry
    nothing new and produce no row."""

    __slots__ = ("ask", "bid", "last_u")

    def __init__(self) -> None:
        self.bid: tuple[float, float] | None = None
        self.ask: tuple[float, float] | None = None
        self.last_u: int | None = None

    def reset(self) -> None:
        self.bid = self.ask = None
        self.last_u = None

    def on_message(self, is_snapshot: bool, data: BookData, instrument: int, ts_event: int, ts_recv: int,
                   drops: DropLog) -> npt.NDArray[np.void] | None:
        if data.u == self.last_u and data.u != 1:
            return None
        for level in (*data.b, *data.a):
            p, q = level
            if not (math.isfinite(p) and p > 0 and math.isfinite(q) and q >= 0):
                drops.drop("bad_quote", data.s)
                return None
        if is_snapshot or data.u == 1:
            self.bid = self.ask = None
        self.last_u = data.u
        for p, q in data.b:
            self.bid = (p, q) if q > 0 else None
        for p, q in data.a:
            self.ask = (p, q) if q > 0 else None
        if self.bid is None or self.ask is None:
            drops.drop("one_sided_quote", data.s)
            return None
        rows = np.empty(1, QUOTE_DTYPE)
        rows[0] = (ts_event, ts_recv, instrument, data.u, self.bid[0], self.bid[1], self.ask[0], self.ask[1])
        return rows


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value:
        try:
            return float(value)
        except ValueError:
            return None
    return None


class TickerState:
    """``tickers.{symbol}``: a snapshot, then deltas holding only the changed fields, merged here. A MARK row
    is emitted when a delta touches the mark price, index price or funding."""

    FIELDS: Final = ("markPrice", "indexPrice", "fundingRate", "nextFundingTime")
    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: dict[str, float] = {}

    def reset(self) -> None:
        self.values.clear()

    def on_message(self, is_snapshot: bool, data: Any, instrument: int, ts_event: int, ts_recv: int,
                   drops: DropLog) -> npt.NDArray[np.void] | None:
        if not isinstance(data, dict):
            drops.drop("malformed", "tickers")
            return None
        if is_snapshot:
            self.values.clear()
        touched = False
        for name in self.FIELDS:
            if name in data:
                value = _number(data[name])
                if value is None or not math.isfinite(value):
                    drops.drop("malformed", f"tickers {name}={data[name]!r}")
                    return None
                self.values[name] = value
                touched = True
        if not touched:
            return None
        mark = self.values.get("markPrice")
        if mark is None or mark <= 0:
            drops.drop("non_positive_price" if mark is not None else "no_mark_price", "tickers")
            return None
        rows = np.empty(1, MARK_DTYPE)
        nxt = self.values.get("nextFundingTime")
        rows[0] = (ts_event, ts_recv, instrument, mark, self.values.get("indexPrice", math.nan),
                   self.values.get("fundingRate", math.nan), int(nxt) * _MS if nxt is not None else 0)
        return rows
