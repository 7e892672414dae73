"""What the stress test knows about the market: per-second series built from a profile's feed.

Every batch is reduced with numpy to one-second buckets (last price, widest relative spread, traded
quantity, top-of-book depth), so a long recording costs memory per second, not per event. The worst
moves are found on the forward-filled one-second closes with windowed differences of log prices.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.ports.market_feed import EventBatch

Floats = npt.NDArray[np.float64]
_S = 1_000_000_000


@dataclass
class _Buckets:
    price: dict[int, float] = field(default_factory=dict)
    spread: dict[int, float] = field(default_factory=dict)
    volume: dict[int, float] = field(default_factory=dict)
    depth: dict[int, float] = field(default_factory=dict)


def _by_second(sec: npt.NDArray[np.int64], values: Floats, how: str) -> tuple[npt.NDArray[np.int64], Floats]:
    starts = np.flatnonzero(np.concatenate(([True], sec[1:] != sec[:-1])))
    if how == "last":
        out = values[np.concatenate((starts[1:] - 1, [len(values) - 1]))]
    elif how == "max":
        out = np.maximum.reduceat(values, starts)
    else:
        out = np.add.reduceat(values, starts)
    return sec[starts], out


@dataclass
class MarketHistory:
    """Per-instrument one-second series: ``seconds`` (epoch s), ``close``, ``spread`` (relative, nan when
    no quote), ``volume`` (quantity traded), ``depth`` (mean top-of-book quantity, nan when no quote)."""

    instruments: tuple[str, ...]
    seconds: list[npt.NDArray[np.int64]]
    close: list[Floats]
    spread: list[Floats]
    volume: list[Floats]
    depth: list[Floats]

    def returns(self, k: int) -> Floats:
        c = self.close[k]
        return np.diff(np.log(c)) if len(c) > 1 else np.empty(0)

    def worst_move(self, k: int, window_s: int, direction: int) -> tuple[float, int]:
        """Most negative (``direction=-1``) or positive log move over ``window_s`` seconds, as a simple
        return, and the epoch second where the window starts; ``(nan, 0)`` without enough data."""
        c = self.close[k]
        if len(c) <= window_s:
            return math.nan, 0
        logc = np.log(c)
        moves = logc[window_s:] - logc[:-window_s]
        i = int(np.argmin(moves) if direction < 0 else np.argmax(moves))
        return float(math.expm1(moves[i])), int(self.seconds[k][i])


def _fill(sec: dict[int, float], grid: npt.NDArray[np.int64], forward: bool) -> Floats:
    out = np.full(len(grid), np.nan)
    if not sec:
        return out
    keys = np.fromiter(sec.keys(), dtype=np.int64)
    vals = np.fromiter(sec.values(), dtype=np.float64)
    order = np.argsort(keys)
    keys, vals = keys[order], vals[order]
    pos = np.searchsorted(grid, keys)
    out[pos] = vals
    if forward:
        idx = np.where(np.isfinite(out), np.arange(len(out)), 0)
        np.maximum.accumulate(idx, out=idx)
        out = out[idx]
    return out


async def collect(batches: AsyncIterator[EventBatch], instruments: Sequence[str],
                  max_events: int | None = None) -> MarketHistory:
    """Read ``batches`` (a started feed's) into a :class:`MarketHistory`; stop after ``max_events``."""
    buckets = [_Buckets() for _ in instruments]
    seen = 0
    async for batch in batches:
        rows = batch.rows
        if not len(rows):
            continue
        for k in np.unique(rows["instrument"]):
            if k >= len(buckets):
                continue
            part = rows[rows["instrument"] == k]
            _fold(buckets[int(k)], batch.kind, part)
        seen += len(rows)
        if max_events is not None and seen >= max_events:
            break
    history = MarketHistory(tuple(instruments), [], [], [], [], [])
    for b in buckets:
        grid = np.arange(min(b.price), max(b.price) + 1, dtype=np.int64) if b.price else np.empty(0, np.int64)
        history.seconds.append(grid)
        history.close.append(_fill(b.price, grid, True))
        history.spread.append(_fill(b.spread, grid, False))
        history.volume.append(np.nan_to_num(_fill(b.volume, grid, False)))
        history.depth.append(_fill(b.depth, grid, False))
    return history


def _fold(b: _Buckets, kind: EventKind, rows: npt.NDArray[np.void]) -> None:
    sec = np.ascontiguousarray(rows["ts_event"]) // _S
    if kind is EventKind.TRADE:
        price, qty = rows["price"], rows["qty"]
        ok = np.isfinite(price) & (price > 0)
        if ok.any():
            s, last = _by_second(sec[ok], price[ok], "last")
            b.price.update(zip(s.tolist(), last.tolist(), strict=True))
            s, vol = _by_second(sec[ok], np.nan_to_num(qty[ok]), "sum")
            for key, v in zip(s.tolist(), vol.tolist(), strict=True):
                b.volume[key] = b.volume.get(key, 0.0) + v
    elif kind is EventKind.QUOTE:
        bid, ask = rows["bid_price"], rows["ask_price"]
        ok = np.isfinite(bid) & np.isfinite(ask) & (bid > 0) & (ask >= bid)
        if ok.any():
            mid = (bid[ok] + ask[ok]) / 2
            s, last = _by_second(sec[ok], mid, "last")
            b.price.update(zip(s.tolist(), last.tolist(), strict=True))
            s, wide = _by_second(sec[ok], (ask[ok] - bid[ok]) / mid, "max")
            for key, v in zip(s.tolist(), wide.tolist(), strict=True):
                b.spread[key] = max(b.spread.get(key, 0.0), v)
            s, depth = _by_second(sec[ok], (rows["bid_qty"][ok] + rows["ask_qty"][ok]) / 2, "last")
            b.depth.update(zip(s.tolist(), depth.tolist(), strict=True))
    elif kind is EventKind.MARK:
        mark = rows["mark_price"]
        ok = np.isfinite(mark) & (mark > 0)
        if ok.any():
            s, last = _by_second(sec[ok], mark[ok], "last")
            for key, v in zip(s.tolist(), last.tolist(), strict=True):
                b.price.setdefault(key, v)  # a trade or quote of the same second is the better price
