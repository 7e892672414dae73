"""Shared helpers of the streaming engine's tests: synthetic streams of trades, quotes and book deltas."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import BookFlag, EventKind, empty
from cryptoscalp_core.ports.market_feed import EventBatch

T0 = 1_700_000_000_000_000_000


def stream(n: int, seed: int = 0) -> list[tuple[EventKind, npt.NDArray[np.void]]]:
    """About ``n`` events: trades, quotes and 2-row book messages interleaved in ``ts_recv`` order, one row
    per entry (so any regrouping into same-kind runs is a valid feed)."""
    rng = np.random.default_rng(seed)
    out: list[tuple[EventKind, npt.NDArray[np.void]]] = []
    ts, bid = T0, 300_000
    for i in range(n):
        ts += int(rng.integers(1, 400_000_000))
        u = rng.random()
        if u < 0.45:
            r = empty(EventKind.TRADE, 1)
            r["side"] = 1 if rng.random() < 0.5 else -1
            r["price"] = (bid + (1 if r["side"][0] > 0 else 0)) * 0.1
            r["qty"] = rng.exponential(0.5) + 0.001
            r["trade_id"] = i
            kind = EventKind.TRADE
        elif u < 0.7:
            bid += int(rng.integers(-1, 2))
            r = empty(EventKind.QUOTE, 1)
            r["bid_price"], r["ask_price"] = bid * 0.1, (bid + 1) * 0.1
            r["bid_qty"], r["ask_qty"] = rng.exponential(2.0, 2) + 0.001
            kind = EventKind.QUOTE
        else:
            r = empty(EventKind.BOOK_DELTA, 2)
            first = i == 0 or rng.random() < 0.01
            r["side"] = [1, -1]
            r["price_ticks"] = [bid - int(rng.integers(0, 5)), bid + 1 + int(rng.integers(0, 5))]
            r["qty"] = rng.exponential(2.0, 2).round(3)
            r["flags"] = [BookFlag.SNAPSHOT if first else 0, BookFlag.LAST | (BookFlag.SNAPSHOT if first else 0)]
            kind = EventKind.BOOK_DELTA
        r["ts_event"] = ts - 1000
        r["ts_recv"] = ts
        out.append((kind, r))
    return out


def batches(events: list[tuple[EventKind, npt.NDArray[np.void]]], cuts: list[int] | None = None) -> list[EventBatch]:
    """Group consecutive same-kind events into batches; ``cuts`` (sizes, cycled) splits runs further."""
    out: list[EventBatch] = []
    k = 0
    i = 0
    while i < len(events):
        kind = events[i][0]
        j = i
        while j < len(events) and events[j][0] is kind:
            j += 1
        run = np.concatenate([e[1] for e in events[i:j]])
        pos = 0
        while pos < len(run):
            size = len(run) if cuts is None else cuts[k % len(cuts)]
            k += 1
            out.append(EventBatch(kind, run[pos:pos + size]))
            pos += size
        i = j
    return out
