"""The market view keeps its derived figures in preallocated, incrementally filled buffers and running
sums: bar after bar, whatever the batching, gaps and bad prices, every figure must be what the
straightforward algorithm (a verbatim copy below: bars appended through lists, returns from the logs of
the whole window, moments over the complete rows) gives — risk decisions compare these floats with limits.

* Bars, returns, ATR, historical VaR / ES, the return matrix, correlation, and the parametric figures of
  several instruments (numpy's moments of the matrix): the same bits.
* Realised volatility, parametric VaR / ES of an instrument, and the parametric figures of a
  one-instrument view come from the window's exact mean and variance (integer sums, rounded once): the
  same bits as the exact fractions of the reference's returns give them, and within a relative 1e-12 of
  numpy's pairwise mean and two-pass deviation (the documented bound)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import numpy.typing as npt
import pytest

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.engine import var
from cryptoscalp_core.engine.market_view import MarketView
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.testing.conformance import sample_instruments

Floats = npt.NDArray[np.float64]
BAR = 1_000


# -- the reference: the view's algorithm before its buffers (copied, not imported) --------------------------
_EXACT: dict[bytes, tuple[float, float]] = {}
_UNIT = 2**1074  # every finite double is a whole multiple of 1 / _UNIT


def _exact_moments(returns: Floats) -> tuple[float, float]:
    """Mean and sample variance of the returns as exact fractions, each rounded once to a float."""
    key = returns.tobytes()
    got = _EXACT.get(key)
    if got is None:
        # as whole numbers of 1 / _UNIT, the sums are exact
        units = [num * (_UNIT // den) for num, den in (x.as_integer_ratio() for x in returns.tolist())]
        n, total, squares = len(units), sum(units), sum(u * u for u in units)
        got = (float(Fraction(total, n << 1074)) if n else math.nan,
               float(Fraction(n * squares - total * total, (n * (n - 1)) << 2148)) if n >= 2 else math.nan)
        if len(_EXACT) > 64:
            _EXACT.clear()
        _EXACT[key] = got
    return got


def _exact_parametric(returns: Floats, confidence: float, horizon: int) -> tuple[float, float]:
    if len(returns) < var.MIN_OBSERVATIONS:
        return math.nan, math.nan
    mean, variance = _exact_moments(returns)
    return var.parametric(mean, math.sqrt(variance), confidence, horizon)


def _close(got: float, want: float, size: float) -> bool:
    """Within the documented relative 1e-12 (of ``size``, the magnitude the figure is made of)."""
    return (math.isnan(got) and math.isnan(want)) or abs(got - want) <= 1e-12 * size


def _std(returns: Floats) -> float:
    n = len(returns)
    mean = np.add.reduce(returns, axis=None, keepdims=True)
    np.true_divide(mean, n, out=mean, casting="unsafe")
    x = np.subtract(returns, mean)
    np.square(x, out=x)
    return float(np.sqrt(np.add.reduce(x, None) / (n - 1)))


def _moments(matrix: Floats) -> tuple[Floats, Floats] | None:
    rows = matrix[np.isfinite(matrix).all(axis=1)] if matrix.ndim == 2 else np.empty((0, 0))
    if len(rows) < var.MIN_OBSERVATIONS:
        return None
    mean = np.add.reduce(rows, 0)
    np.true_divide(mean, rows.shape[0], out=mean, casting="unsafe")
    x = np.array(rows, ndmin=2, dtype=np.float64).T
    centre = np.add.reduce(x, (1,))
    np.true_divide(centre, x.shape[1], out=centre, casting="unsafe")
    x -= centre[:, None]
    cov = np.dot(x, x.T.conj())
    cov *= np.true_divide(1, x.shape[1] - 1)
    return mean, cov


class _RefBars:
    def __init__(self, window: int) -> None:
        self.window = window
        self.close, self.high, self.low = (np.empty(2 * window) for _ in range(3))
        self.count = 0
        self.cur = -1
        self.cur_high = self.cur_low = self.cur_close = math.nan

    def add(self, ts: npt.NDArray[np.int64], price: Floats) -> None:
        if self.cur >= 0 and ts[-1] // BAR <= self.cur:
            self.cur_high, self.cur_low = max(self.cur_high, float(price.max())), min(self.cur_low, float(price.min()))
            self.cur_close = float(price[-1])
            return
        ids = np.maximum(np.maximum.accumulate(ts // BAR), self.cur)
        starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
        hi, lo = np.maximum.reduceat(price, starts), np.minimum.reduceat(price, starts)
        close = price[np.concatenate((starts[1:] - 1, [len(price) - 1]))]
        gid = ids[starts]
        if self.cur >= 0:
            if gid[0] == self.cur:
                hi[0], lo[0] = max(hi[0], self.cur_high), min(lo[0], self.cur_low)
            else:
                gid, hi, lo, close = (np.concatenate(([a], b)) for a, b in (
                    (self.cur, gid), (self.cur_high, hi), (self.cur_low, lo), (self.cur_close, close)))
        self.cur, self.cur_high, self.cur_low, self.cur_close = int(gid[-1]), hi[-1], lo[-1], close[-1]
        if len(gid) == 1:
            return
        reps = 1 + np.minimum(np.diff(gid) - 1, self.window)
        idx = np.repeat(np.arange(len(reps)), reps)
        c = close[:-1][idx]
        h, low = hi[:-1][idx], lo[:-1][idx]
        filler = np.ones(len(idx), dtype=bool)
        filler[np.cumsum(reps) - reps] = False
        h[filler] = c[filler]
        low[filler] = c[filler]
        n, w = len(c[-self.window:]), self.window
        if self.count + n > 2 * w:
            keep = max(0, w - n)
            for arr in (self.close, self.high, self.low):
                arr[:keep] = arr[self.count - keep:self.count]
            self.count = keep
        sl = slice(self.count, self.count + n)
        self.close[sl], self.high[sl], self.low[sl] = c[-w:], h[-w:], low[-w:]
        self.count += n

    def returns(self) -> Floats:
        closes = self.close[max(0, self.count - self.window):self.count]
        if len(closes) < 2:
            return np.empty(0)
        logs = np.log(closes)
        return logs[1:] - logs[:-1]

    def atr(self, bars: int) -> float:
        lo = max(1, self.count - bars)
        if self.count - lo < 1:
            return math.nan
        prev = self.close[lo - 1:self.count - 1]
        h, low = self.high[lo:self.count], self.low[lo:self.count]
        return float(np.maximum(h - low, np.maximum(np.abs(h - prev), np.abs(low - prev))).mean())


class _Reference:
    """Every figure recomputed from the bars on each call, as the view computed it before its buffers."""

    def __init__(self, k: int, window: int) -> None:
        self.bars = [_RefBars(window) for _ in range(k)]

    def observe(self, inst: npt.NDArray[np.int64], ts: npt.NDArray[np.int64], price: Floats) -> None:
        ok = np.isfinite(price) & (price > 0)
        for i in np.unique(inst[ok]):
            sel = ok & (inst == i)
            self.bars[i].add(ts[sel], np.ascontiguousarray(price[sel]))

    def matrix(self) -> Floats:
        cols = [b.returns() for b in self.bars]
        n = min(len(c) for c in cols)
        got = np.empty((n, len(cols)))
        for j, c in enumerate(cols):
            got[:, j] = c[len(c) - n:]
        return got

    def correlation(self) -> Floats:
        m = self.matrix()
        if len(m) < 3:
            return np.where(np.eye(m.shape[1], dtype=bool), 1.0, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.atleast_2d(np.corrcoef(m, rowvar=False))

    def portfolio_var(self, w: Sequence[float], confidence: float, method: str, horizon: int) -> tuple[float, float]:
        held = [i for i, x in enumerate(w) if x]
        if not held:
            return 0.0, 0.0
        if len(held) == 1:
            i = held[0]
            unit = [0.0] * len(w)
            unit[i] = 1.0 if w[i] > 0 else -1.0
            v, es = self._portfolio_var(unit, confidence, method, horizon)
            return abs(w[i]) * v, abs(w[i]) * es
        return self._portfolio_var(list(w), confidence, method, horizon)

    def _portfolio_var(self, w: list[float], confidence: float, method: str, horizon: int) -> tuple[float, float]:
        if method != "parametric":
            return var.portfolio(self.matrix(), np.asarray(w, dtype=np.float64), confidence, method, horizon)
        m = self.matrix()
        if len(w) == 1:  # one instrument: its exact moments (see the module docstring)
            if len(m) < var.MIN_OBSERVATIONS:
                return math.nan, math.nan
            mean, variance = _exact_moments(m[:, 0])
            found: tuple[Floats, Floats] | None = (np.array([mean]), np.array([[variance]]))
        else:
            found = _moments(m)
        if found is None:
            return math.nan, math.nan
        mu, cov = found[0].tolist(), found[1].tolist()
        mean = sum(m * x for m, x in zip(mu, w, strict=True))
        variance = sum(x * sum(c * y for c, y in zip(row, w, strict=True)) for row, x in zip(cov, w, strict=True))
        return var.parametric(mean, math.sqrt(max(0.0, variance)), confidence, horizon)


# -- the comparison --------------------------------------------------------------------------------------------
def _bits(x: object) -> bytes:
    return np.asarray(x, dtype=np.float64).tobytes()


Batch = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], Floats]


def _stream(rng: np.random.Generator, k: int, steps: int) -> list[Batch]:
    """Batches of (instrument, ts, price): mostly ticks a bar or so apart, bursts inside a bar, long gaps
    (past a whole window), reordered timestamps, and prices that are not prices (nan, inf, zero, negative)."""
    out: list[Batch] = []
    t = 0
    log_price = np.log(rng.uniform(50, 5000, k))
    for _ in range(steps):
        n = int(rng.choice([1, 1, 1, 2, 3, 7, 40]))
        gaps = rng.choice([0, 1, BAR // 3, BAR, BAR + 1, 2 * BAR, 7 * BAR, 40 * BAR], size=n,
                          p=[0.05, 0.05, 0.3, 0.3, 0.1, 0.1, 0.07, 0.03])
        ts = t + np.cumsum(gaps) - rng.integers(0, 3, n) * (rng.random(n) < 0.1)
        t = int(ts.max())
        inst = rng.integers(0, k, n)
        log_price[inst] += rng.normal(0, 2e-3, n) * rng.choice([1.0, 30.0], n, p=[0.97, 0.03])
        price = np.exp(log_price[inst])
        bad = rng.random(n) < 0.03
        price[bad] = rng.choice([math.nan, math.inf, 0.0, -1.0], int(bad.sum()))
        out.append((inst.astype(np.int64), ts.astype(np.int64), price.astype(np.float64)))
    return out


@pytest.mark.parametrize(("k", "window", "steps", "seed"), [(1, 600, 2500, 1), (1, 20, 1500, 2), (3, 30, 1200, 3),
                                                             (2, 600, 1500, 4)])
def test_every_figure_is_the_straightforward_algorithm_s(k: int, window: int, steps: int,
                                                                    seed: int) -> None:
    instruments = sample_instruments()[:k]
    assert len(instruments) == k
    ids = [i.id for i in instruments]
    view, ref = MarketView(instruments, bar_ns=BAR, window=window), _Reference(k, window)
    rng = np.random.default_rng(seed)
    kept: list[tuple[Floats, bytes]] = []  # returns handed out earlier: a layer may keep them
    closes = 0
    for inst, ts, price in _stream(rng, k, steps):
        rows = empty(EventKind.TRADE, len(ts))
        rows["instrument"], rows["ts_event"], rows["ts_recv"], rows["price"] = inst, ts, ts, price
        before = view.version
        view.observe(EventBatch(EventKind.TRADE, rows))
        ref.observe(inst, ts, price)
        if view.version == before:
            continue
        closes += 1
        for i, key in enumerate(ids):
            bars = ref.bars[i]
            r, want = view.returns(key), bars.returns()
            assert r.dtype == np.float64 and r.shape == want.shape and _bits(r) == _bits(want)
            assert not r.flags.writeable
            if closes % 50 == i:
                kept.append((r, _bits(r)))
            vol = view.realised_vol(key)
            exact_vol = math.sqrt(_exact_moments(want)[1]) if len(want) >= 2 else math.nan
            assert _bits(vol) == _bits(exact_vol)
            assert _close(vol, _std(want) if len(want) >= 2 else math.nan, vol)
            for n in (1, 5, 14):
                assert _bits(view.atr(key, n)) == _bits(bars.atr(n))
            for c, h in ((0.99, 1), (0.95, 3)):
                hist = var.historical(want, c, h)
                par = _exact_parametric(want, c, h)
                assert _bits(view.var(key, c, "historical", h)) == _bits(hist[0])
                assert _bits(view.expected_shortfall(key, c, "historical", h)) == _bits(hist[1])
                got = (view.var(key, c, "parametric", h), view.expected_shortfall(key, c, "parametric", h))
                assert _bits(got) == _bits(par)
                if len(want) >= var.MIN_OBSERVATIONS:  # and numpy's moments give the same within the bound
                    size = (abs(float(want.mean())) * h + vol * math.sqrt(h) * 3) or 1.0
                    assert all(_close(g, w, size) for g, w in zip(got, var.parametric_of(want, c, h), strict=True))
        m = view.matrix()
        assert m.shape == ref.matrix().shape and _bits(m) == _bits(ref.matrix())
        assert _bits(view.correlation()) == _bits(ref.correlation())
        books = [[0.0] * k for _ in range(3)]
        books[0][0], books[1][k - 1] = 2500.0, -700.0
        books[2] = [1000.0 * (j + 1) * (-1) ** j for j in range(k)]
        for w in books:
            for method in ("historical", "parametric"):
                for h in (1, 60):
                    got = view.portfolio_var(w, 0.99, method, h)
                    assert _bits(got) == _bits(ref.portfolio_var(w, 0.99, method, h))
                    if k == 1 and method == "parametric" and len(m) >= var.MIN_OBSERVATIONS:
                        col = m[:, 0]  # the one instrument's figure from numpy's moments, within the bound
                        x = w[0]
                        numpy_s = var.parametric(float(col.mean()) * x, float(col.std(ddof=1)) * abs(x), 0.99, h)
                        size = abs(x) * (abs(float(col.mean())) * h + float(col.std(ddof=1)) * math.sqrt(h) * 3)
                        assert all(_close(g, v, size) for g, v in zip(got, numpy_s, strict=True))
    assert closes > steps // 3  # the stream did close bars, and often
    assert kept and all(_bits(r) == b for r, b in kept)  # later bars and buffer shifts left them alone


def test_no_drift_over_a_hundred_thousand_bars() -> None:
    """The running sums behind the window's mean and variance are exact, so after 120k bars (ticks one
    bar apart, bursts of several bars, gaps, returns of very different sizes) the figures are still the
    window's own, rounded once: the exact reference's bits, and within 1e-12 of numpy's."""
    inst = sample_instruments()[0]
    view = MarketView((inst,), bar_ns=BAR, window=600)
    rng = np.random.default_rng(11)
    n = 120_000
    steps = rng.normal(0, 1e-4, n) * rng.choice([1.0, 1e-8, 50.0], n, p=[0.97, 0.02, 0.01])
    prices = 100.0 * np.exp(np.cumsum(steps))
    t, i, bars = 0, 0, 0
    while i < n:
        size = 1 if rng.random() < 0.97 else int(rng.integers(2, 30))
        gaps = rng.choice([BAR, BAR, BAR, 3 * BAR, 700 * BAR], size=size, p=[0.3, 0.3, 0.38, 0.019, 0.001])
        ts = t + np.cumsum(gaps)
        rows = empty(EventKind.TRADE, size)
        rows["ts_event"] = rows["ts_recv"] = ts
        rows["price"] = prices[i:i + size] if i + size <= n else prices[n - size:]
        view.observe(EventBatch(EventKind.TRADE, rows))
        t, i = int(ts[-1]), i + size
        bars += int(gaps.sum() // BAR)
        if i % 20_000 < size or i >= n:
            r = view.returns(inst.id)
            assert len(r) == 599
            mean, variance = _exact_moments(r)
            assert _bits(view.realised_vol(inst.id)) == _bits(math.sqrt(variance))
            assert _close(view.realised_vol(inst.id), _std(r), math.sqrt(variance))
            assert _bits(view.var(inst.id, 0.99, "parametric", 60)) == _bits(_exact_parametric(r, 0.99, 60)[0])
            assert _bits(view.portfolio_var([-250.0], 0.99, "parametric", 60)) == _bits(
                tuple(250.0 * x for x in var.parametric(-mean, math.sqrt(variance), 0.99, 60)))
    assert bars >= 100_000
