"""Indicators without a TA-Lib counterpart (or computed more accurately than TA-Lib) against plain Python."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from cryptoscalp_speedups import indicators as ind
from hypothesis import given, settings
from hypothesis import strategies as st

Arr = npt.NDArray[np.float64]
series = st.lists(st.floats(-1e3, 1e3), min_size=0, max_size=120).map(lambda v: np.asarray(v, dtype=np.float64))
periods = st.integers(1, 12)


def windows(x: Arr, p: int) -> list[list[float]]:
    return [list(x[i - p + 1:i + 1]) for i in range(len(x))]


def ref_rolling(x: Arr, p: int, fn: object) -> Arr:
    return np.array([fn(w) if i >= p - 1 else math.nan for i, w in enumerate(windows(x, p))])  # type: ignore[operator]


def pstd(w: list[float]) -> float:
    m = math.fsum(w) / len(w)
    return math.sqrt(math.fsum((v - m) ** 2 for v in w) / len(w))


def close(a: Arr, b: Arr, scale: float) -> None:
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a[~np.isnan(b)], b[~np.isnan(b)], rtol=1e-9, atol=1e-9 * scale)


@settings(max_examples=60, deadline=None)
@given(x=series, p=periods, offset=st.sampled_from([0.0, 6e4]))
def test_rolling_window_statistics(x: Arr, p: int, offset: float) -> None:
    x = x + offset  # a large offset makes sum(x^2)-style cancellation visible
    scale = float(np.max(np.abs(x))) if len(x) else 1.0
    close(ind.RollingSum(p).run(x), ref_rolling(x, p, math.fsum), scale * p)
    close(ind.RollingMean(p).run(x), ref_rolling(x, p, lambda w: math.fsum(w) / len(w)), scale)
    # the deviation is judged against the spread of the data, not its level
    spread = float(np.ptp(x)) if len(x) else 1.0
    close(ind.RollingStd(p).run(x), ref_rolling(x, p, pstd), max(spread, 1e-300) * 1e-3)
    np.testing.assert_array_equal(ind.RollingMax(p).run(x), ref_rolling(x, p, max))
    np.testing.assert_array_equal(ind.RollingMin(p).run(x), ref_rolling(x, p, min))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(0, 100), p=st.integers(2, 12), flat_x=st.booleans())
def test_rolling_corr_and_beta(seed: int, n: int, p: int, flat_x: bool) -> None:
    rng = np.random.default_rng(seed)
    x = np.full(n, 3.0) if flat_x else rng.normal(100, 1, n)
    y = 2.0 * x + rng.normal(0, 0.5, n)

    def corr(i: int) -> float:
        a, b = x[i - p + 1:i + 1], y[i - p + 1:i + 1]
        da, db = a - a.mean(), b - b.mean()
        den = math.sqrt(float(da @ da) * float(db @ db))
        return float(da @ db) / den if den > 0 else 0.0

    def beta(i: int) -> float:
        a, b = x[i - p + 1:i + 1], y[i - p + 1:i + 1]
        da = a - a.mean()
        return float(da @ (b - b.mean())) / float(da @ da) if float(da @ da) > 0 else 0.0

    ref_c = np.array([corr(i) if i >= p - 1 else math.nan for i in range(n)])
    ref_b = np.array([beta(i) if i >= p - 1 else math.nan for i in range(n)])
    close(ind.RollingCorr(p).run(x, y), ref_c, 1e-6)
    close(ind.RollingBeta(p).run(x, y), ref_b, 1e-6)


def ref_ew(x: Arr, alpha: float) -> tuple[Arr, Arr]:
    std, z = np.full(len(x), math.nan), np.full(len(x), math.nan)
    m = v = 0.0
    for i, value in enumerate(x):
        if i == 0:
            m, v = value, 0.0
            continue
        d = value - m
        m += alpha * d
        v = (1 - alpha) * (v + alpha * d * d)
        std[i] = math.sqrt(v)
        z[i] = (value - m) / math.sqrt(v) if v > 0 else 0.0
    return std, z


@settings(max_examples=60, deadline=None)
@given(x=series, halflife=st.floats(0.5, 50.0))
def test_ew_std_and_zscore(x: Arr, halflife: float) -> None:
    alpha = 1.0 - math.exp(-math.log(2.0) / halflife)
    std, z = ref_ew(x, alpha)
    scale = float(np.max(np.abs(x))) if len(x) else 1.0
    close(ind.EWStd(halflife=halflife).run(x), std, scale)
    got_z = ind.RunningZScore(alpha=alpha).run(x)
    finite = ~np.isnan(std) & (std > 1e-6 * max(scale, 1.0))  # z is ill-conditioned when std ~ rounding
    close(got_z[finite], z[finite], 1.0)


@settings(max_examples=40, deadline=None)
@given(x=st.lists(st.floats(0.01, 1e5), max_size=80).map(np.asarray), h=st.integers(1, 5))
def test_log_return(x: Arr, h: int) -> None:
    x = x.astype(np.float64)
    ref = np.array([math.log(x[i] / x[i - h]) if i >= h else math.nan for i in range(len(x))])
    close(ind.LogReturn(h).run(x), ref, 1.0)


def test_keltner_is_ema_plus_minus_atr() -> None:
    rng = np.random.default_rng(11)
    c = 100 + np.cumsum(rng.normal(0, 1, 300))
    h, lo = c + rng.random(300), c - rng.random(300)
    p, ap, k = 20, 10, 1.5
    # plain-Python EMA (SMA seed) and Wilder ATR (SMA seed of true ranges from bar 1)
    ema = [math.nan] * 300
    ema[p - 1] = math.fsum(c[:p]) / p
    for i in range(p, 300):
        ema[i] = ema[i - 1] + 2 / (p + 1) * (c[i] - ema[i - 1])
    tr = [math.nan] + [max(h[i] - lo[i], abs(h[i] - c[i - 1]), abs(lo[i] - c[i - 1])) for i in range(1, 300)]
    atr = [math.nan] * 300
    atr[ap] = math.fsum(tr[1:ap + 1]) / ap
    for i in range(ap + 1, 300):
        atr[i] = (atr[i - 1] * (ap - 1) + tr[i]) / ap
    kc = ind.KELTNER(p, ap, k)
    got = kc.run(h, lo, c)
    w = kc.warmup
    assert w == max(p - 1, ap) and np.isnan(got[:w]).all()
    ref = np.column_stack([np.add(ema, np.multiply(k, atr)), ema, np.subtract(ema, np.multiply(k, atr))])
    np.testing.assert_allclose(got[w:], ref[w:], rtol=1e-12)


def test_indicator_set_equals_its_members() -> None:
    rng = np.random.default_rng(2)
    c = 100 + np.cumsum(rng.normal(0, 1, 200))
    h, lo, v = c + 1, c - 1, rng.exponential(1, 200)
    s = ind.IndicatorSet({"ema": ind.EMA(10), "macd": ind.MACD(), "atr": ind.ATR(5),
                          "vmean": (ind.RollingMean(7), ("volume",))})
    assert s.inputs == ("close", "high", "low", "volume")
    assert s.outputs == ("ema", "macd.macd", "macd.signal", "macd.hist", "atr", "vmean")
    got = s.run(c, h, lo, v)
    ref = np.column_stack([ind.EMA(10).run(c), ind.MACD().run(c), ind.ATR(5).run(h, lo, c),
                           ind.RollingMean(7).run(v)])
    np.testing.assert_array_equal(got, ref)
    assert s.warmup == max(m.warmup for m in s.members.values())
    buf = s.update(1.0, 2.0, 0.5, 3.0)
    assert buf is s.values and buf is s.update(1.0, 2.0, 0.5, 3.0)
