"""VaR and expected shortfall against independent references (sorted-sample quantiles, scipy-free normal
via the error function)."""

from __future__ import annotations

import math

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
    # a return within rounding of the quantile may fall on either side of it, depending on how the
    # interpolation rounds: either tail is right
    eps = 1e-12 * max(1.0, abs(q))
    tails = [[x for x in r if x <= q + eps], [x for x in r if x < q - eps]]
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
