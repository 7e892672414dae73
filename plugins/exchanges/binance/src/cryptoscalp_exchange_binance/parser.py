"""Frames of the combined market streams → validated :class:`EventBatch` es, and the books kept in sync.

This is the hot path of the feed: one call per WebSocket frame, no logging or hook calls per event.
Every way a frame can be wrong ends in a counted drop (:class:`DropLog`), never an exception.

Repeats are recognised by the venue's own sequence numbers, so a duplicated frame, or the same stream
arriving on two connections while one replaces the other, yields each event once: trades by trade id
(aggregate id for ``aggTrade``), quotes by book update id ``u``, marks by push time ``E``, depth diffs
by ``u`` (:mod:`cryptoscalp_exchange_binance.book_sync`).

A frame is first offered to the compiled scanner (``cryptoscalp_speedups.binanceframes``), which reads a
canonical ``depthUpdate`` frame of one of our symbols straight from the bytes, levels included; every other
frame (another event, anything malformed or unusual) is decoded by msgspec as before. Both give the same
batches, drops and book.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Final

import msgspec
import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import MARK_DTYPE, QUOTE_DTYPE, TRADE_DTYPE, BookFlag, EventKind, Side
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats
from cryptoscalp_exchange_binance.book import Book, make_book
from cryptoscalp_exchange_binance.book_sync import DepthSync
from cryptoscalp_exchange_binance.depth import Depth, LevelError, PriceGrid, convert_levels
from cryptoscalp_exchange_binance.drops import DropLog
from cryptoscalp_exchange_binance.kernels import FRAMES, KERNEL, RAWLEVELS, ROWS
from cryptoscalp_exchange_binance.messages import (
    ENVELOPE_DECODER,
    ENVELOPE_TEXT_DECODER,
    SNAPSHOT_DECODER,
    SNAPSHOT_TEXT_DECODER,
    AggTrade,
    BookTicker,
    DepthUpdate,
    DepthUpdateText,
    MarkPrice,
    Trade,
    classify_failure,
)

_MAX_MS: Final = 9_000_000_000_000  # beyond year 2255: garbage, and it would overflow int64 ns
_INF: Final = math.inf
_NAN: Final = math.nan
_BUY: Final = int(Side.BUY)
_SELL: Final = int(Side.SELL)
_NO_BATCHES: Final[list[EventBatch]] = []
_NONE: Final = int(BookFlag.NONE)
_LAST: Final = int(BookFlag.LAST)
_SNAP: Final = int(BookFlag.SNAPSHOT)
_SNAP_LAST: Final = int(BookFlag.SNAPSHOT | BookFlag.LAST)
_NO_TICKS: Final = np.empty(0, np.int64)
_NO_QTY: Final = np.empty(0, np.float64)
# The compiled parser's reasons for text that is not a level at all: what msgspec calls a bad field on
# the numpy path (the two paths count the same drops).
_NOT_A_LEVEL: Final = frozenset({"bad_price", "bad_qty", "bad_level"})
_levels_rows: Any = RAWLEVELS.levels_rows if RAWLEVELS is not None else None


def _numpy_row(dtype: np.dtype[np.void]) -> Callable[..., npt.NDArray[np.void]]:
    return lambda *row: np.array([row], dtype)


# One-row arrays of single events: compiled when available (see kernels), same arrays either way.
_trade_row: Final = ROWS.trade_row if ROWS is not None else _numpy_row(TRADE_DTYPE)
_quote_row: Final = ROWS.quote_row if ROWS is not None else _numpy_row(QUOTE_DTYPE)
_mark_row: Final = ROWS.mark_row if ROWS is not None else _numpy_row(MARK_DTYPE)


class SymbolState:
    """Per-instrument state: index in the run's table, tick grid, last sequence seen per stream."""

    __slots__ = ("grid", "index", "last_mark", "last_quote", "last_trade", "scale", "sync")

    def __init__(self, index: int, grid: PriceGrid, sync: DepthSync, scale: Any = None) -> None:
        self.index = index
        self.grid = grid
        self.scale = scale  # the compiled parser's exact tick scale, when it is used
        self.sync = sync
        self.last_trade = -1
        self.last_quote = -1
        self.last_mark = -1


def _price_reason(value: float) -> str | None:
    if value != value or value in (_INF, -_INF):
        return "non_finite_price"
    return "non_positive_price" if value <= 0.0 else None


