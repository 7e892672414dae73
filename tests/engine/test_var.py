"""VaR and expected shortfall against independent references (sorted-sample quantiles, scipy-free normal
via the error function)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.engine import var

returns = st.lists(st.floats(-0.2, 0.2), min_size=20, max_size=300).map(np.asarray)


def _phi_inv(p: float) -> float:
    lo, hi = -10.0, 10.0
    for _ in range(200):  # bisection on the normal cdf written with erf
        mid = (lo + hi) / 2
        if 0.5 * (1 + math.erf(mid / math.sqrt(2))) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@settings(max_examples=200, deadline=None)
@given(returns, st.sampled_from([0.9, 0.95, 0.99]))
def test_historical_matches_sorted_sample(r: np.ndarray, c: float) -> None:
    v, es = var.historical(r, c)
    s = np.sort(r)
    pos = (len(s) - 1) * (1 - c)
    lo = math.floor(pos)
    q = s[lo] + (s[min(lo + 1, len(s) - 1)] - s[lo]) * (pos - lo)
    assert v == pytest.approx(-q, abs=1e-12)
    # the quantile is known to within rounding: the tail is every return at or below some threshold in
    # [q - eps, q + eps], i.e. below that interval, or up to one of the returns inside it
    eps = 1e-12 * max(1.0, abs(q))
    cuts = [q - eps, *sorted(x for x in r if q - eps <= x <= q + eps)]
    tails = [[x for x in r if x <= cut] for cut in cuts]
    assert any(t and es == pytest.approx(-sum(t) / len(t), abs=1e-12) for t in tails), (es, q)
    assert es >= v - 1e-12


@settings(max_examples=100, deadline=None)
@given(st.floats(-0.01, 0.01), st.floats(1e-4, 0.1), st.sampled_from([0.95, 0.99]), st.integers(1, 100))
def test_parametric_normal(mu: float, sigma: float, c: float, h: int) -> None:
    v, es = var.parametric(mu, sigma, c, h)
    z = _phi_inv(1 - c)
    assert v == pytest.approx(-(mu * h + sigma * math.sqrt(h) * z), rel=1e-6, abs=1e-9)
    pdf = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    assert es == pytest.approx(-(mu * h - sigma * math.sqrt(h) * pdf / (1 - c)), rel=1e-6, abs=1e-9)


def test_portfolio_single_instrument_is_the_scaled_series() -> None:
    r = np.random.default_rng(3).normal(0, 0.01, 500)
    v, _ = var.portfolio(r[:, None], np.array([-2000.0]), 0.99, "historical")
    assert v == pytest.approx(var.historical(-2000.0 * r, 0.99)[0])
    hedged = var.portfolio(np.column_stack([r, r]), np.array([1000.0, -1000.0]), 0.99, "parametric")
    assert hedged[0] == pytest.approx(0.0, abs=1e-9)


def test_horizon_sums_overlapping_windows() -> None:
    r = np.arange(30, dtype=float)
    assert list(var.aggregate(r, 3)[:3]) == [0 + 1 + 2, 1 + 2 + 3, 2 + 3 + 4]


def test_short_or_bad_input() -> None:
    assert all(math.isnan(x) for x in var.historical(np.zeros(5)))
    with pytest.raises(ValueError):
        var.historical(np.zeros(50), 1.0)
    with pytest.raises(ValueError):
        var.portfolio(np.zeros((50, 2)), np.zeros(3))


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 700), st.integers(1, 5), st.integers(0, 2**32 - 1), st.floats(1e-8, 1e3))
def test_moments_and_deviation_are_numpy_s_to_the_bit(n: int, k: int, seed: int, scale: float) -> None:
    """The bar-close path does numpy's arithmetic without its argument handling: the same bits."""
    rng = np.random.default_rng(seed)
    rows = rng.normal(rng.normal(0, scale), scale, (n, k))
    assert var.mean_of(rows).tobytes() == rows.mean(axis=0).tobytes()
    assert var.cov_of(rows).tobytes() == np.atleast_2d(np.cov(rows, rowvar=False, ddof=1)).tobytes()
    column = np.ascontiguousarray(rows[:, 0])
    assert var.std_of(column) == float(column.std(ddof=1))
    if n >= 3:
        assert var.std_of(column[1:]) == float(column[1:].std(ddof=1))


