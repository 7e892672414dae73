"""Cross-asset features: rolling correlation and beta of bar returns between the profile's instruments.

Returns are sampled on a **shared time grid** (epoch-aligned time clocks only: tick or volume bars of two
instruments do not cover the same interval). The close of slot ``k`` of an instrument is its last trade
price before the slot's end (carried through slots without a trade, so a quiet slot is a zero return),
and its return is ``log(close_k / close_{k-1})``. Slot ``k`` is complete for *every* instrument at the
first event of the stream (any instrument, any kind) at or after its end: the stream is in ``ts_recv``
order, so nothing later can change it. At that event the pairs' compiled ``RollingCorr`` /
``RollingBeta`` take the slot's returns; gaps add zero-return slots (at most ``max_fill`` per gap, like
the bar clocks). A pair with a NaN return (an instrument before its second priced slot) skips the slot.

Columns, for a row of instrument ``A`` and each other instrument ``B`` (or only the ``reference``):
``xasset.<clock>.corr_<w>.<B>`` = corr(r_A, r_B) and ``xasset.<clock>.beta_<w>.<B>`` = the OLS slope of
r_A on r_B over the last ``w`` slots; NaN in ``A``'s own column. The pushes happen in slot order
whatever the batching, so the values do not depend on how the stream was cut.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import numpy.typing as npt
from cryptoscalp_speedups.indicators import RollingBeta, RollingCorr

from cryptoscalp_features_streaming.catalogue import FeatureSpec
from cryptoscalp_features_streaming.clocks import parse_clock

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
#: One instrument's update block: (its xasset columns, global update positions, values)
XBlock = tuple[npt.NDArray[np.intp], I64, F64]
_NO_BOUNDS: I64 = np.empty(0, np.int64)


class _Grid:
    """One time clock's slots and every pair's indicators on it."""

    def __init__(self, interval: int, n_inst: int, windows: list[int], max_fill: int) -> None:
        self.interval, self.n_inst, self.windows, self.max_fill = interval, n_inst, windows, max_fill
        self.pairs = list(combinations(range(n_inst), 2))
        # per pair and window: corr, beta of a on b (x = r_b, y = r_a), beta of b on a
        self.ind = {(p, w): (RollingCorr(w), RollingBeta(w), RollingBeta(w)) for p in self.pairs for w in windows}
        self.reset()

    def reset(self) -> None:
        for trio in self.ind.values():
            for ind in trio:
                ind.reset()
        self.slot = -1
        self.last = np.full(self.n_inst, np.nan)   # last trade price
        self.prev = np.full(self.n_inst, np.nan)   # close of the last completed slot

    def feed(self, ts: I64, inst: npt.NDArray[np.intp], price: F64 | None
             ) -> tuple[I64, dict[tuple[tuple[int, int], int], F64]]:
        """Boundary rows of the batch and, per (pair, window), rows ``(corr, beta_a_on_b, beta_b_on_a)``."""
        if self.slot >= 0 and int(ts[-1]) // self.interval == self.slot:  # the usual event: no slot ends
            self._carry(inst, price, len(ts))
            return _NO_BOUNDS, {}
        slots = ts // self.interval
        if self.slot < 0:
            self.slot = int(slots[0])
        before = np.concatenate(([self.slot], slots[:-1]))
        bounds = np.flatnonzero(slots > before)
        if len(bounds) == 0:
            self._carry(inst, price, len(ts))
            return _NO_BOUNDS, {}
        # closes of each boundary's first completed slot: the last price before the boundary row
        closes = np.empty((len(bounds), self.n_inst))
        for k in range(self.n_inst):
            if price is None:
                closes[:, k] = self.last[k]
                continue
            mine = np.where(inst == k, np.arange(len(ts)), -1)
            seen = np.maximum.accumulate(mine)
            at = np.where(bounds > 0, seen[np.maximum(bounds - 1, 0)], -1)
            closes[:, k] = np.where(at >= 0, price[np.maximum(at, 0)], self.last[k])
        self._carry(inst, price, len(ts))
        gaps = slots[bounds] - before[bounds] - 1
        fills = np.minimum(gaps, self.max_fill)
        per = 1 + fills  # slots pushed at each boundary
        rets = np.zeros((int(per.sum()), self.n_inst))
        prev = self.prev
        first = np.concatenate(([0], np.cumsum(per)[:-1]))
        with np.errstate(divide="ignore", invalid="ignore"):
            for b in range(len(bounds)):
                rets[first[b]] = np.log(closes[b] / prev)
                prev = closes[b]
                rets[first[b] + 1:first[b] + per[b]] = np.where(np.isfinite(prev), 0.0, np.nan)
        self.prev = prev.copy()
        self.slot = int(slots[-1])
        end = first + per - 1  # each boundary's last pushed slot
        out: dict[tuple[tuple[int, int], int], F64] = {}
        for (a, b), w in self.ind:
            corr, beta_ab, beta_ba = self.ind[((a, b), w)]
            ra, rb = rets[:, a], rets[:, b]
            out[((a, b), w)] = np.column_stack((corr.run(ra, rb)[end], beta_ab.run(rb, ra)[end],
                                                beta_ba.run(ra, rb)[end]))
        return bounds.astype(np.int64), out

    def _carry(self, inst: npt.NDArray[np.intp], price: F64 | None, n: int) -> None:
        if price is None:
            return
        if n == 1:
            if inst[0] < self.n_inst:  # an instrument outside the profile has no pairs
                self.last[inst[0]] = price[0]
            return
        for k in range(self.n_inst):
            mine = np.flatnonzero(inst == k)
            if len(mine):
                self.last[k] = price[mine[-1]]


class CrossAsset:
    """Every cross-asset column of the engine: which instrument's rows carry it and how it is updated."""

    def __init__(self, specs: list[FeatureSpec], index: dict[str, int], instruments: list[str],
                 max_fill: int) -> None:
        self.instruments = instruments
        n = len(instruments)
        pos = {name: k for k, name in enumerate(instruments)}
        clocks = sorted({s.clock for s in specs})
        windows = {c: sorted({int(s.recipe[2]) for s in specs if s.clock == c}) for c in clocks}
        self.grids = {c: _Grid(int(parse_clock(c).size), n, windows[c], max_fill) for c in clocks}
        # per instrument: (column, clock, pair, window, which output)
        self.cols: list[list[tuple[int, str, tuple[int, int], int, int]]] = [[] for _ in range(n)]
        for s in specs:
            _, stat, w, other = s.recipe
            b = pos[other]
            for a in range(n):
                if a == b:
                    continue
                pair = (min(a, b), max(a, b))
                which = 0 if stat == "corr" else (1 if a == pair[0] else 2)
                self.cols[a].append((index[s.name], s.clock, pair, int(w), which))
        self.self_cols = [np.array([index[s.name] for s in specs if s.recipe[3] == name], dtype=np.intp)
                          for name in instruments]

    def reset(self) -> None:
        for g in self.grids.values():
            g.reset()

    def update(self, ts: I64, inst: npt.NDArray[np.intp], price: F64 | None) -> dict[int, list[XBlock]]:
        """Per instrument number, its update blocks for this batch (one per clock; global row positions)."""
        fed = {c: g.feed(ts, inst, price) for c, g in self.grids.items()}
        out: dict[int, list[XBlock]] = {}
        for a, cols in enumerate(self.cols):
            for clock, (bounds, series) in fed.items():
                mine = [c for c in cols if c[1] == clock]
                if not mine or len(bounds) == 0:
                    continue
                target = np.array([c[0] for c in mine], dtype=np.intp)
                vals = np.column_stack([series[(pair, w)][:, which] for _, _, pair, w, which in mine])
                out.setdefault(a, []).append((target, bounds, vals))
        return out
