"""The risk stack's shared view of the market: prices, staleness, fixed-interval bars and what derives
from them (returns, realised volatility, ATR, correlation, VaR / expected shortfall).

Updated once per batch, vectorised: a batch's prices become bars with ``np.maximum.reduceat`` and
friends, never one Python step per row. Bars are cut on exchange time (``ts_event``; made monotone per
batch, since venues reorder by a few microseconds); a bar without a price repeats the previous close, so
returns stay aligned across instruments. Derived numbers are cached; when a bar closes, those asked for
before are recomputed at once, so risk checks read them without paying for the new bar.

That recomputation is kept small, since it runs between a market update and the risk check after it (work
there evicts what the check needs from the CPU caches): a tick that closes one bar is folded in with a few
scalar steps, and the mean and sample variance of each instrument's window of returns are kept as exact
running sums (:class:`~cryptoscalp_core.engine.var.ExactMoments`: a return joins when its bar closes and
leaves when the window drops it; integers, so nothing drifts however long the view runs). Realised
volatility, an instrument's parametric VaR / expected shortfall, and the parametric figures of a
one-instrument view come from them in O(1): the correctly rounded exact mean and variance, which may differ
from numpy's pairwise mean and two-pass deviation in the last bits (within a relative 1e-12; tests hold
both). Returns, ATR, historical figures, correlation and the moments of several instruments (numpy's, over
the aligned return matrix) are computed as before, to the bit.

Prices: trades' price, quotes' mid, marks' mark price; book deltas only refresh the receive time.

:meth:`MarketView.memo` (the port's ``MarketMemo``) caches a layer's own figure the same way: computed
once per version, and again when the next bar closes if it was asked for in the previous one.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.engine import var
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import VarMethod

Floats = npt.NDArray[np.float64]
_T = TypeVar("_T")
_MISSING = object()


class _Bars:
    """Closed bars of one instrument in a ring of ``window`` (kept in a 2x buffer, shifted when full).

    Each bar's log close and its return from the bar before are taken once, when the bar is written:
    ``ret[i] = log[i] - log[i - 1]`` is the very subtraction that differencing the window's logs does, and
    ``np.log`` works element by element, so a window's returns are a slice of ``ret``, to the bit what
    recomputing them from its closes gives, without touching 600 bars per bar. ``held`` holds the same
    returns as floats and ``moments`` their exact mean and variance (updated as returns join and leave)."""

    __slots__ = ("close", "count", "cur", "cur_close", "cur_high", "cur_low", "held", "high", "log", "low",
                 "moments", "ret", "window")

    def __init__(self, window: int) -> None:
        self.window = window
        self.close, self.high, self.low, self.log, self.ret = (np.empty(2 * window) for _ in range(5))
        # the window's returns again, as floats in arrival order, and their exact moments: a return joins
        # when it is written and leaves when a later one pushes it out of the window
        self.held: deque[float] = deque(maxlen=window - 1)
        self.moments = var.ExactMoments()
        self.count = 0
        self.cur = -1  # id of the open bar; -1 before any price
        self.cur_high = self.cur_low = self.cur_close = math.nan

    def add(self, bar_ns: int, ts: npt.NDArray[np.int64], price: Floats) -> bool:
        """Fold prices into bars; True when at least one bar closed."""
        if self.cur >= 0 and ts[-1] // bar_ns <= self.cur:  # the common small batch: all in the open bar
            self.cur_high, self.cur_low = max(self.cur_high, float(price.max())), min(self.cur_low, float(price.min()))
            self.cur_close = float(price[-1])
            return False
        if self.cur >= 0 and len(price) == 1:  # one price in a later bar (a tick): no array work needed
            return self._close_one(int(ts[0]) // bar_ns, price[0])
        ids = np.maximum(np.maximum.accumulate(ts // bar_ns), self.cur)
        starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
        hi, lo = np.maximum.reduceat(price, starts), np.minimum.reduceat(price, starts)
        close = price[np.concatenate((starts[1:] - 1, [len(price) - 1]))]
        gid = ids[starts]
        if self.cur >= 0:
            if gid[0] == self.cur:
                hi[0], lo[0] = max(hi[0], self.cur_high), min(lo[0], self.cur_low)
            else:  # the open bar closes before this batch's first bar
                gid, hi, lo, close = (np.concatenate(([a], b)) for a, b in (
                    (self.cur, gid), (self.cur_high, hi), (self.cur_low, lo), (self.cur_close, close)))
        self.cur, self.cur_high, self.cur_low, self.cur_close = int(gid[-1]), hi[-1], lo[-1], close[-1]
        if len(gid) == 1:
            return False
        reps = 1 + np.minimum(np.diff(gid) - 1, self.window)  # each closed bar, then its empty followers
        idx = np.repeat(np.arange(len(reps)), reps)
        c = close[:-1][idx]
        h, low = hi[:-1][idx], lo[:-1][idx]
        filler = np.ones(len(idx), dtype=bool)
        filler[np.cumsum(reps) - reps] = False
        h[filler] = c[filler]
        low[filler] = c[filler]
        self._append(c[-self.window:], h[-self.window:], low[-self.window:])
        return True

    def add_one(self, bar_ns: int, ts: int, price: float) -> bool:
        """:meth:`add` of a single price (the same bars, without the array work)."""
        bar = ts // bar_ns
        if self.cur >= 0 and bar <= self.cur:
            p = float(price)
            self.cur_high, self.cur_low, self.cur_close = max(self.cur_high, p), min(self.cur_low, p), p
            return False
        if self.cur >= 0:
            return self._close_one(bar, price)
        self.cur, self.cur_high, self.cur_low, self.cur_close = bar, price, price, price  # the first price
        return False

    def _close_one(self, bar: int, price: float | np.float64) -> bool:
        """What the vectorised path does with one price in bar ``bar`` after the open one: the open bar
        closes, empty bars until ``bar`` repeat its close (at most a window of them), ``bar`` opens."""
        k = 1 + min(bar - self.cur - 1, self.window)
        n = min(k, self.window)  # a full window of empty bars pushes the closed bar itself out
        at = self._room(n)
        if k == 1 and at:  # the bar right after (the common case): what _derive does, on scalars
            close = float(self.cur_close)
            self.close[at], self.high[at], self.low[at] = close, self.cur_high, self.cur_low
            # np.log of a scalar runs the array loop on one element: the bits of the vectorised path
            log = float(np.log(close))
            self.log[at] = log
            self.ret[at] = ret = log - float(self.log[at - 1])
            self.count = at + 1
            self._hold_one(ret)
            self.cur, self.cur_high, self.cur_low, self.cur_close = bar, price, price, price
            return True
        end = at + n
        self.close[at:end] = self.high[at:end] = self.low[at:end] = self.cur_close
        if n == k:
            self.high[at], self.low[at] = self.cur_high, self.cur_low
        self._derive(at, end)
        self.cur, self.cur_high, self.cur_low, self.cur_close = bar, price, price, price
        return True

    def _append(self, c: Floats, h: Floats, low: Floats) -> None:
        at = self._room(len(c))
        sl = slice(at, at + len(c))
        self.close[sl], self.high[sl], self.low[sl] = c, h, low
        self._derive(at, sl.stop)

    def _room(self, n: int) -> int:
        """Where ``n`` new bars go; a full buffer first keeps only the bars the window still needs."""
        w = self.window
        if self.count + n > 2 * w:
            keep = max(0, w - n)
            start = self.count - keep
            for arr in (self.close, self.high, self.low, self.log):
                arr[:keep] = arr[start:self.count]
            # returns handed out are views of ``ret`` (kept by layers until the version changes): they
            # stay as they were in the old buffer, the window goes on in a new one
            ret = np.empty(2 * w)
            ret[:keep] = self.ret[start:self.count]
            self.ret = ret
            self.count = keep
        return self.count

    def _derive(self, at: int, end: int) -> None:
        """Log closes and returns of the bars just written to ``[at, end)`` (a return needs the bar before:
        none for the buffer's first bar, which no window's returns include)."""
        np.log(self.close[at:end], out=self.log[at:end])
        lo = max(at, 1)
        if lo < end:
            np.subtract(self.log[lo:end], self.log[lo - 1:end - 1], out=self.ret[lo:end])
            self._hold(self.ret[lo:end].tolist())
        self.count = end

    def _hold(self, new: list[float]) -> None:
        """The returns just written join the window's (every return but a buffer's first is written once,
        in bar order, so the window's returns are the last ``window - 1`` written)."""
        held, moments = self.held, self.moments
        assert held.maxlen is not None
        if len(new) >= held.maxlen:  # all of the window is new
            held.clear()
            moments.clear()
            new = new[len(new) - held.maxlen:]
        for x in new:
            if len(held) == held.maxlen:
                moments.remove(held.popleft())
            held.append(x)
            moments.add(x)

    def _hold_one(self, x: float) -> None:
        held, moments = self.held, self.moments
        if len(held) == held.maxlen:
            moments.remove(held.popleft())
        held.append(x)
        moments.add(x)

    def returns(self) -> Floats:
        """The window's returns: a read-only view, never written again (see :meth:`_room`)."""
        got = self.ret[max(0, self.count - self.window) + 1:self.count]
        got.flags.writeable = False
        return got

    def atr(self, bars: int) -> float:
        lo = max(1, self.count - bars)
        if self.count - lo < 1:
            return math.nan
        prev = self.close[lo - 1:self.count - 1]
        h, low = self.high[lo:self.count], self.low[lo:self.count]
        tr = np.maximum(h - low, np.maximum(np.abs(h - prev), np.abs(low - prev)))
        return float(tr.mean())