# -- exact rolling moments ---------------------------------------------------------------------------------
def _exact(values: list[float]) -> tuple[float, float]:
    """The plain reference: mean and sample variance of the values as exact fractions, rounded once."""
    n = len(values)
    if not n:
        return math.nan, math.nan
    total = sum((Fraction(x) for x in values), Fraction(0))
    mean = total / n
    if n < 2:
        return float(mean), math.nan
    square = sum(((Fraction(x) - mean) ** 2 for x in values), Fraction(0)) / (n - 1)
    try:
        return float(mean), float(square)
    except OverflowError:
        return float(mean), math.inf


def _same(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return np.asarray(a).tobytes() == np.asarray(b).tobytes()


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e200, max_value=1e200) | st.floats(
    allow_nan=False, allow_infinity=False, allow_subnormal=True, min_value=-1e-300, max_value=1e-300)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(finite, st.integers(0, 3)), max_size=60))
def test_exact_moments_are_the_exact_figures_rounded_once(steps: list[tuple[float, int]]) -> None:
    """Any order of joins and leaves (leaves of held values, not only the oldest), any finite floats
    (subnormal, huge, of mixed exponents): after every step the moments are the correctly rounded mean
    and sample variance of the values held, as exact fractions give them."""
    moments, held = var.ExactMoments(), list[float]()
    for x, leave in steps:
        if leave and held:
            moments.remove(held.pop((leave * 7919) % len(held)))
        else:
            moments.add(x)
            held.append(x)
        assert moments.n == len(held)
        assert _same(moments.mean_variance(), _exact(held))
    for x in held:
        moments.remove(x)
    assert moments.n == 0 and moments.s1 == moments.s2 == 0 and moments.scale == 0


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 700), st.integers(0, 2**32 - 1), st.floats(1e-8, 1e3))
def test_exact_moments_are_within_1e_12_of_numpy(n: int, seed: int, scale: float) -> None:
    """The documented bound against numpy's pairwise mean and two-pass variance: a relative 1e-12 (of
    the mean absolute value for the mean, which may itself be near zero); parametric VaR follows."""
    rng = np.random.default_rng(seed)
    r = rng.normal(rng.normal(0, scale), scale, n)
    moments = var.ExactMoments()
    for x in r.tolist():
        moments.add(x)
    mean, variance = moments.mean_variance()
    assert abs(mean - float(r.mean())) <= 1e-12 * float(np.abs(r).mean())
    assert abs(variance - float(r.var(ddof=1))) <= 1e-12 * variance
    assert abs(math.sqrt(variance) - float(r.std(ddof=1))) <= 1e-12 * math.sqrt(variance)
    if n >= var.MIN_OBSERVATIONS:
        got, want = var.parametric_moments(moments, 0.99, 60), var.parametric_of(r, 0.99, 60)
        size = abs(mean) * 60 + math.sqrt(variance * 60) * 3
        assert all(abs(g - w) <= 1e-12 * size for g, w in zip(got, want, strict=True))
    else:
        assert all(math.isnan(x) for x in var.parametric_moments(moments, 0.99, 60))


def test_exact_moments_do_not_drift_in_a_long_rolling_window() -> None:
    """A window rolled over 200k values of mixed magnitudes: the sums stay exact, so the figures are the
    window's own, rounded once, as a fresh computation gives them."""
    rng = np.random.default_rng(7)
    values = (rng.normal(0, 1e-4, 200_000) * rng.choice([1.0, 1e-9, 1e6], 200_000, p=[0.98, 0.01, 0.01])).tolist()
    moments, window = var.ExactMoments(), 600
    for i, x in enumerate(values):
        if i >= window:
            moments.remove(values[i - window])
        moments.add(x)
        if i % 49_999 == 0 or i == len(values) - 1:
            held = values[max(0, i + 1 - window):i + 1]
            assert _same(moments.mean_variance(), _exact(held))