def _qty_reason(value: float, *, positive: bool) -> str | None:
    if value != value or value in (_INF, -_INF):
        return "non_finite_qty"
    if value < 0.0:
        return "negative_qty"
    return "non_positive_qty" if positive and value == 0.0 else None


class StreamParser:
    """Turns frames into batches for ``instruments`` (all of one venue), keeping a book per instrument.

    ``compiled`` (default: whenever ``cryptoscalp_speedups.levels`` is installed) reads depth levels as
    text and converts them exactly in C; ``False`` keeps the pure numpy path. ``scan_frames`` (default:
    whenever compiled and ``cryptoscalp_speedups.binanceframes`` is installed) reads depth diffs straight
    from the frame bytes; ``False`` decodes every frame with msgspec."""

    def __init__(self, instruments: Sequence[tuple[int, Instrument]], stats: FeedStats, drops: DropLog,
                 request_snapshot: Callable[[int], None], *, max_buffer: int = 10_000,
                 book_factory: Callable[[], Book] = make_book, compiled: bool | None = None,
                 scan_frames: bool | None = None) -> None:
        self.stats = stats
        self.drops = drops
        self.symbols: dict[str, SymbolState] = {}
        self.by_index: dict[int, SymbolState] = {}
        kernel: Any = KERNEL if compiled is not False else None
        if compiled and kernel is None:
            raise ValueError("the compiled level parser (cryptoscalp-speedups) is not installed")
        self._kernel: Any = kernel
        self._envelope = ENVELOPE_DECODER if kernel is None else ENVELOPE_TEXT_DECODER
        frames: Any = FRAMES if kernel is not None and scan_frames is not False else None
        if scan_frames and frames is None:
            raise ValueError("the compiled frame scanner (cryptoscalp-speedups) is not installed")
        self._scan: Any = frames.BinanceDepthFrames() if frames is not None else None
        for index, inst in instruments:
            sync = DepthSync(index, inst.symbol, book_factory(), stats, drops, request_snapshot,
                             max_buffer=max_buffer)
            scale = None if kernel is None else kernel.TickScale(inst.tick_size)
            state = SymbolState(index, PriceGrid(inst.tick_size), sync, scale)
            self.symbols[inst.symbol.upper()] = state
            self.by_index[index] = state
            if self._scan is not None:
                self._scan.add(inst.symbol.upper(), scale, state)

    def on_frame(self, raw: bytes, ts_recv: int) -> list[EventBatch]:
        """One combined-stream frame → 0..2 batches (a depth diff that completes a resync gives the
        snapshot and the buffered diffs in one batch)."""
        scan = self._scan
        if scan is not None and scan.scan(raw):
            return self._diff_scanned(scan, ts_recv)
        try:
            data = self._envelope.decode(raw).data
        except (msgspec.DecodeError, msgspec.ValidationError):
            self.drops.drop(classify_failure(raw))
            return _NO_BATCHES
        state = self.symbols.get(data.s)
        if state is None:
            self.drops.drop("unknown_symbol", data.s[:32])
            return _NO_BATCHES
        kind = type(data)
        if kind is BookTicker:
            return self._quote(data, state, ts_recv)  # type: ignore[arg-type]
        if kind is DepthUpdateText:
            return self._diff_text(data, state, ts_recv)  # type: ignore[arg-type]
        if kind is DepthUpdate:
            return self._diff(data, state, ts_recv)  # type: ignore[arg-type]
        if kind is Trade or kind is AggTrade:
            return self._trade(data, state, ts_recv)  # type: ignore[arg-type]
        return self._mark(data, state, ts_recv)  # type: ignore[arg-type]

    def on_snapshot(self, index: int, body: bytes, ts_recv: int) -> list[EventBatch]:
        """A REST ``/fapi/v1/depth`` body for instrument ``index``."""
        state = self.by_index[index]
        if self._kernel is not None:
            return self._snapshot_text(state, body, ts_recv)
        try:
            snap = SNAPSHOT_DECODER.decode(body)
            bt, bq = convert_levels(snap.bids, state.grid)
            at, aq = convert_levels(snap.asks, state.grid)
            ts_event = _ms_ns(snap.T or snap.E)
        except (msgspec.DecodeError, msgspec.ValidationError):
            self.drops.drop("bad_snapshot", state.sync.label)
            state.sync.snapshot_requested = False
            state.sync.force_resync()
            return _NO_BATCHES
        except LevelError as bad:
            self.drops.drop(f"bad_snapshot_{bad.args[0]}", state.sync.label)
            state.sync.snapshot_requested = False
            state.sync.force_resync()
            return _NO_BATCHES
        lid = snap.lastUpdateId
        rows = state.sync.on_snapshot(Depth(lid, lid, -1, ts_event, bt, bq, at, aq), ts_recv)
        if rows is None or not len(rows):
            return _NO_BATCHES
        return [EventBatch(EventKind.BOOK_DELTA, rows)]

    def _snapshot_text(self, state: SymbolState, body: bytes, ts_recv: int) -> list[EventBatch]:
        kernel = self._kernel
        try:
            snap = SNAPSHOT_TEXT_DECODER.decode(body)
            lid = snap.lastUpdateId
            if not 0 <= lid < 2**62:
                raise msgspec.ValidationError("lastUpdateId out of range")
            ts_event = _ms_ns(snap.T or snap.E)
            rows = kernel.levels_to_rows(snap.bids, snap.asks, state.scale, ts_event, ts_recv, state.index,
                                         _SNAP, _SNAP_LAST, lid, lid, -1)
        except (msgspec.DecodeError, msgspec.ValidationError):
            self.drops.drop("bad_snapshot", state.sync.label)
            state.sync.snapshot_requested = False
            state.sync.force_resync()
            return _NO_BATCHES
        except kernel.LevelError as bad:
            reason = "bad_snapshot" if bad.reason in _NOT_A_LEVEL else f"bad_snapshot_{bad.reason}"
            self.drops.drop(reason, state.sync.label)
            state.sync.snapshot_requested = False
            state.sync.force_resync()
            return _NO_BATCHES
        depth = Depth(lid, lid, -1, ts_event, _NO_TICKS, _NO_QTY, _NO_TICKS, _NO_QTY, rows)
        out = state.sync.on_snapshot(depth, ts_recv)
        if out is None or not len(out):
            return _NO_BATCHES
        return [EventBatch(EventKind.BOOK_DELTA, out)]

    # -- kinds ------------------------------------------------------------------------------------------
    def _trade(self, d: Trade | AggTrade, state: SymbolState, ts_recv: int) -> list[EventBatch]:
        trade_id = d.t if type(d) is Trade else d.a  # type: ignore[union-attr]
        if trade_id <= state.last_trade:
            self.drops.drop("duplicate")
            return _NO_BATCHES
        # One chained comparison on the hot path (NaN fails it); the reason only for a bad row.
        if not (0.0 < d.p < _INF and 0.0 < d.q < _INF and 0 < d.T < _MAX_MS and 0 <= trade_id < 2**62):
            reason = _price_reason(d.p) or _qty_reason(d.q, positive=True) or "bad_field"
            self.drops.drop(reason, "trade")
            return _NO_BATCHES
        state.last_trade = trade_id
        rows = _trade_row(d.T * 1_000_000, ts_recv, state.index, _SELL if d.m else _BUY, trade_id, d.p, d.q)
        return [EventBatch(EventKind.TRADE, rows)]

    def _quote(self, d: BookTicker, state: SymbolState, ts_recv: int) -> list[EventBatch]:
        if d.u <= state.last_quote:
            self.drops.drop("duplicate")
            return _NO_BATCHES
        ts_ms = d.T or d.E
        if not (0.0 < d.b < _INF and 0.0 < d.a < _INF and 0.0 <= d.B < _INF and 0.0 <= d.A < _INF
                and 0 < ts_ms < _MAX_MS and d.u < 2**62):
            reason = (_price_reason(d.b) or _price_reason(d.a) or _qty_reason(d.B, positive=False)
                      or _qty_reason(d.A, positive=False) or "bad_field")
            self.drops.drop(reason, "bookTicker")
            return _NO_BATCHES
        state.last_quote = d.u
        rows = _quote_row(ts_ms * 1_000_000, ts_recv, state.index, d.u, d.b, d.B, d.a, d.A)
        return [EventBatch(EventKind.QUOTE, rows)]

    def _mark(self, d: MarkPrice, state: SymbolState, ts_recv: int) -> list[EventBatch]:
        if state.last_mark >= d.E:
            self.drops.drop("duplicate")
            return _NO_BATCHES
        reason = _price_reason(d.p)
        index = rate = _NAN
        try:
            if d.i:
                index = float(d.i)
            if d.r:
                rate = float(d.r)
        except ValueError:
            reason = reason or "bad_field"
        if reason is None and not (0 < d.E < _MAX_MS and 0 <= d.T < _MAX_MS):
            reason = "bad_field"
        if reason is not None:
            self.drops.drop(reason, "markPrice")
            return _NO_BATCHES
        state.last_mark = d.E
        rows = _mark_row(d.E * 1_000_000, ts_recv, state.index, d.p, index, rate, d.T * 1_000_000)
        return [EventBatch(EventKind.MARK, rows)]

    def _diff(self, d: DepthUpdate, state: SymbolState, ts_recv: int) -> list[EventBatch]:
        ts_ms = d.T or d.E
        if not (0 <= d.U <= d.u < 2**62 and -1 <= d.pu < 2**62 and 0 < ts_ms < _MAX_MS):
            self.drops.drop("bad_sequence", state.sync.label)
            return _NO_BATCHES
        try:
            bt, bq = convert_levels(d.b, state.grid)
            at, aq = convert_levels(d.a, state.grid)
        except LevelError as bad:
            # Dropping the whole diff keeps the book honest: the next diff's pu shows the hole.
            self.drops.drop(str(bad.args[0]), state.sync.label)
            return _NO_BATCHES
        rows = state.sync.on_diff(Depth(d.U, d.u, d.pu, ts_ms * 1_000_000, bt, bq, at, aq), ts_recv)
        if rows is None or not len(rows):
            return _NO_BATCHES
        return [EventBatch(EventKind.BOOK_DELTA, rows)]

    def _diff_text(self, d: DepthUpdateText, state: SymbolState, ts_recv: int) -> list[EventBatch]:
        ts_ms = d.T or d.E
        if not (0 <= d.U <= d.u < 2**62 and -1 <= d.pu < 2**62 and 0 < ts_ms < _MAX_MS):
            self.drops.drop("bad_sequence", state.sync.label)
            return _NO_BATCHES
        try:
            levels = self._kernel.levels_to_rows(d.b, d.a, state.scale, ts_ms * 1_000_000, ts_recv, state.index,
                                                 _NONE, _LAST, d.U, d.u, d.pu)
        except self._kernel.LevelError as bad:
            # Dropping the whole diff keeps the book honest: the next diff's pu shows the hole.
            self.drops.drop("bad_field" if bad.reason in _NOT_A_LEVEL else bad.reason, state.sync.label)
            return _NO_BATCHES
        depth = Depth(d.U, d.u, d.pu, ts_ms * 1_000_000, _NO_TICKS, _NO_QTY, _NO_TICKS, _NO_QTY, levels)
        rows = state.sync.on_diff(depth, ts_recv)
        if rows is None or not len(rows):
            return _NO_BATCHES
        return [EventBatch(EventKind.BOOK_DELTA, rows)]

    def _diff_scanned(self, scan: Any, ts_recv: int) -> list[EventBatch]:
        """:meth:`_diff_text` for a frame the scanner has just read (its fields are ``scan``'s)."""
        state: SymbolState = scan.target
        ts_ms = scan.T or scan.E
        first, last, prev = scan.U, scan.u, scan.pu
        if not (0 <= first <= last < 2**62 and -1 <= prev < 2**62 and 0 < ts_ms < _MAX_MS):
            self.drops.drop("bad_sequence", state.sync.label)
            return _NO_BATCHES
        try:
            levels = _levels_rows(scan.b, scan.a, ts_ms * 1_000_000, ts_recv, state.index, _NONE, _LAST,
                                  first, last, prev)
        except self._kernel.LevelError as bad:
            self.drops.drop("bad_field" if bad.reason in _NOT_A_LEVEL else bad.reason, state.sync.label)
            return _NO_BATCHES
        depth = Depth(first, last, prev, ts_ms * 1_000_000, _NO_TICKS, _NO_QTY, _NO_TICKS, _NO_QTY, levels)
        rows = state.sync.on_diff(depth, ts_recv)
        if rows is None or not len(rows):
            return _NO_BATCHES
        return [EventBatch(EventKind.BOOK_DELTA, rows)]


def _ms_ns(ms: int) -> int:
    if not 0 <= ms < _MAX_MS:
        raise msgspec.ValidationError("time out of range")
    return ms * 1_000_000