class MarketView:
    """Implements the :class:`~cryptoscalp_core.ports.risk.MarketView` port for the engine."""

    def __init__(self, instruments: Sequence[Instrument], *, bar_ns: int = 1_000_000_000,
                 window: int = 600) -> None:
        if bar_ns <= 0 or window < 2:
            raise ValueError("bar_ns must be > 0 and window >= 2")
        self._ids = {inst.id: i for i, inst in enumerate(instruments)}
        n = len(instruments)
        self._bar_ns, self._window = bar_ns, window
        self._bars = [_Bars(window) for _ in range(n)]
        self._price = np.full(n, np.nan)
        self._recv = np.zeros(n, dtype=np.int64)
        self._recv_at: list[int] = [0] * n  # the same as _recv, as Python ints (read on every risk check)
        self._version = 0
        self._cache: dict[object, object] = {}
        self._memos: dict[Hashable, Callable[[MarketView], object]] = {}  # key -> its compute function
        self._memo_values: dict[Hashable, object] = {}  # key -> its figure in this version
        # cache key, or its first item -> what computes it again (the rest of the key its arguments)
        self._renew: dict[str, Callable[..., object]] = {
            "m": self.matrix, "corr": self.correlation, "mom": self._moments, "r": self.returns,
            "s": self.realised_vol, "v": self._risk, "u": self._unit_var}

    @property
    def bar_ns(self) -> int:
        return self._bar_ns

    @property
    def version(self) -> int:
        return self._version

    def index(self, instrument_id: str) -> int:
        return self._ids[instrument_id]

    # -- updates ----------------------------------------------------------------------------------------
    def observe(self, batch: EventBatch) -> None:
        rows = batch.rows
        if not len(rows):
            return
        single = len(self._bars) == 1
        if single:  # ts_recv never goes backwards in a validated feed: the last row is the newest
            last = rows["ts_recv"].item(-1)
            if last > self._recv_at[0]:
                self._recv[0] = self._recv_at[0] = last
        else:
            np.maximum.at(self._recv, rows["instrument"].astype(np.intp), rows["ts_recv"])
            self._recv_at = self._recv.tolist()
        kind = batch.kind
        if single and len(rows) == 1:  # one event (a tick, a cut segment): no array work
            if kind is EventKind.TRADE:
                p = rows["price"].item(0)
            elif kind is EventKind.QUOTE:
                p = (rows["bid_price"].item(0) + rows["ask_price"].item(0)) * 0.5  # the float64 steps of the mid
            elif kind is EventKind.MARK:
                p = rows["mark_price"].item(0)
            else:
                return
            if math.isfinite(p) and p > 0:
                self._price[0] = p
                if self._bars[0].add_one(self._bar_ns, rows["ts_event"].item(0), p):
                    self._version += 1
                    self._refresh()
            return
        if kind is EventKind.TRADE:
            price = rows["price"]
        elif kind is EventKind.QUOTE:
            price = (rows["bid_price"] + rows["ask_price"]) * 0.5
        elif kind is EventKind.MARK:
            price = rows["mark_price"]
        else:
            return
        closed = False
        ok = np.isfinite(price) & (price > 0)
        if single and ok.all():
            self._price[0] = price[-1]
            closed = self._bars[0].add(self._bar_ns, rows["ts_event"], np.ascontiguousarray(price))
        else:
            inst = rows["instrument"]
            for k in ((0,) if single else np.unique(inst[ok])):
                sel = ok if single else ok & (inst == k)
                p = np.ascontiguousarray(price[sel], dtype=np.float64)
                if not len(p):
                    continue
                self._price[k] = p[-1]
                closed |= self._bars[k].add(self._bar_ns, rows["ts_event"][sel], p)
        if closed:
            self._version += 1
            self._refresh()

    def _refresh(self) -> None:
        """Recompute, now, every derived statistic asked for since the last bar close: the cost of a new
        bar lands on the market-data path (once per bar), not on the next risk check."""
        keys = list(self._cache)
        self._cache.clear()
        memos = list(self._memo_values)
        self._memo_values.clear()
        for key in memos:
            # a broken figure must not stop market data: asked again, it is recomputed (and raises) there
            try:
                self.memo(key, self._memos[key])
            except Exception:
                continue
        renew = self._renew
        for key in keys:
            if isinstance(key, tuple):
                renew[key[0]](*key[1:])
            else:
                renew[key]()  # type: ignore[index]  # the keys without arguments are strings

    # -- reads ------------------------------------------------------------------------------------------
    def memo(self, key: Hashable, compute: Callable[[MarketView], _T]) -> _T:
        """``compute(self)``, kept until the version changes and recomputed when the next bar closes."""
        got = self._memo_values.get(key, _MISSING)
        if got is _MISSING:
            got = self._memo_values[key] = compute(self)
            self._memos[key] = compute
        return got  # type: ignore[return-value]

    def last_price(self, instrument_id: str) -> float:
        return float(self._price[self._ids[instrument_id]])

    def last_recv_ns(self, instrument_id: str) -> int:
        return self._recv_at[self._ids[instrument_id]]

    def returns(self, instrument_id: str) -> Floats:
        key = ("r", instrument_id)
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = self._bars[self._ids[instrument_id]].returns()
        return got  # type: ignore[return-value]

    def realised_vol(self, instrument_id: str) -> float:
        key = ("s", instrument_id)
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = math.sqrt(self._bars[self._ids[instrument_id]].moments.mean_variance()[1])
        return got  # type: ignore[return-value]

    def atr(self, instrument_id: str, bars: int = 14) -> float:
        return self._bars[self._ids[instrument_id]].atr(bars)

    def matrix(self) -> Floats:
        """Aligned bar returns, bars x instruments (the last bars all instruments have)."""
        got = self._cache.get("m")
        if got is None:
            cols = [self.returns(i) for i in self._ids]
            if len(cols) == 1:  # the one column as it is: a view with the layout of a stacked copy
                got = cols[0].reshape(-1, 1)
            else:
                n = min((len(c) for c in cols), default=0)
                got = np.empty((n, len(cols)))  # np.column_stack of the columns' last n, without its overhead
                for j, c in enumerate(cols):
                    got[:, j] = c[len(c) - n:]
            self._cache["m"] = got
        return got  # type: ignore[return-value]

    def correlation(self) -> Floats:
        got = self._cache.get("corr")
        if got is None:
            m = self.matrix()
            k = m.shape[1]
            if len(m) < 3:
                got = np.where(np.eye(k, dtype=bool), 1.0, np.nan)
            else:
                with np.errstate(invalid="ignore", divide="ignore"):
                    got = np.atleast_2d(np.corrcoef(m, rowvar=False))
            self._cache["corr"] = got
        return got  # type: ignore[return-value]

    def _risk(self, instrument_id: str, confidence: float, method: VarMethod, horizon: int) -> tuple[float, float]:
        key = ("v", instrument_id, confidence, method, horizon)
        got = self._cache.get(key)
        if got is None:
            got = var.historical(self.returns(instrument_id), confidence, horizon) if method == "historical" else \
                var.parametric_moments(self._bars[self._ids[instrument_id]].moments, confidence, horizon)
            self._cache[key] = got
        return got  # type: ignore[return-value]

    def var(self, instrument_id: str, confidence: float = 0.99, method: VarMethod = "historical",
            horizon_bars: int = 1) -> float:
        return self._risk(instrument_id, confidence, method, horizon_bars)[0]

    def expected_shortfall(self, instrument_id: str, confidence: float = 0.99,
                           method: VarMethod = "historical", horizon_bars: int = 1) -> float:
        return self._risk(instrument_id, confidence, method, horizon_bars)[1]

    def portfolio_var(self, notionals: Floats | Sequence[float], confidence: float = 0.99,
                      method: VarMethod = "historical",
                      horizon_bars: int = 1) -> tuple[float, float]:
        """A single position scales the cached VaR of one unit on its side (exact: VaR is positively
        homogeneous); otherwise parametric answers reuse the mean and covariance of the current bars and
        historical ones rescan the bars. Caches are refreshed when a bar closes, not on a check."""
        w = notionals.tolist() if isinstance(notionals, np.ndarray) else list(notionals)
        if len(w) == 1:  # one instrument: what follows, in fewer steps
            x = w[0]
            if not x:
                return 0.0, 0.0
            v, es = self._unit_var(0, 1.0 if x > 0 else -1.0, confidence, method, horizon_bars)
            return abs(x) * v, abs(x) * es
        held = [i for i, x in enumerate(w) if x]
        if not held:
            return 0.0, 0.0
        if len(held) == 1:
            i = held[0]
            v, es = self._unit_var(i, 1.0 if w[i] > 0 else -1.0, confidence, method, horizon_bars)
            return abs(w[i]) * v, abs(w[i]) * es
        return self._portfolio_var(w, confidence, method, horizon_bars)

    def _unit_var(self, i: int, side: float, confidence: float, method: VarMethod,
                  horizon_bars: int) -> tuple[float, float]:
        key = ("u", i, side, confidence, method, horizon_bars)
        got = self._cache.get(key)
        if got is None:
            unit = [0.0] * len(self._bars)
            unit[i] = side
            got = self._portfolio_var(unit, confidence, method, horizon_bars)
            self._cache[key] = got
        return got  # type: ignore[return-value]

    def _portfolio_var(self, w: list[float], confidence: float, method: VarMethod,
                       horizon_bars: int) -> tuple[float, float]:
        if method != "parametric":
            return var.portfolio(self.matrix(), np.asarray(w, dtype=np.float64), confidence, method, horizon_bars)
        moments = self._moments()
        if moments is None:
            return math.nan, math.nan
        mu, cov = moments  # plain lists: for a handful of instruments Python beats numpy's call overhead
        if len(w) == 1:  # the sums below, of one term each (0 + t is t)
            x = w[0]
            return var.parametric(0.0 + mu[0] * x, math.sqrt(max(0.0, x * (cov[0][0] * x))), confidence, horizon_bars)
        mean = sum(m * x for m, x in zip(mu, w, strict=True))
        variance = sum(x * sum(c * y for c, y in zip(row, w, strict=True)) for row, x in zip(cov, w, strict=True))
        return var.parametric(mean, math.sqrt(max(0.0, variance)), confidence, horizon_bars)

    def _moments(self) -> tuple[list[float], list[list[float]]] | None:
        got = self._cache.get("mom", False)
        if got is False:
            if len(self._bars) == 1:  # one instrument: its exact moments (the matrix is its returns)
                moments = self._bars[0].moments
                if moments.n < var.MIN_OBSERVATIONS:
                    got = None
                else:
                    mean, variance = moments.mean_variance()
                    got = ([mean], [[variance]])
                self._cache["mom"] = got
                return got
            m = self.matrix()
            # var.moments(m) without its search for incomplete rows: returns of finite positive closes
            # are finite (logs lie within [-745, 710]), so every row is complete and the rows it keeps
            # are ``m`` itself, in the same (C) layout
            got = (var.mean_of(m).tolist(), var.cov_of(m).tolist()) if len(m) >= var.MIN_OBSERVATIONS else None
            self._cache["mom"] = got
        return got  # type: ignore[return-value]
