"""From a :class:`~cryptoscalp_feed_synthetic.recording.Recording` to the event samples the fits need.

* Market orders: trades with the same exchange millisecond ``T`` and aggressor side are one market order
  walking the book (Binance prints one trade per maker order filled). Buy and sell orders stamped in the
  same millisecond stay two events; the likelihood lets only strictly earlier events excite.
* The touch (level 0) comes from ``@bookTicker``, which carries every change of the best bid/ask: a
  size increase at an unchanged price is an add; a decrease is first explained by the trades at that
  price that arrived since the previous ticker (file order) and the rest is a cancel; a best price that
  improves is an in-spread order; one that worsens means the touch emptied.
* Levels 1..K-1 come from ``@depth@0ms`` replayed on the REST snapshot. Binance coalesces these diffs
  into one message per ~50 ms, so a level's net change over that window counts as one event: deeper
  levels change rarely enough for this to matter little, the touch would be undercounted several times
  over (the level-0 depth estimate is kept as a diagnostic for exactly that comparison).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from cryptoscalp_feed_synthetic.recording import Recording, synced_depth

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(slots=True)
class QueueSample:
    """One level, bid and ask pooled. Queue sizes in lots; exposure in seconds."""

    expo_q: list[int] = field(default_factory=list)
    expo_dt: list[float] = field(default_factory=list)
    add_q: list[int] = field(default_factory=list)
    add_size: list[int] = field(default_factory=list)
    cancel_q: list[int] = field(default_factory=list)
    cancel_size: list[int] = field(default_factory=list)


@dataclass(slots=True)
class TouchSample:
    queue: QueueSample
    wide_s: float = 0.0  #: time with spread > 1 tick
    total_s: float = 0.0
    improvements: int = 0  #: best-price improvements while the spread was wide (both sides)
    wide3: int = 0  #: of those, with spread > 2 ticks and the other side unchanged
    closing: int = 0  #: of the ``wide3`` ones, landing one tick from the other side
    improve_size: list[int] = field(default_factory=list)
    mid_changes: int = 0


def market_orders(rec: Recording) -> tuple[F64, I64, I64, int]:
    """Market orders as ``(times_s since the first message, type 0 buy / 1 sell, lots, trades merged)``."""
    tr = rec.trades
    key = tr["T"] * 2 + (tr["side"] < 0)
    uniq, inverse = np.unique(key, return_inverse=True)
    lots = np.bincount(inverse, weights=tr["lots"]).astype(np.int64)
    times = (uniq // 2 - rec.first_E) / 1e3
    return times, (uniq % 2).astype(np.int64), lots, int(len(key) - len(uniq))


def level_fills(rec: Recording) -> tuple[I64, I64]:
    """Per market order and price: ``(lots taken, trades printed)``."""
    tr = rec.trades
    key = np.stack([tr["T"], tr["side"], tr["px"]], axis=1)
    _, inverse, prints = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    lots = np.bincount(inverse.ravel(), weights=tr["lots"]).astype(np.int64)
    return lots, prints.astype(np.int64)


def _trade_rows(rec: Recording) -> list[tuple[int, int, int, int]]:
    """Trades as ``(line, side, price ticks, lots)`` tuples: the replay loops below are plain Python."""
    tr = rec.trades
    return list(zip(tr["line"].tolist(), tr["side"].tolist(), tr["px"].tolist(), tr["lots"].tolist(), strict=True))


def touch(rec: Recording) -> TouchSample:
    tk = rec.tickers
    out = TouchSample(QueueSample())
    q = out.queue
    traded: list[dict[int, int]] = [defaultdict(int), defaultdict(int)]  # volume hitting bids / lifting asks
    trades = _trade_rows(rec)
    j, n_tr = 0, len(trades)
    cols = [tk[c].tolist() for c in ("T", "line", "bid", "bq", "ask", "aq")]
    rows = list(zip(*cols, strict=True))
    for prev, cur in pairwise(rows):
        while j < n_tr and trades[j][0] < cur[1]:
            _, side, px, lots = trades[j]
            traded[0 if side < 0 else 1][px] += lots
            j += 1
        dt = (cur[0] - prev[0]) / 1e3
        spread = prev[4] - prev[2]
        out.total_s += dt
        if spread > 1:
            out.wide_s += dt
        if cur[2] + cur[4] != prev[2] + prev[4]:
            out.mid_changes += 1
        for s, (ip, iq) in enumerate(((2, 3), (4, 5))):
            p0, q0, p1, q1 = prev[ip], prev[iq], cur[ip], cur[iq]
            sign = 1 if s == 0 else -1
            q.expo_q.append(q0)
            q.expo_dt.append(dt)
            if p1 == p0:
                if q1 > q0:
                    q.add_q.append(q0)
                    q.add_size.append(q1 - q0)
                elif q1 < q0:
                    hit = min(q0 - q1, traded[s][p0])
                    traded[s][p0] -= hit
                    if q0 - q1 - hit > 0:
                        q.cancel_q.append(q0)
                        q.cancel_size.append(q0 - q1 - hit)
                continue
            if (p1 - p0) * sign > 0:  # improved: a limit order inside the spread
                if spread > 1:
                    out.improvements += 1
                    out.improve_size.append(q1)
                    other = 4 if s == 0 else 2
                    if spread > 2 and cur[other] == prev[other]:
                        out.wide3 += 1
                        out.closing += int(abs(cur[other] - p1) == 1)
            else:  # worsened: the touch emptied; what trades do not explain was cancelled
                rest = q0 - min(q0, traded[s][p0])
                if rest > 0:
                    q.cancel_q.append(q0)
                    q.cancel_size.append(rest)
            traded[s].clear()
    return out


@dataclass(slots=True)
class DepthSample:
    queues: list[QueueSample]  #: levels 0..K-1 (level 0 only as the coalescing diagnostic)
    occupied_s: F64  #: per level 0..depth-1: time non-empty (both sides summed)
    observed_s: float  #: time observed per level (both sides summed)
    sizes: list[list[int]]  #: per level: sizes of the non-empty level at each message


def depth(rec: Recording, levels: int, deep: int) -> DepthSample:
    bids, asks, msgs = synced_depth(rec)
    queues = [QueueSample() for _ in range(levels)]
    occupied = np.zeros(deep)
    sizes: list[list[int]] = [[] for _ in range(deep)]
    observed = 0.0
    trades = _trade_rows(rec)
    j, n_tr = 0, len(trades)
    for i, msg in enumerate(msgs):
        traded: list[dict[int, int]] = [defaultdict(int), defaultdict(int)]
        while j < n_tr and trades[j][0] < msg.line:
            _, side, px, lots = trades[j]
            traded[0 if side < 0 else 1][px] += lots
            j += 1
        best = (max(bids), min(asks))
        dt = (msg.E - msgs[i - 1].E) / 1e3 if i else 0.0
        observed += 2 * dt
        for s, book in enumerate((bids, asks)):
            sign = 1 if s == 0 else -1
            for k in range(deep):
                size = book.get(best[s] - sign * k, 0)
                if size:
                    occupied[k] += dt
                    sizes[k].append(size)
                if k < levels and i:
                    queues[k].expo_q.append(size)
                    queues[k].expo_dt.append(dt)
            for price, new in msg.bids if s == 0 else msg.asks:
                old = book.get(price, 0)
                k = (best[s] - price) * sign
                if i and 0 <= k < levels and new != old:
                    qs = queues[k]
                    if new > old:
                        qs.add_q.append(old)
                        qs.add_size.append(new - old)
                    else:
                        rest = old - new - min(old - new, traded[s].get(price, 0))
                        if rest > 0:
                            qs.cancel_q.append(old)
                            qs.cancel_size.append(rest)
                if new:
                    book[price] = new
                else:
                    book.pop(price, None)
    return DepthSample(queues, occupied, observed, sizes)
