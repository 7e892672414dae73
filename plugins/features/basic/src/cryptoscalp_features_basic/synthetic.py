"""Synthetic trade and quote rows and event streams for tests, examples and throughput measurements.

Prices follow a geometric random walk around ``start``; sides and sizes are random. Deterministic for a
seed. Not a market model: just well-formed rows of the core's event dtypes.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.ports.market_feed import EventBatch

_T0 = 1_700_000_000_000_000_000  # ns, an arbitrary 2023 epoch


def synthetic_trades(n: int, *, instruments: int = 1, seed: int = 0, start: float = 30_000.0,
                     t0: int = _T0) -> npt.NDArray[np.void]:
    """``n`` TRADE rows over ``instruments`` interleaved instruments, ``ts_recv`` increasing."""
    rng = np.random.default_rng(seed)
    rows = empty(EventKind.TRADE, n)
    ts = t0 + np.cumsum(rng.integers(1, 2_000_000, size=n))
    rows["ts_event"] = ts - 1_000
    rows["ts_recv"] = ts
    rows["instrument"] = rng.integers(0, instruments, size=n)
    rows["side"] = np.where(rng.random(n) < 0.5, 1, -1)
    rows["trade_id"] = np.arange(n)
    rows["price"] = start * np.exp(np.cumsum(rng.normal(scale=2e-4, size=n)))
    rows["qty"] = rng.exponential(0.05, size=n) + 0.001
    return rows


def synthetic_quotes(n: int, *, instruments: int = 1, seed: int = 0, start: float = 30_000.0,
                     tick: float = 0.1, t0: int = _T0) -> npt.NDArray[np.void]:
    """``n`` QUOTE rows: a bid on a ``tick`` grid, a spread of 1..3 ticks, random sizes (often repeated
    prices, so the OFI's equal-price cases occur)."""
    rng = np.random.default_rng(seed)
    rows = empty(EventKind.QUOTE, n)
    ts = t0 + np.cumsum(rng.integers(1, 2_000_000, size=n))
    rows["ts_event"] = ts - 1_000
    rows["ts_recv"] = ts
    rows["instrument"] = rng.integers(0, instruments, size=n)
    rows["seq"] = np.arange(n)
    bid = np.round(start / tick + np.cumsum(rng.integers(-1, 2, size=n))) * tick
    rows["bid_price"] = bid
    rows["ask_price"] = bid + tick * rng.integers(1, 4, size=n)
    rows["bid_qty"] = rng.exponential(1.0, size=n).round(3) + 0.001
    rows["ask_qty"] = rng.exponential(1.0, size=n).round(3) + 0.001
    return rows


def as_stream(trades: npt.NDArray[np.void], quotes: npt.NDArray[np.void], *, max_batch: int | None = None,
              seed: int = 0) -> list[EventBatch]:
    """Merge trade and quote rows by ``ts_recv`` (trades first on ties) into the batches a feed would
    yield: runs of one kind, cut into batches of random size up to ``max_batch`` (whole runs if None)."""
    rng = np.random.default_rng(seed)
    ts = np.concatenate((trades["ts_recv"], quotes["ts_recv"]))
    is_quote = np.concatenate((np.zeros(len(trades), bool), np.ones(len(quotes), bool)))
    order = np.lexsort((is_quote, ts))
    position = np.concatenate((np.arange(len(trades)), np.arange(len(quotes))))[order]
    kinds = is_quote[order]
    cuts = [0, *(np.flatnonzero(kinds[1:] != kinds[:-1]) + 1).tolist(), len(order)]
    batches: list[EventBatch] = []
    for lo, hi in itertools.pairwise(cuts):
        kind, source = (EventKind.QUOTE, quotes) if kinds[lo] else (EventKind.TRADE, trades)
        rows = source[position[lo:hi]]
        step = len(rows)
        start = 0
        while start < len(rows):
            if max_batch is not None:
                step = int(rng.integers(1, max_batch + 1))
            batches.append(EventBatch(kind, rows[start:start + step]))
            start += step
    return batches
