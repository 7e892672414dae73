"""Data pushes of the OKX public socket → core event rows.

One push (``{"arg": {"channel", "instId"}, "data": [...]}``) becomes at most one :class:`EventBatch`.
Anything malformed is dropped and counted by reason in :class:`FeedStats` (never raised): a bad trade,
quote or mark drops that push; a bad book push also marks the book for resubscription.

:meth:`PushDecoder.decode_frame` takes the frame as received: a book, trades, tickers or bbo-tbt push is
read straight from its bytes by the compiled scanner (no Python object per level or field), everything
else (and any push the scanner does not recognise as canonical) goes through ``orjson`` and
:meth:`PushDecoder.decode`, with the same outcome either way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from cryptoscalp_core.domain.events import MARK_DTYPE, QUOTE_DTYPE, TRADE_DTYPE, EventKind, Side
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats
from cryptoscalp_exchange_okx.book_sync import BookState, BookSync
from cryptoscalp_exchange_okx.kernels import FRAMES, ROWS

_BUY, _SELL = int(Side.BUY), int(Side.SELL)
_PUSH_BOOK, _PUSH_TRADES = (FRAMES.PUSH_BOOK, FRAMES.PUSH_TRADES) if FRAMES is not None else (-1, -1)
_BOOK_DELTA, _TRADE, _QUOTE = EventKind.BOOK_DELTA, EventKind.TRADE, EventKind.QUOTE
_NAN = math.nan
_MS = 1_000_000


def _numpy_row(dtype: np.dtype[np.void]) -> Callable[..., npt.NDArray[np.void]]:
    return lambda *row: np.array([row], dtype=dtype)


# One-row arrays of single events: compiled when available (see kernels), the same arrays either way.
_trade_row = ROWS.trade_row if ROWS is not None else _numpy_row(TRADE_DTYPE)
_quote_row = ROWS.quote_row if ROWS is not None else _numpy_row(QUOTE_DTYPE)
_mark_row = ROWS.mark_row if ROWS is not None else _numpy_row(MARK_DTYPE)


def _price(text: Any) -> float:
    value = float(text)
    if not 0.0 < value < math.inf:
        raise ValueError(f"price {text!r}")
    return value


def _qty(text: Any) -> float:
    value = float(text)
    if not 0.0 <= value < math.inf:
        raise ValueError(f"size {text!r}")
    return value


class PushDecoder:
    """Decodes data pushes for the instruments in ``index`` (``instId`` → row ``instrument``)."""

    def __init__(self, index: Mapping[str, int], books: Mapping[str, BookSync], stats: FeedStats,
                 book_channel: str) -> None:
        self.index = dict(index)
        self.books = dict(books)
        self.stats = stats
        self.book_channel = book_channel
        self._funding: dict[int, tuple[float, int]] = {}
        self._handlers: dict[str, Callable[[list[Any], int, int], EventBatch | None]] = {
            "trades": self._trades,
            "bbo-tbt": self._bbo,
            "tickers": self._ticker,
            "mark-price": self._mark,
            "funding-rate": self._funding_rate,
        }
        # The frame scanner reads every instrument's trades and quotes, and the books whose sync converts
        # levels in C (a sync on the Python path gets its pushes decoded, as before).
        self._frames: Any = None
        if FRAMES is not None:
            self._frames = FRAMES.OkxBookFrames(book_channel)
            for symbol, position in self.index.items():
                if 0 <= position <= 0xFFFF:  # else rows cannot hold it: the decoder counts each push as malformed
                    self._frames.add_instrument(symbol, position)
                sync = self.books.get(symbol)
                if sync is not None and sync.scale is not None:
                    self._frames.add(symbol, sync.scale)

    def decode_frame(self, frame: bytes | str, ts_recv: int,
                     control: Callable[[dict[str, Any]], None] | None = None) -> EventBatch | None:
        """One frame as received (text or bytes): the batch of a data push, or ``None``. The heartbeat
        ``pong`` is skipped, an event reply (``{"event": ...}``) goes to ``control`` (ignored without
        one), a frame that is not a JSON object is counted as ``malformed``."""
        scan = self._frames
        if scan is not None:
            read = scan.read(frame, ts_recv)
            if read == _PUSH_BOOK:
                rows = self.books[scan.inst_id].on_frame(scan, ts_recv)
                return None if rows is None else EventBatch(_BOOK_DELTA, rows)
            if read:
                return EventBatch(_TRADE if read == _PUSH_TRADES else _QUOTE, scan.rows)
        if frame == b"pong" or frame == "pong":
            return None
        try:
            msg = orjson.loads(frame)
        except orjson.JSONDecodeError:
            self.stats.drop("malformed")
            return None
        if type(msg) is not dict:
            self.stats.drop("malformed")
            return None
        if "event" in msg:
            if control is not None:
                control(msg)
            return None
        return self.decode(msg, ts_recv)

    def decode(self, msg: dict[str, Any], ts_recv: int) -> EventBatch | None:
        try:
            arg = msg["arg"]
            channel = arg["channel"]
            inst_id = arg["instId"]
            data = msg["data"]
        except (KeyError, TypeError):
            self.stats.drop("malformed")
            return None
        index = self.index.get(inst_id) if type(inst_id) is str else None
        if index is None:
            self.stats.drop("not_subscribed")
            return None
        if channel == self.book_channel:
            return self._book(msg, inst_id, data, ts_recv)
        handler = self._handlers.get(channel) if type(channel) is str else None
        if handler is None:
            self.stats.drop("unknown_channel")
            return None
        try:
            if type(data) is not list or not data:
                raise ValueError("empty data")
            return handler(data, index, ts_recv)
        except (KeyError, TypeError, ValueError, IndexError, OverflowError):
            self.stats.drop("malformed")
            return None

    def _book(self, msg: dict[str, Any], inst_id: str, data: Any, ts_recv: int) -> EventBatch | None:
        sync = self.books[inst_id]
        if type(data) is not list or len(data) != 1 or type(data[0]) is not dict:
            if sync.state is BookState.LIVE:
                sync.mark_gap("malformed")  # the book missed a push it cannot read: resubscribe
            else:
                self.stats.drop("malformed")
            return None
        rows = sync.on_message(msg.get("action"), data[0], ts_recv)
        return None if rows is None else EventBatch(EventKind.BOOK_DELTA, rows)

    def _trades(self, data: list[Any], index: int, ts_recv: int) -> EventBatch:
        if len(data) == 1:  # the usual push: one trade
            item = data[0]
            side = item["side"]
            qty = _qty(item["sz"])
            if qty == 0.0:
                raise ValueError("zero-size trade")
            return EventBatch(EventKind.TRADE, _trade_row(
                int(item["ts"]) * _MS, ts_recv, index,
                _BUY if side == "buy" else _SELL if side == "sell" else _bad_side(side),
                int(item["tradeId"]), _price(item["px"]), qty))
        out = []
        for item in data:
            side = item["side"]
            qty = _qty(item["sz"])
            if qty == 0.0:
                raise ValueError("zero-size trade")
            out.append((int(item["ts"]) * _MS, ts_recv, index,
                        _BUY if side == "buy" else _SELL if side == "sell" else _bad_side(side),
                        int(item["tradeId"]), _price(item["px"]), qty))
        return EventBatch(EventKind.TRADE, np.array(out, dtype=TRADE_DTYPE))

    def _bbo(self, data: list[Any], index: int, ts_recv: int) -> EventBatch:
        item = data[0]
        bid, ask = item["bids"][0], item["asks"][0]
        seq = item.get("seqId")
        return EventBatch(EventKind.QUOTE, _quote_row(
            int(item["ts"]) * _MS, ts_recv, index, seq if type(seq) is int else -1,
            _price(bid[0]), _qty(bid[1]), _price(ask[0]), _qty(ask[1])))

    def _ticker(self, data: list[Any], index: int, ts_recv: int) -> EventBatch:
        item = data[0]
        return EventBatch(EventKind.QUOTE, _quote_row(
            int(item["ts"]) * _MS, ts_recv, index, -1, _price(item["bidPx"]), _qty(item["bidSz"]),
            _price(item["askPx"]), _qty(item["askSz"])))

    def _mark(self, data: list[Any], index: int, ts_recv: int) -> EventBatch:
        item = data[0]
        rate, next_ts = self._funding.get(index, (_NAN, 0))
        return EventBatch(EventKind.MARK, _mark_row(int(item["ts"]) * _MS, ts_recv, index, _price(item["markPx"]),
                                                    _NAN, rate, next_ts))

    def _funding_rate(self, data: list[Any], index: int, ts_recv: int) -> None:
        # OKX pushes funding separately from the mark; the next MARK row of the instrument carries it.
        item = data[0]
        rate = float(item["fundingRate"])
        if not math.isfinite(rate):
            raise ValueError(f"funding rate {item['fundingRate']!r}")
        self._funding[index] = (rate, int(item["fundingTime"]) * _MS)
        return None


def _bad_side(side: Any) -> int:
    raise ValueError(f"trade side {side!r}")
